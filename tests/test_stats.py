"""Permutation tests, effect sizes and bootstrap intervals against hand values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from discourse.analysis.stats import (
    adjust_pvalues,
    bootstrap_ci,
    cliffs_delta,
    cohens_d,
    group_differences,
    permutation_test,
)


@pytest.fixture
def five_docs() -> pd.DataFrame:
    # Five documents as in the study: 2 early, 3 late.
    return pd.DataFrame(
        {"doc_id": list("abcde"), "period": ["early", "early", "late", "late", "late"],
         "rate": [1.0, 2.0, 5.0, 6.0, 7.0]}
    )


def test_exact_permutation_with_five_documents(five_docs):
    # C(5, 3) = 10 relabelings. diff = (5*sum(S) - 63) / 6 for target set S;
    # only S = {5, 6, 7} reaches 4.5, so the one-sided p is exactly 1/10.
    r = permutation_test(five_docs, "rate", "period", target="late", alternative="greater").iloc[0]
    assert r.exact and r.n_relabelings == 10
    assert r.p_value == pytest.approx(0.1)
    assert r.p_floor == pytest.approx(0.1)
    assert (r.n_target, r.n_reference) == (3, 2)
    assert (r.mean_target, r.mean_reference, r["diff"]) == (6.0, 1.5, 4.5)
    two = permutation_test(five_docs, "rate", "period", target="late").iloc[0]
    # scipy's two-sided p is twice the smaller one-sided p
    assert two.p_value == pytest.approx(0.2) and two.p_floor == pytest.approx(0.2)


def test_reference_defaults_to_the_other_level_or_rest(five_docs):
    r = permutation_test(five_docs, "rate", "period", target="early").iloc[0]
    assert r.reference == "late"
    three = five_docs.assign(period=["a", "b", "c", "c", "c"])
    r = permutation_test(three, "rate", "period", target="c").iloc[0]
    assert r.reference == "rest" and r.n_reference == 2
    with pytest.raises(ValueError, match="name the target"):
        permutation_test(three, "rate", "period")


def test_monte_carlo_when_relabelings_are_many():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"g": ["x"] * 10 + ["y"] * 10, "v": rng.normal(size=20)})
    a = permutation_test(df, "v", "g", target="x", n_resamples=999, random_state=1)
    b = permutation_test(df, "v", "g", target="x", n_resamples=999, random_state=1)
    assert not a.exact.iloc[0] and a.n_relabelings.iloc[0] == 999
    assert math.comb(20, 10) > 999
    pd.testing.assert_frame_equal(a, b)


def test_effect_sizes_by_hand():
    # pooled SD of [1,2,3] and [3,4,5] is 1, means differ by -2
    assert cohens_d([1, 2, 3], [3, 4, 5]) == pytest.approx(-2.0)
    # pairs (1,2)< (1,2)< (3,2)> (3,2)> -> 0; every pair of [4,5] x [1,2,3] is > -> 1
    assert cliffs_delta([1, 3], [2, 2]) == 0.0
    assert cliffs_delta([4, 5], [1, 2, 3]) == 1.0
    assert cliffs_delta([1, 2, 3], [2]) == 0.0
    # (2,1)> (2,3)< (3,1)> (3,3)= (3,1)> (3,3)= : 3 greater, 1 less of 6 pairs
    assert cliffs_delta([2, 3, 3], [1, 3]) == pytest.approx((3 - 1) / 6)


def test_rank_biserial_equals_cliffs_delta():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"g": ["a"] * 6 + ["b"] * 5, "v": rng.integers(0, 5, 11).astype(float)})
    r = permutation_test(df, "v", "g", target="a").iloc[0]
    assert r.rank_biserial == pytest.approx(r.cliffs_delta)


def test_adjust_pvalues_by_hand():
    p = [0.01, 0.04, 0.03, 0.20]
    # BH: sorted 0.01,0.03,0.04,0.20 -> 0.04, 0.06, 0.0533, 0.20 -> monotone 0.04,0.0533,0.0533,0.2
    assert adjust_pvalues(p, "fdr_bh") == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.20])
    assert adjust_pvalues(p, "bonferroni") == pytest.approx([0.04, 0.16, 0.12, 0.80])
    assert adjust_pvalues([0.5, np.nan], "bonferroni")[0] == 0.5
    with pytest.raises(ValueError, match="unknown correction"):
        adjust_pvalues(p, "not-a-method")


def test_group_differences_over_a_tidy_table(five_docs):
    tidy = pd.concat(
        [five_docs.assign(feature="x"), five_docs.assign(feature="y", rate=[3, 3, 3, 3, 3])]
    )
    r = group_differences(tidy, "rate", "period", variable="feature", target="late")
    assert r.variable.tolist() == ["x", "y"]
    assert r["diff"].tolist() == [4.5, 0.0]
    assert r.p_adjusted.tolist() == pytest.approx([0.4, 1.0])  # BH of (0.2, 1.0)
    assert {"n_target", "n_reference", "cohens_d", "cliffs_delta"} <= set(r.columns)


def test_bootstrap_ci_properties():
    lo, hi = bootstrap_ci([3.0, 3.0, 3.0])
    assert lo == hi == 3.0
    assert all(np.isnan(bootstrap_ci([1.0])))
    x = np.random.default_rng(0).normal(size=(40, 3))
    lo, hi = bootstrap_ci(x, n_boot=500, random_state=5)
    assert lo.shape == hi.shape == (3,)
    assert (lo < x.mean(0)).all() and (x.mean(0) < hi).all()
    lo2, hi2 = bootstrap_ci(x, n_boot=500, random_state=5)
    assert np.array_equal(lo, lo2) and np.array_equal(hi, hi2)
    wlo, whi = bootstrap_ci(x, n_boot=500, ci=0.99, random_state=5)
    assert ((whi - wlo) >= (hi - lo)).all()


def test_bootstrap_ci_is_the_percentile_interval():
    # With a 0/1 sample, bootstrap means are Binomial(n, p)/n: the percentile
    # interval of 4000 resamples must sit near the binomial quantiles.
    from scipy.stats import binom

    x = np.array([1.0] * 12 + [0.0] * 28)
    lo, hi = bootstrap_ci(x, n_boot=4000, ci=0.9, random_state=2)
    assert lo == pytest.approx(binom.ppf(0.05, 40, 0.3) / 40, abs=0.026)
    assert hi == pytest.approx(binom.ppf(0.95, 40, 0.3) / 40, abs=0.026)


# --- small-sample reporting, Hedges' g, Cliff's delta interval, cluster bootstrap --------

from scipy.stats import bootstrap as scipy_bootstrap
from statsmodels.stats.multitest import multipletests

from discourse.analysis.stats import cliffs_delta_ci, cluster_bootstrap, hedges_g


def test_no_standardised_effect_below_the_minimum(five_docs):
    r = permutation_test(five_docs, "rate", "period", target="late").iloc[0]
    assert np.isnan(r.cohens_d) and np.isnan(r.hedges_g) and np.isnan(r.cliffs_delta_low)
    assert "fewer than 5" in r.effect_note and "(3 and 2)" in r.effect_note
    assert r.cliffs_delta == 1.0  # the descriptive delta stays
    ok = permutation_test(five_docs, "rate", "period", target="late", min_group_size=2).iloc[0]
    assert ok.cohens_d == pytest.approx(cohens_d([5, 6, 7], [1, 2])) and ok.effect_note == ""


def test_hedges_g_correction():
    x, y = [1.0, 2, 3, 4], [3.0, 4, 5, 7, 8]
    m = len(x) + len(y) - 2
    j = math.gamma(m / 2) / (math.sqrt(m / 2) * math.gamma((m - 1) / 2))
    assert hedges_g(x, y) == pytest.approx(cohens_d(x, y) * j)
    assert j == pytest.approx(1 - 3 / (4 * m - 1), abs=2e-3)  # Hedges' approximation


def test_cliffs_delta_interval_matches_a_plain_bootstrap():
    rng = np.random.default_rng(4)
    x, y = rng.normal(0.5, 1, 25), rng.normal(0, 1, 30)
    lo, hi = cliffs_delta_ci(x, y, n_resamples=4000, random_state=1)
    boot = []
    r2 = np.random.default_rng(99)
    for _ in range(4000):
        bx, by = r2.choice(x, len(x)), r2.choice(y, len(y))
        boot.append(cliffs_delta(bx, by))
    assert lo == pytest.approx(np.quantile(boot, 0.025), abs=0.03)
    assert hi == pytest.approx(np.quantile(boot, 0.975), abs=0.03)


def test_adjust_pvalues_is_statsmodels():
    p = np.random.default_rng(1).random(30) ** 2
    for method in ("fdr_bh", "bonferroni", "holm"):
        assert adjust_pvalues(p, method) == pytest.approx(multipletests(p, method=method)[1])


def _clustered(n_clusters=30, size=4, seed=0):
    rng = np.random.default_rng(seed)
    effects = rng.normal(0, 1, n_clusters)
    return pd.DataFrame({"city": np.repeat([f"c{i:02d}" for i in range(n_clusters)], size),
                         "x": np.repeat(effects, size) + rng.normal(0, 0.2, n_clusters * size)})


def test_cluster_bootstrap_equals_bootstrap_of_cluster_means():
    # equal cluster sizes: the mean of rows is the mean of cluster means, so resampling
    # clusters is scipy's ordinary bootstrap of the cluster means
    df = _clustered()
    means = df.groupby("city")["x"].mean().to_numpy()
    for method, sm in (("percentile", "percentile"), ("bca", "BCa")):
        r = cluster_bootstrap(df, lambda d: d["x"].mean(), "city", n_resamples=3000,
                              method=method, random_state=2).iloc[0]
        ref = scipy_bootstrap((means,), np.mean, n_resamples=3000, method=sm,
                              rng=np.random.default_rng(5)).confidence_interval
        width = ref.high - ref.low
        assert r.low == pytest.approx(ref.low, abs=0.08 * width)
        assert r.high == pytest.approx(ref.high, abs=0.08 * width)
        assert r.n_clusters == 30 and r.estimate == pytest.approx(means.mean())


def test_cluster_bootstrap_is_wider_than_a_row_bootstrap_and_covers_the_truth():
    # known truth: cluster effects N(0, 1) -> the mean's SE is about 1/sqrt(30)
    df = _clustered()
    r = cluster_bootstrap(df, lambda d: d["x"].mean(), "city", n_resamples=2000).iloc[0]
    assert r.se == pytest.approx(1 / math.sqrt(30), rel=0.35)
    lo_row, hi_row = bootstrap_ci(df["x"].to_numpy(), n_boot=2000)
    assert (r.high - r.low) > 1.5 * (hi_row - lo_row)
    cover = 0
    for seed in range(20):
        d = _clustered(seed=100 + seed)
        rr = cluster_bootstrap(d, lambda t: t["x"].mean(), "city", n_resamples=200,
                               random_state=seed).iloc[0]
        cover += rr.low <= 0.0 <= rr.high
    assert cover >= 16  # nominal 95% of 20, with Monte-Carlo slack


def test_cluster_bootstrap_refuses_too_few_clusters():
    df = _clustered(n_clusters=3)
    r = cluster_bootstrap(df, lambda d: d["x"].mean(), "city").iloc[0]
    assert np.isnan(r.low) and r.n_clusters == 3 and "minimum 5" in r.note
    with pytest.raises(KeyError, match="cluster column"):
        cluster_bootstrap(df, lambda d: d["x"].mean(), "province")


def test_cluster_bootstrap_of_an_undefined_statistic_gives_no_interval_and_says_why():
    df = pd.DataFrame({"cluster": list("abcdefgh"), "x": [np.nan] * 8})
    row = cluster_bootstrap(df, lambda d: float(d["x"].mean()), "cluster", n_resamples=50, min_clusters=5,
                            random_state=0).iloc[0]
    assert np.isnan(row["estimate"]) and np.isnan(row["low"]) and np.isnan(row["high"])
    assert "undefined (NaN) in 50 of 50 resamples" in row["note"]
