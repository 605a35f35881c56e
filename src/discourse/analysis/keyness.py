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
* p-values from the chi² distribution with one degree of freedom, then a
  multiple-testing correction over the tested terms: Benjamini-Hochberg
  (:func:`scipy.stats.false_discovery_control`), Bonferroni or none.

Corpus sizes are the totals of *all* counts passed, before ``min_freq``
filtering. Rates are per million tokens by default (``per``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats as sst

from discourse.analysis.stats import adjust_pvalues
from discourse.analysis.vocab import TokenFilter, token_lists

_MEASURES = ("g2", "chi2")


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
) -> pd.DataFrame:
    """Keyness of every term of target against reference counts.

    Parameters
    ----------
    target, reference : mapping or Series, term -> count
        Frequencies in the target and the reference corpus.
    measure : {"g2", "chi2"}, default "g2"
        Statistic that gives the p-value and the sort order.
    min_freq : int, default 5
        Keep terms whose combined frequency ``a + b`` reaches this.
    correction : {"fdr_bh", "bonferroni", None}
        Multiple-testing correction over the kept terms.
    alpha : float
        Level for the ``significant`` column (on the corrected p-value).
    yates : bool
        Yates' continuity correction for chi².
    per : int, default 1,000,000
        Rates are per this many tokens (1,000 for small texts).
    target_size, reference_size : int, optional
        Corpus sizes; default the sum of the counts passed.

    Returns
    -------
    DataFrame
        ``term, freq_target, freq_reference, size_target, size_reference,
        rate_target, rate_reference, g2, chi2, log_ratio, direction,
        p_value, p_adjusted, significant``, sorted by the signed statistic
        (strongest over-use first, strongest under-use last; ties by term).

    Examples
    --------
    >>> t = keyness({"清零": 30, "工作": 50}, {"清零": 2, "工作": 200}, min_freq=1)
    >>> t[["term", "direction"]].values.tolist()
    [['清零', 'over'], ['工作', 'under']]
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {_MEASURES}, got {measure!r}")
    t = _as_counts(target, "target")
    r = _as_counts(reference, "reference")
    c = float(target_size if target_size is not None else t.sum())
    d = float(reference_size if reference_size is not None else r.sum())
    if c <= 0 or d <= 0:
        raise ValueError(f"empty corpus: target size {c:g}, reference size {d:g}")
    terms = sorted(set(t.index) | set(r.index))
    a = t.reindex(terms, fill_value=0.0).to_numpy()
    b = r.reindex(terms, fill_value=0.0).to_numpy()
    keep = (a + b) >= min_freq
    terms = [x for x, k in zip(terms, keep) if k]
    a, b = a[keep], b[keep]
    sign = np.sign(a / c - b / d)
    g2 = sign * log_likelihood(a, b, c, d)
    chi2 = sign * chi_square(a, b, c, d, yates=yates)
    stat = g2 if measure == "g2" else chi2
    p = sst.chi2.sf(np.abs(stat), df=1)
    p_adj = adjust_pvalues(p, correction) if len(p) else p
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
            "direction": np.where(sign > 0, "over", np.where(sign < 0, "under", "equal")),
            "p_value": p,
            "p_adjusted": p_adj,
            "significant": p_adj < alpha,
        }
    )
    out = out.sort_values([measure, "term"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update(measure=measure, per=per, correction=correction, min_freq=min_freq)
    return out


def group_keyness(
    units: pd.DataFrame,
    by: str,
    target,
    *,
    reference=None,
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
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
    **kwargs
        Passed to :func:`keyness` (``measure``, ``min_freq``, ``correction``...).

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"city_en": ["A", "A", "B"],
    ...     "tokens": [["清零", "清零"], ["清零", "工作"], ["工作", "工作"]]})
    >>> group_keyness(units, "city_en", "A", min_freq=1).term.tolist()
    ['清零', '工作']
    """
    if by not in units.columns:
        raise KeyError(f"units table has no column {by!r}")
    tl = target if isinstance(target, (list, tuple, set)) else [target]
    tmask = units[by].isin(tl).to_numpy()
    if reference is None:
        rmask = ~tmask
    else:
        rl = reference if isinstance(reference, (list, tuple, set)) else [reference]
        rmask = units[by].isin(rl).to_numpy()
    if not tmask.any():
        raise ValueError(f"no units with {by} in {tl}")
    if not rmask.any():
        raise ValueError(f"no reference units for {by} (target {tl})")
    toks = token_lists(units, tokens_col)
    tc = term_counts((toks[i] for i in np.flatnonzero(tmask)), stop_words)
    rc = term_counts((toks[i] for i in np.flatnonzero(rmask)), stop_words)
    return keyness(tc, rc, **kwargs)


__all__ = [
    "term_counts",
    "log_likelihood",
    "chi_square",
    "log_ratio",
    "keyness",
    "group_keyness",
]
