"""Sense rules on fixtures: 优化 as a verb vs the policy, 隔离 by compound."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from discourse.analysis.senses import SenseRules, classify_senses, sense_counts, sense_precision

# The rules are the study's to supply; these are test fixtures.
RULES = SenseRules(
    {
        "优化": [
            ("policy", {"二十条", "新十条"}),
            ("policy", r"优化.{0,4}(防控|措施)"),
            ("ordinary", r"优化.{0,2}(营商环境|结构|服务)"),
        ],
        "隔离": [
            ("home", "居家隔离"),
            ("central", r"集中隔离|隔离点|隔离酒店"),
        ],
    },
    default={"优化": "ordinary", "隔离": "other"},
    window=8,
)


@pytest.fixture
def units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": ["d1", "d1", "d2"],
            "para_id": ["d1:p001", "d1:p002", "d2:p001"],
            "start": [0, 30, 0],
            "period": ["2020", "2020", "2022"],
            "text": [
                "持续优化营商环境，加强集中隔离管理。",
                "落实居家隔离，优化产业结构。",
                "贯彻二十条，进一步优化防控工作，隔离点转为方舱，优化调整。",
            ],
        }
    )


def test_classify_senses_by_hand(units):
    occ = classify_senses(units, RULES)
    got = list(zip(occ["unit_id"], occ["term"], occ["sense"]))
    assert got == [
        ("d1:p001", "优化", "ordinary"),
        ("d1:p001", "隔离", "central"),
        ("d1:p002", "隔离", "home"),
        ("d1:p002", "优化", "ordinary"),
        ("d2:p001", "优化", "policy"),  # 二十条 in the window
        ("d2:p001", "隔离", "central"),  # 隔离点
        ("d2:p001", "优化", "ordinary"),  # 优化调整: no rule fires, the default
    ]
    assert occ["rule"].iloc[-1] == "default"
    assert occ["rule"].iloc[4].startswith("collocates:")
    # offsets are exact, doc offsets add the unit start
    for r in occ.itertuples():
        text = units.set_index("para_id").loc[r.unit_id, "text"]
        assert text[r.offset : r.offset + len(r.term)] == r.term
        assert text[max(0, r.offset - 8) : r.offset] == r.left
    assert occ.loc[occ.unit_id == "d1:p002", "doc_offset"].min() == 30 + 4  # 隔离 in 落实居家隔离
    assert set(occ["doc_id"]) == {"d1", "d2"}


def test_pattern_must_overlap_the_occurrence():
    # 居家隔离 elsewhere in the window does not make this 隔离 "home"
    r = SenseRules({"隔离": [("home", "居家隔离")]}, default="other", window=20)
    occ = classify_senses(pd.DataFrame({"doc_id": ["x"], "text": ["居家隔离后，再隔离"]}), r)
    assert occ["sense"].tolist() == ["home", "other"]


def test_rule_order_decides():
    a = SenseRules({"优化": [("policy", {"防控"}), ("ordinary", "优化服务")]}, default="x")
    b = SenseRules({"优化": [("ordinary", "优化服务"), ("policy", {"防控"})]}, default="x")
    u = pd.DataFrame({"doc_id": ["x"], "text": ["防控中优化服务"]})
    assert classify_senses(u, a)["sense"].item() == "policy"
    assert classify_senses(u, b)["sense"].item() == "ordinary"


def test_sense_counts_fill_zeros(units):
    occ = classify_senses(units, RULES).merge(units[["para_id", "period"]], left_on="unit_id", right_on="para_id")
    c = sense_counts(occ, by="period").set_index(["period", "term", "sense"])
    assert c.loc[("2020", "优化", "ordinary"), "n"] == 2
    assert c.loc[("2020", "优化", "policy"), "n"] == 0
    assert c.loc[("2022", "优化", "policy"), "share"] == pytest.approx(0.5)
    assert c.loc[("2020", "隔离", "home"), "n_term"] == 2


def test_sense_precision_wilson():
    s = pd.DataFrame({"term": "优化", "sense": ["policy"] * 10 + ["ordinary"] * 5,
                      "gold": ["policy"] * 8 + ["ordinary"] * 2 + ["ordinary"] * 4 + [None]})
    p = sense_precision(s).set_index("sense")
    assert p.loc["policy", ["n", "n_correct"]].tolist() == [10, 8]
    # Wilson interval for 8/10 by hand
    z, n, ph = 1.959963984540054, 10, 0.8
    centre = (ph + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(ph * (1 - ph) / n + z**2 / (4 * n**2))
    assert p.loc["policy", "lower"] == pytest.approx(centre - half)
    assert p.loc["policy", "upper"] == pytest.approx(centre + half)
    assert p.loc["all", "n"] == 14 and p.loc["all", "n_unlabelled"] == 1


def test_bad_rules_are_rejected():
    with pytest.raises(ValueError, match="no default sense"):
        SenseRules({"优化": [("a", "x")]}, default={"隔离": "b"})
    with pytest.raises(TypeError, match="regex string or a set"):
        SenseRules({"优化": [("a", 3)]})
    with pytest.raises(ValueError, match=r"\(sense, rule\) pair"):
        SenseRules({"优化": ["policy"]})
