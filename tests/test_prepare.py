"""The stage that runs once: one row per document, unique labels, a cache that is never read half-written."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from discourse import config
import importlib

prep = importlib.import_module("discourse.study.prepare")
from discourse.study.settings import load_config

SECOND = config.PROJ_ROOT / "tests" / "data" / "second_corpus" / "reports.csv"
SECOND_COLUMNS = {
    "doc_id": "编号", "text": "正文", "city_zh": "城市", "province_zh": "省份",
    "event_date": "日期", "event_date_precision": "精度",
}


@pytest.fixture()
def interim(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INTERIM_DATA_DIR", tmp_path / "interim")
    return tmp_path


def _second(**compare) -> object:
    cfg = load_config().with_overrides(manifest=SECOND, columns=SECOND_COLUMNS)
    if compare:
        cfg = dataclasses.replace(cfg, compare=dataclasses.replace(cfg.compare, **compare))
    return cfg


def test_texts_from_a_table_column_give_one_row_per_document(interim):
    study = prep.prepare(_second(), processed_dir=interim / "out")
    docs = study.documents
    raw = pd.read_csv(SECOND)
    assert len(docs) == len(raw) == 12
    # no label column: labels are generated from place and year, and never shared
    assert docs["label"].is_unique
    by_id = raw.set_index("编号")
    for doc_id, label in zip(docs["doc_id"].astype(str), docs["label"].astype(str)):
        city, date = by_id.loc[doc_id, "城市"], str(by_id.loc[doc_id, "日期"])
        # place and year, with the full date where two reports of a place share a year
        assert label in (f"{city} {date[:4]}", f"{city} {date}"), (doc_id, label)
    assert study.paragraphs["doc_id"].nunique() == 12
    assert (docs["n_tokens"] > 0).all()


def test_a_shared_label_column_is_made_unique_and_noted(interim):
    cfg = _second(label="city_zh")
    study = prep.prepare(cfg, processed_dir=interim / "out")
    labels = study.documents["label"].astype(str)
    assert labels.is_unique and len(labels) == 12
    assert any("shared a label" in n for n in study.record["notes"])


def test_latest_document_is_the_latest_dated_one(interim):
    study = prep.prepare(_second(), processed_dir=interim / "out")
    docs = study.documents.copy()
    docs.loc[docs.index[0], "date"] = pd.NaT  # an undated document sorts last
    docs = docs.sort_values("date", na_position="last").reset_index(drop=True)
    study.documents = docs
    latest = docs.loc[docs["date"].idxmax(), "label"]
    assert study.latest_label() == str(latest) != str(docs["label"].iloc[-1])


def test_cannot_compare_says_why():
    study = prep.open_study()
    assert study.cannot_compare("label") is None
    msg = study.cannot_compare("genre", min_docs=3)
    assert "needs 2 groups of at least 3 documents" in msg and "meeting_report (3)" in msg
    assert "no 'nope' column" in study.cannot_compare("nope")
    assert study.cannot_compare("label", max_groups=5) is None  # five texts
    msg = study.cannot_compare("label", max_groups=4)
    assert "5 groups by label" in msg and "10 pairs" in msg and "at most 4 groups" in msg


def test_second_prepare_reads_the_cache(interim, monkeypatch):
    cfg = load_config()
    first = prep.prepare(cfg, processed_dir=interim / "a")

    def boom(*a, **k):
        raise AssertionError("the corpus stages ran again although the cache holds the tables")

    monkeypatch.setattr(prep, "local_corpus_stages", boom)
    second = prep.prepare(cfg, processed_dir=interim / "b")
    assert second.record["key"] == first.record["key"]
    pd.testing.assert_frame_equal(first.paragraphs.drop(columns="tokens"), second.paragraphs.drop(columns="tokens"),
                                  check_dtype=False, check_categorical=False)
    assert first.paragraphs["tokens"].tolist() == second.paragraphs["tokens"].tolist()
    assert sorted(p.name for p in (interim / "a").iterdir()) == sorted(p.name for p in (interim / "b").iterdir())
    for p in (interim / "a").iterdir():
        assert p.read_bytes() == (interim / "b" / p.name).read_bytes(), p.name


def test_a_half_written_cache_entry_is_never_read(interim, monkeypatch):
    cfg = load_config()
    key = prep.prepare_key(cfg, prep.load_documents(cfg))
    cache = Path(config.INTERIM_DATA_DIR) / "prepared"
    # a run killed while writing leaves a temporary folder, and may leave an entry without its record
    (cache / f".{key[:24]}.abc").mkdir(parents=True)
    (cache / f".{key[:24]}.abc" / "documents.parquet").write_bytes(b"half")
    (cache / key[:24]).mkdir()
    (cache / key[:24] / "units.parquet").write_bytes(b"half")
    study = prep.prepare(cfg, processed_dir=interim / "out")
    assert len(study.documents) == 5
    record = json.loads((cache / key[:24] / prep.RECORD_NAME).read_text(encoding="utf-8"))
    assert record["key"] == key


def test_a_change_of_settings_is_a_new_entry(interim):
    cfg = load_config()
    a = prep.prepare(cfg, processed_dir=interim / "a")
    b = prep.prepare(dataclasses.replace(cfg, tokenizer=dataclasses.replace(cfg.tokenizer, stopwords=False)),
                     processed_dir=interim / "b")
    assert a.record["key"] != b.record["key"]
    assert "的" in {t for toks in b.paragraphs["tokens"] for t in toks}
    assert "的" not in {t for toks in a.paragraphs["tokens"] for t in toks}


def test_open_study_reads_the_tables_of_the_run(interim, monkeypatch):
    monkeypatch.setattr(config, "PROCESSED_DATA_DIR", interim / "processed")
    study = prep.open_study()
    assert (interim / "processed" / "seeds" / prep.RECORD_NAME).is_file()
    monkeypatch.setattr(prep, "local_corpus_stages", lambda *a, **k: (_ for _ in ()).throw(AssertionError("reran")))
    again = prep.open_study()
    assert again.documents["label"].tolist() == study.documents["label"].tolist()
