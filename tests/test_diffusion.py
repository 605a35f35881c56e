"""Study-layer diffusion functions on small hand-made fixtures (not the whole panel)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from discourse.analysis.senses import classify_senses
from discourse.study import diffusion as D


# ----------------------------------------------------------------- sense rules


@pytest.mark.parametrize(
    "sentence, sense",
    [
        ("持续优化营商环境，激发市场活力", "ordinary"),
        ("不断优化诊疗方案", "ordinary"),
        ("优化产业结构和空间布局", "ordinary"),
        ("因时因势优化调整疫情防控措施", "policy"),
        ("优化完善防控措施，着力保健康、防重症", "policy"),
        ("疫情防控措施不断优化", "policy"),
        ("落实二十条优化措施", "policy"),
    ],
)
def test_youhua_rules_on_hand_written_sentences(sentence, sense):
    occ = classify_senses(pd.DataFrame({"doc_id": ["d"], "text": [sentence]}), D.SENSE_RULES)
    assert occ["term"].tolist() == ["优化"]
    assert occ["sense"].iloc[0] == sense


@pytest.mark.parametrize(
    "sentence, senses",
    [
        ("实行14天集中隔离+7天居家隔离", ["central", "home"]),
        ("规范管理隔离场所，严防院感", ["central"]),
        ("落实早发现、早隔离、早治疗", ["other"]),
        ("建设防火通道、隔离带", ["other"]),
    ],
)
def test_geli_rules_on_hand_written_sentences(sentence, senses):
    occ = classify_senses(pd.DataFrame({"doc_id": ["d"], "text": [sentence]}), D.SENSE_RULES)
    assert occ["sense"].tolist() == senses


@pytest.mark.parametrize(
    "sentence, sense",
    [
        ("确保零就业家庭动态清零", "other"),
        ("两不愁三保障问题实现动态清零", "other"),
        ("坚持外防输入、内防反弹，坚持动态清零不动摇", "covid"),
        ("科学精准落实宏观政策，努力保持经济运行在合理区间", "other"),
        ("科学精准做好疫情防控", "covid"),
        ("出台稳企稳岗二十条举措", "other"),
        ("落实国家二十条、新十条，因时因势优化防控措施", "covid"),
        ("制定出台改善营商环境“新十条”", "other"),
    ],
)
def test_formulation_rules_separate_covid_and_other_uses(sentence, sense):
    occ = classify_senses(pd.DataFrame({"doc_id": ["d"], "text": [sentence]}), D.FORMULATION_RULES)
    assert sense in occ["sense"].tolist()
    first = occ.iloc[0]
    assert first["sense"] == sense


def test_sense_resolved_counts_subtract_only_the_other_senses():
    # two 优化 (one ordinary, one policy) and two 动态清零 (one other, one covid) in one "report"
    units = pd.DataFrame({"doc_id": ["r"], "para_id": ["r:p001"], "start": [0], "year": [2023],
                          "text": ["优化营商环境；优化调整疫情防控措施。零就业家庭动态清零，坚持动态清零总方针"]})
    occ = D.sense_occurrences(units)
    assert occ.groupby("sense").size().to_dict() == {"ordinary": 1, "policy": 1}
    f = pd.DataFrame({"formulation": ["动态清零"], "counting": ["rules"]})
    assert D.formulation_counts(units, f)["动态清零"].tolist() == [1]


# ----------------------------------------------------------------- adoption


def _toy_panel() -> pd.DataFrame:
    # Release 2022-12-01. A adopts in its first report after release; B adopts a year later;
    # C is observed after the release but never uses it (censored); D is only seen before
    # the release (not observed: excluded); E used the term before its release.
    rows = [
        ("A", "province", "2022-01-10", "经济"), ("A", "province", "2023-01-10", "落实乙类乙管"),
        ("B", "prefecture", "2023-01-12", "经济"), ("B", "prefecture", "2024-01-12", "乙类乙管"),
        ("C", "prefecture", "2023-01-15", "经济"), ("C", "prefecture", "2024-01-15", "经济"),
        ("D", "prefecture", "2022-01-20", "经济"),
        ("E", "major_city", "2022-11-20", "乙类乙管"), ("E", "major_city", "2023-01-20", "经济"),
        ("N", "national", "2023-03-05", "乙类乙管"),
    ]
    df = pd.DataFrame(rows, columns=["place", "level", "date", "text"])
    df["date"] = pd.to_datetime(df["date"])
    df["doc_id"] = [f"{p}-{d:%Y}" for p, d in zip(df["place"], df["date"])]
    return df


def _toy_formulations() -> pd.DataFrame:
    return pd.DataFrame({"formulation": ["乙类乙管"], "counting": ["substring"],
                         "release": pd.to_datetime(["2022-12-01"])})


def test_adoption_table_on_a_toy_panel():
    fu = D.adoption(_toy_panel(), _toy_formulations()).set_index("unit")
    assert "N" not in fu.index  # the national report is not a local adopter
    assert fu.loc["A", "status"] == "adopted" and fu.loc["A", "first_use"] == pd.Timestamp("2023-01-10")
    assert fu.loc["B", "first_use"] == pd.Timestamp("2024-01-12")
    assert fu.loc["C", "status"] == "censored" and fu.loc["C", "last_obs"] == pd.Timestamp("2024-01-15")
    assert fu.loc["D", "status"] == "not_observed"
    assert bool(fu.loc["E", "used_before_release"])
    assert fu.loc["B", "level"] == "prefecture"

    lead = D.adoption_leaders(fu.reset_index(), n=1).iloc[0]
    assert (lead["n_places"], lead["n_not_observed"], lead["n_adopted"], lead["n_censored"]) == (4, 1, 3, 1)
    assert lead["first"] == "E (2022-11-20); and 2 others"
    assert lead["last"] == "B (2024-01-12); and 2 others"
    assert lead["never"] == "C (2024-01-15)"

    # Kaplan–Meier by hand for the prefectures B (event at 407 days) and C (censored at 410):
    # S = 1 - 1/2 at t=407, so half adopted; the excluded D does not enter the risk set.
    cur = D.adoption_curves(fu.reset_index())
    pref = cur[cur["level"] == "prefecture"]
    assert pref["n_units"].iloc[0] == 2
    assert pref["adopted"].iloc[-1] == pytest.approx(0.5)
    assert pref["date"].iloc[0] == pd.Timestamp("2024-01-12")


def test_adoption_needs_a_release_date():
    f = _toy_formulations().assign(release=pd.NaT)
    with pytest.raises(ValueError, match="release"):
        D.adoption(_toy_panel(), f)


def test_bundled_formulations_file_is_valid_and_cites_its_dates():
    f = D.load_formulations()
    assert f["formulation"].is_unique
    rel = f[f["release"].notna()]
    assert {"动态清零", "外防输入", "内防反弹", "科学精准", "乙类乙管", "二十条", "新十条"} <= set(rel["formulation"])
    # every release date is a milestone's date or a national report's date, as its basis says
    from discourse.study.periods import load_milestones

    ms = load_milestones().set_index("milestone_id")["date"]
    for r in rel.itertuples(index=False):
        if r.release_basis == "milestone":
            assert r.release == ms[r.milestone_id], r.formulation
        else:
            assert r.release == pd.Timestamp(r.first_national_date), r.formulation
    assert set(f.loc[f["counting"] == "rules", "formulation"]) <= set(D.FORMULATION_RULES.rules)


def test_formulations_file_errors_name_row_and_field(tmp_path):
    f = pd.read_csv(D.formulations_path(), dtype=str, keep_default_na=False)
    f.loc[2, "release_date"] = "May 2020"
    p = tmp_path / "f.csv"
    f.to_csv(p, index=False)
    with pytest.raises(ValueError, match=r"row 3, field 'release_date'"):
        D.load_formulations(p)


# ----------------------------------------------------------------- reuse


def _toy_reuse_panel() -> pd.DataFrame:
    nat = {2021: "甲乙丙丁戊己庚辛", 2022: "子丑寅卯辰巳午未"}
    rows = [("n21", "national", 2021, "2021-03-05", "全国", nat[2021]),
            ("n22", "national", 2022, "2022-03-05", "全国", nat[2022])]
    # province reports of 2022 (5 provinces): the first 4 characters copy the 2022 national text
    # ("子丑寅卯": 1 shared 4-gram), then unrelated characters.
    filler = "一二三四五六七八九十百千"
    for i, prov in enumerate("ABCDE"):
        text = "子丑寅卯" + filler[i:i + 4]  # 8 chars -> 5 four-grams, 1 shared with 2022, none with 2021
        rows.append((f"p{prov}", "province", 2022, "2022-01-10", prov, text))
    # prefecture reports of 2022: copy two 4-grams of the 2021 national text only
    for i, prov in enumerate("ABCDE"):
        text = "甲乙丙丁戊" + filler[i:i + 3]  # 8 chars -> 5 four-grams, 2 in 2021, none in 2022
        rows.append((f"c{prov}", "prefecture", 2022, "2022-02-01", prov, text))
    df = pd.DataFrame(rows, columns=["doc_id", "level", "year", "date", "cluster", "text"])
    df["date"] = pd.to_datetime(df["date"])
    df["label"] = df["doc_id"]
    df["place"] = df["doc_id"]
    return df


def test_reuse_by_level_with_a_known_answer():
    reuse = D.reuse_by_report(_toy_reuse_panel())
    prov = reuse[reuse["level"] == "province"]
    pref = reuse[reuse["level"] == "prefecture"]
    assert prov["share"].tolist() == [0.2] * 5 and prov["baseline"].tolist() == [0.0] * 5
    assert pref["share"].tolist() == [0.0] * 5 and pref["baseline"].tolist() == [0.4] * 5
    assert reuse["before_national"].all()
    g = D.reuse_by_group(reuse, n_resamples=200, random_state=1).set_index("level")
    assert g.loc["province", "excess"] == pytest.approx(0.2)
    assert g.loc["prefecture", "excess"] == pytest.approx(-0.4)
    # every report of a level is identical, so every province resample gives the same mean
    assert g.loc["province", "excess_low"] == pytest.approx(0.2)
    assert g.loc["province", "excess_high"] == pytest.approx(0.2)
    assert g.loc["province", "n_provinces"] == 5
    mat = D.reuse_by_reference_year(_toy_reuse_panel()).set_index("national_year")
    assert mat.loc[2021, "mean_share"] == pytest.approx((0.0 * 5 + 0.4 * 5) / 10)
    assert mat.loc[2022, "mean_share"] == pytest.approx((0.2 * 5 + 0.0 * 5) / 10)


def test_reuse_excludes_reports_before_the_outbreak_and_shows_spans():
    p = _toy_reuse_panel()
    reuse = D.reuse_by_report(p, exclude_before="2022-01-15")
    assert set(reuse["level"]) == {"prefecture"}
    spans = D.reused_spans(p, D.reuse_by_report(p), min_len=4, min_ngrams=1)
    prov = spans[spans["level"] == "province"].iloc[0]
    assert prov["span"] == "子丑寅卯" and "【子丑寅卯】" in prov["national"]


# ----------------------------------------------------------------- findings


def _numbers_in_tables(*tables: pd.DataFrame) -> set[str]:
    allowed: set[str] = set()
    for t in tables:
        for v in t.to_numpy().ravel():
            if isinstance(v, (pd.Timestamp, np.datetime64)) and not pd.isna(v):
                allowed.add(pd.Timestamp(v).strftime("%Y-%m-%d"))
            elif isinstance(v, (bool, np.bool_)):
                continue
            elif isinstance(v, (int, np.integer)):
                allowed.add(str(int(v)))
            elif isinstance(v, (float, np.floating)) and np.isfinite(v):
                for x in (v, 100 * v):
                    allowed |= {f"{x:.1f}", f"{x:.0f}", f"{x:.2f}"}
                if float(v).is_integer():
                    allowed.add(str(int(v)))
            elif isinstance(v, str):
                allowed |= set(re.findall(r"\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?", v))
    return allowed


def test_findings_state_only_numbers_from_their_tables():
    reuse = D.reuse_by_report(_toy_reuse_panel())
    groups = D.reuse_by_group(reuse, n_resamples=100, random_state=1)
    fu = D.adoption(_toy_panel(), _toy_formulations())
    leaders = D.adoption_leaders(fu, n=2)
    ends = D.adoption_end(D.adoption_curves(fu))
    units = pd.DataFrame({"doc_id": ["a", "b"], "para_id": ["a:p1", "b:p1"], "start": [0, 0], "year": [2021, 2023],
                          "text": ["优化营商环境，实行居家隔离", "优化调整疫情防控措施，集中隔离"]})
    occ = D.sense_occurrences(units)
    by_year = D.sense_table(occ, by="year")
    sample = pd.DataFrame({"doc_id": ["a", "b"], "offset": [0, 0], "term": ["优化", "优化"],
                           "context": "", "rule_sense": "", "hand_sense": ["ordinary", "ordinary"], "note": ""})
    precision, _ = D.sense_check(occ, sample)
    text = D.diffusion_findings(groups, leaders, ends, by_year, precision)
    assert "乙类乙管" in text and "Reuse" in text and "优化" in text
    allowed = _numbers_in_tables(groups, leaders, ends, by_year, precision)
    stated = re.findall(r"\d{4}-\d{2}-\d{2}|-?\d+(?:\.\d+)?", text)
    unexplained = [s for s in stated if s not in allowed]
    assert not unexplained, f"numbers not in the tables: {unexplained}"


def test_findings_test_would_catch_a_typed_number():
    # the checker itself must be able to fail
    allowed = _numbers_in_tables(pd.DataFrame({"x": [0.25]}))
    assert "25.0" in allowed and "37.5" not in allowed


def test_sense_check_rejects_a_sample_row_without_its_occurrence():
    units = pd.DataFrame({"doc_id": ["a"], "para_id": ["a:p1"], "start": [0], "year": [2021], "text": ["优化营商环境"]})
    occ = D.sense_occurrences(units)
    bad = pd.DataFrame({"doc_id": ["a"], "offset": [3], "term": ["优化"], "context": "", "rule_sense": "",
                        "hand_sense": ["ordinary"], "note": ""})
    with pytest.raises(ValueError, match="matches no occurrence"):
        D.sense_check(occ, bad)


def test_bundled_sense_sample_is_complete():
    s = D.load_sense_sample()
    assert s.groupby("term").size().to_dict() == {"优化": 60, "隔离": 60}
    assert set(s.loc[s["term"] == "优化", "hand_sense"]) <= {"policy", "ordinary"}
    assert set(s.loc[s["term"] == "隔离", "hand_sense"]) <= {"central", "home", "other"}
    assert (s["note"].str.len() > 0).all()


def test_load_formulations_refuses_a_row_with_a_field_missing(tmp_path):
    from discourse.study.diffusion import formulations_path, load_formulations

    import csv

    with open(formulations_path(), encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    bad = tmp_path / "f.csv"
    with open(bad, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([rows[0], rows[1], rows[2][:-1], *rows[3:]])
    with pytest.raises(ValueError, match=r"f\.csv: line 3: 11 fields, but the header has 12"):
        load_formulations(bad)
    assert len(load_formulations()) == len(rows) - 1  # the bundled file passes
