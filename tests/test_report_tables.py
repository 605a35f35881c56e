"""Reader tables: each formatting rule of discourse.report.tables.show_table."""

from __future__ import annotations

import html.parser
import re

import numpy as np
import pandas as pd
import pytest

from discourse.report import check_inert_html
from discourse.report.tables import show_table, write_table_csv

HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>", 'a"b\'c&d']


class _Cells(html.parser.HTMLParser):
    """Independent reading of the rendered table: (tag, class, text) per header/cell."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells, self._cur, self.tags = [], None, []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("td", "th"):
            self._cur = [tag, dict(attrs).get("class", ""), ""]

    def handle_data(self, data):
        if self._cur is not None:
            self._cur[2] += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cur is not None:
            self.cells.append(tuple(self._cur))
            self._cur = None


def cells(t) -> list[tuple[str, str, str]]:
    p = _Cells()
    p.feed(t.html)
    return p.cells


def td_texts(t) -> list[str]:
    return [c[2] for c in cells(t) if c[0] == "td"]


def test_integer_counts_are_integers():
    df = pd.DataFrame({"n": [8.0, 12.0, np.nan], "year": [2020, 2021, 2022], "big": [12345, 3, 10000]})
    t = show_table(df)
    assert t.display["n"].tolist() == ["8", "12", "–"]
    assert t.display["year"].tolist() == ["2020", "2021", "2022"]  # no thousands separator on years
    assert t.display["big"].tolist() == ["12,345", "3", "10,000"]
    assert "8.0" not in t.html


def test_nullable_integers_and_pandas_na():
    t = show_table(pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64")}))
    assert t.display["n"].tolist() == ["1", "–", "3"]
    assert "&lt;NA&gt;" not in t.html and "<NA>" not in t.html


def test_pvalues_have_a_floor():
    df = pd.DataFrame({"p_value": [0.0, 0.0004, 0.0312, 1.0], "p_adjusted": [0.0009, 0.001, 0.5, np.nan]})
    t = show_table(df)
    assert t.display["p_value"].tolist() == ["< 0.001", "< 0.001", "0.031", "1.000"]
    assert t.display["p_adjusted"].tolist() == ["< 0.001", "0.001", "0.500", "–"]
    assert "0.0000" not in t.html
    t2 = show_table(df, p_floor=0.01)
    assert t2.display["p_value"].tolist()[:3] == ["< 0.01", "< 0.01", "0.031"]


def test_pvalue_columns_can_be_named():
    df = pd.DataFrame({"sig": [0.00001, 0.2], "p": [0.5, 0.6]})
    t = show_table(df, pvalue_columns=["sig"])
    assert t.display["sig"].tolist() == ["< 0.001", "0.200"]
    assert t.kinds["p"] == "float"  # not listed, so not treated as a p-value


def test_floats_significant_digits_per_column():
    df = pd.DataFrame({"z": [3.14159, -2.5, 0.123], "rate": [0.01234, 0.5, 0.2], "tiny": [1.2e-7, 3e-8, 5e-7]})
    t = show_table(df)
    assert t.display["z"].tolist() == ["3.14", "\u22122.50", "0.12"]  # 3 significant digits at median 2.5
    assert t.display["rate"].tolist() == ["0.012", "0.500", "0.200"]
    assert t.display["tiny"].tolist() == ["1.2e-07", "3e-08", "5e-07"]
    t2 = show_table(df, digits={"z": 5})
    assert t2.display["z"].tolist() == ["3.1416", "\u22122.5000", "0.1230"]


def test_missing_values_show_as_dash():
    df = pd.DataFrame({
        "f": [1.5, np.nan], "d": pd.to_datetime(["2020-09-01", None]),
        "s": pd.array(["x", None], dtype="string"), "o": ["y", None],
    })
    t = show_table(df)
    for col in df.columns:
        assert t.display[col].iloc[1] == "–", col
    for bad in ("nan", "NaN", "NaT", "None", "&lt;NA&gt;"):
        assert bad not in td_texts(t), bad
    assert t.display["d"].iloc[0] == "2020-09-01"


def test_alignment_numbers_right_text_left():
    df = pd.DataFrame({"term": ["动态清零", "核酸检测"], "count": [3, 10], "share": [0.25, 0.75]})
    t = show_table(df)
    tds = [c for c in cells(t) if c[0] == "td"]
    by_text = {c[2]: c[1].split() for c in tds}
    assert "dt-text" in by_text["动态清零"] and "dt-num" not in by_text["动态清零"]
    assert "dt-num" in by_text["10"] and "dt-num" in by_text["0.750"]
    # the style sheet right-aligns dt-num and left-aligns dt-text, overriding the notebook's CSS
    assert re.search(r"td\.dt-num[^{]*\{[^}]*text-align:\s*right\s*!important", t.html)
    assert re.search(r"td\.dt-text[^{]*\{[^}]*text-align:\s*left\s*!important", t.html)
    # headers of numeric columns are right-aligned too
    assert re.search(r"th\.col_heading\.col1[^{]*\{[^}]*text-align: right", t.html)
    assert "word-break: keep-all" in t.html


def test_concordance_alignment_override():
    df = pd.DataFrame({"left": ["……加强"], "keyword": ["隔离"], "right": ["管理……"]})
    t = show_table(df, align={"left": "right", "keyword": "center"})
    classes = {c[2]: c[1].split() for c in cells(t) if c[0] == "td"}
    assert "dt-align-right" in classes["……加强"] and "dt-align-center" in classes["隔离"]
    assert "dt-align-right" not in classes["管理……"]
    with pytest.raises(KeyError, match="nope"):
        show_table(df, align={"nope": "right"})


def test_short_cells_do_not_wrap_long_ones_do():
    df = pd.DataFrame({"t": ["动态清零", "这是一个很长的句子，里面有很多很多的汉字，应该可以换行。"]})
    classes = [c[1].split() for c in cells(show_table(df)) if c[0] == "td"]
    assert "dt-short" in classes[0] and "dt-short" not in classes[1]


def test_no_index_with_gaps_but_named_index_kept():
    df = pd.DataFrame({"a": ["x", "y", "z"]}, index=[0, 4, 9])
    t = show_table(df)
    assert [c[2] for c in cells(t) if c[0] == "th"] == ["a"]
    assert "4" not in td_texts(t) and "9" not in td_texts(t)
    named = pd.DataFrame({"n": [1, 2]}, index=pd.Index(["Hami", "Jiyuan"], name="city"))
    t2 = show_table(named)
    assert [c[2] for c in cells(t2) if c[0] == "th"] == ["city", "n"]
    assert td_texts(t2) == ["Hami", "1", "Jiyuan", "2"]


def test_lists_are_joined_not_python_reprs():
    t = show_table(pd.DataFrame({"terms": [["疫情", "防控"], []]}))
    assert t.display["terms"].tolist() == ["疫情, 防控", ""]
    assert "[" not in "".join(td_texts(t))


def test_wide_table_scrolls_and_caption_numbered():
    df = pd.DataFrame({f"column_{i}": [i] for i in range(40)})
    t = show_table(df, caption="Forty columns", number=3)
    assert [c[2] for c in cells(t) if c[0] == "th"] == list(df.columns)  # nothing hidden
    assert re.search(r"\.dt-scroll\s*\{[^}]*overflow-x:\s*auto", t.html)
    assert '<div class="dt-scroll">' in t.html
    assert "Table 3.</span> Forty columns" in t.html


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_cell_text_is_escaped(bad):
    df = pd.DataFrame({bad: [bad, "ok"], "n": [1, 2]})
    t = show_table(df, caption=bad, notes=bad, long=True, csv_href="tables/x.csv")
    check_inert_html(t.html)  # only the project's table script runs
    assert bad not in t.html.replace(bad.replace("<", "&lt;"), "")
    assert "<img" not in t.html and "alert(1)</script>" not in t.html
    texts = [c[2] for c in cells(t)]
    assert texts.count(bad) == 2  # header and cell read back as the original text


def test_long_tables_are_interactive_and_keep_every_row():
    df = pd.DataFrame({"n": range(132), "t": [f"行{i}" for i in range(132)]})
    t = show_table(df)
    assert t.interactive and t.n_shown == 132
    assert len(td_texts(t)) == 264
    assert 'class="dt-search"' in t.html and 'data-discourse-asset="table.js"' in t.html
    short = show_table(df.head(5))
    assert not short.interactive and "<script" not in short.html
    assert show_table(df.head(5), long=True).interactive


def test_byte_budget_needs_csv_and_says_so():
    df = pd.DataFrame({"t": ["疫情防控" * 20] * 400})
    with pytest.raises(ValueError, match="csv_href"):
        show_table(df, max_bytes=50_000)
    t = show_table(df, max_bytes=50_000, csv_href="tables/t.csv")
    assert 0 < t.n_shown < 400
    assert len(t.html.encode()) < 60_000
    assert f"first {t.n_shown} of 400 rows" in t.html and "Download all 400 rows as CSV" in t.html


def test_csv_href_must_not_be_a_script_url():
    with pytest.raises(ValueError, match="relative path"):
        show_table(pd.DataFrame({"a": [1]}), csv_href="javascript:alert(1)")
    t = show_table(pd.DataFrame({"a": [1]}), csv_href='tables/a"b.csv')
    assert 'href="tables/a&quot;b.csv"' in t.html


def test_output_is_deterministic():
    df = pd.DataFrame({"a": [1.5, 2.5], "b": ["x", "y"]})
    assert show_table(df, caption="c").html == show_table(df.copy(), caption="c").html


def test_write_table_csv_atomic_and_full_precision(tmp_path):
    df = pd.DataFrame({"term": ["疫情", HOSTILE[1]], "p": [1.23456789e-5, 0.5], "n": [3, 4],
                       "parts": [["a", "b"], ["c"]]})
    path = write_table_csv(df, tmp_path / "sub" / "t.csv")
    back = pd.read_csv(path)
    assert back["term"].tolist() == df["term"].tolist()
    assert back["p"].tolist() == pytest.approx([1.23456789e-5, 0.5], rel=1e-12)
    assert back["parts"].tolist() == ["a; b", "c"]
    assert not list(tmp_path.joinpath("sub").glob(".*tmp"))  # no temporary file left
    bom = write_table_csv(df, tmp_path / "b.csv", bom=True)
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(bom, encoding="utf-8-sig").columns[0] == "term"
