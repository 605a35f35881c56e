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

Small samples. Cohen's d and Hedges' g are reported only when each group
has at least ``min_group_size`` observations (default 5); below it they are
NA and ``effect_note`` says why (a standardised difference on 2 against 3
documents rests on a pooled SD with 3 degrees of freedom). Cliff's delta
gets a percentile bootstrap interval (:func:`cliffs_delta_ci`) under the
same rule. A p-value of a permutation test cannot be smaller than its
``p_floor``: with 2 against 3 documents there are 10 relabellings, so the
one-sided floor is 0.1 and the two-sided floor 0.2 under scipy's
"twice the smaller tail" convention (0.1 under the convention that counts
relabellings at least as extreme in absolute value).

* :func:`cluster_bootstrap`: an interval for any statistic of a table whose
  rows are nested in clusters (paragraphs in documents, documents in
  cities), resampling whole clusters with replacement (Field & Welsh 2007,
  "Bootstrapping clustered data", *JRSS B* 69(3): 369-390; Cameron,
  Gelbach & Miller 2008, "Bootstrap-based improvements for inference with
  clustered errors", *REStat* 90(3): 414-427). ``scipy.stats.bootstrap``
  resamples rows, not clusters.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sst

from statsmodels.stats.multitest import multipletests

from discourse.config import RANDOM_STATE

#: Default minimum number of observations per group for standardised effect sizes.
MIN_GROUP_SIZE: int = 5


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


def hedges_g(x, y) -> float:
    """Hedges' g: Cohen's d times the exact small-sample correction J.

    ``J = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2))`` with ``m = n_x + n_y - 2``
    (Hedges 1981, "Distribution theory for Glass's estimator of effect size
    and related estimators", *J. Educ. Stat.* 6(2), eq. 6e); approximately
    ``1 - 3 / (4m - 1)``.

    Examples
    --------
    >>> round(hedges_g([1, 2, 3], [3, 4, 5]), 4)  # d = -2, m = 4, J = 0.7979
    -1.5958
    """
    d = cohens_d(x, y)
    m = len(x) + len(y) - 2
    if math.isnan(d) or m < 2:
        return float("nan")
    j = math.exp(math.lgamma(m / 2) - math.lgamma((m - 1) / 2)) / math.sqrt(m / 2)
    return float(d * j)


def _cliffs_vec(x, y, axis=-1):
    x = np.moveaxis(np.asarray(x, float), axis, -1)
    y = np.moveaxis(np.asarray(y, float), axis, -1)
    return np.sign(x[..., :, None] - y[..., None, :]).mean(axis=(-2, -1))


def cliffs_delta_ci(
    x, y, *, ci: float = 0.95, n_resamples: int = 2000,
    random_state: int | np.random.Generator | None = RANDOM_STATE,
) -> tuple[float, float]:
    """Percentile bootstrap interval of Cliff's delta (each group resampled).

    Uses :func:`scipy.stats.bootstrap` with the two samples resampled
    independently. NaN when a group has fewer than two observations.

    Examples
    --------
    >>> lo, hi = cliffs_delta_ci([5, 6, 7, 8, 9], [1, 2, 3, 4, 5], n_resamples=500)
    >>> bool(0.5 < lo <= hi <= 1.0)
    True
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or len(y) < 2:
        return float("nan"), float("nan")
    if len(np.unique(np.concatenate([x, y]))) == 1:
        return 0.0, 0.0
    res = sst.bootstrap((x, y), _cliffs_vec, n_resamples=n_resamples, vectorized=True,
                        confidence_level=ci, method="percentile", rng=_rng(random_state))
    lo, hi = res.confidence_interval
    return float(lo), float(hi)


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
    min_group_size: int = MIN_GROUP_SIZE,
    ci: float = 0.95,
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
    min_group_size : int, default 5
        Cohen's d, Hedges' g and the interval of Cliff's delta are NA unless
        both groups have at least this many observations.
    ci : float, default 0.95
        Level of the Cliff's delta interval.

    Returns
    -------
    DataFrame
        One row: ``variable, group, target, reference, n_target,
        n_reference, mean_target, mean_reference, diff, cohens_d, hedges_g,
        effect_note, cliffs_delta, cliffs_delta_low, cliffs_delta_high,
        rank_biserial, exact, n_relabelings, p_value, p_floor``.
        ``effect_note`` is empty, or says why the standardised effect sizes
        are NA.
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
    >>> r["effect_note"].iloc[0]
    'fewer than 5 observations in a group (3 and 2): no Cohen d, Hedges g or Cliff delta interval'

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
    small = min(nx, ny) < min_group_size
    if small:
        note = (f"fewer than {min_group_size} observations in a group ({nx} and {ny}): "
                "no Cohen d, Hedges g or Cliff delta interval")
        d = g = cl_lo = cl_hi = float("nan")
    else:
        note = ""
        d, g = cohens_d(x, y), hedges_g(x, y)
        cl_lo, cl_hi = cliffs_delta_ci(x, y, ci=ci, random_state=random_state)
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
        "cohens_d": d,
        "hedges_g": g,
        "effect_note": note,
        "cliffs_delta": cliffs_delta(x, y),
        "cliffs_delta_low": cl_lo,
        "cliffs_delta_high": cl_hi,
        "rank_biserial": rb,
        "exact": bool(exact),
        "n_relabelings": int(n_distinct if exact else n_resamples),
        "p_value": float(res.pvalue),
        "p_floor": min(1.0, (2.0 if alternative == "two-sided" else 1.0)
                       / (n_distinct if exact else n_resamples + 1)),
    }
    return pd.DataFrame([row])


def adjust_pvalues(p: Sequence[float], method: str | None = "fdr_bh") -> np.ndarray:
    """Multiple-testing correction with :func:`statsmodels.stats.multitest.multipletests`.

    *method* is any statsmodels method (``"fdr_bh"``: Benjamini-Hochberg,
    ``"bonferroni"``, ``"holm"``, ``"fdr_by"``...) or None (no correction).
    NaN p-values are left NaN and not counted in the number of tests.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03], "bonferroni").round(2).tolist()
    [0.03, 0.12, 0.09]
    >>> adjust_pvalues([0.01, 0.04, 0.03], "fdr_bh").round(2).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p, dtype=float)
    if method is None:
        return p.copy()
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return out
    try:
        out[ok] = multipletests(p[ok], method=method)[1]
    except ValueError as exc:
        raise ValueError(f"unknown correction {method!r} (statsmodels multipletests: {exc})") from None
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
    min_group_size: int = MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """:func:`permutation_test` for every variable of a tidy table.

    Parameters
    ----------
    data : DataFrame
        Tidy table, e.g. the output of
        :func:`discourse.analysis.features.discourse_features` joined with document
        metadata: one row per (observation, variable).
    value, group, target, reference, n_resamples, alternative, random_state, min_group_size
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
                             random_state=random_state, min_group_size=min_group_size)
        )
    else:
        for level, sub in data.groupby(variable, sort=True, observed=True):
            r = permutation_test(sub, value, group, target=target, reference=reference,
                                 n_resamples=n_resamples, alternative=alternative,
                                 random_state=random_state, min_group_size=min_group_size)
            r["variable"] = level
            parts.append(r)
    out = pd.concat(parts, ignore_index=True)
    out["p_adjusted"] = adjust_pvalues(out["p_value"].to_numpy(), correction)
    return out


def cluster_bootstrap(
    df: pd.DataFrame,
    stat: Callable[[pd.DataFrame], float],
    cluster: str,
    *,
    n_resamples: int = 1999,
    ci: float = 0.95,
    method: str = "percentile",
    min_clusters: int = MIN_GROUP_SIZE,
    random_state: int | np.random.Generator | None = RANDOM_STATE,
) -> pd.DataFrame:
    """Bootstrap interval of ``stat(df)`` resampling whole clusters with replacement.

    Each resample draws as many clusters as there are, with replacement,
    and stacks all their rows; a cluster drawn twice appears twice, its
    copies told apart by the *cluster* column, which holds the draw number
    (0 … G-1) in the resampled table (so a statistic that averages cluster
    means treats the copies as distinct clusters). This is the pairs
    cluster bootstrap of Cameron, Gelbach & Miller (2008, section III.A) and
    the "cluster" (first-stage) bootstrap of Field & Welsh (2007).

    Parameters
    ----------
    df : DataFrame
        Rows nested in clusters.
    stat : callable ``DataFrame -> float``
    cluster : str
        Cluster column (no missing values).
    n_resamples : int, default 1999
    ci : float, default 0.95
    method : {"percentile", "bca"}
        Percentile interval, or the bias-corrected and accelerated interval
        (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 14),
        its acceleration from the leave-one-cluster-out jackknife.
    min_clusters : int, default 5
        With fewer distinct clusters the interval is NA (``note`` says why):
        a bootstrap over 3 clusters has only 10 distinct resamples.
    random_state : int or Generator

    Returns
    -------
    DataFrame
        One row: ``estimate, low, high, se, method, ci, n_clusters,
        n_rows, n_resamples, note`` (``se``: standard deviation of the
        bootstrap estimates).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"city": list("aabbccddee"), "x": [1., 1, 2, 2, 3, 3, 4, 4, 5, 5]})
    >>> r = cluster_bootstrap(df, lambda d: d["x"].mean(), "city", n_resamples=500)
    >>> float(r.estimate.iloc[0]), int(r.n_clusters.iloc[0])
    (3.0, 5)
    >>> bool(r.low.iloc[0] < 3.0 < r.high.iloc[0])
    True
    >>> cluster_bootstrap(df.head(4), lambda d: d["x"].mean(), "city").note.iloc[0]
    'only 2 clusters (minimum 5): no interval'
    """
    if cluster not in df.columns:
        raise KeyError(f"data has no cluster column {cluster!r} (columns: {list(df.columns)})")
    if df[cluster].isna().any():
        raise ValueError(f"cluster column {cluster!r} has missing values")
    if method not in ("percentile", "bca"):
        raise ValueError(f"method must be 'percentile' or 'bca', got {method!r}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci}")
    data = df.reset_index(drop=True)
    groups = data.groupby(cluster, sort=True, observed=True).indices
    pos = [np.asarray(v) for v in groups.values()]
    G = len(pos)
    estimate = float(stat(df))
    row = {"estimate": estimate, "low": np.nan, "high": np.nan, "se": np.nan, "method": method,
           "ci": ci, "n_clusters": G, "n_rows": len(data), "n_resamples": 0, "note": ""}
    if G < min_clusters:
        row["note"] = f"only {G} clusters (minimum {min_clusters}): no interval"
        return pd.DataFrame([row])
    rng = _rng(random_state)
    reps = np.empty(n_resamples)
    for r in range(n_resamples):
        draw = rng.integers(0, G, size=G)
        idx = np.concatenate([pos[g] for g in draw])
        sample = data.iloc[idx].reset_index(drop=True)
        sample[cluster] = np.repeat(np.arange(G), [len(pos[g]) for g in draw])
        reps[r] = stat(sample)
    reps = reps[~np.isnan(reps)]
    if len(reps) < 2:  # e.g. a mean over rows that are all missing
        row["note"] = f"the statistic is undefined (NaN) in {n_resamples - len(reps)} of {n_resamples} resamples: no interval"
        return pd.DataFrame([row])
    alpha = 1.0 - ci
    if method == "percentile":
        qlo, qhi = alpha / 2, 1 - alpha / 2
    else:
        prop = (np.sum(reps < estimate) + 0.5 * np.sum(reps == estimate)) / len(reps)
        z0 = sst.norm.ppf(min(max(prop, 1e-10), 1 - 1e-10))
        jack = np.array([stat(data.drop(index=pos[g]).reset_index(drop=True)) for g in range(G)])
        dev = jack.mean() - jack
        den = 6.0 * (dev**2).sum() ** 1.5
        acc = float((dev**3).sum() / den) if den > 0 else 0.0
        zl, zh = sst.norm.ppf(alpha / 2), sst.norm.ppf(1 - alpha / 2)
        qlo = float(sst.norm.cdf(z0 + (z0 + zl) / (1 - acc * (z0 + zl))))
        qhi = float(sst.norm.cdf(z0 + (z0 + zh) / (1 - acc * (z0 + zh))))
    row.update(low=float(np.quantile(reps, qlo)), high=float(np.quantile(reps, qhi)),
               se=float(reps.std(ddof=1)), n_resamples=int(len(reps)))
    return pd.DataFrame([row])


__all__ = [
    "MIN_GROUP_SIZE",
    "bootstrap_ci",
    "cohens_d",
    "hedges_g",
    "cliffs_delta",
    "cliffs_delta_ci",
    "cluster_bootstrap",
    "permutation_test",
    "adjust_pvalues",
    "group_differences",
]
