"""Reuse of the central documents' formulations: the reference table and the level × year shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from discourse import config
from discourse.analysis.reuse import char_ngrams
from discourse.study import diffusion as D
from discourse.study.periods import load_milestones


# ----------------------------------------------------------------- the reference table


@pytest.fixture(scope="module")
def reference():
    return D.central_reference_texts()


def test_reference_holds_the_formulations_quotes_and_titles_of_the_data_files(reference):
    f = D.load_formulations()
    texts = set(reference["text"])
    for full in f["full_form"]:
        for piece in D._full_form_pieces(full):
            assert piece in texts, piece
    # the titles of the numbered national documents, in their own words
    m = load_milestones()
    assert "关于进一步优化新冠肺炎疫情防控措施 科学精准做好防控工作的通知" in texts
    assert "新型冠状病毒肺炎防控方案（第九版）" in texts
    titles = reference[reference["source"] == "document title"]
    assert set(titles["key"]) <= set(m.loc[m["scope"] == "national", "milestone_id"])
    assert titles["cite"].str.contains("号").all()
    assert reference["text"].is_unique and reference["ref_id"].is_unique
    assert list(dict.fromkeys(reference["source"])) == list(D.CENTRAL_SOURCES)


def test_quotes_come_only_from_dated_national_reports_and_are_in_them(reference):
    f = D.load_formulations()
    quotes = reference[reference["source"] == "national report quote"]
    dated = f[f["first_national_date"].astype(str) != ""]
    assert set(quotes["key"]) == set(dated["formulation"])
    # independent check: each quote is a verbatim string of the national report of its date's year
    nat = pd.read_parquet(config.DATA_DIR / "panel" / "passages.parquet", columns=["level", "year", "text"])
    nat = nat[nat["level"] == "national"].set_index("year")["text"]
    for q in quotes.itertuples(index=False):
        assert q.text in nat[q.date.year], q.text


def test_reference_rules_on_hand_made_tables():
    f = pd.DataFrame({"formulation": ["甲乙丙丁", "戊己"], "full_form": ["甲乙丙丁 / 丙丁甲乙", "戊己 (庚辛壬癸)"],
                      "release": pd.to_datetime(["2021-01-01", None]), "first_national_date": ["", "2022-03-05"],
                      # a quote without a national date is not a quote (a shifted field): left out
                      "first_national_quote": ["milestone date official", "坚持戊己庚辛壬癸"]})
    m = pd.DataFrame({"milestone_id": ["a", "b", "c"], "scope": ["national", "national", "local"],
                      "date": pd.to_datetime(["2020-05-07", "2021-08-01", "2022-01-01"]),
                      "event_zh": ["印发《关于某某工作的指导意见》", "《无号文件》", "《地方文件》"],
                      "document": ["国发明电〔2020〕14号", pd.NA, "某市〔2022〕1号"]})
    ref = D.central_reference_texts(f, m)
    got = dict(zip(ref["text"], ref["source"]))
    assert got == {"甲乙丙丁": "formulation", "丙丁甲乙": "formulation", "戊己庚辛壬癸": "formulation",
                   "坚持戊己庚辛壬癸": "national report quote", "关于某某工作的指导意见": "document title"}
    dates = dict(zip(ref["text"], ref["date"]))
    assert pd.isna(dates["戊己庚辛壬癸"])  # no release: undated (the first national attestation is too late)
    assert dates["坚持戊己庚辛壬癸"] == pd.Timestamp("2022-03-05")  # a quote is dated by its report
    assert dates["关于某某工作的指导意见"] == pd.Timestamp("2020-05-07")


# ----------------------------------------------------------------- shares per report


def _ref():
    return pd.DataFrame({"text": ["坚持动态清零", "乙类乙管"], "date": pd.to_datetime(["2021-08-01", "2022-12-26"])})


def test_shares_per_report_against_a_hand_count():
    p = pd.DataFrame({
        "doc_id": ["n", "early", "late", "nodate", "pre"],
        "level": ["national", "province", "province", "prefecture", "prefecture"],
        "year": [2023, 2022, 2023, 2023, 2020],
        "date": pd.to_datetime(["2023-03-05", "2022-01-10", "2022-12-26", None, "2020-01-05"]),
        "cluster": ["全国", "A", "B", "C", "D"],
        "text": ["坚持动态清零", "坚持动态清零，实施乙类乙管", "坚持动态清零，实施乙类乙管", "乙类乙管", "乙类乙管"]})
    out = D.central_reuse_by_report(p, _ref(), exclude_before="2020-01-20").set_index("doc_id")
    # national report, pre-outbreak report and undated report left out
    assert "n" not in out.index and "pre" not in out.index and "nodate" not in out.index
    assert (out["share_public"] <= out["share"]).all()
    # 坚持动态清零 → 3 four-grams, 实施乙类乙管 → 3 (实施乙类, 施乙类乙, 乙类乙管); shared: 3 + 1
    grams = char_ngrams("坚持动态清零，实施乙类乙管", 4)
    assert out.loc["early", "n_ngrams"] == len(grams) == 6
    assert out.loc["early", "n_shared"] == 4 and out.loc["early", "share"] == pytest.approx(4 / 6)
    # in January 2022 only the 动态清零 text was public; on the day of the 乙类乙管 announcement both are
    assert out.loc["early", "n_shared_public"] == 3 and out.loc["early", "n_public"] == 1
    assert out.loc["late", "share_public"] == pytest.approx(4 / 6) and out.loc["late", "n_public"] == 2


def test_bad_reference_table_is_named():
    p = pd.DataFrame({"doc_id": ["a"], "level": "province", "year": 2022, "date": pd.NaT, "cluster": "A",
                      "text": ["动态清零"]})
    with pytest.raises(ValueError, match="central reference table has no column"):
        D.central_reuse_by_report(p, pd.DataFrame({"text": ["动态清零"]}))


# ----------------------------------------------------------------- level × year with province clusters


def _panel(n_prov: int, per_prov: int = 2, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n_prov):
        for j in range(per_prov):
            reused = "坚持动态清零" if rng.random() < 0.5 else "统筹发展安全"
            rows.append((f"r{k}-{j}", "prefecture", 2022, pd.Timestamp("2022-02-01"), f"P{k}", reused + "，做好经济工作"))
    return pd.DataFrame(rows, columns=["doc_id", "level", "year", "date", "cluster", "text"])


def test_group_shares_are_the_mean_of_report_shares_with_province_clustered_intervals():
    p = _panel(12)
    per = D.central_reuse_by_report(p, _ref())
    g = D.central_reuse(p, _ref(), n_resamples=400, random_state=1).iloc[0]
    assert g["n_reports"] == 24 and g["n_provinces"] == 12
    assert g["share"] == pytest.approx(per["share"].mean())
    assert g["share_low"] <= g["share"] <= g["share_high"]
    # the interval resamples provinces, not reports: an independent cluster bootstrap gives about the same width
    rng = np.random.default_rng(0)
    by_prov = {c: s["share"].to_numpy() for c, s in per.groupby("cluster")}
    keys = list(by_prov)
    boots = [np.concatenate([by_prov[keys[i]] for i in rng.integers(0, len(keys), len(keys))]).mean()
             for _ in range(2000)]
    lo, hi = np.percentile(boots, [2.5, 97.5])
    assert abs((g["share_high"] - g["share_low"]) - (hi - lo)) < 0.35 * (hi - lo)
    assert "baseline" not in g.index and "ratio" not in g.index


def test_too_few_provinces_gives_no_interval_and_says_why():
    g = D.central_reuse(_panel(3), _ref(), n_resamples=200, random_state=1).iloc[0]
    assert np.isnan(g["share_low"]) and np.isnan(g["share_public_high"])
    assert "3" in g["note"]


def test_reuse_by_group_keeps_its_default_columns():
    r = pd.DataFrame({"level": "province", "year": 2022, "cluster": list("abcdef"), "share": [.3, .4, .5, .3, .4, .5],
                      "baseline": [.2] * 6, "n_ngrams": 10, "has_reference": True, "before_national": True, "n": 4})
    g = D.reuse_by_group(r, n_resamples=100, random_state=1)
    assert {"baseline", "excess", "excess_low", "ratio", "n_excess_positive"} <= set(g.columns)
    with pytest.raises(ValueError, match="baseline"):
        D.reuse_by_group(r.drop(columns="baseline"), n_resamples=100)


def test_note_names_the_highest_and_lowest_cell():
    p = pd.concat([_panel(6, seed=1), _panel(6, seed=2).assign(level="province", year=2023,
                                                              date=pd.Timestamp("2023-01-10"))], ignore_index=True)
    p["doc_id"] = [f"d{i}" for i in range(len(p))]
    g = D.central_reuse(p, _ref(), n_resamples=200, random_state=1)
    note = D.central_reuse_note(g, _ref())
    top = g.sort_values("share", ascending=False).iloc[0]
    assert note.startswith("Against the 2 central reference texts")
    assert f"{100 * top['share']:.1f}%" in note and str(top["year"]) in note


def test_a_cell_before_any_issued_text_says_so():
    p = pd.DataFrame({"doc_id": [f"d{i}" for i in range(6)], "level": "prefecture", "year": 2021,
                      "date": pd.to_datetime(["2021-01-10"] * 6), "cluster": list("ABCDEF"),
                      "text": ["坚持动态清零"] * 6})
    g = D.central_reuse(p, _ref(), n_resamples=50, random_state=0)
    assert g["share_public"].iloc[0] == 0 and g["share"].iloc[0] > 0
    assert "no reference text with an established date was issued" in g["note"].iloc[0]
