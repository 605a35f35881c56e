"""Collocation counts and scores against hand counts and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import chi2_contingency

from discourse.analysis.collocations import collocations, pair_counts

TEXTS = [["核酸", "检测", "工作"], ["核酸", "检测"], ["工作", "会议", "〔NUM〕"]] * 2


def test_pair_counts_windows_and_units():
    assert pair_counts([["a", "b", "c"]], window=1) == {("a", "b"): 1, ("b", "c"): 1}
    assert pair_counts([["a", "b", "c"]], window=2)[("a", "c")] == 1
    # windows never cross units; placeholders are dropped before counting distance
    assert pair_counts([["a"], ["b"]], window=3) == {}
    assert pair_counts([["a", "〔NUM〕", "b"]], window=1) == {("a", "b"): 1}


def test_scores_by_hand_and_against_scipy():
    t = collocations(TEXTS, min_count=1).set_index(["w1", "w2"])
    # events: 核酸-检测 x4, 检测-工作 x2, 工作-会议 x2 -> N = 8
    row = t.loc[("核酸", "检测")]
    assert (row.freq, row.freq_w1, row.freq_w2, row.n_pairs) == (4, 4, 4, 8)
    assert row.pmi == pytest.approx(math.log2(4 * 8 / (4 * 4)))
    for (a, b), r in t.iterrows():
        table = np.array([[r.freq, r.freq_w1 - r.freq],
                          [r.freq_w2 - r.freq, r.n_pairs - r.freq_w1 - r.freq_w2 + r.freq]])
        g2 = chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]
        assert abs(r.g2) == pytest.approx(g2)


def test_order_filters_and_node():
    t = collocations(TEXTS, min_count=2)
    assert t[["w1", "w2"]].values.tolist()[0] == ["工作", "会议"]  # pmi 2, tie broken by w1
    assert t.pmi.is_monotonic_decreasing
    assert collocations(TEXTS, min_count=3)[["w1", "w2"]].values.tolist() == [["核酸", "检测"]]
    g = collocations(TEXTS, min_count=1, measure="g2")
    assert g.g2.is_monotonic_decreasing
    n = collocations(TEXTS, min_count=1, node="工作")
    assert set(map(tuple, n[["w1", "w2"]].values.tolist())) == {("检测", "工作"), ("工作", "会议")}
    assert collocations(TEXTS, min_count=99).empty


def test_repelled_pairs_have_negative_g2():
    texts = [["a", "b"]] * 20 + [["a", "c"]] + [["d", "c"]] * 20
    t = collocations(texts, min_count=1).set_index(["w1", "w2"])
    assert t.loc[("a", "c"), "g2"] < 0 < t.loc[("a", "b"), "g2"]


def test_bad_measure():
    with pytest.raises(ValueError):
        collocations(TEXTS, measure="dice")
