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
