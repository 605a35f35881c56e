"""Hostile and careless inputs to ingestion (issue 15): each case writes a real bad file.

Every test checks that the message names the file, the row (and line) and the
field where they apply, and that no input file changed (SHA-256 of every file
under the test's folder before and after). ``docs/FAULTS.md`` lists the cases.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from discourse.ingest.corpus import (
    CorpusError,
    DuplicateContentWarning,
    ManifestWarning,
    UnlistedFileWarning,
    load_corpus,
    read_manifest,
)
from discourse.ingest.textio import (
    ImplausibleTextWarning,
    NulByteWarning,
    UncertainEncodingWarning,
    decode_bytes,
)

SAMPLE = "哈密市委召开专题会议。\n要严格落实“四方责任”，坚决守好建好新疆“东大门”。\n"
OTHER = "济源市召开疫情防控工作会议，坚持人民至上、生命至上。\n"


def digest_tree(folder: Path) -> dict[str, str]:
    """SHA-256 of every regular file under *folder* (symlinks are not followed, FIFOs not opened)."""
    out = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            p = Path(dirpath) / name
            if p.is_symlink():
                out[str(p)] = "link->" + os.readlink(p)
            elif not p.is_file():  # FIFO, socket: never opened
                out[str(p)] = "special"
            else:
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@contextlib.contextmanager
def untouched(*folders: Path):
    before = [digest_tree(f) for f in folders]
    yield
    assert [digest_tree(f) for f in folders] == before, "an input file changed"


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def corpus_dir(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "a.txt").write_text(SAMPLE, encoding="utf-8")
    (d / "b.txt").write_text(OTHER, encoding="utf-8")
    return d


def load_error(*args, **kwargs) -> CorpusError:
    with pytest.raises(CorpusError) as err:
        load_corpus(*args, **kwargs)
    return err.value


# -- paths stay inside the corpus root -------------------------------------------------
@pytest.mark.parametrize(
    "bad",
    ["../../../../../../../../etc/passwd", "/proc/self/status", "/etc/passwd", "sub/../../outside.txt"],
)
def test_paths_outside_root_are_refused(tmp_path, bad):
    d = corpus_dir(tmp_path)
    (tmp_path / "outside.txt").write_text(SAMPLE, encoding="utf-8")
    m = write_csv(d / "manifest.csv", f"doc_id,path\na,a.txt\nx,{bad}\n")
    with untouched(tmp_path):
        err = load_error(m)
    msg = str(err)
    assert f"{m}, row 2 (line 3), field 'path'" in msg
    assert "outside the corpus root" in msg and "allow_outside_root=True" in msg
    assert "root:x:" not in msg and "VmRSS" not in msg  # no content of the refused file
    assert len(err.problems) == 1


def test_symlink_out_of_root_is_refused_and_allowed_on_request(tmp_path):
    d = corpus_dir(tmp_path)
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(OTHER, encoding="utf-8")
    (secret.parent / "sibling.txt").write_text(OTHER + "x", encoding="utf-8")
    (d / "link.txt").symlink_to(secret)
    m = write_csv(d / "manifest.csv", "doc_id,path\na,a.txt\nb,link.txt\n")
    with untouched(tmp_path):
        err = load_error(m, warn_unlisted=False)
        assert re.search(r"row 2 \(line 3\), field 'path': path 'link.txt' is a symbolic link .*outside the corpus root", str(err))
        assert "secret" not in str(err)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            docs = load_corpus(m, allow_outside_root=True)
    assert docs.loc[1, "text"] == OTHER
    # the unlisted-file scan never looks outside the root: sibling.txt is not named
    assert not [w for w in caught if "sibling" in str(w.message)]


def test_root_names_another_folder(tmp_path):
    root = tmp_path / "study"
    (root / "meta").mkdir(parents=True)
    (root / "texts").mkdir()
    (root / "texts" / "a.txt").write_text(SAMPLE, encoding="utf-8")
    m = write_csv(root / "meta" / "manifest.csv", "doc_id,path\na,../texts/a.txt\n")
    with untouched(tmp_path):
        err = load_error(m)
        assert "row 1 (line 2), field 'path': path '../texts/a.txt' leads outside the corpus root" in str(err)
        docs = load_corpus(m, root=root)
    assert docs.loc[0, "text"] == SAMPLE


def test_unlisted_warning_counts_and_names_five_inside_root(tmp_path):
    d = corpus_dir(tmp_path)
    for i in range(8):
        (d / f"forgotten{i}.txt").write_text(SAMPLE, encoding="utf-8")
    m = write_csv(d / "manifest.csv", "doc_id,path\na,a.txt\nb,b.txt\n")
    with untouched(tmp_path), pytest.warns(UnlistedFileWarning) as rec:
        load_corpus(m)
    msg = str(rec[0].message)
    assert "8 file(s)" in msg and "and 3 more" in msg
    assert msg.count("forgotten") == 5
    assert str(tmp_path) not in msg.split(": ", 1)[1]  # names relative to the root


# -- the manifest ---------------------------------------------------------------------
def test_header_only_manifest(tmp_path):
    d = corpus_dir(tmp_path)
    m = write_csv(d / "manifest.csv", "doc_id,path\n")
    with untouched(tmp_path):
        err = load_error(m, warn_unlisted=False)
    assert str(err) == f"{m}: the manifest has no rows (only a header)"


def test_empty_manifest(tmp_path):
    d = corpus_dir(tmp_path)
    m = write_csv(d / "manifest.csv", "")
    with untouched(tmp_path):
        err = load_error(m)
    assert str(err) == f"{m}: file is empty"


def test_manifest_is_a_directory(tmp_path):
    d = corpus_dir(tmp_path)
    (d / "manifest.csv").mkdir()
    with untouched(tmp_path):
        err = load_error(d / "manifest.csv")
    assert "is a directory" in str(err)


def test_short_and_long_rows_name_their_lines(tmp_path):
    d = corpus_dir(tmp_path)
    m = write_csv(
        d / "manifest.csv",
        'doc_id,path,title\na,a.txt,"标题\n第二行"\nb,b.txt\nc,a.txt,t,extra\n',
    )
    with untouched(tmp_path):
        err = load_error(m)
    msg = str(err)
    # row 2 starts on line 4 because row 1's title holds a newline
    assert f"{m}, row 2 (line 4): the row has 2 field(s), fewer than the header's 3" in msg
    assert f"{m}, row 3 (line 5): the row has 4 field(s), more than the header's 3" in msg


def test_line_numbers_after_quoted_newlines(tmp_path):
    d = corpus_dir(tmp_path)
    m = write_csv(
        d / "manifest.csv",
        'doc_id,path,title,event_date\na,a.txt,"一\n二\n三",2020-01-01\n\nb,b.txt,t,yesterday\n',
    )
    with untouched(tmp_path):
        err = load_error(m)
    assert f"{m}, row 2 (line 6), field 'event_date': cannot parse 'yesterday'" in str(err)


def test_duplicated_header_is_named(tmp_path):
    d = corpus_dir(tmp_path)
    m = write_csv(d / "manifest.csv", "doc_id,city_zh,path,city_zh\na,哈密,a.txt,济源\n")
    with untouched(tmp_path):
        err = load_error(m)
    msg = str(err)
    assert f"{m}, field 'city_zh': the header names column 'city_zh' 2 times (columns 2, 4)" in msg
    assert "city_zh.1" not in msg


def test_same_file_under_two_ids_is_an_error(tmp_path):
    d = corpus_dir(tmp_path)
    (d / "alias.txt").symlink_to(d / "a.txt")
    m = write_csv(d / "manifest.csv", "doc_id,path\na,a.txt\nb,b.txt\nc,./a.txt\nd,alias.txt\n")
    with untouched(tmp_path):
        err = load_error(m)
    msg = str(err)
    assert f"{m}, row 3 (line 4), field 'path': the same file as row 1 (line 2) (ids 'a' and 'c')" in msg
    assert f"{m}, row 4 (line 5), field 'path': the same file as row 1 (line 2) (ids 'a' and 'd')" in msg


def test_same_content_in_two_files_warns(tmp_path):
    d = corpus_dir(tmp_path)
    (d / "copy.txt").write_text(SAMPLE, encoding="utf-8")
    m = write_csv(d / "manifest.csv", "doc_id,path\na,a.txt\nb,b.txt\nc,copy.txt\n")
    with untouched(tmp_path), pytest.warns(DuplicateContentWarning, match=r"row 1 \(line 2\) \('a'\) and row 3 \(line 4\) \('c'\) hold identical texts"):
        docs = load_corpus(m)
    assert len(docs) == 3


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "xlsx"])
def test_na_like_ids_stay_strings(tmp_path, fmt):
    if fmt == "xlsx":
        pytest.importorskip("openpyxl")
    d = corpus_dir(tmp_path)
    ids = ["NA", "null", "None", "nan", "N/A", "NULL"]
    for n, i in enumerate(ids):
        (d / f"{n}.txt").write_text(SAMPLE + i, encoding="utf-8")
    frame = pd.DataFrame({"doc_id": ids, "path": [f"{n}.txt" for n in range(6)], "genre": ["NA"] * 6})
    m = d / f"manifest.{fmt}"
    if fmt == "csv":
        frame.to_csv(m, index=False)
    elif fmt == "jsonl":
        frame.to_json(m, orient="records", lines=True, force_ascii=False)
    elif fmt == "parquet":
        frame.to_parquet(m, index=False)
    else:
        frame.to_excel(m, index=False)
    with untouched(tmp_path):
        docs = load_corpus(m, warn_unlisted=False)
    assert docs["doc_id"].tolist() == ids
    assert docs["genre"].astype(str).tolist() == ["NA"] * 6


@pytest.mark.parametrize(("value", "shown"), [("0001", "0001"), ("2099-05-01", "2099-05-01"), ("2263年1月", "2263-01")])
def test_implausible_dates(tmp_path, value, shown):
    d = corpus_dir(tmp_path)
    m = write_csv(d / "manifest.csv", f"doc_id,path,pub_date\na,a.txt,2020-01-01\nb,b.txt,{value}\n")
    with untouched(tmp_path):
        err = load_error(m)
    assert f"{m}, row 2 (line 3), field 'pub_date': date {shown} is outside the plausible range 1949-10-01 .." in str(err)
    # a researcher's own range
    docs = load_corpus(m, date_range=("0001-01-01", "2300-01-01"))
    assert docs.loc[1, "pub_date"].year == int(shown[:4])


def test_date_range_bounds_a_period_not_its_first_day(tmp_path):
    d = corpus_dir(tmp_path)
    m = write_csv(d / "manifest.csv", "doc_id,path,event_date\na,a.txt,1949\nb,b.txt,1949-09\n")
    with untouched(tmp_path):
        err = load_error(m)
    assert [p.row for p in err.problems] == [2]  # 1949 overlaps the range; 1949-09 does not


def test_directory_in_manifest(tmp_path):
    d = corpus_dir(tmp_path)
    (d / "texts").mkdir()
    m = write_csv(d / "manifest.csv", "doc_id,path\na,a.txt\nb,texts\n")
    with untouched(tmp_path):
        err = load_error(m)
    assert re.search(r"row 2 \(line 3\), field 'path': .*texts is a directory, not a file", str(err))


def test_symlink_loop(tmp_path):
    d = corpus_dir(tmp_path)
    (d / "loop1.txt").symlink_to(d / "loop2.txt")
    (d / "loop2.txt").symlink_to(d / "loop1.txt")
    m = write_csv(d / "manifest.csv", "doc_id,path\na,a.txt\nb,loop1.txt\n")
    with untouched(tmp_path):
        err = load_error(m)
    assert f"{m}, row 2 (line 3), field 'path': symlink loop: 'loop1.txt' points back to itself" in str(err)


def test_mistyped_mapping_key(tmp_path):
    d = corpus_dir(tmp_path)
    m = write_csv(d / "manifest.csv", "doc_id,path,city\na,a.txt,哈密\n")
    with untouched(tmp_path):
        err = load_error(m, columns={"citi_zh": "city"})
    msg = str(err)
    assert f"{m}, field 'citi_zh': 'citi_zh' in the column mapping is not a field" in msg
    assert "did you mean 'city_zh'?" in msg and "valid fields: doc_id, path," in msg


def test_mapping_to_a_mistyped_column_suggests_it(tmp_path):
    d = corpus_dir(tmp_path)
    m = write_csv(d / "manifest.csv", "doc_id,path,city\na,a.txt,哈密\n")
    with pytest.raises(CorpusError, match=r"field 'city_zh': the column mapping points to column 'cty', .*did you mean 'city'"):
        read_manifest(m, columns={"city_zh": "cty"})


def test_old_excel_and_json_manifests_are_refused_by_name(tmp_path):
    d = corpus_dir(tmp_path)
    (d / "manifest.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    (d / "manifest.json").write_text('[{"doc_id": "a"}]', encoding="utf-8")
    with untouched(tmp_path):
        assert "save it as .xlsx or export as CSV" in str(load_error(d / "manifest.xls"))
        assert "JSON Lines" in str(load_error(d / "manifest.json"))


def test_xlsx_manifest_read_with_openpyxl(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    d = corpus_dir(tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["doc_id", "path", "event_date"])
    ws.append(["a", "a.txt", "2020-09-21"])
    ws.append(["b", "b.txt", "2099-01-01"])
    wb.save(d / "manifest.xlsx")
    with untouched(tmp_path):
        err = load_error(d / "manifest.xlsx")
    assert f"{d / 'manifest.xlsx'}, row 2 (sheet row 3), field 'event_date': date 2099-01-01 is outside" in str(err)


def test_xlsx_duplicated_header(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    d = corpus_dir(tmp_path)
    wb = openpyxl.Workbook()
    wb.active.append(["doc_id", "path", "path"])
    wb.active.append(["a", "a.txt", "b.txt"])
    wb.save(d / "m.xlsx")
    with untouched(tmp_path):
        assert "the header names column 'path' 2 times (columns 2, 3)" in str(load_error(d / "m.xlsx"))


def test_xlsx_without_openpyxl_is_refused_by_name(tmp_path, monkeypatch):
    d = corpus_dir(tmp_path)
    (d / "manifest.xlsx").write_bytes(b"PK\x03\x04 xl/workbook.xml")
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with untouched(tmp_path):
        err = load_error(d / "manifest.xlsx")
    assert str(err) == f"{d / 'manifest.xlsx'}: is an Excel workbook and openpyxl is not installed: install openpyxl or export as CSV"


def test_xlsx_saved_as_csv_is_named(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    d = corpus_dir(tmp_path)
    wb = openpyxl.Workbook()
    wb.active.append(["doc_id", "path"])
    wb.save(d / "manifest.csv")
    with untouched(tmp_path):
        msg = str(load_error(d / "manifest.csv"))
    assert "an Excel workbook (.xlsx" in msg and "must end in .xlsx" in msg and "NUL" not in msg


def test_all_manifest_problems_come_together(tmp_path):
    d = corpus_dir(tmp_path)
    m = write_csv(
        d / "manifest.csv",
        "doc_id,path,pub_date\na,a.txt,2263-01-01\nb,../x.txt,\n,b.txt,\nd,nowhere.txt,\n",
    )
    with untouched(tmp_path):
        err = load_error(m)
    assert {(p.row, p.field) for p in err.problems} == {
        (1, "pub_date"), (2, "path"), (3, "doc_id"), (4, "path")
    }


# -- encodings ------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(tmp_path, encoding):
    d = tmp_path / "c"
    d.mkdir()
    bom = {"utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    (d / "a.txt").write_bytes(bom + SAMPLE.replace("\n", "\r\n").encode(encoding))
    # the manifest itself in the same encoding (as Excel's "Unicode text" export)
    write_csv(d / "manifest.csv", "doc_id,path,city_zh\na,a.txt,哈密市\n", encoding="utf-16")
    with untouched(tmp_path):
        docs = load_corpus(d / "manifest.csv")
    assert docs.loc[0, "text"] == SAMPLE
    assert docs.loc[0, "city_zh"] == "哈密市"
    assert str(docs.loc[0, "encoding"]).startswith(encoding[:6])


def test_utf16_without_bom_is_recognised_not_binary(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "a.txt").write_bytes(SAMPLE.encode("utf-16-le"))
    write_csv(d / "manifest.csv", "doc_id,path\na,a.txt\n")
    with untouched(tmp_path), pytest.warns(UncertainEncodingWarning, match=r"row 1 \(line 2\): .*a.txt: read as utf-16-le \(no byte-order mark"):
        docs = load_corpus(d / "manifest.csv")
    assert docs.loc[0, "text"] == SAMPLE


def test_xlsx_as_text_file_is_named(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    d = corpus_dir(tmp_path)
    wb = openpyxl.Workbook()
    wb.active.append(["正文"])
    wb.save(d / "c.txt")
    m = write_csv(d / "manifest.csv", "doc_id,path\na,a.txt\nc,c.txt\n")
    with untouched(tmp_path):
        msg = str(load_error(m))
    assert re.search(r"row 2 \(line 3\), field 'path': .*c.txt: looks like a binary file: an Excel workbook", msg)
    assert "NUL" not in msg


def test_short_gb18030_text_warns_with_candidates(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    raw = "疫情防控".encode("gb18030")
    assert len(raw) == 8 and raw.decode("big5") == "砮①滅諷"  # the trap: valid Big5 too
    (d / "a.txt").write_bytes(raw)
    m = write_csv(d / "manifest.csv", "doc_id,path\na,a.txt\n")
    with untouched(tmp_path), pytest.warns(UncertainEncodingWarning) as rec:
        docs = load_corpus(m)
    assert docs.loc[0, "text"] == "疫情防控" and docs.loc[0, "encoding"] == "gb18030"
    msg = str(rec[0].message)
    assert "row 1 (line 2)" in msg and "a.txt" in msg
    assert "gb18030: '疫情防控'" in msg and "big5: '砮①滅諷'" in msg and "'encoding' field" in msg
    # declaring it silences the warning
    m2 = write_csv(d / "declared.csv", "doc_id,path,encoding\na,a.txt,gb18030\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UncertainEncodingWarning)
        assert load_corpus(m2).loc[0, "text"] == "疫情防控"


def test_big5_still_detected_by_plausibility(tmp_path):
    trad = "濟源網訊 示範區疫情防控工作專題會議，堅持人民至上、生命至上。\n"
    raw = trad.encode("big5")
    assert raw.decode("gb18030") != trad  # GB18030 decodes it too, as gibberish
    d = decode_bytes(raw, warn=False)
    assert d.encoding == "big5" and d.text == trad


def test_declared_latin1_on_chinese_warns(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "a.txt").write_text(SAMPLE, encoding="utf-8")
    m = write_csv(d / "manifest.csv", "doc_id,path,encoding\na,a.txt,latin-1\n")
    with untouched(tmp_path), pytest.warns(ImplausibleTextWarning) as rec:
        load_corpus(m)
    msg = str(rec[0].message)
    assert "row 1 (line 2)" in msg and "a.txt" in msg and "'latin-1'" in msg
    assert "only 0% of its" in msg and "UTF-8 read as Latin-1" in msg


def test_declared_gb18030_on_big5_warns(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "a.txt").write_bytes("濟源網訊 示範區疫情防控工作專題會議，堅持人民至上、生命至上。\n".encode("big5"))
    m = write_csv(d / "manifest.csv", "doc_id,path,encoding\na,a.txt,gb18030\n")
    with untouched(tmp_path), pytest.warns(ImplausibleTextWarning, match=r"a.txt: the text read as 'gb18030'"):
        load_corpus(m)


def test_nul_byte_after_64_kib_is_reported(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    head = (SAMPLE * 2000).encode("utf-8")
    assert len(head) > 65536
    (d / "a.txt").write_bytes(head + b"\x00" + OTHER.encode("utf-8"))
    m = write_csv(d / "manifest.csv", "doc_id,path\na,a.txt\n")
    with untouched(tmp_path), pytest.warns(NulByteWarning) as rec:
        docs = load_corpus(m)
    msg = str(rec[0].message)
    assert "row 1 (line 2)" in msg and "a.txt" in msg and f"byte offset {len(head)}" in msg
    assert "\x00" in docs.loc[0, "text"]  # kept for cleaning to remove (and audit)


def test_mostly_nul_file_is_binary(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "a.bin").write_bytes(b"\x00\x01\x02\x03" * 100)
    m = write_csv(d / "manifest.csv", "doc_id,path\na,a.bin\n")
    with untouched(tmp_path):
        assert re.search(r"row 1 \(line 2\), field 'path': .*a.bin: looks like a binary file \(100 NUL bytes", str(load_error(m)))


def test_broken_symlink_and_fifo(tmp_path):
    d = corpus_dir(tmp_path)
    (d / "gone.txt").symlink_to(d / "deleted.txt")
    os.mkfifo(d / "pipe.txt")
    m = write_csv(d / "manifest.csv", "doc_id,path\na,a.txt\nb,gone.txt\nc,pipe.txt\n")
    with untouched(tmp_path):
        msg = str(load_error(m, warn_unlisted=False))  # returns at once: the FIFO is never opened
    assert "row 2 (line 3), field 'path': broken symbolic link: 'gone.txt' points to" in msg
    assert re.search(r"row 3 \(line 4\), field 'path': .*pipe.txt is not a regular file", msg)


def test_unnamed_header_column(tmp_path):
    d = corpus_dir(tmp_path)
    m = write_csv(d / "manifest.csv", "doc_id,path,,\na,a.txt,值,\n")
    with untouched(tmp_path):
        assert f"{m}: column 3 has values but no name in the header" in str(load_error(m))
    m2 = write_csv(d / "trailing.csv", "doc_id,path,,\na,a.txt,,\nb,b.txt,,\n")
    assert list(load_corpus(m2).columns[:2]) == ["doc_id", "path"]  # empty unnamed columns dropped


def test_replacement_characters_warn(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "a.txt").write_text(SAMPLE.replace("会议", "\ufffd\ufffd"), encoding="utf-8")
    m = write_csv(d / "manifest.csv", "doc_id,path,encoding\na,a.txt,utf-8\n")
    with untouched(tmp_path), pytest.warns(ImplausibleTextWarning, match=r"row 1 \(line 2\): .*a.txt: .*2 replacement character"):
        load_corpus(m)
