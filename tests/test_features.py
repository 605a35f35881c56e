"""Genre features on a hand-made fixture whose counts are checked by reading it.

tests/data/analysis/features_units.json holds three units (two documents) with
hand-written token lists. Expected counts, derived by hand from that file:

f1: quotes “动态清零” “四早” (2); formulae 四早, 四方责任 (suffix), 四应四尽
(repeat), 一校一策, 一人一档 (一X一Y) = 5, while 三个月 and 统一要求 are not
formulae; enumeration 一是/二是/三是 = 3 items, 1 series (统一要求 is not 一要);
directive tokens 要 要 必须 (obligation 3), 坚持 坚决 (resolve 2), 严格
(strictness 1), 落实 压实 (implementation 2) = 8; phase strings 动态清零 +
应检尽检 (dynamic_zero 2), 四早 (normalisation 1); 36 word tokens.

f2: 四个意识 (n_ge formula 1); 首先/其次 = 2 items, 1 series; 要 ×3
(obligation), 加强 (intensification), 落实 切实 (implementation) = 6; 优化
新十条 二十条 (optimisation 3); 21 word tokens (the placeholder 〔XX〕 and
punctuation are not counted).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from discourse.study.codebook import (
    DIRECTIVE_CATEGORIES,
    DIRECTIVE_TERMS,
    FORMULA_SUFFIXES,
    PHASE_TERMS,
    PHASES,
)
from discourse.analysis.features import (
    CODEBOOK_COLUMNS,
    codebook_from_terms,
    count_characters,
    discourse_features,
    extract_matches,
    feature_matches,
    feature_terms,
    substring_counts,
    validate_codebook,
)

FIXTURE = Path(__file__).parent / "data" / "analysis" / "features_units.json"

#: The study's lexicons as the tidy codebook table the analysis layer takes.
CODEBOOK = codebook_from_terms(DIRECTIVE_TERMS, PHASE_TERMS, FORMULA_SUFFIXES, source="test")


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return pd.DataFrame(json.loads(FIXTURE.read_text(encoding="utf-8"))["units"])


@pytest.fixture(scope="module")
def counts(units) -> pd.DataFrame:
    f = discourse_features(units, codebook=CODEBOOK)
    return f.pivot(index="feature", columns="doc_id", values="count")


EXPECTED = {
    "quoted_phrase": (2, 0),
    "numbered_formula": (5, 1),
    "formula_n_ge": (0, 1),
    "formula_repeat": (1, 0),
    "formula_yi_yi": (2, 0),
    "formula_suffix": (2, 0),
    "enum_item": (3, 2),
    "enum_series": (1, 1),
    "obligation": (3, 3),
    "resolve": (2, 0),
    "strictness": (1, 0),
    "implementation": (2, 2),
    "intensification": (0, 1),
    "urgency": (0, 0),
    "assurance": (0, 0),
    "directive_total": (8, 6),
    "emergency": (0, 0),
    "normalisation": (1, 0),
    "dynamic_zero": (2, 0),
    "optimisation": (0, 3),
}


@pytest.mark.parametrize("feature", sorted(EXPECTED))
def test_counts_match_hand_counts(counts, feature):
    assert (counts.loc[feature, "f1"], counts.loc[feature, "f2"]) == EXPECTED[feature]


def test_rates_per_thousand_tokens_with_counts_beside(units):
    f = discourse_features(units, codebook=CODEBOOK)
    assert list(f.columns) == ["doc_id", "category", "feature", "count", "n_tokens", "per_1000"]
    n = f.groupby("doc_id").n_tokens.unique()
    assert n["f1"].tolist() == [36] and n["f2"].tolist() == [21]
    row = f[(f.doc_id == "f2") & (f.feature == "optimisation")].iloc[0]
    assert row.per_1000 == pytest.approx(3 / 21 * 1000)


def test_feature_terms_lists_every_term_with_gloss(units):
    t = feature_terms(units, codebook=CODEBOOK)
    assert len(t) == 2 * (len(DIRECTIVE_TERMS) + len(PHASE_TERMS))
    assert t.gloss.notna().all() and (t.gloss.str.len() > 0).all()
    yao = t[(t.doc_id == "f2") & (t.term == "要")].iloc[0]
    assert (yao["count"], yao.n_tokens, yao.subcategory) == (3, 21, "obligation")
    assert set(t[t.category == "phase"].subcategory) == set(PHASES)


def test_directive_terms_are_counted_as_tokens_not_substrings():
    units = pd.DataFrame({"doc_id": ["d"], "text": ["重要需要"], "tokens": [["重要", "需要"]]})
    t = feature_terms(units, codebook=CODEBOOK).set_index("term")
    assert t.loc["要", "count"] == 0
    assert t.loc["需要", "count"] == 1


def test_extract_matches_in_text_order():
    m = extract_matches("要落实“四早”，一是压实四方责任；二是坚持一校一策。",
                        formula_suffixes=FORMULA_SUFFIXES)
    assert m.feature.tolist() == [
        "quoted_phrase", "formula_suffix", "enum_item", "formula_suffix", "enum_item",
        "formula_yi_yi",
    ]
    assert m.start.is_monotonic_increasing


@pytest.mark.parametrize(
    "text",
    ["统一要求三个月内完成", "唯一是", "两个小时后", "第一季度增长", "十四五规划"],
)
def test_no_false_formulae_or_enumerations(text):
    m = extract_matches(text, formula_suffixes=FORMULA_SUFFIXES)
    assert m[m.category.isin(["formula", "enumeration"])].empty, m


def test_long_quotations_are_not_slogans():
    m = extract_matches("他说：“" + "疫情防控" * 10 + "”。")
    assert m[m.category == "quote"].empty


def test_feature_matches_by_unit(units):
    fm = feature_matches(units, formula_suffixes=FORMULA_SUFFIXES)
    assert list(fm.columns[:2]) == ["doc_id", "unit_id"]
    assert fm[fm.unit_id == "f2:p001"].match.tolist() == ["首先", "其次", "四个意识"]


def test_missing_column_is_named():
    with pytest.raises(KeyError, match="tokens"):
        discourse_features(pd.DataFrame({"doc_id": ["a"], "text": ["x"]}), codebook=CODEBOOK)


def test_every_feature_has_a_reader_label():
    from discourse.study.codebook import FEATURE_LABELS, feature_label

    units = pd.DataFrame({"doc_id": ["d"], "text": ["要严格落实“四早”。"], "tokens": [["要", "严格", "落实", "四早"]]})
    features = set(discourse_features(units, codebook=CODEBOOK)["feature"])
    assert features <= set(FEATURE_LABELS), sorted(features - set(FEATURE_LABELS))
    assert feature_label("not-a-feature") == "not-a-feature"


def test_features_module_does_not_import_the_study():
    import ast

    import discourse.analysis.features as mod

    tree = ast.parse(Path(mod.__file__).read_text(encoding="utf-8"))
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m and m.startswith("discourse.study")], imported


def test_codebook_is_required_and_checked(units):
    with pytest.raises(TypeError, match="need a codebook"):
        discourse_features(units)
    with pytest.raises(TypeError, match="need a codebook"):
        feature_terms(units)
    with pytest.raises(ValueError, match="lacks column"):
        discourse_features(units, codebook=CODEBOOK.drop(columns="source"))
    bad = CODEBOOK.copy()
    bad.loc[3, "category"] = "slogan"
    with pytest.raises(ValueError, match="row 4 .*category 'slogan'"):
        validate_codebook(bad)
    dup = pd.concat([CODEBOOK, CODEBOOK.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="listed twice"):
        validate_codebook(dup)
    assert list(validate_codebook(CODEBOOK).columns) == list(CODEBOOK_COLUMNS)


def test_categories_and_phases_follow_the_codebook(units):
    f = discourse_features(units, codebook=CODEBOOK)
    f1 = f[f.doc_id == "f1"]
    assert f1[f1.category == "directive"].feature.tolist() == [*DIRECTIVE_CATEGORIES, "directive_total"]
    assert f1[f1.category == "phase"].feature.tolist() == list(PHASES)
    # a codebook with other lexicons gives other features: nothing is built in
    small = codebook_from_terms([("落实", "implement", "doing")], [("新十条", "ten", "late")], [])
    g = discourse_features(units, codebook=small).set_index(["doc_id", "feature"])["count"]
    # f2 has 落实 once and 新十条 once (fixture docstring); no suffix formula without suffixes
    assert (g["f2", "doing"], g["f2", "late"], g["f1", "formula_suffix"]) == (1, 1, 0)


def test_substring_counts_find_terms_inside_compounds():
    units = pd.DataFrame({
        "doc_id": ["j", "j", "k"],
        "text": ["实行居家隔离，隔离点〔XX〕", "隔离隔离离", "加强防控"],
        "tokens": [["实行", "居家隔离"], ["隔离"], ["加强", "防控"]],
    })
    s = substring_counts(units, ["隔离", "隔离隔离"]).set_index(["doc_id", "term"])
    # j: 居家隔离 + 隔离点 + 隔离隔离 (two, non-overlapping) = 4; 隔离隔离 once
    assert s.loc[("j", "隔离"), "count"] == 4
    assert s.loc[("j", "隔离隔离"), "count"] == 1
    assert s.loc[("k", "隔离"), "count"] == 0
    # characters: 实行居家隔离(6) 隔离点(3) [placeholder dropped] + 隔离隔离离(5) = 14
    assert s.loc[("j", "隔离"), "n_chars"] == 14
    assert s.loc[("j", "隔离"), "per_1000_chars"] == pytest.approx(4 / 14 * 1000)
    assert count_characters("〔NUM〕例，2022年") == 6  # 例 2 0 2 2 年
    with pytest.raises(ValueError, match="non-empty"):
        substring_counts(units, [""])
