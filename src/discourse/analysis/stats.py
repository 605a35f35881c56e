"""Group comparisons that carry their uncertainty and their counts.

With five documents, a bare p-value says little: every comparison here is
reported with the group sizes, the group means, effect sizes and the number
of relabelings the p-value rests on.

* :func:`bootstrap_ci`: percentile bootstrap interval (scipy.stats.bootstrap),
  shared with :func:`discourse.analysis.topics.topic_shares`.
* :func:`permutation_test`: difference in means between a target group and
  a reference group by permutation (scipy.stats.permutation_test). The test
  is *exact* (all distinct relabelings enumerated) whenever their number
  C(n, n_target) does not exceed ``n_resamples`` (with five documents there
  are at most 10), otherwise Monte Carlo with ``random_state``. Effect sizes:
  difference in means, Cohen's d (pooled SD), Cliff's delta and the
  rank-biserial correlation (from the Mann-Whitney U; it equals Cliff's
  delta, reported as a cross-check).
* :func:`group_differences`: the same over every variable of a tidy table,
  with a multiple-testing correction.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sst

from discourse.config import RANDOM_STATE


def _rng(random_state) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def bootstrap_ci(
    values,
    *,
    statistic: Callable = np.mean,
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: int | np.random.Generator | None = RANDOM_STATE,
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Percentile bootstrap confidence interval, resampling rows.

    Parameters
    ----------
    values : array-like of shape (n,) or (n, k)
        Observations in rows. For 2-D input each column gets its interval
        (rows are resampled as wholes).
    statistic : callable ``f(x, axis)``, default :func:`numpy.mean`
        Must accept an ``axis`` argument (vectorised).
    n_boot : int, default 1000
    ci : float, default 0.95
    random_state : int or Generator

    Returns
    -------
    (low, high)
        Floats for 1-D input, arrays of shape (k,) for 2-D input; NaN when
        there are fewer than two observations.

    Examples
    --------
    >>> lo, hi = bootstrap_ci([1.0, 2.0, 3.0, 4.0], n_boot=500)
    >>> bool(1.0 <= lo <= 2.5 <= hi <= 4.0)
    True
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim not in (1, 2):
        raise ValueError(f"values must be 1-D or 2-D, got shape {x.shape}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci}")
    shape = () if x.ndim == 1 else (x.shape[1],)
    if x.shape[0] < 2:
        nan = np.full(shape, np.nan)
        return (float(nan), float(nan)) if x.ndim == 1 else (nan, nan.copy())
    # resample in batches of at most ~4 million values (32 MB) at a time
    batch = max(1, min(n_boot, 4_000_000 // max(1, x.size)))
    res = sst.bootstrap(
        (x,),
        statistic,
        n_resamples=n_boot,
        batch=batch,
        vectorized=True,
        axis=0,
        confidence_level=ci,
        method="percentile",
        rng=_rng(random_state),
    )
    lo, hi = res.confidence_interval
    if x.ndim == 1:
        return float(lo), float(hi)
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def _mean_diff(x, y, axis=-1):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def cohens_d(x, y) -> float:
    """Cohen's d with the pooled standard deviation (ddof=1).

    NaN when the pooled SD is undefined (fewer than three observations in
    all) or zero.

    Examples
    --------
    >>> round(cohens_d([1, 2, 3], [3, 4, 5]), 6)
    -2.0
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    nx, ny = len(x), len(y)
    dof = nx + ny - 2
    if dof <= 0:
        return float("nan")
    ssx = ((x - x.mean()) ** 2).sum()
    ssy = ((y - y.mean()) ** 2).sum()
    sp = math.sqrt((ssx + ssy) / dof)
    if sp == 0:
        return float("nan")
    return float((x.mean() - y.mean()) / sp)


def cliffs_delta(x, y) -> float:
    """Cliff's delta: P(X > Y) - P(X < Y) over all pairs.

    Examples
    --------
    >>> cliffs_delta([3, 4], [1, 2])
    1.0
    >>> cliffs_delta([1, 3], [2, 2])
    0.0
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if not len(x) or not len(y):
        return float("nan")
    diff = x[:, None] - y[None, :]
    return float((np.sign(diff)).mean())


def permutation_test(
    data: pd.DataFrame,
    value: str,
    group: str,
    *,
    target=None,
    reference=None,
    n_resamples: int = 9999,
    alternative: str = "two-sided",
    random_state: int | None = RANDOM_STATE,
) -> pd.DataFrame:
    """Permutation test of the difference in means of *value* between groups.

    Parameters
    ----------
    data : DataFrame
        One row per observation (e.g. per document).
    value : str
        Numeric column compared.
    group : str
        Group column.
    target : scalar, optional
        Level of *group* tested. Default: the first level (sorted) when the
        column has exactly two levels.
    reference : scalar or list, optional
        Level(s) compared against; default all rows not in *target* ("rest").
    n_resamples : int, default 9999
        Monte Carlo resamples; when the number of distinct relabelings
        C(n, n_target) is at most this, the test is exact instead.
    alternative : {"two-sided", "greater", "less"}
        "greater": target mean larger than reference mean.
    random_state : int

    Returns
    -------
    DataFrame
        One row: ``variable, group, target, reference, n_target,
        n_reference, mean_target, mean_reference, diff, cohens_d,
        cliffs_delta, rank_biserial, exact, n_relabelings, p_value, p_floor``.
        ``n_relabelings`` is the number of distinct relabelings (exact) or of
        resamples (Monte Carlo); ``p_floor`` the smallest p-value the design
        allows (1 / C(n, n_target) one-sided when exact, twice that
        two-sided; 1 / (n_resamples + 1) per side for Monte Carlo). The
        two-sided p-value is scipy's: twice the smaller one-sided p-value,
        capped at 1.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"period": ["a", "a", "b", "b", "b"],
    ...                    "rate": [1.0, 2.0, 5.0, 6.0, 7.0]})
    >>> r = permutation_test(df, "rate", "period", target="b")
    >>> r[["n_target", "n_reference", "diff", "exact", "n_relabelings"]].values.tolist()
    [[3, 2, 4.5, True, 10]]
    >>> round(float(r.p_value.iloc[0]), 3)
    0.2
    """
    for col in (value, group):
        if col not in data.columns:
            raise KeyError(f"data has no column {col!r} (columns: {list(data.columns)})")
    levels = sorted(pd.unique(data[group].dropna()).tolist())
    if target is None:
        if len(levels) != 2:
            raise ValueError(
                f"{group!r} has {len(levels)} levels {levels}; name the target level"
            )
        target = levels[0]
    tmask = (data[group] == target).to_numpy()
    if reference is None:
        rmask = (~tmask) & data[group].notna().to_numpy()
        ref_label = "rest" if len(levels) > 2 else next((lv for lv in levels if lv != target), "rest")
    else:
        refs = reference if isinstance(reference, (list, tuple, set)) else [reference]
        rmask = data[group].isin(refs).to_numpy()
        ref_label = reference if not isinstance(reference, (list, tuple, set)) else "+".join(map(str, refs))
    x = data.loc[tmask, value].to_numpy(dtype=float)
    y = data.loc[rmask, value].to_numpy(dtype=float)
    if np.isnan(x).any() or np.isnan(y).any():
        raise ValueError(f"column {value!r} has missing values in the compared rows")
    nx, ny = len(x), len(y)
    if nx == 0 or ny == 0:
        raise ValueError(f"empty group: {nx} target rows ({target!r}) and {ny} reference rows")
    n_distinct = math.comb(nx + ny, nx)
    exact = n_distinct <= n_resamples
    res = sst.permutation_test(
        (x, y),
        _mean_diff,
        permutation_type="independent",
        vectorized=True,
        n_resamples=n_resamples,
        alternative=alternative,
        rng=_rng(random_state),
    )
    if nx and ny:
        u = sst.mannwhitneyu(x, y, alternative="two-sided").statistic
        rb = 2.0 * float(u) / (nx * ny) - 1.0
    else:
        rb = float("nan")
    row = {
        "variable": value,
        "group": group,
        "target": target,
        "reference": ref_label,
        "n_target": nx,
        "n_reference": ny,
        "mean_target": float(x.mean()),
        "mean_reference": float(y.mean()),
        "diff": float(x.mean() - y.mean()),
        "cohens_d": cohens_d(x, y),
        "cliffs_delta": cliffs_delta(x, y),
        "rank_biserial": rb,
        "exact": bool(exact),
        "n_relabelings": int(n_distinct if exact else n_resamples),
        "p_value": float(res.pvalue),
        "p_floor": min(1.0, (2.0 if alternative == "two-sided" else 1.0)
                       / (n_distinct if exact else n_resamples + 1)),
    }
    return pd.DataFrame([row])


def adjust_pvalues(p: Sequence[float], method: str | None = "fdr_bh") -> np.ndarray:
    """Multiple-testing correction: Benjamini-Hochberg, Bonferroni or none.

    BH uses :func:`scipy.stats.false_discovery_control`; Bonferroni is
    ``min(1, p * m)``. NaN p-values are left NaN and not counted in *m*.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03], "bonferroni").round(2).tolist()
    [0.03, 0.12, 0.09]
    >>> adjust_pvalues([0.01, 0.04, 0.03], "fdr_bh").round(2).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if method is None:
        return p.copy()
    if not ok.any():
        return out
    if method == "fdr_bh":
        out[ok] = sst.false_discovery_control(p[ok], method="bh")
    elif method == "bonferroni":
        out[ok] = np.minimum(1.0, p[ok] * ok.sum())
    else:
        raise ValueError(f"correction must be 'fdr_bh', 'bonferroni' or None, got {method!r}")
    return out


def group_differences(
    data: pd.DataFrame,
    value: str,
    group: str,
    *,
    variable: str | None = None,
    target=None,
    reference=None,
    correction: str | None = "fdr_bh",
    n_resamples: int = 9999,
    alternative: str = "two-sided",
    random_state: int | None = RANDOM_STATE,
) -> pd.DataFrame:
    """:func:`permutation_test` for every variable of a tidy table.

    Parameters
    ----------
    data : DataFrame
        Tidy table, e.g. the output of
        :func:`discourse.analysis.features.discourse_features` joined with document
        metadata: one row per (observation, variable).
    value, group, target, reference, n_resamples, alternative, random_state
        As in :func:`permutation_test`.
    variable : str, optional
        Column naming the variable (e.g. ``"feature"`` or ``"topic"``); one
        test per level, in sorted order. None: a single test on all rows.
    correction : {"fdr_bh", "bonferroni", None}
        Adds ``p_adjusted`` over the tests.

    Returns
    -------
    DataFrame
        The rows of :func:`permutation_test` (``variable`` holds the level),
        plus ``p_adjusted``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"doc": list("abcd") * 2, "feature": ["x"] * 4 + ["y"] * 4,
    ...     "period": ["early", "early", "late", "late"] * 2,
    ...     "rate": [1., 2., 3., 4., 5., 5., 5., 5.]})
    >>> res = group_differences(df, "rate", "period", variable="feature", target="late")
    >>> res[["variable", "diff", "p_value", "p_adjusted"]].round(3).values.tolist()
    [['x', 2.0, 0.333, 0.667], ['y', 0.0, 1.0, 1.0]]
    """
    parts = []
    if variable is None:
        parts.append(
            permutation_test(data, value, group, target=target, reference=reference,
                             n_resamples=n_resamples, alternative=alternative,
                             random_state=random_state)
        )
    else:
        for level, sub in data.groupby(variable, sort=True, observed=True):
            r = permutation_test(sub, value, group, target=target, reference=reference,
                                 n_resamples=n_resamples, alternative=alternative,
                                 random_state=random_state)
            r["variable"] = level
            parts.append(r)
    out = pd.concat(parts, ignore_index=True)
    out["p_adjusted"] = adjust_pvalues(out["p_value"].to_numpy(), correction)
    return out


__all__ = [
    "bootstrap_ci",
    "cohens_d",
    "cliffs_delta",
    "permutation_test",
    "adjust_pvalues",
    "group_differences",
]
