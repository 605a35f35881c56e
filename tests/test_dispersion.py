"""Gries' DP against the 2008 worked example and a plain-Python computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from discourse.analysis.dispersion import dispersion_table, gries_dp


def _dp_plain(v, sizes):
    f, total = sum(v), sum(sizes)
    dp = 0.5 * sum(abs(vi / f - si / total) for vi, si in zip(v, sizes))
    return dp, dp / (1 - min(sizes) / total)


def test_gries_2008_worked_example():
    # Gries (2008: 415): parts of 9, 10, 10, 10, 11 words; the word occurs 1..5 times: DP = 0.18
    dp, dpn = gries_dp([[1], [2], [3], [4], [5]], part_sizes=[9, 10, 10, 10, 11])
    assert dp[0] == pytest.approx(0.18)
    assert dpn[0] == pytest.approx(0.18 / (1 - 9 / 50))


def test_matches_plain_loop_sparse_and_dense():
    rng = np.random.default_rng(2)
    X = rng.poisson(0.7, size=(12, 30)) * (rng.random((12, 30)) < 0.5)
    sizes = X.sum(axis=1) + rng.integers(5, 40, 12)
    dp, dpn = gries_dp(X, sizes)
    dps, dpns = gries_dp(sp.csr_array(X), sizes)
    for j in range(X.shape[1]):
        if X[:, j].sum() == 0:
            assert np.isnan(dp[j]) and np.isnan(dps[j])
            continue
        ref, refn = _dp_plain(X[:, j], sizes)
        assert dp[j] == pytest.approx(ref) and dps[j] == pytest.approx(ref)
        assert dpn[j] == pytest.approx(refn) and dpns[j] == pytest.approx(refn)


def test_extremes():
    # spread exactly like the part sizes -> 0; all in the smallest part -> DP_norm 1
    dp, dpn = gries_dp([[2, 0], [4, 0], [6, 5]], part_sizes=[10, 20, 30])
    assert dp[0] == pytest.approx(0.0)
    dp, dpn = gries_dp([[3], [0], [0]], part_sizes=[10, 20, 30])
    assert dpn[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="part sizes"):
        gries_dp([[1], [2]], part_sizes=[1, 2, 3])


def test_dispersion_table_over_documents():
    units = pd.DataFrame({"doc_id": ["a", "a", "b", "c"],
                          "tokens": [["隔离", "工作"], ["隔离"], ["工作", "工作"], ["隔离", "，"]]})
    t = dispersion_table(units).set_index("term")
    assert t.loc["隔离", "freq"] == 3 and t.loc["隔离", "n_parts_with"] == 2
    assert t.loc["隔离", "share_parts_with"] == pytest.approx(2 / 3)
    ref, _ = _dp_plain([2, 0, 1], [3, 2, 1])  # punctuation not counted in sizes
    assert t.loc["隔离", "dp"] == pytest.approx(ref)
    only = dispersion_table(units, terms=["工作", "没有"])
    assert only.term.tolist() == ["工作", "没有"] and only.freq.tolist() == [3, 0]
