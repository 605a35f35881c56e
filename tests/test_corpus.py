"""Ingestion: the bundled manifest, encodings, errors, a researcher's own columns."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pandas as pd
import pytest

from discourse import config
from discourse.ingest.corpus import CorpusError, UnlistedFileWarning, load_corpus, read_manifest

SAMPLE = "哈密市委召开专题会议。\n要严格落实“四方责任”，坚决守好建好新疆“东大门”。\n"
TRAD = "濟源網訊 示範區疫情防控工作專題會議，堅持人民至上、生命至上。\n"


def write_manifest(folder: Path, rows: list[dict[str, str]], name: str = "manifest.csv") -> Path:
    path = folder / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_bundled_corpus_loads_with_types():
    docs = load_corpus()
    assert list(docs["doc_id"]) == ["hami-2020", "xx-2021", "jiyuan-2022", "changzhi-2022", "xx-2022"]
    assert pd.api.types.is_datetime64_any_dtype(docs["event_date"])
    assert pd.api.types.is_datetime64_any_dtype(docs["date"])
    assert isinstance(docs["city_en"].dtype, pd.CategoricalDtype)
    assert isinstance(docs["genre"].dtype, pd.CategoricalDtype)
    assert docs["text"].str.len().min() > 2000
    # every document has an analysis date and says where it comes from
    assert docs["date"].notna().all()
    assert set(docs["date_source"].astype(str)) == {"event_date", "pub_date"}
    row = docs.set_index("doc_id").loc["xx-2021"]
    assert row["date_precision"] == "month" and row["date"] == pd.Timestamp("2021-10-01")


def test_manifest_fields_are_complete_or_explained():
    docs = load_corpus()
    for _, row in docs.iterrows():
        for field in ("event_date", "pub_date"):
            basis = row[f"{field}_basis"]
            assert isinstance(basis, str) and len(basis) > 20, (row["doc_id"], field)
        if pd.isna(row["city_zh"]):
            assert row["anonymised"] == "yes"
            assert "anonymised" in row["notes"].lower()
        for field in ("genre", "script", "speaker_role", "notes", "label"):
            assert not pd.isna(row[field]), (row["doc_id"], field)


def test_raw_data_unchanged():
    """SHA-256 of each raw file equals the manifest's: raw data is never modified."""
    manifest = pd.read_csv(config.MANIFEST_PATH, dtype=str, keep_default_na=False)
    assert len(manifest) == 5
    for rel, digest in zip(manifest["path"], manifest["sha256"]):
        data = (config.DATA_DIR / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, rel


def test_checksum_mismatch_is_reported(tmp_path):
    (tmp_path / "a.txt").write_text(SAMPLE, encoding="utf-8")
    path = write_manifest(tmp_path, [{"doc_id": "a", "path": "a.txt", "sha256": "0" * 64}])
    with pytest.raises(CorpusError, match=r"row 1 \(line 2\), field 'sha256': checksum mismatch"):
        load_corpus(path)


@pytest.mark.parametrize(
    ("encoding", "content"),
    [("utf-8", SAMPLE), ("utf-8-sig", SAMPLE), ("gb18030", SAMPLE), ("gbk", SAMPLE), ("big5", TRAD)],
)
def test_encodings_detected(tmp_path, encoding, content):
    raw = content.replace("\n", "\r\n").encode(encoding)
    (tmp_path / "a.txt").write_bytes(raw)
    path = write_manifest(tmp_path, [{"doc_id": "a", "path": "a.txt"}])
    docs = load_corpus(path)
    assert docs.loc[0, "text"] == content  # decoded, BOM gone, CRLF -> LF
    assert "\r" not in docs.loc[0, "text"]


def test_declared_encoding_used_and_checked(tmp_path):
    (tmp_path / "a.txt").write_bytes(SAMPLE.encode("gb18030"))
    (tmp_path / "b.txt").write_bytes(SAMPLE.encode("gb18030"))
    path = write_manifest(
        tmp_path,
        [{"doc_id": "a", "path": "a.txt", "encoding": "GB18030"}, {"doc_id": "b", "path": "b.txt", "encoding": "utf-8"}],
    )
    with pytest.raises(CorpusError) as err:
        load_corpus(path)
    msg = str(err.value)
    assert "row 2 (line 3), field 'path'" in msg and "b.txt" in msg and "declared encoding 'utf-8'" in msg
    assert "row 1" not in msg


def test_missing_file(tmp_path):
    path = write_manifest(tmp_path, [{"doc_id": "a", "path": "nowhere.txt"}])
    with pytest.raises(CorpusError, match=r"manifest.csv, row 1 \(line 2\), field 'path': file not found: .*nowhere.txt"):
        load_corpus(path)


def test_duplicate_id(tmp_path):
    (tmp_path / "a.txt").write_text(SAMPLE, encoding="utf-8")
    path = write_manifest(tmp_path, [{"doc_id": "a", "path": "a.txt"}, {"doc_id": "a", "path": "a.txt"}])
    with pytest.raises(CorpusError, match=r"row 2 \(line 3\), field 'doc_id': duplicate id 'a' \(first at row 1\)"):
        load_corpus(path)


def test_unparseable_date(tmp_path):
    (tmp_path / "a.txt").write_text(SAMPLE, encoding="utf-8")
    path = write_manifest(tmp_path, [{"doc_id": "a", "path": "a.txt", "event_date": "2022-13-45"}])
    with pytest.raises(CorpusError, match=r"row 1 \(line 2\), field 'event_date': .*2022-13-45"):
        load_corpus(path)


def test_precision_finer_than_date(tmp_path):
    (tmp_path / "a.txt").write_text(SAMPLE, encoding="utf-8")
    path = write_manifest(
        tmp_path, [{"doc_id": "a", "path": "a.txt", "event_date": "2022-12", "event_date_precision": "day"}]
    )
    with pytest.raises(CorpusError, match="finer than the date"):
        load_corpus(path)


def test_empty_file(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\n \n")
    path = write_manifest(tmp_path, [{"doc_id": "a", "path": "a.txt"}])
    with pytest.raises(CorpusError, match=r"field 'path': .*a.txt: file is empty"):
        load_corpus(path)


def test_binary_file(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    path = write_manifest(tmp_path, [{"doc_id": "a", "path": "a.txt"}])
    with pytest.raises(CorpusError, match="binary file"):
        load_corpus(path)


def test_undecodable_bytes(tmp_path):
    # Valid UTF-8 text followed by bytes that fit none of UTF-8, GB18030, Big5.
    (tmp_path / "a.txt").write_bytes(SAMPLE.encode("utf-8") + b"\xff\xfe\xff\xfe\x80\x80\xff" * 3)
    path = write_manifest(tmp_path, [{"doc_id": "a", "path": "a.txt"}])
    with pytest.raises(CorpusError, match=r"a.txt: undecodable bytes: not UTF-8 \(first invalid byte at line 3"):
        load_corpus(path)


def test_all_problems_reported_together(tmp_path):
    (tmp_path / "a.txt").write_text(SAMPLE, encoding="utf-8")
    path = write_manifest(
        tmp_path,
        [
            {"doc_id": "a", "path": "a.txt", "event_date": "yesterday"},
            {"doc_id": "b", "path": "missing.txt", "event_date": ""},
        ],
    )
    with pytest.raises(CorpusError) as err:
        load_corpus(path)
    assert len(err.value.problems) == 2
    assert {p.row for p in err.value.problems} == {1, 2}


def test_unlisted_files_warn(tmp_path):
    (tmp_path / "a.txt").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "forgotten.txt").write_text(SAMPLE, encoding="utf-8")
    path = write_manifest(tmp_path, [{"doc_id": "a", "path": "a.txt"}])
    with pytest.warns(UnlistedFileWarning, match="forgotten.txt"):
        docs = load_corpus(path)
    assert len(docs) == 1


def test_column_mapping_own_spreadsheet(tmp_path):
    sub = tmp_path / "texts"
    sub.mkdir()
    (sub / "一.txt").write_text(SAMPLE, encoding="utf-8")
    (sub / "二.txt").write_text(TRAD, encoding="utf-8")
    rows = [
        {"文件": "texts/一.txt", "地区": "哈密市", "会议日期": "2020年9月21日", "体裁": "新闻"},
        {"文件": "texts/二.txt", "地区": "济源市", "会议日期": "2022年12月", "体裁": "新闻"},
    ]
    path = tmp_path / "清单.csv"
    pd.DataFrame(rows).to_csv(path, index=False, encoding="gb18030")  # an Excel-style GBK export
    cols = {"doc_id": "文件", "path": "文件", "city_zh": "地区", "event_date": "会议日期", "genre": "体裁"}
    docs = load_corpus(path, columns=cols)
    assert list(docs["city_zh"]) == ["哈密市", "济源市"]
    assert list(docs["event_date_precision"]) == ["day", "month"]
    assert docs.loc[1, "date"] == pd.Timestamp("2022-12-01")
    assert docs.loc[0, "label"] == "哈密市"


def test_mapping_to_absent_column(tmp_path):
    (tmp_path / "a.txt").write_text(SAMPLE, encoding="utf-8")
    path = write_manifest(tmp_path, [{"doc_id": "a", "path": "a.txt"}])
    with pytest.raises(CorpusError, match=r"field 'city_zh': the column mapping points to column 'place'"):
        read_manifest(path, columns={"city_zh": "place"})


def test_missing_required_field(tmp_path):
    path = write_manifest(tmp_path, [{"file": "a.txt"}])
    with pytest.raises(CorpusError, match=r"field 'doc_id': required field 'doc_id' is missing"):
        load_corpus(path)


GOV_COLUMNS = {
    "doc_id": "path",
    "path": "path",
    "city_zh": "place",
    "admin_level": "level",
    "event_date": "meeting_date",
    "title": "title",
    "source_url": "source_url",
}


@pytest.mark.corpus
def test_gov_work_reports_load_through_public_api():
    manifest = config.GOV_REPORTS_DIR / "manifest.csv"
    if not manifest.is_file():
        pytest.skip(f"real corpus not present at {config.GOV_REPORTS_DIR}")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnlistedFileWarning)
        docs = load_corpus(manifest, columns=GOV_COLUMNS)
    expected = pd.read_csv(manifest, dtype=str, keep_default_na=False)
    assert len(docs) == len(expected) == 2974
    assert docs["doc_id"].is_unique
    assert set(docs["encoding"].astype(str)) == {"utf-8"}
    # the manifest's own character counts match the decoded texts for most files
    chars = pd.to_numeric(expected["chars"])
    assert (docs["text"].str.len().sub(chars).abs() <= chars * 0.05).mean() > 0.95
    dated = docs["event_date"].notna()
    assert dated.sum() == (expected["meeting_date"] != "").sum()
    assert docs.loc[dated, "event_date"].dt.year.between(1954, 2026).all()
    assert set(docs["admin_level"].astype(str)) == set(expected["level"])
