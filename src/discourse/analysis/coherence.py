"""Choosing the number of topics: NPMI coherence and stability across restarts.

* :func:`npmi_coherence` is the ``c_npmi`` measure of Röder, Both & Hinneburg
  (2015, "Exploring the space of topic coherence measures", WSDM) exactly as
  gensim's ``CoherenceModel(coherence="c_npmi")`` computes it: every text is
  cut into boolean sliding windows of ``window`` tokens (a text shorter than
  the window, including an empty one, is one window); P(w) and P(w1, w2) are
  the fractions of windows containing w / both words; for every ordered pair
  of distinct top words ``NPMI = log((P(w1,w2) + eps) / (P(w1) P(w2))) /
  -log(P(w1,w2) + eps)`` with ``eps = 1e-12``; a topic's coherence is the mean
  over its pairs. Tokens of the texts that are not top words still occupy
  their positions in the windows.

  One detail follows gensim rather than the paper: gensim tracks window
  membership with one flag per word, clears the flag of the token leaving
  the window and sets the flag of the token entering it, so a word repeated
  within the window is counted absent after its first occurrence leaves. The
  default ``gensim_compatible=True`` reproduces that (and gensim's values to
  1e-12); ``gensim_compatible=False`` counts true window membership.
* :func:`topic_agreement` matches the topics of two runs with the Hungarian
  algorithm (:func:`scipy.optimize.linear_sum_assignment`) on the similarity
  of their top-n term lists (Jaccard or rank-biased overlap) and averages the
  matched similarities (Greene, O'Callaghan & Cunningham 2014).
* :func:`choose_k` fits ``n_restarts`` models per k (random initialisation,
  seeds drawn from ``random_state``) and tabulates mean and SD of coherence
  and of pairwise stability.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.exceptions import ConvergenceWarning

from discourse.config import RANDOM_STATE
from discourse.analysis.vocab import TokenFilter, token_lists

EPSILON = 1e-12


def _presence_exact(pos: dict[int, list[int]], ids: list[int], nw: int, window: int) -> np.ndarray:
    """presence[w, c]: window w really contains word ids[c]."""
    # Position p lies in windows max(0, p - window + 1) .. min(p, nw - 1).
    diff = np.zeros((nw + 1, len(ids)), dtype=np.int32)
    for c, j in enumerate(ids):
        for p in pos[j]:
            diff[max(0, p - window + 1), c] += 1
            diff[min(p, nw - 1) + 1, c] -= 1
    return np.cumsum(diff[:-1], axis=0) > 0


def _presence_gensim(pos: dict[int, list[int]], ids: list[int], nw: int, window: int) -> np.ndarray:
    """presence[w, c] as gensim's WordOccurrenceAccumulator tracks it.

    gensim keeps one flag per word and, sliding from window w-1 to w, clears
    the flag of the token that leaves at the left edge (position w-1) and then
    sets the flag of the token that enters at the right edge (position
    w+window-1). A word that leaves while another occurrence is still inside
    the window is therefore counted absent until it enters again.
    """
    out = np.zeros((nw, len(ids)), dtype=bool)
    steps = np.arange(nw)
    for c, j in enumerate(ids):
        ev = np.zeros(nw, dtype=np.int8)
        ps = np.asarray(pos[j])
        leave = ps[ps + 1 <= nw - 1] + 1
        ev[leave] = -1
        enter = ps[ps >= window] - window + 1
        ev[enter] = 1  # entering after leaving in the same step wins
        ev[0] = 1 if (ps < window).any() else -1
        last = np.maximum.accumulate(np.where(ev != 0, steps, 0))
        out[:, c] = ev[last] > 0
    return out


def _window_counts(
    texts: Iterable[Sequence[str]], vocab: dict[str, int], window: int, gensim_compatible: bool
) -> tuple[np.ndarray, np.ndarray, int]:
    """Window counts of each relevant word and of each pair (dense, small)."""
    r = len(vocab)
    occ = np.zeros(r, dtype=np.int64)
    co = np.zeros((r, r), dtype=np.int64)
    n_windows = 0
    presence = _presence_gensim if gensim_compatible else _presence_exact
    for text in texts:
        nw = max(1, len(text) - window + 1)
        n_windows += nw
        pos: dict[int, list[int]] = {}
        for p, tok in enumerate(text):
            j = vocab.get(tok)
            if j is not None:
                pos.setdefault(j, []).append(p)
        if not pos:
            continue
        ids = sorted(pos)
        present = presence(pos, ids, nw, window).astype(np.int64)
        occ[ids] += present.sum(axis=0)
        co[np.ix_(ids, ids)] += present.T @ present
    return occ, co, n_windows


def npmi_coherence(
    topics: Sequence[Sequence[str]],
    texts: Iterable[Sequence[str]],
    window: int = 10,
    *,
    gensim_compatible: bool = True,
) -> np.ndarray:
    """NPMI coherence (gensim's ``c_npmi``) of each topic over *texts*.

    Parameters
    ----------
    topics : list of list of str
        Top words of each topic.
    texts : iterable of list of str
        The reference corpus as token lists (usually the modelling units,
        with the same filtering as the model's vocabulary).
    window : int, default 10
        Boolean sliding-window size.
    gensim_compatible : bool, default True
        Count window occurrences as gensim 4.x does (see the module notes:
        a repeated word that leaves the window at its left edge is counted
        absent until it enters again). False counts true window membership,
        the textbook definition; the two differ only for words repeated
        within ``window`` tokens.

    Returns
    -------
    ndarray of shape (n_topics,)
        Mean NPMI over the ordered pairs of distinct top words, in [-1, 1].

    Raises
    ------
    ValueError
        When a top word never occurs in *texts* (its probability is zero).

    Examples
    --------
    >>> texts = [["核酸", "检测", "隔离"], ["疫苗", "接种"], ["核酸", "检测"]]
    >>> npmi_coherence([["核酸", "检测"], ["核酸", "疫苗"]], texts).round(3).tolist()
    [1.0, -0.946]

    (Words that never share a window score ``log(eps / (P(a) P(b))) / -log(eps)``,
    close to but not exactly -1, as in gensim.)
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    topics = [list(t) for t in topics]
    words = sorted({w for t in topics for w in t})
    vocab = {w: i for i, w in enumerate(words)}
    occ, co, n_windows = _window_counts(texts, vocab, window, gensim_compatible)
    missing = [w for w in words if occ[vocab[w]] == 0]
    if missing:
        raise ValueError(f"top words never occur in the texts: {missing[:10]}")
    N = float(n_windows)
    out = []
    for t in topics:
        vals = []
        for a, b in itertools.permutations(t, 2):
            if a == b:
                continue
            i, j = vocab[a], vocab[b]
            p_ab = co[i, j] / N
            num = np.log((p_ab + EPSILON) / ((occ[i] / N) * (occ[j] / N)))
            vals.append(num / -np.log(p_ab + EPSILON))
        out.append(float(np.mean(vals)) if vals else float("nan"))
    return np.asarray(out)


def rank_biased_overlap(a: Sequence[str], b: Sequence[str], p: float = 0.9) -> float:
    """Extrapolated rank-biased overlap (Webber, Moffat & Zobel 2010, eq. 32).

    For two lists of the same length k: ``RBO_ext = X_k/k * p**k +
    (1-p)/p * sum_{d=1..k} X_d/d * p**d`` with X_d the overlap of the first
    d items. Identical lists give 1, disjoint lists 0.

    Examples
    --------
    >>> rank_biased_overlap(["a", "b", "c"], ["a", "b", "c"])
    1.0
    >>> rank_biased_overlap(["a", "b"], ["c", "d"])
    0.0
    """
    k = min(len(a), len(b))
    if k == 0:
        return float("nan")
    seen_a: set[str] = set()
    seen_b: set[str] = set()
    total = 0.0
    x = 0
    for d in range(1, k + 1):
        ai, bi = a[d - 1], b[d - 1]
        if ai == bi:
            x += 1
        else:
            x += (ai in seen_b) + (bi in seen_a)
        seen_a.add(ai)
        seen_b.add(bi)
        total += x / d * p**d
    return float(min(1.0, x / k * p**k + (1 - p) / p * total))


def _jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else float("nan")


def topic_agreement(
    run_a: Sequence[Sequence[str]],
    run_b: Sequence[Sequence[str]],
    measure: str = "jaccard",
) -> float:
    """Agreement of two runs' topics after Hungarian matching.

    Parameters
    ----------
    run_a, run_b : list of list of str
        Top-n terms of each topic in each run. When the runs have different
        numbers of topics, the smaller run's topics are each matched to one
        topic of the larger run and the unmatched topics are ignored.
    measure : {"jaccard", "rbo"}
        Similarity of two term lists.

    Returns
    -------
    float
        Mean similarity of the matched topic pairs (1 = same topics).

    Examples
    --------
    >>> round(topic_agreement([["a", "b"], ["c", "d"]], [["c", "d"], ["a", "x"]]), 3)
    0.667
    """
    sim = {"jaccard": _jaccard, "rbo": rank_biased_overlap}.get(measure)
    if sim is None:
        raise ValueError(f"measure must be 'jaccard' or 'rbo', got {measure!r}")
    if not run_a or not run_b:
        raise ValueError(f"runs have {len(run_a)} and {len(run_b)} topics; both need at least one")
    S = np.array([[sim(a, b) for b in run_b] for a in run_a])
    rows, cols = linear_sum_assignment(S, maximize=True)
    return float(S[rows, cols].mean())


def choose_k(
    units_tokens,
    ks: Iterable[int] = range(4, 21, 4),
    *,
    n_restarts: int = 5,
    n_top: int = 10,
    method: str = "nmf",
    window: int = 10,
    measure: str = "jaccard",
    random_state: int | None = RANDOM_STATE,
    **model_params,
) -> pd.DataFrame:
    """Coherence and stability of topic models for each candidate k.

    For each k, ``n_restarts`` :class:`~discourse.analysis.topics.TopicModel` fits are
    made with different seeds (NMF with ``init="random"`` so that restarts
    differ; LDA is random by nature). Each run's coherence is the mean NPMI
    of its topics over the units' words; stability is the
    :func:`topic_agreement` of every pair of runs.

    Parameters
    ----------
    units_tokens : DataFrame with ``tokens`` or list of token lists
    ks : iterable of int
    n_restarts : int, default 5
    n_top : int, default 10
        Top terms per topic for both coherence and stability.
    method : {"nmf", "lda"}
    window : int, default 10
    measure : {"jaccard", "rbo"}
    random_state : int
        Seeds of the restarts are drawn from it.
    **model_params
        Passed to :class:`~discourse.analysis.topics.TopicModel` (``min_df`` ...).

    Returns
    -------
    DataFrame
        ``k, coherence_mean, coherence_sd, stability_mean, stability_sd,
        n_restarts, n_unconverged`` (SD with ddof=1 over runs / over run
        pairs; ``n_unconverged`` restarts stopped at ``max_iter``, 2,000 for
        NMF unless given).

    Examples
    --------
    >>> docs = [["核酸", "检测", "筛查"], ["疫苗", "接种", "加强"]] * 4
    >>> choose_k(docs, ks=[2], n_restarts=2, n_top=3).k.tolist()
    [2]
    """
    from discourse.analysis.topics import TopicModel  # local: topics imports stats only

    docs = token_lists(units_tokens)
    flt = TokenFilter(model_params.get("stop_words"))
    texts = [flt(t) for t in docs]
    seeds = np.random.default_rng(random_state).integers(0, 2**31 - 1, size=n_restarts)
    rows = []
    for k in ks:
        runs, cohs = [], []
        unconverged = 0
        for seed in seeds:
            params = dict(model_params)
            if method == "nmf":
                params.setdefault("init", "random")
                params.setdefault("max_iter", 2000)
            tm = TopicModel(n_components=int(k), method=method, random_state=int(seed), **params)
            # A restart that stops at max_iter is counted in the table, not
            # printed as a warning (warnings would reach notebook outputs).
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                tm.fit(texts)
            unconverged += any(issubclass(w.category, ConvergenceWarning) for w in caught)
            top = tm.top_terms(n_top)
            terms = [g.term.tolist() for _, g in top.groupby("topic", sort=True)]
            runs.append(terms)
            cohs.append(float(np.mean(npmi_coherence(terms, texts, window=window))))
        agree = [topic_agreement(a, b, measure) for a, b in itertools.combinations(runs, 2)]
        rows.append(
            {
                "k": int(k),
                "coherence_mean": float(np.mean(cohs)),
                "coherence_sd": float(np.std(cohs, ddof=1)) if len(cohs) > 1 else float("nan"),
                "stability_mean": float(np.mean(agree)) if agree else float("nan"),
                "stability_sd": float(np.std(agree, ddof=1)) if len(agree) > 1 else float("nan"),
                "n_restarts": int(n_restarts),
                "n_unconverged": int(unconverged),
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "EPSILON",
    "npmi_coherence",
    "rank_biased_overlap",
    "topic_agreement",
    "choose_k",
]
