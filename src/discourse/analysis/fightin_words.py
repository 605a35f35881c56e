"""Regularised log-odds ratio with an informative Dirichlet prior ("Fightin' Words").

Monroe, Colaresi & Quinn (2008), "Fightin' Words: Lexical feature selection
and evaluation for identifying the content of political conflict",
*Political Analysis* 16(4): 372-403, section 3.5. For word *w* with counts
``y_w^a`` and ``y_w^b`` in groups *a* and *b* (totals ``n^a``, ``n^b``), a
prior ``α_w`` and ``α_0 = Σ_w α_w``:

* eq. 16: ``δ̂_w = log((y_w^a + α_w) / (n^a + α_0 - y_w^a - α_w))
  - log((y_w^b + α_w) / (n^b + α_0 - y_w^b - α_w))``, the difference of the
  two groups' posterior log-odds of the word;
* eq. 20: ``σ²(δ̂_w) ≈ 1 / (y_w^a + α_w) + 1 / (y_w^b + α_w)``;
* eq. 22: ``z_w = δ̂_w / sqrt(σ²(δ̂_w))``.

The informative prior (their section 3.5.2) shrinks towards the word's
share of a background corpus: ``α_w = α_0 · y_w^bg / n^bg``, the background
being the two groups pooled (``prior="corpus"``, default) or any counts
passed. ``prior="uniform"`` gives the same ``α_w = α_0 / V`` to every word
(the uninformative Dirichlet prior of their section 3.5.1). α_0 sets the
prior's weight in pseudo-tokens; by default the background's own size (so
``α_w`` is the background count itself, the common usage).

Like the other token-level statistics, z treats tokens as independent; it
ranks words, it does not test a claim about documents
(:func:`discourse.analysis.keyness.permutation_keyness` does).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from discourse.analysis.grouping import group_counts

_PRIORS = ("corpus", "uniform")


def _series(x, name: str) -> pd.Series:
    if isinstance(x, pd.Series):
        s = x.astype("float64")
    elif isinstance(x, Mapping):
        s = pd.Series(dict(x), dtype="float64")
    else:
        raise TypeError(f"{name} must be a mapping term -> count or a Series, got {type(x).__name__}")
    if (s < 0).any():
        raise ValueError(f"{name} has negative counts: {s[s < 0].index[:5].tolist()}")
    return s


def fightin_words(
    counts_a: Mapping[str, int] | pd.Series,
    counts_b: Mapping[str, int] | pd.Series,
    *,
    prior: str | Mapping[str, float] | pd.Series = "corpus",
    alpha0: float | None = None,
    min_freq: int = 1,
) -> pd.DataFrame:
    """Monroe et al.'s (2008) z-scores of every word, group *a* against group *b*.

    Parameters
    ----------
    counts_a, counts_b : mapping or Series, term -> count
    prior : {"corpus", "uniform"} or mapping term -> background count
        ``"corpus"``: the two groups pooled are the background;
        ``"uniform"``: every word gets ``α_0 / V``; a mapping: background
        counts (e.g. a larger corpus), words missing from it get none and
        are dropped (the prior must be positive).
    alpha0 : float, optional
        Total prior weight α_0. Default: the background's total count
        (``"uniform"``: the number of words V, i.e. ``α_w = 1``).
    min_freq : int, default 1
        Keep words with ``y_a + y_b`` at least this (after the prior is
        computed on all words).

    Returns
    -------
    DataFrame
        ``term, count_a, count_b, n_a, n_b, rate_a, rate_b (per 1,000),
        alpha, delta, var, se, z, direction``, sorted by z (largest first,
        ties by term). ``attrs``: ``alpha0``, ``prior``.

    Examples
    --------
    >>> t = fightin_words({"清零": 30, "工作": 50, "防控": 20},
    ...                   {"清零": 2, "工作": 150, "防控": 48})
    >>> t[["term", "direction"]].values.tolist()
    [['清零', 'a'], ['防控', 'b'], ['工作', 'b']]
    """
    a = _series(counts_a, "counts_a")
    b = _series(counts_b, "counts_b")
    terms = sorted(set(a.index) | set(b.index))
    ya = a.reindex(terms, fill_value=0.0).to_numpy()
    yb = b.reindex(terms, fill_value=0.0).to_numpy()
    na, nb = ya.sum(), yb.sum()
    if na <= 0 or nb <= 0:
        raise ValueError(f"empty group: n_a = {na:g}, n_b = {nb:g}")
    if isinstance(prior, str):
        if prior not in _PRIORS:
            raise ValueError(f"prior must be one of {_PRIORS} or background counts, got {prior!r}")
        if prior == "corpus":
            bg = ya + yb
        else:
            bg = np.ones(len(terms))
        label = prior
    else:
        bg = _series(prior, "prior").reindex(terms, fill_value=0.0).to_numpy()
        label = "background"
    keep = bg > 0
    a0 = float(alpha0) if alpha0 is not None else float(bg[keep].sum())
    if a0 <= 0:
        raise ValueError(f"alpha0 must be positive, got {a0:g}")
    # α_0 is the prior total over the words kept (those with a positive prior)
    alpha = np.where(keep, a0 * bg / bg[keep].sum(), 0.0)
    terms = [t for t, k in zip(terms, keep) if k]
    ya, yb, alpha = ya[keep], yb[keep], alpha[keep]
    with np.errstate(divide="ignore"):
        delta = (np.log(ya + alpha) - np.log(na + a0 - ya - alpha)
                 - np.log(yb + alpha) + np.log(nb + a0 - yb - alpha))
    var = 1.0 / (ya + alpha) + 1.0 / (yb + alpha)
    se = np.sqrt(var)
    z = delta / se
    out = pd.DataFrame({
        "term": pd.Series(terms, dtype="string"),
        "count_a": ya.astype(np.int64),
        "count_b": yb.astype(np.int64),
        "n_a": np.int64(na),
        "n_b": np.int64(nb),
        "rate_a": ya / na * 1000,
        "rate_b": yb / nb * 1000,
        "alpha": alpha,
        "delta": delta,
        "var": var,
        "se": se,
        "z": z,
        "direction": np.where(z > 0, "a", np.where(z < 0, "b", "equal")),
    })
    out = out[(out["count_a"] + out["count_b"]) >= min_freq]
    out = out.sort_values(["z", "term"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.attrs.update(alpha0=a0, prior=label)
    return out


def group_fightin_words(
    units: pd.DataFrame,
    by: str,
    target,
    *,
    reference=None,
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
    prior: str | Mapping[str, float] | pd.Series = "corpus",
    alpha0: float | None = None,
    min_freq: int = 1,
) -> pd.DataFrame:
    """:func:`fightin_words` of the units where ``units[by]`` is *target* against the others.

    With ``prior="corpus"`` the background is *all* units of the table (not
    only the two compared groups), so every pairwise comparison of a study
    shrinks towards the same corpus.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"city": ["A", "A", "B", "C"],
    ...     "tokens": [["清零"] * 5, ["工作"], ["工作"] * 4, ["防控", "工作"]]})
    >>> group_fightin_words(units, "city", "A", reference="B").term.tolist()[:1]
    ['清零']
    """
    if by not in units.columns:
        raise KeyError(f"units table has no column {by!r}")
    X, keys, vocab = group_counts(units, by, tokens_col=tokens_col, stop_words=stop_words)
    tl = list(target) if isinstance(target, (list, tuple, set)) else [target]
    if reference is None:
        rl = [k for k in keys if k not in tl]
    else:
        rl = list(reference) if isinstance(reference, (list, tuple, set)) else [reference]
    ti = [i for i, k in enumerate(keys) if k in tl]
    ri = [i for i, k in enumerate(keys) if k in rl]
    if not ti:
        raise ValueError(f"no units with {by} in {tl}")
    if not ri:
        raise ValueError(f"no reference units for {by} (target {tl})")
    ca = pd.Series(np.asarray(X[ti, :].sum(axis=0)).ravel(), index=vocab)
    cb = pd.Series(np.asarray(X[ri, :].sum(axis=0)).ravel(), index=vocab)
    corpus = isinstance(prior, str) and prior == "corpus"
    if corpus:
        prior = pd.Series(np.asarray(X.sum(axis=0)).ravel(), index=vocab)
    present = (ca + cb) > 0
    out = fightin_words(ca[present], cb[present], prior=prior, alpha0=alpha0, min_freq=min_freq)
    if corpus:
        out.attrs["prior"] = "corpus (all units)"
    return out


__all__ = ["fightin_words", "group_fightin_words"]
