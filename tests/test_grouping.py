"""The one grouping helper: order, pooling, counts and errors."""

from __future__ import annotations

import pandas as pd
import pytest

from discourse.analysis.grouping import (
    group_counts,
    group_indices,
    group_texts,
    group_tokens,
    unit_counts,
)


@pytest.fixture
def units() -> pd.DataFrame:
    return pd.DataFrame({
        "doc": ["b", "a", "b", "a"],
        "city": ["X", "Y", "X", "X"],
        "text": ["一", "二", "三", "四"],
        "tokens": [["防控", "，"], ["疫情"], ["防控", "疫情", "〔XX〕"], ["的"]],
    })


def test_groups_sorted_and_pooled_in_table_order(units):
    keys, toks = group_tokens(units, "doc")
    assert keys == ["a", "b"]
    assert toks == [["疫情", "的"], ["防控", "，", "防控", "疫情", "〔XX〕"]]
    assert group_texts(units, "doc", sep="|") == (["a", "b"], ["二|四", "一|三"])


def test_several_columns_give_tuple_keys(units):
    keys, pos = group_indices(units, ["city", "doc"])
    assert keys == [("X", "a"), ("X", "b"), ("Y", "a")]
    assert [p.tolist() for p in pos] == [[3], [0, 2], [1]]


def test_counts_are_words_only_and_match_a_plain_count(units):
    X, keys, terms = group_counts(units, "doc", stop_words={"的"})
    assert terms.tolist() == ["疫情", "防控"]
    assert X.toarray().tolist() == [[1, 0], [1, 2]]
    U, t2 = unit_counts(units, vocabulary=["防控"])
    assert U.toarray().ravel().tolist() == [1, 0, 1, 0]


def test_bad_input_is_named(units):
    with pytest.raises(KeyError, match="nope"):
        group_tokens(units, "nope")
    with pytest.raises(ValueError, match="'doc' has missing values"):
        group_tokens(units.assign(doc=[None, "a", "b", "a"]), "doc")
    with pytest.raises(TypeError, match="is a str"):
        group_tokens(units.assign(tokens=["防控"] * 4), "doc")
