"""Tables for readers: one formatter for every table in the reports.

:func:`show_table` turns a DataFrame into a numbered, captioned HTML table
(rendered with pandas' :class:`~pandas.io.formats.style.Styler`) that reads
the same in every notebook:

* integer counts as integers (``8``, not ``8.0``), with a thousands separator
  from 10,000 on (so that years stay ``2020``);
* p-values (columns named ``p``, ``p_value``, ``p_adjusted``, ``q`` ...) with
  a floor: ``< 0.001``;
* other floats to ``digits`` significant digits, the same number of decimals
  down a column (fixed from the column's median magnitude), negative numbers
  with a true minus sign;
* missing values (NaN, NaT, ``<NA>``, None) as "–";
* numbers right-aligned in tabular figures, text left-aligned; Chinese is
  never broken inside a word (``word-break: keep-all``) and short cells do not
  wrap;
* no pandas index (a named index becomes an ordinary first column);
* wide tables scroll sideways inside their box instead of hiding columns;
* every cell and header is HTML-escaped by this module (corpus text is
  hostile-capable);
* long tables (``long=True`` or more than ``long_rows`` rows) get a search box
  and sortable columns (``assets/table.js``, a project script recognised by
  :func:`discourse.report.safety.check_inert_html`), with every row in the page.

Why the Styler and not itables or great-tables: itables' offline mode inlines
a 620 KB DataTables bundle plus 107 KB of CSS in every page and puts each
table's data into a per-table script, which no fixed hash can vouch for;
great-tables is not a project dependency and offers no sort or search. The
Styler (pandas + jinja2, already pinned) renders plain markup, and one small
static script sorts and filters the rows that are already in the page.
"""

from __future__ import annotations

import hashlib
import html
import math
import numbers
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from discourse.io import atomic_write_text
from discourse.report.safety import script_tag, style_tag

#: Shown for a missing value.
MISSING: str = "\u2013"
#: A table with more rows than this is searchable and sortable (unless ``long=False``).
LONG_ROWS: int = 25
#: Largest HTML one table may add to a page (bytes); see :func:`show_table`.
MAX_TABLE_BYTES: int = 2_000_000
#: Cells up to this many characters do not wrap.
SHORT_CELL: int = 12

_P_NAME = re.compile(
    r"^(p|q|pval|p[ _.-]?val(ue)?s?|q[ _.-]?val(ue)?s?|p[ _.-]?(adj(usted)?|corr(ected)?|fdr|holm|bh|"
    r"bonferroni|perm(utation)?|raw|exact|two[ _-]?sided)|(adj(usted)?|perm(utation)?|raw)[ _.-]?p)$",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def is_pvalue_column(name: object) -> bool:
    """Whether a column name denotes p-values (``p``, ``p_value``, ``p_adjusted``, ``q`` ...).

    Examples
    --------
    >>> [is_pvalue_column(c) for c in ["p", "p_adjusted", "q_value", "pop", "share"]]
    [True, True, True, False, False]
    """
    return bool(_P_NAME.match(str(name).strip()))


def is_missing(value: object) -> bool:
    """True for None, NaN, NaT and ``pd.NA`` (not for lists or strings).

    Examples
    --------
    >>> [is_missing(v) for v in [None, float("nan"), pd.NaT, pd.NA, "", [1]]]
    [True, True, True, True, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (str, bytes, list, tuple, dict, set)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _minus(s: str) -> str:
    if s.startswith("-"):
        body = s[1:]
        if body.strip("0.,") == "":  # "-0.00" is zero
            return body
        return "\u2212" + body
    return s


def format_int(value: object) -> str:
    """An integer, with a thousands separator from 10,000 on.

    Examples
    --------
    >>> format_int(8.0), format_int(2020), format_int(12345), format_int(-3)
    ('8', '2020', '12,345', '−3')
    """
    v = int(round(float(value)))
    return _minus(f"{v:,d}" if abs(v) >= 10_000 else f"{v:d}")


def format_pvalue(value: float, floor: float = 0.001) -> str:
    """A p-value with a floor: values below it are shown as ``< floor``.

    Examples
    --------
    >>> format_pvalue(0.0000), format_pvalue(0.0004), format_pvalue(0.0312), format_pvalue(1.0)
    ('< 0.001', '< 0.001', '0.031', '1.000')
    >>> format_pvalue(0.00004, floor=0.0001)
    '< 0.0001'
    """
    v = float(value)
    if v < floor:
        return f"< {floor:g}" if floor >= 1e-4 else f"< {floor:.0e}"
    decimals = max(3, math.ceil(-math.log10(floor)))
    return f"{v:.{decimals}f}"


def column_decimals(values: Sequence[float], digits: int = 3) -> int | None:
    """Decimals giving the column's median magnitude ``digits`` significant digits.

    None means "use significant-digit notation" (magnitudes below 1e-4 or
    from 1e6 on).

    Examples
    --------
    >>> column_decimals([0.12, 0.5, 0.33]), column_decimals([1.5, 12.25, 3.0]), column_decimals([1234.5])
    (3, 2, 0)
    """
    a = np.abs(np.asarray([v for v in values if np.isfinite(v) and v != 0], dtype=float))
    if a.size == 0:
        return max(0, digits - 1)
    ref = float(np.median(a))
    if ref < 1e-4 or ref >= 1e6:
        return None
    return int(min(6, max(0, digits - 1 - math.floor(math.log10(ref)))))


def format_float(value: float, decimals: int | None, digits: int = 3) -> str:
    """A float with fixed decimals (or ``digits`` significant digits when ``decimals`` is None).

    A nonzero value that would round to zero keeps ``digits`` significant digits.

    Examples
    --------
    >>> format_float(3.14159, 2), format_float(-0.5, 2), format_float(0.00012, 2), format_float(12345.678, 1)
    ('3.14', '−0.50', '0.00012', '12,345.7')
    >>> format_float(float("inf"), 2), format_float(1.23e-7, None)
    ('∞', '1.23e-07')
    """
    v = float(value)
    if math.isinf(v):
        return "\u221e" if v > 0 else "\u2212\u221e"
    if decimals is None or (v != 0 and round(v, decimals) == 0):
        return _minus(f"{v:.{digits}g}")
    return _minus(f"{v:,.{decimals}f}" if abs(v) >= 10_000 else f"{v:.{decimals}f}")


def _format_text(value: object) -> str:
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        return ", ".join(MISSING if is_missing(x) else str(x) for x in items)
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return str(value)


def _column_kind(s: pd.Series, name: str, pvalue_columns: set[str] | None) -> str:
    """One of ``int``, ``float``, ``p``, ``date``, ``text``."""
    nonnull = [v for v in s.tolist() if not is_missing(v)]
    if pd.api.types.is_bool_dtype(s.dtype):
        return "text"
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or (nonnull and all(isinstance(v, pd.Timestamp) for v in nonnull)):
        return "date"
    numeric = pd.api.types.is_numeric_dtype(s.dtype) or (
        bool(nonnull) and all(isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_) for v in nonnull)
    )
    if not numeric:
        return "text"
    vals = np.asarray([float(v) for v in nonnull], dtype=float)
    is_p = (name in pvalue_columns) if pvalue_columns is not None else is_pvalue_column(name)
    if is_p and vals.size and np.all((vals >= 0) & (vals <= 1)):
        return "p"
    if pd.api.types.is_integer_dtype(s.dtype):
        return "int"
    finite = vals[np.isfinite(vals)]
    if finite.size == vals.size and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2**53):
        return "int"
    return "float"


def _flat(label: object) -> str:
    if isinstance(label, tuple):
        return " / ".join(str(x) for x in label if str(x) != "")
    return "" if label is None else str(label)


def _prepare(df: pd.DataFrame, index: bool | None) -> pd.DataFrame:
    """Drop a meaningless index, turn a meaningful one into columns."""
    named = any(n is not None for n in df.index.names)
    if index is None:
        index = named
    if index:
        out = df.reset_index()
        if not named:
            out = out.rename(columns={"index": ""})
        return out
    return df.reset_index(drop=True)


@dataclass(frozen=True)
class Table:
    """A formatted table: displays as HTML in a notebook (``_repr_html_``).

    Attributes
    ----------
    html : str
        The fragment (style, caption, tools, table, notes).
    display : DataFrame
        The cell strings as shown (before escaping).
    kinds : dict
        Column -> ``int``, ``float``, ``p``, ``date`` or ``text``.
    n_rows, n_shown : int
        Rows in the data and in the page (fewer only when the byte budget was hit).
    interactive : bool
        Whether the table is searchable and sortable.
    """

    html: str
    display: pd.DataFrame
    kinds: dict
    n_rows: int
    n_shown: int
    interactive: bool
    caption: str | None = None
    number: int | str | None = None

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        head = f"Table {self.number}. " if self.number is not None else ""
        cap = self.caption or ""
        return f"{head}{cap} ({self.n_rows} rows \u00d7 {self.display.shape[1]} columns)".strip()

    __str__ = __repr__


def _styler_html(disp: pd.DataFrame, classes: pd.DataFrame, headers: list[str], num_cols: list[int], uuid: str) -> str:
    from pandas.io.formats.style import Styler

    n = disp.shape[0] * max(1, disp.shape[1]) + 1
    with pd.option_context("styler.render.max_elements", n, "styler.render.max_rows", None,
                           "styler.render.max_columns", None):
        sty = Styler(disp, cell_ids=False, uuid=uuid, escape=None)
        sty = sty.hide(axis="index").relabel_index(headers, axis=1).set_td_classes(classes)
        if num_cols:
            sty = sty.set_table_styles(
                [{"selector": ", ".join(f"th.col_heading.col{j}" for j in num_cols),
                  "props": "text-align: right !important;"}]
            )
        return sty.to_html()


def _check_href(href: str) -> str:
    m = _SCHEME.match(href)
    if m and m.group(0).lower() not in ("http:", "https:"):
        raise ValueError(f"csv_href {href!r}: only a relative path or an http(s) URL is allowed")
    return href


def show_table(
    df: pd.DataFrame,
    *,
    caption: str | None = None,
    number: int | str | None = None,
    long: bool | None = None,
    digits: int | Mapping[str, int] = 3,
    pvalue_columns: Sequence[str] | None = None,
    p_floor: float = 0.001,
    formats: Mapping[str, object] | None = None,
    align: Mapping[str, str] | None = None,
    index: bool | None = None,
    csv_href: str | None = None,
    notes: str | None = None,
    long_rows: int = LONG_ROWS,
    max_bytes: int = MAX_TABLE_BYTES,
    table_id: str | None = None,
) -> Table:
    """Format a DataFrame as a reader's table (see the module docstring for the rules).

    Parameters
    ----------
    df : DataFrame
    caption : str, optional
        What the table shows (and with which uncertainty); plain text, escaped.
    number : int or str, optional
        Table number: the caption reads "Table 3. ...".
    long : bool, optional
        Searchable and sortable; default: when the table has more than
        ``long_rows`` rows.
    digits : int or mapping
        Significant digits of float columns (one value, or column -> digits;
        columns not in the mapping get 3).
    pvalue_columns : sequence of str, optional
        Columns holding p-values; default: recognised by name
        (:func:`is_pvalue_column`), values in [0, 1].
    p_floor : float
        p-values below it are shown as "< p_floor".
    formats : mapping, optional
        Column -> callable ``value -> str`` (applied to non-missing values;
        the result is escaped). Overrides the automatic format.
    align : mapping, optional
        Column -> ``"left"``, ``"right"`` or ``"center"``; e.g. a concordance's
        left context ``{"left": "right", "keyword": "center"}``.
    index : bool, optional
        Show the index as first column(s); default: only when it is named.
    csv_href : str, optional
        Relative link to the table's CSV (see :func:`write_table_csv`).
    notes : str, optional
        A note under the table (plain text, escaped).
    long_rows : int
    max_bytes : int
        Budget of the table's HTML. A table over it shows its first rows that
        fit, with a note, and then needs ``csv_href`` so that every row stays
        available; without it a ``ValueError`` is raised.
    table_id : str, optional
        Stable id of the table element (default: derived from its content).

    Returns
    -------
    Table

    Examples
    --------
    >>> df = pd.DataFrame({"term": ["动态清零", "<b>"], "n": [8.0, None], "p_value": [0.00001, 0.2]})
    >>> t = show_table(df, caption="Key terms", number=3)
    >>> t.display.values.tolist()
    [['动态清零', '8', '< 0.001'], ['<b>', '–', '0.200']]
    >>> "Table 3." in t.html and "&lt;b&gt;" in t.html and "<b>" not in t.html
    True
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"show_table needs a DataFrame, got {type(df).__name__}")
    if p_floor <= 0 or p_floor >= 1:
        raise ValueError(f"p_floor must be in (0, 1), got {p_floor}")
    data = _prepare(df, index)
    headers = [_flat(c) for c in data.columns]
    formats = dict(formats or {})
    align = dict(align or {})
    for label, what in (("formats", formats), ("align", align)):
        unknown = [c for c in what if c not in headers]
        if unknown:
            raise KeyError(f"show_table: {label} names column(s) {unknown} not in the table ({headers})")
    bad_align = {c: a for c, a in align.items() if a not in ("left", "right", "center")}
    if bad_align:
        raise ValueError(f"show_table: align must be left, right or center, got {bad_align}")
    pset = None if pvalue_columns is None else {str(c) for c in pvalue_columns}
    if pset is not None and (unknown := sorted(pset - set(headers))):
        raise KeyError(f"show_table: pvalue_columns {unknown} not in the table ({headers})")

    cols: list[list[str]] = []
    cls: list[list[str]] = []
    kinds: dict[str, str] = {}
    num_cols: list[int] = []
    for j, name in enumerate(headers):
        s = data.iloc[:, j]
        kind = _column_kind(s, name, pset)
        kinds[name] = kind
        d = digits.get(name, 3) if isinstance(digits, Mapping) else int(digits)
        values = s.tolist()
        if kind == "float":
            dec = column_decimals([float(v) for v in values if not is_missing(v)], d)
        if kind == "date":
            stamps = [pd.Timestamp(v) for v in values if not is_missing(v)]
            fmt = "%Y-%m-%d" if all(t == t.normalize() for t in stamps) else "%Y-%m-%d %H:%M"
        texts, classes = [], []
        base = "dt-num" if kind in ("int", "float", "p") else "dt-text"
        extra = f" dt-align-{align[name]}" if name in align else ""
        for v in values:
            if is_missing(v):
                texts.append(MISSING)
                classes.append(f"{base} dt-missing{extra}")
                continue
            if name in formats:
                t = str(formats[name](v))
            elif kind == "int":
                t = format_int(v)
            elif kind == "p":
                t = format_pvalue(v, p_floor)
            elif kind == "float":
                t = format_float(v, dec, d)
            elif kind == "date":
                t = pd.Timestamp(v).strftime(fmt)
            else:
                t = _format_text(v)
            texts.append(t)
            short = len(t) <= SHORT_CELL and "\n" not in t
            classes.append(f"{base}{' dt-short' if short and base == 'dt-text' else ''}{extra}")
        if base == "dt-num":
            num_cols.append(j)
        cols.append(texts)
        cls.append(classes)

    n = len(data)
    display = pd.DataFrame({h: c for h, c in zip(range(len(headers)), cols, strict=True)}, index=range(n))
    display.columns = headers
    interactive = (n > long_rows) if long is None else bool(long)
    if csv_href is not None:
        csv_href = _check_href(csv_href)
    uuid = table_id or hashlib.sha256(
        repr((caption, number, headers, cols)).encode("utf-8")
    ).hexdigest()[:12]
    if not re.fullmatch(r"[A-Za-z0-9_-]+", uuid):
        raise ValueError(f"table_id {uuid!r}: letters, digits, '_' and '-' only")

    def render(k: int) -> str:
        esc = pd.DataFrame([[html.escape(c[i]) for c in cols] for i in range(k)], columns=range(len(headers)))
        if esc.empty:
            esc = pd.DataFrame(columns=range(len(headers)))
        klass = pd.DataFrame([[c[i] for c in cls] for i in range(k)], columns=range(len(headers)))
        return _styler_html(esc, klass, [html.escape(h) for h in headers], num_cols, uuid)

    body = render(n)
    shown = n
    if len(body.encode("utf-8")) > max_bytes:
        if csv_href is None:
            raise ValueError(
                f"show_table: the table ({n} rows) needs {len(body.encode('utf-8')):,} bytes of HTML, over the "
                f"budget of {max_bytes:,}; pass csv_href (every row stays in the CSV) or a larger max_bytes"
            )
        lo, hi = 0, n
        while lo < hi:  # the largest k whose HTML fits
            mid = (lo + hi + 1) // 2
            if len(render(mid).encode("utf-8")) <= max_bytes:
                lo = mid
            else:
                hi = mid - 1
        shown = lo
        body = render(shown)

    parts = [f'<div class="discourse-table" id="dt-{uuid}"' + (" data-dt-interactive" if interactive else "") + ">",
             style_tag("table.css")]
    if caption is not None or number is not None:
        num = f'<span class="dt-number">Table {html.escape(str(number))}.</span> ' if number is not None else ""
        parts.append(f'<p class="dt-caption">{num}{html.escape(caption or "")}</p>')
    tools = []
    if interactive:
        tools.append('<label>Search rows <input type="search" class="dt-search" '
                     'placeholder="text in any column" aria-label="Search the rows of this table"></label>'
                     f'<span class="dt-status" aria-live="polite">{n} rows</span>'
                     '<span class="dt-hint">click a column heading to sort</span>')
    if csv_href is not None:
        tools.append(f'<a class="dt-csv" href="{html.escape(csv_href)}" download>Download all {n} rows as CSV</a>')
    if tools:
        parts.append('<div class="dt-tools">' + "".join(tools) + "</div>")
    parts.append(f'<div class="dt-scroll">{body}</div>')
    if shown < n:
        parts.append(f'<p class="dt-note">The page shows the first {shown} of {n} rows (page-size budget '
                     f'{max_bytes / 1e6:g} MB per table); every row is in the CSV.</p>')
    if notes:
        parts.append(f'<p class="dt-note">{html.escape(notes)}</p>')
    if interactive:
        parts.append(script_tag("table.js"))
    parts.append("</div>")
    return Table(html="\n".join(parts), display=display, kinds=kinds, n_rows=n, n_shown=shown,
                 interactive=interactive, caption=caption, number=number)


def write_table_csv(df: pd.DataFrame, path: str | os.PathLike[str], *, index: bool | None = None,
                    bom: bool = False) -> Path:
    """Write a table's data (full precision, not the display strings) as UTF-8 CSV, atomically.

    A named index becomes a column (as in :func:`show_table`), an unnamed one
    is dropped; list cells are joined with "; ". ``bom=True`` prepends a
    byte-order mark, which Excel needs to read Chinese from a CSV.

    Examples
    --------
    >>> import tempfile
    >>> p = write_table_csv(pd.DataFrame({"term": ["疫情"], "n": [3]}), Path(tempfile.mkdtemp()) / "t.csv")
    >>> p.read_text(encoding="utf-8")
    'term,n\\n疫情,3\\n'
    """
    data = _prepare(df, index).copy()
    data.columns = [_flat(c) for c in data.columns]
    for c in data.columns:
        if data[c].dtype == object:
            data[c] = [("; ".join(map(str, v)) if isinstance(v, (list, tuple, np.ndarray)) else v) for v in data[c]]
    text = data.to_csv(index=False, lineterminator="\n")
    return atomic_write_text(path, ("\ufeff" if bom else "") + text)


__all__ = [
    "MISSING",
    "LONG_ROWS",
    "MAX_TABLE_BYTES",
    "Table",
    "show_table",
    "write_table_csv",
    "format_int",
    "format_pvalue",
    "format_float",
    "column_decimals",
    "is_pvalue_column",
    "is_missing",
]
