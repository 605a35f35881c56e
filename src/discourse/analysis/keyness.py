"""Keyness: which terms a target group (city, period, document) over- or under-uses.

For each term with frequency *a* in the target corpus (size *c* tokens) and
*b* in the reference corpus (size *d*):

* **G²** (log-likelihood; Dunning 1993, in the two-cell form of Rayson &
  Garside 2000 used by the UCREL/Lancaster log-likelihood wizard):
  ``E1 = c (a+b) / (c+d)``, ``E2 = d (a+b) / (c+d)``,
  ``G² = 2 (a ln(a/E1) + b ln(b/E2))`` with ``0 ln 0 = 0``. The four-cell G²
  of a 2×2 contingency table (what ``scipy.stats.chi2_contingency(...,
  lambda_="log-likelihood")`` returns) differs slightly; the two-cell form
  is the corpus-linguistics convention. Signed: positive when the target's
  relative frequency is higher (over-use), negative for under-use.
* **chi²** (option ``measure="chi2"``): Pearson's chi² on the 2×2 table
  ``[[a, b], [c-a, d-b]]``, without Yates' continuity correction by default
  (``yates=True`` applies it, as ``scipy.stats.chi2_contingency`` does).
  Signed like G².
* **Log Ratio** (Hardie 2014): ``log2((a/c) / (b/d))``, the binary log of
  the ratio of relative frequencies: +1 means twice as frequent in the
  target. A zero frequency is replaced by 0.5 before taking the ratio (the
  adjustment Hardie uses in CQPweb), so the value stays finite; it is an
  effect size, not a test.
* **Fisher's exact test** (always reported, ``p_fisher``): two-sided, on
  the 2×2 table ``[[a, b], [c-a, d-b]]`` conditional on its margins, i.e.
  ``a ~ Hypergeometric(c+d, a+b, c)``; the p-value sums the probabilities of
  the tables no more likely than the observed one (relative tolerance
  1e-7, as R's ``fisher.test``), vectorised over terms
  (:func:`fisher_exact_terms`; equal to :func:`scipy.stats.fisher_exact`).
  The asymptotic p-value of G² or chi² (``p_asymptotic``) is unreliable
  when expected counts are below 5, as they are for most terms of a small
  corpus (``expected_min`` says how small).
* **Interval for the log ratio** (:func:`log_ratio_ci`): the exact
  conditional interval for a ratio of two Poisson rates. Given ``a + b``,
  ``a`` is binomial with ``π = c·RR / (c·RR + d)``; the Clopper-Pearson
  interval for π is mapped to ``RR = π/(1-π) · d/c`` (the method of R's
  ``rateratio.test``, Fay 2010, "Two-sided exact tests and matching
  confidence intervals for discrete data", *R Journal* 2(1)). A zero count
  gives an infinite bound: 3 against 0 cannot bound the ratio above.
* The p-value that is corrected for multiple testing is chosen with
  ``test``: ``"fisher"`` (default) or ``"asymptotic"`` (G² or chi², chi²
  distribution with one degree of freedom). Correction over the tested
  terms with :func:`discourse.analysis.stats.adjust_pvalues`
  (Benjamini-Hochberg via statsmodels' ``multipletests``, or another
  statsmodels method, or none).

All of these treat tokens as independent draws, which they are not: words
cluster in documents. They are descriptive. A claim about texts, places or
periods is tested by :func:`permutation_keyness`, which permutes the group
labels of documents (or of clusters of documents, e.g. cities), optionally
only within strata (e.g. levels within provinces), and reports the smallest
p-value the design can give (``p_floor``).
:func:`group_keyness` puts the two side by side, with the dispersion of
every term over the documents of each group (documents containing it, Gries'
DP; :mod:`discourse.analysis.dispersion`).

Corpus sizes are the totals of *all* counts passed, before ``min_freq``
filtering. Rates are per million tokens by default (``per``).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats as sst

from discourse.analysis.dispersion import gries_dp
from discourse.analysis.grouping import group_counts, group_indices
from discourse.analysis.stats import adjust_pvalues
from discourse.analysis.vocab import TokenFilter, token_lists
from discourse.config import RANDOM_STATE

_MEASURES = ("g2", "chi2")
_TESTS = ("fisher", "asymptotic")


def term_counts(texts: Iterable[Iterable[str]], stop_words: Iterable[str] | None = None) -> Counter:
    """Count the words of token lists (placeholders and punctuation dropped).

    Examples
    --------
    >>> term_counts([["疫情", "防控", "，"], ["疫情", "〔XX〕"]])
    Counter({'疫情': 2, '防控': 1})
    """
    flt = TokenFilter(stop_words)
    c: Counter = Counter()
    for toks in texts:
        c.update(flt(toks))
    return c


def _xlogx_over(o: np.ndarray, e: np.ndarray) -> np.ndarray:
    out = np.zeros_like(o, dtype=float)
    m = o > 0
    out[m] = o[m] * np.log(o[m] / e[m])
    return out


def log_likelihood(a, b, c, d) -> np.ndarray:
    """Unsigned two-cell G² (Rayson & Garside 2000) for arrays of counts.

    Examples
    --------
    >>> round(float(log_likelihood(52, 57, 50_000, 75_000)), 2)
    2.65
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    c, d = np.asarray(c, float), np.asarray(d, float)
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    return 2.0 * (_xlogx_over(a, e1) + _xlogx_over(b, e2))


def chi_square(a, b, c, d, yates: bool = False) -> np.ndarray:
    """Unsigned Pearson chi² on the 2×2 table ``[[a, b], [c-a, d-b]]``.

    Examples
    --------
    >>> round(float(chi_square(52, 57, 50_000, 75_000)), 3)
    2.7
    """
    a, b, c, d = np.broadcast_arrays(*(np.asarray(v, float) for v in (a, b, c, d)))
    obs = np.stack([a, b, c - a, d - b])
    n = c + d
    rows = np.stack([a + b, a + b, n - a - b, n - a - b])
    cols = np.stack([c, d, c, d])
    exp = rows * cols / n
    dev = np.abs(obs - exp)
    if yates:
        dev = np.maximum(dev - 0.5, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(exp > 0, dev**2 / exp, 0.0)
    return terms.sum(axis=0)


def log_ratio(a, b, c, d, zero: float = 0.5) -> np.ndarray:
    """Hardie's Log Ratio ``log2((a/c)/(b/d))``, zeros replaced by *zero*.

    Examples
    --------
    >>> float(log_ratio(20, 10, 1000, 1000))
    1.0
    >>> float(log_ratio(4, 0, 1000, 1000))
    3.0
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    a = np.where(a == 0, zero, a)
    b = np.where(b == 0, zero, b)
    return np.log2((a / np.asarray(c, float)) / (b / np.asarray(d, float)))


def fisher_exact_terms(a, b, c, d, *, rtol: float = 1e-7) -> np.ndarray:
    """Two-sided Fisher exact p-value of ``[[a, b], [c-a, d-b]]`` for arrays of terms.

    *a*, *b* are the term's frequencies in the target and the reference,
    *c*, *d* the corpus sizes (scalars or arrays). Conditional on the
    margins, ``a`` is hypergeometric; the p-value is the total probability
    of the tables whose probability does not exceed the observed one's
    (times ``1 + rtol``). Terms are grouped by their margins, so the
    distribution is computed once per distinct ``(a+b, c, d)``.

    Examples
    --------
    >>> from scipy.stats import fisher_exact
    >>> p = fisher_exact_terms([3, 7], [0, 2], 600, 1400)
    >>> ref = [fisher_exact([[3, 0], [597, 1400]]).pvalue,
    ...        fisher_exact([[7, 2], [593, 1398]]).pvalue]
    >>> bool(abs(p - ref).max() < 1e-9)
    True
    """
    a, b, c, d = np.broadcast_arrays(*(np.asarray(v, dtype=np.int64) for v in (a, b, c, d)))
    a, b, c, d = (v.ravel() for v in (a, b, c, d))
    if (a < 0).any() or (b < 0).any() or (a > c).any() or (b > d).any():
        raise ValueError("need 0 <= a <= c and 0 <= b <= d")
    n = a + b
    out = np.ones(a.shape, dtype=float)
    keys = np.stack([n, c, d], axis=1)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    inv = inv.ravel()
    order = np.argsort(inv, kind="stable")
    bounds = np.searchsorted(inv[order], np.arange(len(uniq) + 1))
    for u, (nn, cc, dd) in enumerate(uniq):
        idx = order[bounds[u]:bounds[u + 1]]
        if nn == 0 or cc == 0 or dd == 0:
            continue
        lo, hi = max(0, nn - dd), min(nn, cc)
        ks = np.arange(lo, hi + 1)
        pmf = sst.hypergeom.pmf(ks, cc + dd, nn, cc)
        srt = np.sort(pmf)
        cum = np.cumsum(srt)
        thr = pmf[a[idx] - lo] * (1.0 + rtol)
        pos = np.searchsorted(srt, thr, side="right")
        out[idx] = np.minimum(1.0, cum[pos - 1])
    return out


def log_ratio_ci(a, b, c, d, *, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact conditional interval for the log2 ratio of two rates ``(a/c)/(b/d)``.

    Given ``n = a + b``, ``a ~ Binomial(n, π)`` with ``π = c·RR/(c·RR + d)``
    (Poisson counts); the Clopper-Pearson bounds of π
    (``Beta(α/2; a, n-a+1)`` and ``Beta(1-α/2; a+1, n-a)``) are mapped to
    ``log2(π/(1-π) · d/c)``. As in R's ``rateratio.test`` (Fay 2010). A zero
    count gives ``-inf`` or ``+inf``; ``a = b = 0`` gives NaN.

    Examples
    --------
    >>> lo, hi = log_ratio_ci([3], [0], 1000, 1000)
    >>> round(float(lo[0]), 3), float(hi[0])
    (-1.275, inf)
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci}")
    a, b, c, d = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, d)))
    n = a + b
    alpha = 1.0 - ci
    with np.errstate(divide="ignore", invalid="ignore"):
        plo = np.where(a > 0, sst.beta.ppf(alpha / 2, a, n - a + 1), 0.0)
        phi = np.where(b > 0, sst.beta.ppf(1 - alpha / 2, a + 1, n - a), 1.0)
        scale = np.log2(d / c)
        lo = np.log2(plo) - np.log2(1 - plo) + scale
        hi = np.log2(phi) - np.log2(1 - phi) + scale
    lo = np.where(n > 0, lo, np.nan)
    hi = np.where(n > 0, hi, np.nan)
    return lo, hi


def _as_counts(x, name: str) -> pd.Series:
    if isinstance(x, pd.Series):
        s = x
    elif isinstance(x, Mapping):
        s = pd.Series(dict(x), dtype="float64")
    else:
        raise TypeError(f"{name} must be a mapping term -> count or a Series, got {type(x).__name__}")
    s = s.astype("float64")
    if (s < 0).any():
        raise ValueError(f"{name} has negative counts: {s[s < 0].index[:5].tolist()}")
    return s


def keyness(
    target: Mapping[str, int] | pd.Series,
    reference: Mapping[str, int] | pd.Series,
    *,
    measure: str = "g2",
    min_freq: int = 5,
    correction: str | None = "fdr_bh",
    alpha: float = 0.05,
    yates: bool = False,
    per: int = 1_000_000,
    target_size: int | None = None,
    reference_size: int | None = None,
    test: str = "fisher",
    ci: float = 0.95,
) -> pd.DataFrame:
    """Keyness of every term of target against reference counts.

    Parameters
    ----------
    target, reference : mapping or Series, term -> count
        Frequencies in the target and the reference corpus.
    measure : {"g2", "chi2"}, default "g2"
        Descriptive statistic that gives the sort order (and
        ``p_asymptotic``).
    min_freq : int, default 5
        Keep terms whose combined frequency ``a + b`` reaches this.
    correction : str or None, default "fdr_bh"
        Multiple-testing correction over the kept terms
        (:func:`discourse.analysis.stats.adjust_pvalues`).
    alpha : float
        Level for the ``significant`` column (on the corrected p-value).
    yates : bool
        Yates' continuity correction for chi².
    per : int, default 1,000,000
        Rates are per this many tokens (1,000 for small texts).
    target_size, reference_size : int, optional
        Corpus sizes; default the sum of the counts passed.
    test : {"fisher", "asymptotic"}, default "fisher"
        Which p-value becomes ``p_value`` and is corrected: Fisher's exact
        test, or the chi² approximation of *measure*. Both are reported.
    ci : float, default 0.95
        Level of the log-ratio interval (:func:`log_ratio_ci`).

    Returns
    -------
    DataFrame
        ``term, freq_target, freq_reference, size_target, size_reference,
        rate_target, rate_reference, g2, chi2, log_ratio, log_ratio_low,
        log_ratio_high, direction, expected_min, p_asymptotic, p_fisher,
        p_value, p_adjusted, significant``, sorted by the signed statistic
        (strongest over-use first, strongest under-use last; ties by term).
        ``expected_min`` is the smaller expected frequency of the term's two
        cells. ``attrs`` record ``measure, test, correction, per, min_freq``.
        Token-level: see :func:`permutation_keyness` for document-level
        inference.

    Examples
    --------
    >>> t = keyness({"清零": 30, "工作": 50}, {"清零": 2, "工作": 200}, min_freq=1)
    >>> t[["term", "direction"]].values.tolist()
    [['清零', 'over'], ['工作', 'under']]
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {_MEASURES}, got {measure!r}")
    if test not in _TESTS:
        raise ValueError(f"test must be one of {_TESTS}, got {test!r}")
    t = _as_counts(target, "target")
    r = _as_counts(reference, "reference")
    c = float(target_size if target_size is not None else t.sum())
    d = float(reference_size if reference_size is not None else r.sum())
    if c <= 0 or d <= 0:
        raise ValueError(f"empty corpus: target size {c:g}, reference size {d:g}")
    terms = sorted(set(t.index) | set(r.index))
    a = t.reindex(terms, fill_value=0.0).to_numpy()
    b = r.reindex(terms, fill_value=0.0).to_numpy()
    if (a > c).any() or (b > d).any():
        raise ValueError("a term's frequency exceeds its corpus size (check target_size/reference_size)")
    keep = (a + b) >= min_freq
    terms = [x for x, k in zip(terms, keep) if k]
    a, b = a[keep], b[keep]
    sign = np.sign(a / c - b / d)
    g2 = sign * log_likelihood(a, b, c, d)
    chi2 = sign * chi_square(a, b, c, d, yates=yates)
    stat = g2 if measure == "g2" else chi2
    p_asym = sst.chi2.sf(np.abs(stat), df=1)
    p_fisher = fisher_exact_terms(a.astype(np.int64), b.astype(np.int64), int(c), int(d))
    p = p_fisher if test == "fisher" else p_asym
    p_adj = adjust_pvalues(p, correction) if len(p) else p
    lo, hi = log_ratio_ci(a, b, c, d, ci=ci)
    out = pd.DataFrame(
        {
            "term": pd.Series(terms, dtype="string"),
            "freq_target": a.astype(np.int64),
            "freq_reference": b.astype(np.int64),
            "size_target": np.full(len(terms), int(c), dtype=np.int64),
            "size_reference": np.full(len(terms), int(d), dtype=np.int64),
            "rate_target": a / c * per,
            "rate_reference": b / d * per,
            "g2": g2,
            "chi2": chi2,
            "log_ratio": log_ratio(a, b, c, d),
            "log_ratio_low": lo,
            "log_ratio_high": hi,
            "direction": np.where(sign > 0, "over", np.where(sign < 0, "under", "equal")),
            "expected_min": np.minimum(c, d) * (a + b) / (c + d),
            "p_asymptotic": p_asym,
            "p_fisher": p_fisher,
            "p_value": p,
            "p_adjusted": p_adj,
            "significant": p_adj < alpha,
        }
    )
    out = out.sort_values([measure, "term"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update(measure=measure, test=test, per=per, correction=correction,
                     min_freq=min_freq, ci=ci)
    return out


def _levels_mask(col: pd.Series, levels) -> np.ndarray:
    lv = list(levels) if isinstance(levels, (list, tuple, set)) else [levels]
    return col.isin(lv).to_numpy(), lv


def _target_reference(units: pd.DataFrame, by: str, target, reference):
    if by not in units.columns:
        raise KeyError(f"units table has no column {by!r}")
    tmask, tl = _levels_mask(units[by], target)
    if reference is None:
        rmask = ~tmask & units[by].notna().to_numpy()
    else:
        rmask, _ = _levels_mask(units[by], reference)
        if (tmask & rmask).any():
            raise ValueError(f"target {tl} and reference {reference!r} overlap")
    if not tmask.any():
        raise ValueError(f"no units with {by} in {tl}")
    if not rmask.any():
        raise ValueError(f"no reference units for {by} (target {tl})")
    return tmask, rmask


def group_keyness(
    units: pd.DataFrame,
    by: str,
    target,
    *,
    reference=None,
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
    doc_col: str | None = "doc_id",
    permutation: bool = False,
    cluster: str | None = None,
    statistic: str = "log_ratio",
    n_resamples: int = 999,
    random_state: int | np.random.Generator | None = RANDOM_STATE,
    strata: str | None = None,
    **kwargs,
) -> pd.DataFrame:
    """Keyness of the units where ``units[by] == target`` against the others.

    Parameters
    ----------
    units : DataFrame
        Units with a ``tokens`` column and the group column *by*.
    by : str
        Group column, e.g. ``"city_en"``, ``"period"``, ``"doc_id"``.
    target : scalar or list
        Level(s) forming the target corpus.
    reference : scalar or list, optional
        Level(s) forming the reference corpus; default every other row.
    tokens_col, stop_words
        Token column and extra tokens to ignore.
    doc_col : str or None, default "doc_id"
        Document column for the dispersion columns (documents containing the
        term and Gries' DP within each group). When the column is absent or
        None, each unit (row) counts as a document
        (``attrs["dispersion_unit"]`` says which).
    permutation : bool, default False
        Add document-level permutation p-values (:func:`permutation_keyness`
        with *doc_col*, *cluster*, *statistic*, *n_resamples*,
        *random_state*): columns ``p_perm, p_perm_adjusted,
        significant_perm, exact, n_relabelings, p_floor``.
    strata : str, optional
        With *permutation*: permute the labels within these strata
        (:func:`permutation_keyness`), e.g. levels of places within
        provinces; ``attrs["permutation_strata"]`` records it.
    **kwargs
        Passed to :func:`keyness` (``measure``, ``min_freq``, ``correction``,
        ``test``...).

    Returns
    -------
    DataFrame
        The columns of :func:`keyness`, plus ``docs_target, docs_reference``
        (documents of each group containing the term), ``n_docs_target,
        n_docs_reference``, ``docs_share_target, docs_share_reference``,
        ``dp_target, dp_reference, dp_norm_target, dp_norm_reference``.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"city_en": ["A", "A", "B"],
    ...     "tokens": [["清零", "清零"], ["清零", "工作"], ["工作", "工作"]]})
    >>> k = group_keyness(units, "city_en", "A", min_freq=1)
    >>> k[["term", "freq_target", "docs_target", "n_docs_target"]].values.tolist()
    [['清零', 3, 2, 2], ['工作', 1, 1, 2]]
    """
    if strata is not None and not permutation:
        raise ValueError("strata applies to the permutation test; pass permutation=True")
    tmask, rmask = _target_reference(units, by, target, reference)
    toks = token_lists(units, tokens_col)
    tc = term_counts((toks[i] for i in np.flatnonzero(tmask)), stop_words)
    rc = term_counts((toks[i] for i in np.flatnonzero(rmask)), stop_words)
    out = keyness(tc, rc, **kwargs)
    sub = units.loc[tmask | rmask].copy()
    sub["_side"] = np.where(tmask[tmask | rmask], "target", "reference")
    use_doc = doc_col is not None and doc_col in sub.columns
    sub["_part"] = sub[doc_col].astype("string") if use_doc else np.arange(len(sub)).astype(str)
    X, keys, vocab = group_counts(sub, ["_side", "_part"], tokens_col=tokens_col,
                                  stop_words=stop_words)
    sizes = np.asarray(X.sum(axis=1)).ravel()
    side = np.array([k[0] for k in keys])
    col = {t: j for j, t in enumerate(vocab)}
    sel = np.array([col[t] for t in out["term"]], dtype=np.int64)
    Xc = sp.csc_array(X)[:, sel] if len(sel) else sp.csc_array((X.shape[0], 0))
    for name in ("target", "reference"):
        rows = np.flatnonzero(side == name)
        Xs = Xc[rows, :]
        present = np.asarray((Xs > 0).sum(axis=0)).ravel().astype(np.int64)
        out[f"docs_{name}"] = present
        out[f"n_docs_{name}"] = len(rows)
        out[f"docs_share_{name}"] = present / len(rows) if len(rows) else np.nan
        if sizes[rows].sum() > 0:
            dp, dpn = gries_dp(Xs, sizes[rows])
        else:
            dp = dpn = np.full(len(sel), np.nan)
        out[f"dp_{name}"] = dp
        out[f"dp_norm_{name}"] = dpn
    out.attrs["dispersion_unit"] = doc_col if use_doc else "row"
    if permutation:
        if not use_doc:
            raise KeyError(f"permutation=True needs the document column {doc_col!r} in units")
        perm = permutation_keyness(
            units, by, target, reference=reference, doc_col=doc_col, cluster=cluster,
            statistic=statistic, tokens_col=tokens_col, stop_words=stop_words,
            min_freq=0, terms=out["term"].tolist(), n_resamples=n_resamples,
            correction=kwargs.get("correction", "fdr_bh"), alpha=kwargs.get("alpha", 0.05),
            random_state=random_state, strata=strata,
        )
        perm = perm.rename(columns={"p_value": "p_perm", "p_adjusted": "p_perm_adjusted",
                                    "significant": "significant_perm"})
        cols = ["term", "p_perm", "p_perm_adjusted", "significant_perm", "exact",
                "n_relabelings", "p_floor"]
        out = out.merge(perm[cols], on="term", how="left", sort=False)
        out.attrs["permutation_unit"] = cluster or doc_col
        if strata is not None:
            out.attrs["permutation_strata"] = strata
    return out


_STATISTICS = ("log_ratio", "rate_diff")


def _relabelings(m: int, n_t: int, n_resamples: int, max_exact: int, rng):
    """Target indicators of the relabellings: all of them, or a random sample."""
    n_distinct = math.comb(m, n_t)
    if n_distinct <= max_exact:
        Z = np.zeros((n_distinct, m), dtype=np.float64)
        for r, comb in enumerate(itertools.combinations(range(m), n_t)):
            Z[r, list(comb)] = 1.0
        return Z, True, n_distinct
    base = np.zeros(m, dtype=np.float64)
    base[:n_t] = 1.0
    Z = rng.permuted(np.tile(base, (n_resamples, 1)), axis=1)
    return Z, False, n_distinct


class NoRelabellingError(ValueError):
    """A permutation test with no relabelling but the observed one: every stratum's blocks are on one side."""


def _stratified_relabelings(stratum: np.ndarray, block_t: np.ndarray, n_resamples: int,
                            max_exact: int, rng):
    """Relabellings that keep each stratum's number of target blocks.

    *stratum* gives each block's stratum code, *block_t* the observed target
    indicator. Within stratum *s* of ``m_s`` blocks, ``t_s`` of them target,
    there are ``C(m_s, t_s)`` labellings; the design has their product. All
    are enumerated when the product is at most *max_exact* (strata in code
    order, each stratum's combinations in lexicographic order); otherwise
    every resample permutes the labels within each stratum independently.
    Returns ``(Z, exact, n_distinct)`` as :func:`_relabelings`.
    """
    m = len(block_t)
    codes = np.unique(stratum)
    members = [np.flatnonzero(stratum == c) for c in codes]
    n_ts = [int(block_t[idx].sum()) for idx in members]
    n_distinct = math.prod(math.comb(len(idx), t) for idx, t in zip(members, n_ts))
    if n_distinct == 1:
        raise NoRelabellingError("no relabelling within strata: every stratum's blocks are all target "
                         "or all reference")
    if n_distinct <= max_exact:
        per = []
        for idx, t in zip(members, n_ts):
            combos = np.zeros((math.comb(len(idx), t), m), dtype=np.float64)
            for r, comb in enumerate(itertools.combinations(idx, t)):
                combos[r, list(comb)] = 1.0
            per.append(combos)
        Z = np.zeros((n_distinct, m), dtype=np.float64)
        for r, rows in enumerate(itertools.product(*(range(len(c)) for c in per))):
            for c, i in zip(per, rows):
                Z[r] += c[i]
        return Z, True, n_distinct
    Z = np.zeros((n_resamples, m), dtype=np.float64)
    for idx, t in zip(members, n_ts):
        if 0 < t < len(idx):
            base = np.zeros(len(idx), dtype=np.float64)
            base[:t] = 1.0
            Z[:, idx] = rng.permuted(np.tile(base, (n_resamples, 1)), axis=1)
        else:  # a stratum of one group cannot change
            Z[:, idx] = block_t[idx].astype(np.float64)
    return Z, False, n_distinct


def _block_stat(Z: np.ndarray, S, w: np.ndarray, statistic: str) -> np.ndarray:
    """Statistic of every relabelling (rows of Z) for every term (columns of S)."""
    tot = np.asarray(S.sum(axis=0)).ravel()
    at = np.asarray(S.T @ Z.T).T  # (k, V)
    ar = tot[None, :] - at
    wt = Z @ w
    wr = w.sum() - wt
    if statistic == "log_ratio":
        at = np.where(at == 0, 0.5, at)
        ar = np.where(ar == 0, 0.5, ar)
        return np.log2(at / wt[:, None]) - np.log2(ar / wr[:, None])
    return at / wt[:, None] - ar / wr[:, None]


def permutation_keyness(
    units: pd.DataFrame,
    by: str,
    target,
    *,
    reference=None,
    doc_col: str = "doc_id",
    cluster: str | None = None,
    strata: str | None = None,
    statistic: str = "log_ratio",
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
    min_freq: int = 5,
    terms: Sequence[str] | None = None,
    counts: tuple[sp.sparray, Sequence, Sequence[str]] | None = None,
    n_resamples: int = 999,
    max_exact: int = 10_000,
    alternative: str = "two-sided",
    correction: str | None = "fdr_bh",
    alpha: float = 0.05,
    per: int = 1000,
    batch_size: int | None = None,
    random_state: int | np.random.Generator | None = RANDOM_STATE,
) -> pd.DataFrame:
    """Document-level (or cluster-level) permutation test of every term's keyness.

    The group labels of whole documents are permuted (or, with *cluster*,
    of whole clusters of documents, e.g. cities: the documents of a place
    move together), the statistic is recomputed for every term, and the
    observed value is compared with its permutation distribution. When the
    number of distinct relabellings ``C(m, m_target)`` of the *m* blocks is
    at most *max_exact*, all are enumerated (exact test); otherwise
    *n_resamples* random relabellings give the Monte-Carlo p-value
    ``(b + 1) / (n_resamples + 1)`` (Phipson & Smyth 2010, "Permutation
    p-values should never be zero", *Stat. Appl. Genet. Mol. Biol.* 9(1)).
    Two-sided p-values are twice the smaller one-sided p-value, capped at 1
    (scipy's convention). Computed for all terms at once on sparse matrices.

    Parameters
    ----------
    units : DataFrame
        Units with tokens, the group column *by* and *doc_col* (a document's
        units must share one group).
    by, target, reference
        Group column, target level(s), reference level(s) (default: the rest).
    doc_col : str, default "doc_id"
    cluster : str, optional
        Column of the clusters whose documents move together; each cluster
        must lie in one group.
    strata : str, optional
        Column of strata within which the labels are permuted (e.g. the
        province, when the level labels of places are compared within
        provinces): each block (document or cluster) must lie in one
        stratum, and every relabelling keeps each stratum's number of
        target blocks. The design then has ``prod_s C(m_s, t_s)`` distinct
        relabellings (``m_s`` blocks in stratum *s*, ``t_s`` of them
        target); they are enumerated when there are at most *max_exact*,
        else *n_resamples* are drawn, each permuting every stratum
        independently (Monte Carlo, Phipson & Smyth's ``(b + 1) / (n + 1)``).
        Strata whose blocks all lie in one group contribute nothing to the
        null distribution; ``p_floor`` and ``n_relabelings`` are those of
        the stratified design. ``attrs`` record ``strata`` and ``n_strata``.
    statistic : {"log_ratio", "rate_diff"}
        ``log_ratio``: Hardie's log ratio of the pooled counts (zeros
        replaced by 0.5), as in :func:`keyness`. ``rate_diff``: the
        difference between the mean per-document rates (per *per* tokens)
        of the two groups; each document weighs the same.
    min_freq : int
        Keep terms whose total frequency in the compared units reaches this.
    terms : sequence of str, optional
        Test exactly these terms (in this order) instead.
    counts : (X, doc_keys, vocabulary), optional
        A precomputed document × term count matrix (e.g. substring counts)
        whose rows are the sorted documents of the compared units; sizes are
        its row sums unless *units* has a ``n_size`` column. Default: word
        counts of the tokens.
    n_resamples, max_exact, alternative, correction, alpha, random_state
        As above; ``alternative`` in ``{"two-sided", "greater", "less"}``
        ("greater": the target over-uses the term).
    batch_size : int, optional
        Relabellings per matrix product (default: about 4 million values).

    Returns
    -------
    DataFrame
        ``term, freq_target, freq_reference, docs_target, docs_reference,
        statistic, observed, p_value, p_adjusted, significant, unit,
        n_blocks_target, n_blocks_reference, exact, n_relabelings,
        n_resamples, p_floor``, in term order (or *terms* order).
        ``n_relabelings`` is the number of distinct relabellings;
        ``p_floor`` the smallest p-value the design allows: ``1 /
        n_relabelings`` one-sided (twice that two-sided) for an exact test,
        ``1 / (n_resamples + 1)`` one-sided for Monte Carlo.

    Examples
    --------
    Five documents, two in the target: 10 relabellings, so no two-sided
    p-value can be below 0.2 (0.1 one-sided).

    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": list("abcde"), "g": ["x", "x", "y", "y", "y"],
    ...     "tokens": [["封控"] * 3 + ["工作"], ["封控", "工作"], ["工作"] * 2,
    ...                ["工作"], ["工作", "封控"]]})
    >>> r = permutation_keyness(units, "g", "x", min_freq=1)
    >>> r[["term", "n_relabelings", "p_floor", "p_value"]].values.tolist()
    [['封控', 10, 0.2, 0.4], ['工作', 10, 0.2, 0.4]]
    """
    if statistic not in _STATISTICS:
        raise ValueError(f"statistic must be one of {_STATISTICS}, got {statistic!r}")
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"alternative must be two-sided, greater or less, got {alternative!r}")
    if doc_col not in units.columns:
        raise KeyError(f"units table has no document column {doc_col!r}")
    tmask, rmask = _target_reference(units, by, target, reference)
    sub = units.loc[tmask | rmask].reset_index(drop=True)
    side = tmask[tmask | rmask]
    sub["_doc"] = sub[doc_col].astype("string")
    sub["_t"] = side
    mixed = sub.groupby("_doc")["_t"].nunique()
    if (mixed > 1).any():
        raise ValueError(f"documents {mixed[mixed > 1].index[:5].tolist()} have units in both "
                         f"the target and the reference of {by!r}; permute a column that is "
                         "constant within documents")
    if counts is None:
        X, dkeys, vocab = group_counts(sub, "_doc", tokens_col=tokens_col, stop_words=stop_words)
        sizes = np.asarray(X.sum(axis=1)).ravel().astype(float)
    else:
        X, dkeys, vocab = counts
        X = sp.csr_array(X)
        _, pos0 = group_indices(sub, "_doc")
        if list(dkeys) != sorted(sub["_doc"].unique().tolist()):
            raise ValueError("counts rows must be the sorted documents of the compared units")
        sizes = (sub.groupby("_doc")["n_size"].first().to_numpy(float) if "n_size" in sub
                 else np.asarray(X.sum(axis=1)).ravel().astype(float))
        vocab = np.asarray(vocab, dtype=object)
    doc_t = sub.groupby("_doc")["_t"].first().reindex(list(dkeys)).to_numpy(bool)
    # blocks: documents or clusters of documents
    if cluster is None:
        block_of_doc = np.arange(len(dkeys))
        n_blocks = len(dkeys)
        unit_name = doc_col
        block_names = np.asarray(list(dkeys), dtype=object)
    else:
        if cluster not in sub.columns:
            raise KeyError(f"units table has no cluster column {cluster!r}")
        if sub[cluster].isna().any():
            raise ValueError(f"cluster column {cluster!r} has missing values")
        cl = sub.groupby("_doc")[cluster].agg(lambda v: tuple(sorted(set(map(str, v)))))
        cl = cl.reindex(list(dkeys))
        if (cl.map(len) > 1).any():
            raise ValueError(f"documents {cl[cl.map(len) > 1].index[:5].tolist()} lie in "
                             f"several {cluster!r} clusters")
        cl = cl.map(lambda v: v[0]).to_numpy()
        cl_keys, block_of_doc = np.unique(cl, return_inverse=True)
        n_blocks = len(cl_keys)
        bt = pd.Series(doc_t).groupby(block_of_doc).nunique()
        if (bt > 1).any():
            bad = [cl_keys[i] for i in bt[bt > 1].index[:5]]
            raise ValueError(f"clusters {bad} of {cluster!r} have documents in both groups")
        unit_name = cluster
        block_names = cl_keys
    A = sp.csr_array((np.ones(len(dkeys)), (block_of_doc, np.arange(len(dkeys)))),
                     shape=(n_blocks, len(dkeys)))
    block_t = (A @ doc_t.astype(float)) > 0
    n_t = int(block_t.sum())
    if n_t == 0 or n_t == n_blocks:
        raise ValueError("both groups need at least one block")
    # term selection
    freq = np.asarray(X.sum(axis=0)).ravel()
    if terms is not None:
        index = {t: j for j, t in enumerate(vocab)}
        sel = np.array([index.get(t, -1) for t in terms], dtype=np.int64)
        Xs = sp.csc_array(X)
        Xs = sp.hstack([Xs[:, [j]] if j >= 0 else sp.csc_array((X.shape[0], 1)) for j in sel],
                       format="csr") if len(sel) else sp.csr_array((X.shape[0], 0))
        names = list(terms)
    else:
        keep = np.flatnonzero(freq >= max(min_freq, 1))
        Xs = sp.csr_array(sp.csc_array(X)[:, keep])
        names = [vocab[j] for j in keep]
    Xs = Xs.astype(np.float64)
    if statistic == "log_ratio":
        S = sp.csr_array(A @ Xs)
        w = A @ sizes
    else:
        if (sizes <= 0).any():
            raise ValueError("rate_diff needs documents with at least one token")
        R = sp.csr_array(sp.diags_array(per / sizes) @ Xs)
        S = sp.csr_array(A @ R)
        w = A @ np.ones(len(dkeys))
    rng = random_state if isinstance(random_state, np.random.Generator) else \
        np.random.default_rng(random_state)
    if strata is None:
        Z, exact, n_distinct = _relabelings(n_blocks, n_t, n_resamples, max_exact, rng)
        n_strata = None
    else:
        stratum_of_block = _block_strata(sub, dkeys, block_of_doc, block_names, strata, unit_name)
        n_strata = int(len(np.unique(stratum_of_block)))
        Z, exact, n_distinct = _stratified_relabelings(stratum_of_block, block_t, n_resamples,
                                                       max_exact, rng)
    obs = _block_stat(block_t.astype(float)[None, :], S, w, statistic)[0]
    V = len(names)
    ge = np.zeros(V)
    le = np.zeros(V)
    tol = 1e-9 * np.maximum(1.0, np.abs(obs))
    if batch_size is None:
        batch_size = max(1, min(len(Z), 4_000_000 // max(V, 1)))
    for s0 in range(0, len(Z), batch_size):
        T = _block_stat(Z[s0:s0 + batch_size], S, w, statistic)
        ge += (T >= obs - tol).sum(axis=0)
        le += (T <= obs + tol).sum(axis=0)
    if exact:
        pg, pl = ge / n_distinct, le / n_distinct
        floor1 = 1.0 / n_distinct
    else:
        pg, pl = (ge + 1) / (len(Z) + 1), (le + 1) / (len(Z) + 1)
        floor1 = 1.0 / (len(Z) + 1)
    if alternative == "two-sided":
        p = np.minimum(1.0, 2 * np.minimum(pg, pl))
        floor = min(1.0, 2 * floor1)
    else:
        p = pg if alternative == "greater" else pl
        floor = floor1
    p_adj = adjust_pvalues(p, correction) if V else p
    dt = doc_t
    Xd = sp.csc_array(Xs)
    out = pd.DataFrame({
        "term": pd.Series(names, dtype="string"),
        "freq_target": np.asarray(Xd[dt.nonzero()[0], :].sum(axis=0)).ravel().astype(np.int64),
        "freq_reference": np.asarray(Xd[(~dt).nonzero()[0], :].sum(axis=0)).ravel().astype(np.int64),
        "docs_target": np.asarray((Xd[dt.nonzero()[0], :] > 0).sum(axis=0)).ravel().astype(np.int64),
        "docs_reference": np.asarray((Xd[(~dt).nonzero()[0], :] > 0).sum(axis=0)).ravel().astype(np.int64),
        "statistic": statistic,
        "observed": obs,
        "p_value": p,
        "p_adjusted": p_adj,
        "significant": p_adj < alpha,
        "unit": unit_name,
        "n_blocks_target": n_t,
        "n_blocks_reference": n_blocks - n_t,
        "exact": exact,
        "n_relabelings": n_distinct,
        "n_resamples": len(Z),
        "p_floor": floor,
    })
    out.attrs.update(statistic=statistic, alternative=alternative, correction=correction,
                     unit=unit_name, exact=exact)
    if strata is not None:
        out.attrs.update(strata=strata, n_strata=n_strata)
    return out


def _block_strata(sub: pd.DataFrame, dkeys, block_of_doc: np.ndarray, block_names: np.ndarray,
                  strata: str, unit_name: str) -> np.ndarray:
    """Stratum code of every block; each document and each block must lie in one stratum."""
    if strata not in sub.columns:
        raise KeyError(f"units table has no strata column {strata!r}")
    if sub[strata].isna().any():
        raise ValueError(f"strata column {strata!r} has missing values")
    st = sub.groupby("_doc")[strata].agg(lambda v: tuple(sorted(set(map(str, v)))))
    st = st.reindex(list(dkeys))
    if (st.map(len) > 1).any():
        raise ValueError(f"documents {st[st.map(len) > 1].index[:5].tolist()} lie in several "
                         f"{strata!r} strata")
    doc_stratum = st.map(lambda v: v[0]).to_numpy()
    keys, code = np.unique(doc_stratum, return_inverse=True)
    per_block = pd.Series(code).groupby(block_of_doc).nunique()
    if (per_block > 1).any():
        bad = [str(block_names[i]) for i in per_block[per_block > 1].index[:5]]
        raise ValueError(f"{unit_name!r} blocks {bad} lie in several {strata!r} strata; "
                         "strata must contain whole blocks")
    out = np.empty(len(block_names), dtype=np.int64)
    out[block_of_doc] = code
    return out


def substring_keyness(
    units: pd.DataFrame,
    by: str,
    target,
    terms: Sequence[str],
    *,
    reference=None,
    text_col: str = "text",
    doc_col: str = "doc_id",
    permutation: bool = True,
    cluster: str | None = None,
    n_resamples: int = 999,
    random_state: int | np.random.Generator | None = RANDOM_STATE,
    strata: str | None = None,
    **kwargs,
) -> pd.DataFrame:
    """Keyness of *terms* counted as substrings of the clean text, per character.

    The segmentation-invariant version of :func:`group_keyness`: each term
    is counted with :func:`discourse.analysis.features.substring_counts`
    (non-overlapping, so 隔离 inside 居家隔离 counts), corpus sizes are the
    characters of each group, rates are per 1,000 characters. With
    *permutation* the document-level permutation p-values (log ratio of
    substring counts per character) are added as in :func:`group_keyness`
    (within *strata* when given).

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["a", "b"], "g": ["x", "y"],
    ...                       "text": ["居家隔离隔离点", "加强防控工作"]})
    >>> k = substring_keyness(units, "g", "x", ["隔离"], permutation=False)
    >>> k[["term", "freq_target", "size_target", "freq_reference"]].values.tolist()
    [['隔离', 2, 7, 0]]
    """
    from discourse.analysis.features import substring_counts

    if strata is not None and not permutation:
        raise ValueError("strata applies to the permutation test; pass permutation=True")
    tmask, rmask = _target_reference(units, by, target, reference)
    kwargs.setdefault("min_freq", 0)
    kwargs.setdefault("per", 1000)
    sub = units.loc[tmask | rmask].reset_index(drop=True)
    side = np.where(tmask[tmask | rmask], "target", "reference")
    part = sub[doc_col].astype("string") if doc_col in sub.columns else \
        pd.Series(np.arange(len(sub)).astype(str), dtype="string")
    keyed = sub.assign(_side=side, _part=part, _key=pd.Series(side).str.cat(part, sep="\x1f"))
    sc = substring_counts(keyed, list(terms), by="_key", text_col=text_col)
    sc["_side"] = sc["_key"].str.split("\x1f").str[0]
    tot = sc.groupby(["_side", "term"], sort=False)["count"].sum()
    chars = sc.drop_duplicates("_key").groupby("_side")["n_chars"].sum()
    t = tot.get("target", pd.Series(dtype=float)).reindex(list(terms), fill_value=0)
    r = tot.get("reference", pd.Series(dtype=float)).reindex(list(terms), fill_value=0)
    out = keyness(t, r, target_size=int(chars.get("target", 0)),
                  reference_size=int(chars.get("reference", 0)), **kwargs)
    for name in ("target", "reference"):
        w = sc[sc["_side"] == name].pivot_table(index="_key", columns="term", values="count",
                                               aggfunc="sum").reindex(columns=out["term"])
        out[f"docs_{name}"] = (w > 0).sum().to_numpy().astype(np.int64)
        out[f"n_docs_{name}"] = len(w)
    out.attrs.update(counted="substrings", size="characters")
    if permutation:
        docs = sc.pivot_table(index="_key", columns="term", values="count", aggfunc="sum")
        docs = docs.reindex(columns=list(terms), fill_value=0).fillna(0)
        n_chars = sc.drop_duplicates("_key").set_index("_key")["n_chars"]
        key_of_row = keyed["_key"].to_numpy()
        perm_units = keyed.assign(_doc=key_of_row,
                                  n_size=pd.Series(key_of_row).map(n_chars).to_numpy())
        dkeys = sorted(perm_units["_doc"].unique().tolist())
        X = sp.csr_array(docs.reindex(dkeys).to_numpy(dtype=float))
        perm = permutation_keyness(
            perm_units, by, target, reference=reference, doc_col="_doc", cluster=cluster,
            counts=(X, dkeys, list(terms)), terms=list(terms), n_resamples=n_resamples,
            random_state=random_state, correction=kwargs.get("correction", "fdr_bh"),
            alpha=kwargs.get("alpha", 0.05), strata=strata,
        )
        perm = perm.rename(columns={"p_value": "p_perm", "p_adjusted": "p_perm_adjusted",
                                    "significant": "significant_perm"})
        cols = ["term", "p_perm", "p_perm_adjusted", "significant_perm", "exact",
                "n_relabelings", "p_floor"]
        out = out.merge(perm[cols], on="term", how="left", sort=False)
    return out


def segmentation_check(
    token_result: pd.DataFrame,
    substring_result: pd.DataFrame,
    *,
    significance: str = "significant",
) -> pd.DataFrame:
    """Flag the token-level findings that do not survive on substring counts.

    Parameters
    ----------
    token_result, substring_result : DataFrame
        Keyness tables (:func:`group_keyness` and :func:`substring_keyness`)
        with ``term``, ``log_ratio`` and the boolean column *significance*.
    significance : str, default "significant"
        The column that says a finding holds (e.g. ``"significant_perm"``).

    Returns
    -------
    DataFrame
        One row per term of *token_result* found in *substring_result*:
        ``term, freq_target_tokens, freq_reference_tokens,
        freq_target_substrings, freq_reference_substrings,
        log_ratio_tokens, log_ratio_substrings, significant_tokens,
        significant_substrings, direction_changed, significance_lost,
        depends_on_segmentation``; the last is True when the direction flips
        or a significant token-level result is not significant on substrings.

    Examples
    --------
    >>> import pandas as pd
    >>> tok = pd.DataFrame({"term": ["隔离"], "freq_target": [13], "freq_reference": [0],
    ...                     "log_ratio": [4.2], "significant": [True]})
    >>> sub = pd.DataFrame({"term": ["隔离"], "freq_target": [13], "freq_reference": [9],
    ...                     "log_ratio": [-0.3], "significant": [False]})
    >>> segmentation_check(tok, sub)["depends_on_segmentation"].tolist()
    [True]
    """
    need = ["term", "freq_target", "freq_reference", "log_ratio", significance]
    for name, t in (("token_result", token_result), ("substring_result", substring_result)):
        miss = [c for c in need if c not in t.columns]
        if miss:
            raise KeyError(f"{name} lacks column(s) {miss}")
    m = token_result[need].merge(substring_result[need], on="term", how="inner",
                                 suffixes=("_tokens", "_substrings"))
    m = m.rename(columns={f"{significance}_tokens": "significant_tokens",
                          f"{significance}_substrings": "significant_substrings"})
    m["significant_tokens"] = m["significant_tokens"].fillna(False).astype(bool)
    m["significant_substrings"] = m["significant_substrings"].fillna(False).astype(bool)
    m["direction_changed"] = np.sign(m["log_ratio_tokens"]) != np.sign(m["log_ratio_substrings"])
    m["significance_lost"] = m["significant_tokens"] & ~m["significant_substrings"]
    m["depends_on_segmentation"] = m["direction_changed"] | m["significance_lost"]
    return m.reset_index(drop=True)


__all__ = [
    "NoRelabellingError",
    "term_counts",
    "log_likelihood",
    "chi_square",
    "log_ratio",
    "fisher_exact_terms",
    "log_ratio_ci",
    "keyness",
    "group_keyness",
    "permutation_keyness",
    "substring_keyness",
    "segmentation_check",
]
