"""Tests of the bundled panel corpus (data/panel/), built by scripts/build_panel.py."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from discourse import config

PANEL = config.DATA_DIR / "panel"
LEVELS = {"national", "province", "major_city", "prefecture"}


def _load_script():
    spec = importlib.util.spec_from_file_location("build_panel", config.PROJ_ROOT / "scripts" / "build_panel.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def bp():
    return _load_script()


@pytest.fixture(scope="module")
def reports() -> pd.DataFrame:
    return pd.read_csv(PANEL / "reports.csv", dtype={"doc_id": str, "meeting_date": str}, keep_default_na=False)


@pytest.fixture(scope="module")
def passages() -> pd.DataFrame:
    return pd.read_parquet(PANEL / "passages.parquet")


@pytest.fixture(scope="module")
def places() -> pd.DataFrame:
    return pd.read_csv(PANEL / "places.csv", dtype=str, keep_default_na=False)


def test_reports_schema_and_dtypes(reports, bp):
    assert list(reports.columns) == bp.REPORT_COLUMNS
    for col in ("year", "report_chars", "n_paragraphs", "n_passage_paragraphs", "passage_chars"):
        assert pd.api.types.is_integer_dtype(reports[col]), col
    assert reports["covid_share"].dtype == float
    assert reports["has_passage"].dtype == bool
    assert set(reports["level"]) == LEVELS
    assert reports["year"].between(2020, 2024).all()
    assert reports["source_sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert reports["doc_id"].str.fullmatch(r"gwr-(nat|prov|city|pref)-[a-z0-9-]+-\d{4}(-\d{2})?").all()


def test_doc_ids_unique_and_passages_in_reports(reports, passages):
    assert reports["doc_id"].is_unique
    assert passages["doc_id"].is_unique
    assert set(passages["doc_id"]) <= set(reports["doc_id"])
    assert set(passages["doc_id"]) == set(reports.loc[reports["has_passage"], "doc_id"])


def test_counts_are_consistent(reports, passages):
    assert reports["covid_share"].between(0, 1).all()
    assert (reports["n_passage_paragraphs"] <= reports["n_paragraphs"]).all()
    assert (reports["passage_chars"] <= reports["report_chars"]).all()
    assert (reports["has_passage"] == (reports["n_passage_paragraphs"] > 0)).all()
    # covid_share recomputed from the columns it is made of
    np.testing.assert_allclose(reports["covid_share"], reports["passage_chars"] / reports["report_chars"], atol=1e-6)
    # the parquet text holds exactly the counted paragraphs and characters
    merged = passages.merge(reports[["doc_id", "n_passage_paragraphs", "passage_chars"]], on="doc_id",
                            suffixes=("_p", ""))
    paras = merged["text"].str.split("\n\n")
    assert (paras.map(len) == merged["n_passage_paragraphs"]).all()
    assert (paras.map(lambda ps: sum(map(len, ps))) == merged["passage_chars"]).all()


def test_every_passage_paragraph_contains_a_rule_term(passages, bp):
    from discourse.ingest.passages import select_passages

    rule = bp.COVID_RULE
    rows = [(d, i, p) for d, t in zip(passages["doc_id"], passages["text"])
            for i, p in enumerate(t.split("\n\n"), start=1)]
    units = pd.DataFrame(rows, columns=["doc_id", "para_no", "text"])
    again = select_passages(units, rule.terms, exclude=rule.exclude)
    assert again["selected"].all()
    # and independently of the library: a term occurs outside the excluded phrases
    excl = re.compile("|".join(map(re.escape, sorted(rule.exclude, key=len, reverse=True))))
    assert all(any(t in excl.sub("#", p) for t in rule.terms) for p in units["text"])


def test_passages_parquet_carries_metadata_and_is_zstd(passages, reports):
    meta = [c for c in reports.columns if c != "has_passage"]
    assert [c for c in passages.columns if c != "text"] == meta
    md = pq.ParquetFile(PANEL / "passages.parquet").metadata
    assert md.row_group(0).column(0).compression == "ZSTD"
    assert md.num_rows == len(passages)
    # fixed row order: the order of reports.csv
    order = reports.loc[reports["has_passage"], "doc_id"].tolist()
    assert passages["doc_id"].tolist() == order


def test_manifest_points_to_parquet(passages):
    m = pd.read_csv(PANEL / "manifest.csv", dtype={"doc_id": str}, keep_default_na=False)
    assert m["doc_id"].tolist() == passages["doc_id"].tolist()
    assert set(m["text_file"]) == {"passages.parquet"} and set(m["text_column"]) == {"text"}


def test_every_city_has_a_province(reports, places):
    cities = reports[reports["level"].isin(["major_city", "prefecture"])]
    assert (cities["province_zh"] != "").all() and (cities["province_en"] != "").all()
    assert set(reports["place_zh"]) <= set(places["place_zh"])
    prov_names = set(places.loc[places["level"] == "province", "place_zh"]) | {"北京市", "天津市", "上海市", "重庆市"}
    assert set(cities["province_zh"]) <= prov_names
    assert places["basis"].str.len().gt(0).all()
    assert places["place_en"].str.fullmatch(r"[A-Za-z][A-Za-z' ()ü-]*").all()
    municipalities = places[places["place_zh"].isin(["北京市", "天津市", "上海市", "重庆市"])]
    assert (municipalities["place_zh"] == municipalities["province_zh"]).all()


def test_meeting_dates(reports):
    dated = reports[reports["meeting_date"] != ""]
    assert (dated["meeting_date_precision"].isin(["day", "month"])).all()
    assert pd.to_datetime(dated["meeting_date"], format="mixed").dt.year.between(dated["year"] - 1, dated["year"]).all()
    blank = reports[reports["meeting_date"] == ""]
    assert blank["meeting_date_basis"].str.startswith("blank:").all()


def test_source_json(reports, bp):
    info = json.loads((PANEL / "SOURCE.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"[0-9a-f]{40}", info["source"]["commit"])
    assert info["rule"]["fingerprint"] == bp.COVID_RULE.fingerprint()
    assert info["counts"]["reports"] == len(reports)
    for name, digest in info["files"].items():
        assert hashlib.sha256((PANEL / name).read_bytes()).hexdigest() == digest, name


def test_validation_sample(bp):
    s = pd.read_csv(PANEL / "selection_sample.csv", dtype={"doc_id": str}, keep_default_na=False)
    assert len(s) == sum(bp.SAMPLE_SIZES.values())
    assert s["text"].str.len().le(200).all()
    assert s["label_covid"].isin([0, 1]).all() and s["note"].str.len().gt(0).all()
    assert (s["selected"] == (s["stratum"] == "selected")).all()
    info = json.loads((PANEL / "SOURCE.json").read_text(encoding="utf-8"))
    pop = {k: v["population"] for k, v in info["validation"]["strata"].items()}
    fig = bp.validation_figures(s, pop)
    # precision by hand from the sample
    sel = s[s["stratum"] == "selected"]
    assert fig["precision"]["estimate"] == pytest.approx(sel["label_covid"].mean())
    lo, hi = fig["precision"]["ci"]
    assert lo < fig["precision"]["estimate"] <= hi
    # recall: stratum-weighted estimate computed directly
    shares = s.groupby("stratum")["label_covid"].mean()
    tp = pop["selected"] * shares["selected"]
    fn = sum(pop[h] * shares[h] for h in pop if h != "selected")
    assert fig["recall"]["estimate"] == pytest.approx(tp / (tp + fn))
    assert fig["recall"]["ci"][0] <= fig["recall"]["estimate"] <= fig["recall"]["ci"][1]


def test_validation_figures_on_known_numbers(bp):
    # 10 of 10 selected are COVID, 0 of 10 in each negative stratum: recall 1, precision 1
    s = pd.DataFrame({"stratum": ["selected"] * 10 + ["not_selected_same_reports"] * 10
                      + ["not_selected_reports_without_passage"] * 10, "label_covid": [1] * 10 + [0] * 20})
    pop = {"selected": 100, "not_selected_same_reports": 1000, "not_selected_reports_without_passage": 500}
    fig = bp.validation_figures(s, pop)
    assert fig["precision"]["estimate"] == 1.0 and fig["recall"]["estimate"] == 1.0
    # Wilson upper bound for 0/10 is 3.84/13.84 (z = 1.96): recall lower bound by hand
    z2 = 1.959963984540054 ** 2
    up0 = z2 / (10 + z2)
    lo1 = 10 / (10 + z2)
    assert fig["recall"]["ci"][0] == pytest.approx(100 * lo1 / (100 * lo1 + 1500 * up0), rel=1e-6)


def test_panel_size_under_15_mb():
    total = sum(p.stat().st_size for p in PANEL.rglob("*") if p.is_file())
    assert total < 15 * 2**20, total


@pytest.mark.corpus
def test_rederived_from_source(reports, passages, bp):
    root = config.GOV_REPORTS_DIR
    if not (root / "manifest.csv").is_file():
        pytest.skip(f"gov-work-reports corpus not present at {root}")
    # every raw file still has the recorded SHA-256
    for rel, digest in zip(reports["source_path"], reports["source_sha256"]):
        assert hashlib.sha256((root / rel).read_bytes()).hexdigest() == digest, rel
    # re-derive ~10 reports (seeded pick, all levels) and compare their passage text exactly
    from discourse.ingest.passages import join_passages
    from discourse.ingest.units import split_paragraphs

    places = bp.read_places(PANEL / "places.csv")
    sel = bp.select_reports(root, places)
    assert sel["doc_id"].tolist() == reports["doc_id"].tolist()
    pick = (reports.groupby("level", group_keys=False)
            .apply(lambda g: g.sample(n=min(3, len(g)), random_state=config.RANDOM_STATE)))
    sub = sel[sel["doc_id"].isin(pick["doc_id"])]
    docs, _ = bp.load_and_clean(sub, root)
    joined = join_passages(bp.COVID_RULE.apply(split_paragraphs(docs))).set_index("doc_id")
    committed = passages.set_index("doc_id")["text"]
    chars = docs.set_index("doc_id")["n_chars_clean"]
    for doc_id in sub["doc_id"]:
        row = reports.set_index("doc_id").loc[doc_id]
        assert int(chars[doc_id]) == row["report_chars"], doc_id
        if row["has_passage"]:
            assert joined.loc[doc_id, "text"] == committed[doc_id], doc_id
        else:
            assert doc_id not in joined.index, doc_id
