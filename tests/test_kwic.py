"""Key word in context on tokens and on text."""

from __future__ import annotations

import pandas as pd
import pytest

from discourse.analysis.kwic import kwic_text, kwic_tokens


@pytest.fixture
def units() -> pd.DataFrame:
    return pd.DataFrame({
        "doc_id": ["a", "a", "b"],
        "para_id": ["a:p001", "a:p002", "b:p001"],
        "text": ["坚持动态清零，动态管理", "<b>动态清零</b>", "外防输入"],
        "tokens": [["坚持", "动态", "清零", "，", "动态", "管理"], ["<b>", "动态", "清零", "</b>"],
                   ["外防", "输入"]],
    })


def test_tokens_single_and_phrase(units):
    k = kwic_tokens(units, "动态", window=2)
    assert list(k.columns) == ["doc_id", "unit_id", "position", "left", "keyword", "right"]
    assert k[["unit_id", "position", "left", "right"]].values.tolist() == [
        ["a:p001", 1, "坚持", "清零 ，"], ["a:p001", 4, "清零 ，", "管理"], ["a:p002", 1, "<b>", "清零 </b>"],
    ]
    p = kwic_tokens(units, ["动态", "清零"], window=1, joiner="")
    assert p[["unit_id", "left", "keyword", "right"]].values.tolist() == [
        ["a:p001", "坚持", "动态清零", "，"], ["a:p002", "<b>", "动态清零", "</b>"],
    ]
    assert kwic_tokens(units, "不存在").empty


def test_text_literal_and_regex(units):
    k = kwic_text(units, "动态", window=2)
    assert k[["unit_id", "start", "end", "left", "right"]].values.tolist() == [
        ["a:p001", 2, 4, "坚持", "清零"], ["a:p001", 7, 9, "零，", "管理"], ["a:p002", 3, 5, "b>", "清零"],
    ]
    r = kwic_text(units, r"动态(清零|管理)", regex=True, window=1)
    assert r.keyword.tolist() == ["动态清零", "动态管理", "动态清零"]
    # the markup in the text comes back as plain text, never rendered
    assert r.left.tolist()[-1] == ">"


def test_errors(units):
    with pytest.raises(ValueError):
        kwic_text(units, "")
    with pytest.raises(KeyError, match="doc_id"):
        kwic_tokens(units.drop(columns="doc_id"), "动态")
