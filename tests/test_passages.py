"""Tests of discourse.ingest.passages (term-based passage selection)."""

from __future__ import annotations

import pandas as pd
import pytest

from discourse.ingest.passages import SELECTION_COLUMNS, PassageRule, join_passages, select_passages


def units(*docs: list[str]) -> pd.DataFrame:
    rows = [(f"d{i}", no, t) for i, texts in enumerate(docs) for no, t in enumerate(texts, start=1)]
    return pd.DataFrame(rows, columns=["doc_id", "para_no", "text"])


def test_substring_matching_and_term_order():
    u = units(["统筹疫情防控和发展", "新冠疫苗接种", "经济增长"])
    out = select_passages(u, ["新冠", "疫情", "接种"])
    assert out["selected"].tolist() == [True, True, False]
    # matched_terms follow the order of the terms given, not the text
    assert out["matched_terms"].tolist() == ["疫情", "新冠;接种", ""]
    assert out["n_matches"].tolist() == [1, 2, 0]


def test_counts_do_not_overlap_longest_first():
    u = units(["疫情防控，疫情"])
    out = select_passages(u, ["疫情", "疫情防控"])
    # "疫情防控" is matched whole, then the second "疫情": two occurrences, not three
    assert out.loc[0, "n_matches"] == 2
    assert out.loc[0, "matched_terms"] == "疫情;疫情防控"


def test_window_stays_within_document():
    u = units(["a", "b", "花", "c", "d"], ["e", "f"])
    out = select_passages(u, ["花"], window=1)
    assert out["selected"].tolist() == [False, True, True, True, False, False, False]
    # neighbours taken in by the window carry no match
    assert out.loc[out["selected"], "n_matches"].tolist() == [0, 1, 0]
    # a match at the end of one document does not select the next document's first unit
    u2 = units(["a", "花"], ["b", "c"])
    assert select_passages(u2, ["花"], window=1)["selected"].tolist() == [True, True, False, False]


def test_window_follows_para_no_not_row_order():
    u = pd.DataFrame({"doc_id": ["a"] * 4, "para_no": [3, 1, 4, 2], "text": ["花", "x", "y", "z"]})
    out = select_passages(u, ["花"], window=1)
    # rows keep their order; para_no 2, 3 and 4 are selected
    assert out["selected"].tolist() == [True, False, True, True]


def test_idempotent_at_window_zero():
    u = units(["疫情防控", "经济", "非洲猪瘟疫情和新冠疫情"], ["抗疫精神", "就业"])
    rule = PassageRule(terms=("疫情", "抗疫"), window=0, version="t", exclude=("非洲猪瘟疫情",))
    first = rule.apply(u)
    kept = first[first["selected"]][["doc_id", "para_no", "text"]]
    again = rule.apply(kept)
    assert len(kept) == 3 and again["selected"].all()


def test_window_selection_is_not_idempotent():
    u = units(["a", "花", "b"])
    first = select_passages(u, ["花"], window=1)
    kept = first[first["selected"]][["doc_id", "para_no", "text"]]
    assert not select_passages(kept, ["花"], window=0)["selected"].all()


def test_exclusions_mask_only_their_span():
    u = units(["防控非洲猪瘟疫情", "非洲猪瘟疫情和新冠肺炎疫情", "动物防疫体系"])
    out = select_passages(u, ["疫情", "防疫"], exclude=["非洲猪瘟疫情", "动物防疫"])
    assert out["selected"].tolist() == [False, True, False]
    assert out.loc[1, "n_matches"] == 1


def test_fingerprint_is_stable_and_changes_with_fields():
    a = PassageRule(terms=("疫情", "新冠"), window=0, version="1")
    assert a.fingerprint() == PassageRule(terms=("疫情", "新冠"), window=0, version="1").fingerprint()
    assert len(a.fingerprint()) == 64
    others = [
        PassageRule(terms=("疫情",), window=0, version="1"),
        PassageRule(terms=("新冠", "疫情"), window=0, version="1"),
        PassageRule(terms=("疫情", "新冠"), window=1, version="1"),
        PassageRule(terms=("疫情", "新冠"), window=0, version="2"),
        PassageRule(terms=("疫情", "新冠"), window=0, version="1", exclude=("猪瘟疫情",)),
    ]
    assert len({a.fingerprint(), *(o.fingerprint() for o in others)}) == 1 + len(others)


def test_rule_is_frozen_and_normalises_lists():
    r = PassageRule(terms=["疫情"], window=0, version="1")
    assert r.terms == ("疫情",)
    with pytest.raises(AttributeError):
        r.window = 2  # type: ignore[misc]


def test_empty_input_gives_tidy_empty_output():
    u = pd.DataFrame({"doc_id": pd.Series([], dtype="string"), "para_no": pd.Series([], dtype="int64"),
                      "text": pd.Series([], dtype="string")})
    out = select_passages(u, ["疫情"], window=2)
    assert len(out) == 0
    assert list(out.columns) == ["doc_id", "para_no", "text", *SELECTION_COLUMNS]
    assert len(join_passages(out)) == 0


def test_tidy_output_types_and_input_untouched():
    u = units(["疫情", "x"]).set_index(pd.Index([10, 20]))
    before = u.copy()
    out = select_passages(u, ["疫情"])
    pd.testing.assert_frame_equal(u, before)
    assert list(out.index) == [0, 1]
    assert out["selected"].dtype == bool
    assert out["n_matches"].dtype == "int64"
    assert pd.api.types.is_string_dtype(out["matched_terms"])


def test_join_passages_orders_units_and_counts_chars():
    u = pd.DataFrame({"doc_id": ["a", "a", "b", "a"], "para_no": [3, 1, 1, 2],
                      "text": ["疫三", "疫一", "无", "二"]})
    out = join_passages(select_passages(u, ["疫"]))
    assert out.to_dict("records") == [{"doc_id": "a", "text": "疫一\n\n疫三", "n_units": 2, "n_chars": 4}]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"terms": []}, "empty"), ({"terms": "疫情"}, "one string"), ({"terms": ["疫情", ""]}, "non-empty"),
     ({"terms": ["疫情", "疫情"]}, "duplicates"), ({"terms": ["疫情"], "window": -1}, "window"),
     ({"terms": ["疫情"], "window": 1.5}, "window")],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        select_passages(units(["疫情"]), **kwargs)


def test_bad_units():
    with pytest.raises(ValueError, match="para_no"):
        select_passages(pd.DataFrame({"doc_id": ["a"], "text": ["x"]}), ["x"])
    with pytest.raises(ValueError, match="doc_id 'a'"):
        select_passages(pd.DataFrame({"doc_id": ["a"], "para_no": [1], "text": [None]}), ["x"])
    with pytest.raises(TypeError, match="DataFrame"):
        select_passages([{"doc_id": "a"}], ["x"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="version"):
        PassageRule(terms=("x",), window=0, version="")
