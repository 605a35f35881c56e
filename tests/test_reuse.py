"""Character n-gram reuse shares and shared spans on hand-built texts."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd
import pytest

from discourse.analysis.reuse import SpanIndex, chance_baseline, char_ngrams, reuse_share, shared_spans


def test_char_ngrams_break_at_punctuation_space_and_placeholders():
    assert char_ngrams("外防输入、内防反弹", 4) == ["外防输入", "内防反弹"]
    assert char_ngrams("乙类 乙管", 3) == []
    assert char_ngrams("〔XX〕市委书记", 2) == ["市委", "委书", "书记"]
    # letters and digits are part of runs (e.g. 5G, 二十条 as digits)
    assert char_ngrams("推进5G建设", 3) == ["推进5", "进5G", "5G建", "G建设"]
    assert char_ngrams("", 4) == []
    with pytest.raises(ValueError):
        char_ngrams("abc", 0)


@pytest.fixture
def texts():
    local = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "year": [2021, 2022, 2023],
            # a: 6 4-grams (one run of 9 chars); b: two runs of 6 and 4 chars -> 3 + 1
            "text": ["坚持动态清零不动摇", "科学精准防控，乙类乙管", "经济社会发展"],
        }
    )
    reference = pd.DataFrame(
        {
            "year": [2021, 2022, 2022, 2024],
            "text": ["坚持动态清零总方针", "乙类乙管", "科学精准", "不动摇"],
        }
    )
    return local, reference


def test_reuse_share_counts_by_hand(texts):
    local, reference = texts
    out = reuse_share(local, reference, by="year").set_index("doc_id")
    # a vs 2021: 坚持动态 持动态清 动态清零 shared of 坚持动态 持动态清 动态清零 态清零不 清零不动 零不动摇
    assert (out.loc["a", "n_ngrams"], out.loc["a", "n_shared"]) == (6, 3)
    assert out.loc["a", "share"] == pytest.approx(0.5)
    # b vs 2022 (two reference texts pooled): 科学精准 and 乙类乙管 shared of 科学精准 学精准防 精准防控 乙类乙管
    assert (out.loc["b", "n_ngrams"], out.loc["b", "n_shared"]) == (4, 2)
    # c: no 2023 reference: zero by construction, flagged
    assert out.loc["c", "n_shared"] == 0 and not out.loc["c", "has_reference"]
    assert out.loc["a", "has_reference"]


def test_reuse_share_counts_occurrences_not_types():
    local = pd.DataFrame({"doc_id": ["x"], "text": ["动态清零，动态清零，其他事情"]})
    ref = pd.DataFrame({"text": ["动态清零"]})
    out = reuse_share(local, ref).iloc[0]
    assert (out.n_ngrams, out.n_shared) == (3, 2)


def test_chance_baseline_uses_other_groups_only(texts):
    local, reference = texts
    out = chance_baseline(local, reference, by="year").set_index("doc_id")
    # a (2021) vs 2022 (乙类乙管, 科学精准): 0/6; vs 2024 (不动摇, too short): 0/6
    assert out.loc["a", "share"] == 0 and out.loc["a", "n_reference_groups"] == 2
    # c (2023) has three other groups
    assert out.loc["c", "n_reference_groups"] == 3
    long = chance_baseline(local, reference, by="year", aggregate=False)
    assert not (long["year"] == long["ref_year"]).any()
    assert set(long.loc[long.doc_id == "b", "ref_year"]) == {2021, 2024}
    # b vs 2021: 0 shared; its own year would give 2/4
    assert long.loc[long.doc_id == "b", "n_shared"].sum() == 0


def test_reuse_errors_name_the_column(texts):
    local, reference = texts
    with pytest.raises(ValueError, match=r"reference table has no column\(s\) \['year'\]"):
        reuse_share(local, reference.drop(columns="year"), by="year")
    with pytest.raises(ValueError, match="needs group columns"):
        chance_baseline(local, reference, by=None)


def test_shared_spans_known_spans():
    a = "我市坚持外防输入、内防反弹，全力做好经济社会发展工作。"
    b = "要坚持外防输入、内防反弹总策略，统筹经济社会发展工作。"
    t = shared_spans(a, b, min_len=6)
    assert list(t["text"]) == ["坚持外防输入、内防反弹", "经济社会发展工作。"]
    for r in t.itertuples():
        assert a[r.start_a : r.end_a] == b[r.start_b : r.end_b] == r.text
        assert r.length == r.end_a - r.start_a
    assert shared_spans("完全不同的文字内容", b, min_len=6).empty


def test_shared_spans_are_maximal_and_match_difflib_on_random_text():
    rng = np.random.default_rng(0)
    alphabet = np.array(list("防控疫情统筹发展经济社会"))
    b = "".join(rng.choice(alphabet, 3000))
    # a = pieces of b (lengths 12..30) separated by characters absent from b
    pieces, a = [], ""
    for _ in range(20):
        s = int(rng.integers(0, 2900))
        L = int(rng.integers(12, 31))
        pieces.append(b[s : s + L])
        a += b[s : s + L] + "甲乙丙丁"
    t = shared_spans(a, SpanIndex(b, 10), min_len=10)
    # every planted piece is recovered whole (it cannot extend over 甲)
    assert list(t["text"]) == pieces
    # independent check of maximality: difflib's longest match at each span
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for r in t.itertuples():
        m = sm.find_longest_match(r.start_a, r.end_a + 4, 0, len(b))
        assert m.size == r.length
