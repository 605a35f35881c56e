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

  The counts are computed without a loop over texts: the texts are
  flattened once into integer codes, each top word's runs of windows (its
  flag's on-runs in gensim's semantics, the union of its occurrences'
  windows otherwise) become the rows of a binary sparse matrix ``P``
  (windows x words), and ``P.sum(0)`` and ``P.T @ P`` are the word and pair
  counts; a test checks them against the per-text implementation.
* :func:`topic_agreement` matches the topics of two runs with the Hungarian
  algorithm (:func:`scipy.optimize.linear_sum_assignment`) on the similarity
  of their top-n term lists (Jaccard or rank-biased overlap) and averages the
  matched similarities (Greene, O'Callaghan & Cunningham 2014).
* :class:`KSelector` / :func:`choose_k` fit ``n_restarts`` models per k
  (random initialisation, seeds drawn from ``random_state``), score each by
  NPMI, held-out reconstruction error (:func:`heldout_error`) and stability,
  choose k by the one-SE rule on mean NPMI, report how often each k wins
  when the restarts are bootstrapped, and keep the winning fit itself as
  the reference model.
  The units are vectorised once per training set (all units, and each
  fold's training units) and flattened once for NPMI; every (k, restart)
  fit reuses them (:meth:`~discourse.analysis.topics.TopicModel.fit_vectorized`),
  which gives the same fits and scores as fitting each model on its token
  lists.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning

from discourse.config import RANDOM_STATE
from discourse.analysis.vocab import TokenFilter, as_is, token_lists

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
    """Window counts of each relevant word and of each pair, text by text.

    The direct implementation (one presence matrix per text), kept as the
    reference that the vectorised :class:`_WindowCorpus` is tested against.
    """
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


class _WindowCorpus:
    """The reference texts flattened once, for window counts of any word set.

    Holds every token as an integer code (its position in the sorted
    vocabulary of the texts), the text each token belongs to, its position
    in that text, and the number of sliding windows of every text
    (``max(1, len - window + 1)``). :meth:`counts` then returns the window
    counts of any set of words with array operations and one sparse matrix
    product, so that scoring many topic sets over the same texts (as
    :class:`KSelector` does) reads the texts only once.
    """

    def __init__(self, texts: Iterable[Sequence[str]], window: int) -> None:
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        texts = [list(t) for t in texts]
        lengths = np.array([len(t) for t in texts], dtype=np.int64)
        flat = np.empty(int(lengths.sum()), dtype=object)
        flat[:] = list(itertools.chain.from_iterable(texts))
        codes, uniques = pd.factorize(flat)  # exact token equality, as a dict lookup
        self.window = int(window)
        self.index_ = pd.Index(uniques)
        self.codes_ = np.asarray(codes, dtype=np.int64)
        self.text_ = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        self.pos_ = np.arange(len(flat), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        self.n_win_ = np.maximum(1, lengths - self.window + 1)
        self.win_offset_ = np.cumsum(self.n_win_) - self.n_win_
        self.n_windows_ = int(self.n_win_.sum())

    def counts(self, words: Sequence[str], gensim_compatible: bool) -> tuple[np.ndarray, np.ndarray, int]:
        """Window counts of each word (``occ``) and of each pair (``co``), as ``_window_counts``."""
        r = len(words)
        where = self.index_.get_indexer(list(words)) if r else np.zeros(0, dtype=np.int64)
        col_of = np.full(len(self.index_), -1, dtype=np.int64)  # token code -> column of words
        col_of[where[where >= 0]] = np.flatnonzero(where >= 0)
        hit = np.flatnonzero(col_of[self.codes_] >= 0)
        col = col_of[self.codes_[hit]]
        t, p = self.text_[hit], self.pos_[hit]
        nw = self.n_win_[t]
        w = self.window
        if gensim_compatible:
            seg_start, seg_end, seg_col, seg_text = self._gensim_segments(col, t, p, nw, w)
        else:
            # true membership: position p lies in windows max(0, p-w+1) .. min(p, nw-1)
            seg_start = np.maximum(0, p - w + 1)
            seg_end = np.minimum(p, nw - 1) + 1
            seg_col, seg_text = col, t
        P = self._presence(seg_start, seg_end, seg_col, seg_text, r)
        occ = np.asarray(P.sum(axis=0)).ravel().astype(np.int64)
        co = np.asarray((P.T @ P).toarray(), dtype=np.int64)
        return occ, co, self.n_windows_

    def _gensim_segments(self, col, t, p, nw, w):
        """Runs of windows in which gensim's per-word flag is set (see ``_presence_gensim``).

        Events per (text, word): the flag is set at step ``p - w + 1`` by an
        occurrence at ``p >= w`` and at step 0 by any occurrence at ``p < w``;
        it is cleared at step ``p + 1`` (when that step exists); a set wins
        over a clear at the same step. The flag then keeps the value of the
        last event until the next event of the same word in the same text,
        or the end of the text's windows.
        """
        enter = np.where(p >= w, p - w + 1, 0)
        leave_ok = p + 1 <= nw - 1
        ev_t = np.concatenate([t, t[leave_ok]])
        ev_c = np.concatenate([col, col[leave_ok]])
        ev_s = np.concatenate([enter, p[leave_ok] + 1])
        ev_v = np.concatenate([np.ones(len(t), dtype=np.int8), -np.ones(int(leave_ok.sum()), dtype=np.int8)])
        order = np.lexsort((-ev_v, ev_s, ev_c, ev_t))  # by text, word, step; set before clear
        ev_t, ev_c, ev_s, ev_v = ev_t[order], ev_c[order], ev_s[order], ev_v[order]
        first = np.ones(len(ev_t), dtype=bool)  # the first event of each (text, word, step) wins
        first[1:] = (ev_t[1:] != ev_t[:-1]) | (ev_c[1:] != ev_c[:-1]) | (ev_s[1:] != ev_s[:-1])
        ev_t, ev_c, ev_s, ev_v = ev_t[first], ev_c[first], ev_s[first], ev_v[first]
        same_next = np.zeros(len(ev_t), dtype=bool)
        same_next[:-1] = (ev_t[1:] == ev_t[:-1]) & (ev_c[1:] == ev_c[:-1])
        nxt = np.empty(len(ev_t), dtype=np.int64)
        nxt[:-1] = ev_s[1:]
        nxt = np.where(same_next, nxt, self.n_win_[ev_t]) if len(ev_t) else nxt
        on = ev_v > 0
        return ev_s[on], nxt[on], ev_c[on], ev_t[on]

    def _presence(self, start, end, col, text, r):
        """Binary sparse matrix windows x words from runs [start, end) of local windows."""
        lengths = np.maximum(end - start, 0)
        total = int(lengths.sum())
        base = np.repeat(self.win_offset_[text] + start - np.concatenate([[0], np.cumsum(lengths)[:-1]]),
                         lengths) if total else np.zeros(0, np.int64)
        rows = base + np.arange(total, dtype=np.int64)
        cols = np.repeat(col, lengths)
        P = sp.csr_array((np.ones(total, dtype=np.int64), (rows, cols)), shape=(self.n_windows_, r))
        P.sum_duplicates()
        P.data[:] = 1  # a window counts a word once, however many of its runs cover it
        return P


def _npmi_from_counts(topics: list[list[str]], vocab: dict[str, int], occ: np.ndarray,
                      co: np.ndarray, n_windows: int) -> np.ndarray:
    """Mean NPMI of each topic from window counts (the formula of the module notes)."""
    missing = [w for w in vocab if occ[vocab[w]] == 0]
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


def _npmi(topics: Sequence[Sequence[str]], corpus: _WindowCorpus, gensim_compatible: bool = True) -> np.ndarray:
    """:func:`npmi_coherence` over a corpus flattened once."""
    topics = [list(t) for t in topics]
    words = sorted({w for t in topics for w in t})
    vocab = {w: i for i, w in enumerate(words)}
    occ, co, n_windows = corpus.counts(words, gensim_compatible)
    return _npmi_from_counts(topics, vocab, occ, co, n_windows)


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
    return _npmi(topics, _WindowCorpus(texts, window), gensim_compatible)


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


def _top_lists(tm, n_top: int) -> list[list[str]]:
    top = tm.top_terms(n_top)
    return [g.term.tolist() for _, g in top.groupby("topic", sort=True)]


def _fit_quiet(tm, docs, vectorized=None) -> bool:
    """Fit; return True when NMF/LDA stopped at max_iter (warning recorded, not shown).

    *vectorized*, a pair ``(M, vectorizer)`` of :func:`_vectorize_filtered`,
    fits on that matrix instead of vectorising *docs* again (same fit).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        if vectorized is None:
            tm.fit(docs)
        else:
            tm.fit_vectorized(*vectorized)
    return any(issubclass(w.category, ConvergenceWarning) for w in caught)


def _vectorize_filtered(proto, train, tests=()):
    """Fit *proto*'s vectorizer on already-filtered *train* token lists.

    The vectorizer's own analyzer (a :class:`TokenFilter`) would return each
    filtered list unchanged, so counting with an identity analyzer gives the
    same matrix without filtering every token again; the filter is put back
    before the vectorizer is returned, so that a model holding it handles
    raw token lists as :meth:`TopicModel.fit` would. Returns ``(M,
    vectorizer, [transform(t) for t in tests])``.
    """
    vec = proto.make_vectorizer()
    analyzer = vec.analyzer
    vec.set_params(analyzer=as_is)
    M = vec.fit_transform(train)
    X = [vec.transform(t) for t in tests]
    vec.set_params(analyzer=analyzer)
    return M, vec, X


def heldout_error(model, train, test) -> float:
    """Relative Frobenius reconstruction error of held-out units.

    *model* (an unfitted :class:`~discourse.analysis.topics.TopicModel`, NMF)
    is fitted on *train*; the held-out TF-IDF matrix ``X`` (train vocabulary
    and idf; unseen terms dropped) is projected on the fitted topics,
    ``W = NMF.transform(X)`` with the topic-term matrix ``H`` fixed, and the
    error is ``||X - W H||_F / ||X||_F`` (0 = perfect, 1 = nothing explained).

    Examples
    --------
    >>> from discourse.analysis.topics import TopicModel
    >>> docs = [["核酸", "检测"], ["疫苗", "接种"]] * 4
    >>> round(heldout_error(TopicModel(n_components=2), docs[:6], docs[6:]), 3)
    0.0
    """
    if getattr(model, "method", "nmf") != "nmf":
        raise ValueError("held-out reconstruction error is defined for NMF models")
    _fit_quiet(model, train)
    return _projection_error(model, model.vectorizer_.transform(token_lists(test)))


def _projection_error(model, X) -> float:
    """``||X - W H||_F / ||X||_F`` with ``W = model_.transform(X)`` (see :func:`heldout_error`).

    The residual is formed as ``-(W H)`` plus the stored entries of ``X``,
    which is the same floating-point value as ``X - W H`` entry by entry
    without densifying ``X``.
    """
    W = model.model_.transform(X)
    norm = float(np.sqrt(X.multiply(X).sum()))
    if norm == 0:
        return float("nan")
    R = W @ model.model_.components_
    np.negative(R, out=R)
    X = sp.csr_matrix(X)
    if not X.has_canonical_format:
        X = X.copy()  # never reorder the caller's matrix in place
        X.sum_duplicates()
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    R[rows, X.indices] += X.data
    return float(np.linalg.norm(R) / norm)


def _one_se_choice(ks: np.ndarray, means: np.ndarray, ses: np.ndarray, larger_better: bool) -> int:
    """Smallest k whose mean is within one SE (of the best k) of the best mean."""
    sign = 1.0 if larger_better else -1.0
    m = sign * means
    best = int(np.nanargmax(m))
    se = ses[best] if np.isfinite(ses[best]) else 0.0
    ok = m >= m[best] - se - 1e-12
    return int(ks[np.flatnonzero(ok)[0]])


class KSelector(BaseEstimator):
    """Choose the number of topics from many restarts (scikit-learn style).

    For each k in *ks* and each of ``n_restarts`` seeds (the same seeds for
    every k), a :class:`~discourse.analysis.topics.TopicModel` is fitted on
    all units (NMF with ``init="random"`` so that restarts differ; LDA is
    random by nature) and scored by

    * ``coherence``: mean NPMI of its topics' top words over the units
      (:func:`npmi_coherence`);
    * ``heldout_error``: mean over ``n_folds`` folds of the units
      (:class:`sklearn.model_selection.KFold`, shuffled with *random_state*,
      the same folds for every fit) of :func:`heldout_error` for a model with
      the same k, seed and initialisation fitted on the other folds (NMF
      only; NaN for LDA or ``n_folds=0``);
    * ``stability``: mean :func:`topic_agreement` of its top words with the
      other restarts at the same k.

    **Rule for k** (``criterion="coherence"``, the default): the one-SE rule
    (Breiman et al. 1984; Hastie, Tibshirani & Friedman 2009, section 7.10):
    the *smallest* k whose mean coherence over restarts is at least the best
    mean minus one standard error (SD / sqrt(n_restarts)) of that best k.
    ``criterion="heldout"`` applies the same rule to the lowest mean
    held-out error. The stability of the choice is reported by bootstrapping
    the restarts: ``n_boot`` times, ``n_restarts`` seeds are drawn with
    replacement (the same draw for every k) and the rule is applied again;
    ``win_freq`` is the share of draws in which each k is chosen.
    ``n_restart_wins`` counts the seeds whose own coherence is highest at
    that k.

    The reference model :attr:`best_fit_` is one of the scored fits: at the
    chosen k, the restart with the highest coherence (ties: first seed),
    fitted on all units with that seed and initialisation.

    Parameters
    ----------
    ks : iterable of int
    n_restarts : int, default 20
    n_top : int, default 10
    method : {"nmf", "lda"}
    window : int, default 10
    measure : {"jaccard", "rbo"}
    n_folds : int, default 3
        Folds for the held-out error; 0 skips it.
    criterion : {"coherence", "heldout"}
    n_boot : int, default 1000
    random_state : int
    model_params : dict, optional
        Passed to :class:`~discourse.analysis.topics.TopicModel` (``min_df``,
        ``stop_words`` ...); for NMF ``init="random"`` and ``max_iter=2000``
        unless given.

    Attributes
    ----------
    scores_ : DataFrame
        One row per (k, restart): ``k, restart, seed, coherence,
        heldout_error, stability, reconstruction_err, converged``.
    summary_ : DataFrame
        One row per k (see :func:`choose_k`).
    k_ : int
        The chosen k.
    best_fit_ : TopicModel
        The scored fit at ``k_`` with the highest coherence.
    best_restart_ : int
    seeds_ : ndarray

    Examples
    --------
    >>> docs = [["核酸", "检测", "筛查"], ["疫苗", "接种", "加强"]] * 4
    >>> sel = KSelector(ks=[2, 3], n_restarts=2, n_top=3, n_folds=2, n_boot=50).fit(docs)
    >>> sel.scores_.shape[0], sel.k_ in (2, 3), sel.best_fit_.n_components == sel.k_
    (4, True, True)
    """

    def __init__(
        self,
        *,
        ks: Iterable[int] = range(4, 21, 4),
        n_restarts: int = 20,
        n_top: int = 10,
        method: str = "nmf",
        window: int = 10,
        measure: str = "jaccard",
        n_folds: int = 3,
        criterion: str = "coherence",
        n_boot: int = 1000,
        random_state: int | None = RANDOM_STATE,
        model_params: dict | None = None,
    ) -> None:
        self.ks = ks
        self.n_restarts = n_restarts
        self.n_top = n_top
        self.method = method
        self.window = window
        self.measure = measure
        self.n_folds = n_folds
        self.criterion = criterion
        self.n_boot = n_boot
        self.random_state = random_state
        self.model_params = model_params

    def _params(self) -> dict:
        params = dict(self.model_params or {})
        if self.method == "nmf":
            params.setdefault("init", "random")
            params.setdefault("max_iter", 2000)
        return params

    def fit(self, units_tokens, y=None) -> KSelector:
        """Score every (k, restart) on the units' token lists."""
        from sklearn.model_selection import KFold

        from discourse.analysis.topics import TopicModel  # local: topics imports stats only

        ks = [int(k) for k in self.ks]
        if not ks:
            raise ValueError("ks is empty")
        if self.n_restarts < 1:
            raise ValueError(f"n_restarts must be >= 1, got {self.n_restarts}")
        if self.criterion not in ("coherence", "heldout"):
            raise ValueError(f"criterion must be 'coherence' or 'heldout', got {self.criterion!r}")
        if self.criterion == "heldout" and (self.method != "nmf" or not self.n_folds):
            raise ValueError("criterion='heldout' needs method='nmf' and n_folds >= 2")
        params = self._params()
        flt = TokenFilter(params.get("stop_words"))
        texts = [flt(t) for t in token_lists(units_tokens)]
        rng = np.random.default_rng(self.random_state)
        seeds = rng.integers(0, 2**31 - 1, size=self.n_restarts)
        folds = []
        if self.method == "nmf" and self.n_folds:
            if self.n_folds < 2:
                raise ValueError(f"n_folds must be 0 or >= 2, got {self.n_folds}")
            kf = KFold(n_splits=self.n_folds, shuffle=True, random_state=int(rng.integers(2**31 - 1)))
            folds = list(kf.split(np.arange(len(texts))))
        # vectorise once per training set and flatten the texts once for NPMI:
        # every (k, seed) fit below reuses them (the fits are the same as fitting
        # each TopicModel on its token lists, see TopicModel.fit_vectorized)
        proto = TopicModel(n_components=ks[0], method=self.method, **params)
        M, vec, _ = _vectorize_filtered(proto, texts)
        fold_data = []
        for tr, te in folds:
            Mtr, vtr, (Xte,) = _vectorize_filtered(proto, [texts[i] for i in tr], [[texts[i] for i in te]])
            fold_data.append((Mtr, vtr, Xte))
        corpus = _WindowCorpus(texts, self.window)
        rows, best, pairs = [], {}, {}
        for k in ks:
            runs = []
            for r, seed in enumerate(seeds):
                tm = TopicModel(n_components=k, method=self.method, random_state=int(seed), **params)
                unconverged = _fit_quiet(tm, texts, (M, vec))
                terms = _top_lists(tm, self.n_top)
                runs.append(terms)
                coh = float(np.mean(_npmi(terms, corpus)))
                errs = []
                for Mtr, vtr, Xte in fold_data:
                    held = TopicModel(n_components=k, method=self.method, random_state=int(seed), **params)
                    _fit_quiet(held, None, (Mtr, vtr))
                    errs.append(_projection_error(held, Xte))
                rows.append({
                    "k": k, "restart": r, "seed": int(seed), "coherence": coh,
                    "heldout_error": float(np.mean(errs)) if errs else float("nan"),
                    "stability": float("nan"),
                    "reconstruction_err": tm.reconstruction_err_ if tm.reconstruction_err_ is not None
                    else float("nan"),
                    "converged": not unconverged,
                })
                if k not in best or coh > best[k][0]:
                    best[k] = (coh, r, tm)
            base = len(rows) - len(runs)
            for i in range(len(runs)):
                others = [topic_agreement(runs[i], runs[j], self.measure)
                          for j in range(len(runs)) if j != i]
                rows[base + i]["stability"] = float(np.mean(others)) if others else float("nan")
            pairs[k] = [topic_agreement(a, b, self.measure)
                        for a, b in itertools.combinations(runs, 2)]
        self.scores_ = pd.DataFrame(rows)
        self.seeds_ = seeds
        self.summary_ = self._summarise(ks, pairs, rng)
        self.k_ = int(self.summary_.loc[self.summary_.chosen, "k"].iloc[0])
        self.best_restart_ = int(best[self.k_][1])
        self.best_fit_ = best[self.k_][2]
        return self

    def _summarise(self, ks, pairs, rng) -> pd.DataFrame:
        sc = self.scores_
        R = self.n_restarts
        crit = "coherence" if self.criterion == "coherence" else "heldout_error"
        larger = self.criterion == "coherence"
        M = np.vstack([sc.loc[sc.k == k, crit].to_numpy() for k in ks])  # (K, R)
        karr = np.asarray(ks)

        def rule(mat: np.ndarray) -> int:
            means = mat.mean(axis=1)
            ses = mat.std(axis=1, ddof=1) / np.sqrt(mat.shape[1]) if mat.shape[1] > 1 \
                else np.zeros(len(ks))
            return _one_se_choice(karr, means, ses, larger)

        chosen = rule(M)
        wins = np.zeros(len(ks))
        for _ in range(self.n_boot):
            draw = rng.integers(0, R, size=R)
            wins[ks.index(rule(M[:, draw]))] += 1
        C = np.vstack([sc.loc[sc.k == k, "coherence"].to_numpy() for k in ks])
        per_restart = karr[np.argmax(C, axis=0)]  # first (smallest) k on ties
        out = []
        for i, k in enumerate(ks):
            g = sc[sc.k == k]
            agree = pairs.get(k, [])
            coh = g.coherence.to_numpy()
            err = g.heldout_error.to_numpy()
            out.append({
                "k": k,
                "coherence_mean": float(coh.mean()),
                "coherence_sd": float(coh.std(ddof=1)) if R > 1 else float("nan"),
                "stability_mean": float(np.mean(agree)) if agree else float("nan"),
                "stability_sd": float(np.std(agree, ddof=1)) if len(agree) > 1 else float("nan"),
                "n_restarts": int(R),
                "n_unconverged": int((~g.converged).sum()),
                "coherence_se": float(coh.std(ddof=1) / np.sqrt(R)) if R > 1 else float("nan"),
                "heldout_error_mean": float(np.mean(err)) if np.isfinite(err).any() else float("nan"),
                "heldout_error_sd": float(np.std(err, ddof=1)) if R > 1 and np.isfinite(err).all()
                else float("nan"),
                "n_restart_wins": int((per_restart == k).sum()),
                "win_freq": float(wins[i] / self.n_boot) if self.n_boot else float("nan"),
                "chosen": bool(k == chosen),
            })
        return pd.DataFrame(out)


def choose_k(
    units_tokens,
    ks: Iterable[int] = range(4, 21, 4),
    *,
    n_restarts: int = 20,
    n_top: int = 10,
    method: str = "nmf",
    window: int = 10,
    measure: str = "jaccard",
    random_state: int | None = RANDOM_STATE,
    n_folds: int = 3,
    criterion: str = "coherence",
    n_boot: int = 1000,
    return_selector: bool = False,
    **model_params,
):
    """Coherence, held-out error and stability for each candidate k (see :class:`KSelector`).

    Parameters
    ----------
    units_tokens : DataFrame with ``tokens`` or list of token lists
    ks : iterable of int
    n_restarts : int, default 20
        Seeds per k (the choice of k is unstable with few restarts).
    n_top, method, window, measure, random_state, n_folds, criterion, n_boot
        As in :class:`KSelector`.
    return_selector : bool, default False
        Return the fitted :class:`KSelector` (with ``scores_`` per restart,
        ``k_`` and ``best_fit_``) instead of its summary table.
    **model_params
        Passed to :class:`~discourse.analysis.topics.TopicModel` (``min_df`` ...).

    Returns
    -------
    DataFrame or KSelector
        One row per k: ``k, coherence_mean, coherence_sd, stability_mean,
        stability_sd, n_restarts, n_unconverged`` (SD with ddof=1 over
        restarts / over restart pairs; ``n_unconverged`` restarts stopped at
        ``max_iter``, 2,000 for NMF unless given), then ``coherence_se,
        heldout_error_mean, heldout_error_sd, n_restart_wins, win_freq,
        chosen`` (the k of the one-SE rule).

    Examples
    --------
    >>> docs = [["核酸", "检测", "筛查"], ["疫苗", "接种", "加强"]] * 4
    >>> choose_k(docs, ks=[2], n_restarts=2, n_top=3, n_boot=10).k.tolist()
    [2]
    """
    sel = KSelector(
        ks=ks, n_restarts=n_restarts, n_top=n_top, method=method, window=window,
        measure=measure, n_folds=n_folds, criterion=criterion, n_boot=n_boot,
        random_state=random_state, model_params=model_params,
    ).fit(units_tokens)
    return sel if return_selector else sel.summary_


__all__ = [
    "EPSILON",
    "npmi_coherence",
    "rank_biased_overlap",
    "topic_agreement",
    "heldout_error",
    "KSelector",
    "choose_k",
]
