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


# -- texts from a table (issue 9): 20 short news items, written for this test ----------
NEWS = [
    ("n01", "2020-01-24", "湖北日报", "武汉启动重大突发公共卫生事件一级响应", "1月24日，湖北省启动重大突发公共卫生事件一级响应。全省各地加强发热门诊管理，严格落实早发现、早报告、早隔离、早治疗。"),
    ("n02", "2020-01-28", "南方日报", "广州全面排查返穗人员", "广州市各街道组织工作人员逐户排查返穗人员，对来自疫情重点地区的人员实行居家观察十四天。"),
    ("n03", "2020-02-10", "新华日报", "南京有序推动企业复工复产", "南京市印发通知，在做好疫情防控的前提下，分区分级推动企业有序复工复产，保障重点物资供应。"),
    ("n04", "2020-02-15", "浙江日报", "杭州推出健康码", "杭州市推出健康码，市民通过手机申领，绿码人员凭码通行，红码和黄码人员须按规定隔离观察。"),
    ("n05", "2020-03-18", "北京日报", "北京加强境外输入防控", "北京市对所有境外进京人员实行集中隔离观察，并进行核酸检测，严防境外疫情输入。"),
    ("n06", "2020-05-20", "大众日报", "青岛中小学分批返校复课", "青岛市中小学分批返校复课，学校严格执行晨午检制度，做好通风消毒，学生佩戴口罩。"),
    ("n07", "2020-07-16", "新疆日报", "乌鲁木齐开展全员核酸检测", "乌鲁木齐市开展全员核酸检测，各社区设立采样点，做到应检尽检、不漏一人。"),
    ("n08", "2020-10-12", "青岛日报", "青岛五天完成千万人核酸检测", "青岛市发现新增病例后迅速启动全员核酸检测，五天内完成一千余万人的采样检测。"),
    ("n09", "2021-01-08", "河北日报", "石家庄实行全市封闭管理", "石家庄市实行全市封闭管理，全体市民居家隔离，开展三轮全员核酸检测，阻断疫情传播。"),
    ("n10", "2021-05-31", "南方日报", "广州荔湾区封闭管理", "广州市荔湾区部分街道实行封闭管理，居民居家不外出，生活物资由社区配送上门。"),
    ("n11", "2021-07-28", "新华日报", "南京禄口机场疫情处置", "南京市针对禄口机场疫情，划定封控区和管控区，开展全员核酸检测，全力阻断传播链条。"),
    ("n12", "2021-08-20", "河南日报", "郑州统筹疫情防控和灾后重建", "郑州市统筹推进疫情防控和灾后重建，加强安置点消毒，严防次生灾害和疫情叠加。"),
    ("n13", "2021-12-23", "陕西日报", "西安实行严格封闭式管理", "西安市实行严格的封闭式管理措施，除就医等必要情况外，居民原则上不出户。"),
    ("n14", "2022-03-14", "深圳特区报", "深圳暂停公交地铁运营", "深圳市暂停全市公交地铁运营，开展三轮全员核酸检测，坚持动态清零总方针不动摇。"),
    ("n15", "2022-04-01", "解放日报", "上海浦东浦西分区封控", "上海市以黄浦江为界分区分批实施封控，开展全员核酸筛查，保障居民基本生活物资供应。"),
    ("n16", "2022-06-01", "解放日报", "上海恢复全市正常生产生活秩序", "六月一日起，上海市全面恢复正常生产生活秩序，继续实行常态化核酸检测。"),
    ("n17", "2022-08-10", "海南日报", "三亚实行临时性全域静态管理", "三亚市实行临时性全域静态管理，滞留游客由酒店统一安排，延住费用减半。"),
    ("n18", "2022-11-11", "人民日报", "进一步优化疫情防控措施", "国务院联防联控机制公布二十条优化措施，科学精准做好疫情防控工作。"),
    ("n19", "2022-12-07", "人民日报", "新十条发布", "国务院联防联控机制发布新十条，不再对跨地区流动人员查验核酸检测阴性证明和健康码。"),
    ("n20", "2023-01-08", "光明日报", "新冠病毒感染实施乙类乙管", "自一月八日起，对新型冠状病毒感染实施乙类乙管，不再实行隔离措施，不再判定密切接触者。"),
]
NEWS_COLUMNS = {"doc_id": "id", "text": "body", "pub_date": "date", "title": "headline", "outlet": "paper"}


def news_table() -> pd.DataFrame:
    return pd.DataFrame(NEWS, columns=["id", "date", "paper", "headline", "body"])


def write_news(folder: Path, fmt: str) -> Path:
    frame = news_table()
    path = folder / f"news.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif fmt == "xlsx":
        pytest.importorskip("openpyxl")
        frame.to_excel(path, index=False)
    return path


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "jsonl", "xlsx"])
def test_texts_from_a_table_end_to_end(tmp_path, fmt):
    from discourse.cleaning import clean_corpus

    path = write_news(tmp_path, fmt)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    docs = load_corpus(path, columns=NEWS_COLUMNS)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert docs["doc_id"].tolist() == [n[0] for n in NEWS]
    assert docs["text"].tolist() == [n[4] for n in NEWS]
    assert docs["title"].tolist() == [n[3] for n in NEWS]
    # sha256 is that of the cell's text as UTF-8, computed here independently
    assert docs["sha256"].tolist() == [hashlib.sha256(n[4].encode("utf-8")).hexdigest() for n in NEWS]
    assert docs["date"].tolist() == [pd.Timestamp(n[1]) for n in NEWS]
    assert set(docs["date_source"].astype(str)) == {"pub_date"}
    assert docs["path"].isna().all()
    assert isinstance(docs["outlet"].iloc[0], str) and docs.loc[0, "outlet"] == "湖北日报"
    res = clean_corpus(docs)
    clean = res.documents.set_index("doc_id")["clean_text"]
    assert len(clean) == 20 and clean.str.len().gt(20).all()
    assert clean["n14"].count("动态清零") == 1


def test_the_three_table_formats_give_the_same_documents(tmp_path):
    frames = [load_corpus(write_news(tmp_path, f), columns=NEWS_COLUMNS) for f in ("csv", "parquet", "jsonl")]
    keep = [c for c in frames[0].columns if c != "encoding"]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0][keep], other[keep])


def test_text_column_named_text_needs_no_mapping(tmp_path):
    news_table().rename(columns={"id": "doc_id", "body": "text"}).to_csv(tmp_path / "m.csv", index=False)
    docs = load_corpus(tmp_path / "m.csv")
    assert docs.loc[19, "text"] == NEWS[19][4]


def test_empty_text_cell_is_named(tmp_path):
    frame = news_table()
    frame.loc[4, "body"] = "  "
    frame.to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(CorpusError, match=r"m.csv, row 5 \(line 6\), field 'body': empty text"):
        load_corpus(tmp_path / "m.csv", columns=NEWS_COLUMNS)


def test_same_text_twice_in_a_table_warns(tmp_path):
    from discourse.ingest.corpus import DuplicateContentWarning

    frame = news_table()
    frame.loc[5, "body"] = frame.loc[2, "body"]
    frame.to_parquet(tmp_path / "m.parquet", index=False)
    with pytest.warns(DuplicateContentWarning, match=r"row 3 \('n03'\) and row 6 \('n06'\) hold identical texts"):
        load_corpus(tmp_path / "m.parquet", columns=NEWS_COLUMNS)


def test_text_column_beside_paths_is_not_used_silently(tmp_path):
    from discourse.ingest.corpus import ManifestWarning

    (tmp_path / "a.txt").write_text(SAMPLE, encoding="utf-8")
    write_manifest(tmp_path, [{"doc_id": "a", "path": "a.txt", "text": "另一段文字"}])
    with pytest.warns(ManifestWarning, match="column 'text' is ignored"):
        docs = load_corpus(tmp_path / "manifest.csv")
    assert docs.loc[0, "text"] == SAMPLE
