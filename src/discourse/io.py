"""Atomic writing of derived files, and CSV cells made safe for spreadsheets.

A derived file is first written to a temporary file in the destination
folder and then moved into place with :func:`os.replace`, which is atomic on
POSIX and Windows: a reader never sees a half-written file, and a crash
leaves the previous version intact.

Every table written as CSV goes through :func:`neutralise_csv_cells`: a text
cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return; OWASP, "CSV Injection") gets a
leading single quote, so ``=HYPERLINK(…)`` shows as text. The change is
reversible (:func:`restore_csv_cells`); Parquet files keep the original values.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pandas as pd


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temporary file that replaces *path* when the block succeeds.

    Parameters
    ----------
    path : path-like
        Destination file. Its parent folder is created when missing.
    mode : {"w", "wb"}
        Text or binary mode. Text mode defaults to UTF-8 and ``\\n`` newlines.
    **kwargs
        Passed to :func:`open`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_open(d / "a.txt") as fh:
    ...     _ = fh.write("疫情防控")
    >>> (d / "a.txt").read_text(encoding="utf-8")
    '疫情防控'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open supports modes 'w' and 'wb', not {mode!r}")
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if mode == "w":
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "\n")
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write *text* (UTF-8) to *path* atomically and return the path."""
    with atomic_open(path, "w") as fh:
        fh.write(text)
    return Path(path)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write *data* to *path* atomically and return the path."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return Path(path)


#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

# A cell to neutralise: a formula prefix after any number of quotes (quotes are
# counted so that restore_csv_cells can undo exactly one of them).
_FORMULA_RE = re.compile(r"^'*[=+\-@\t\r]")
# Plain numbers written as text ("-5", "+1.5e3") are not formulas and stay.
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_QUOTED_RE = re.compile(r"^''*[=+\-@\t\r]")
_FIRST_CHARS = frozenset("'=+-@\t\r")


def _is_text(s: pd.Series) -> bool:
    return (
        s.dtype == object
        or pd.api.types.is_string_dtype(s)
        or isinstance(s.dtype, pd.CategoricalDtype)
    )


def _rewrite_frame(df: pd.DataFrame, change) -> pd.DataFrame:
    out = df.copy()
    for i in range(out.shape[1]):  # by position: duplicate column names work too
        col = out.iloc[:, i]
        if _is_text(col):
            new = _rewrite(col, change)
            if new is not col:
                out.isetitem(i, new)
    return out


def _rewrite(s: pd.Series, change) -> pd.Series:
    """Apply *change* (str -> str or None) to the string cells of *s*, keeping its dtype."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = list(s.cat.categories)
        new = [change(c) if isinstance(c, str) else None for c in cats]
        if not any(n is not None for n in new):
            return s
        return s.cat.rename_categories([n if n is not None else c for c, n in zip(cats, new)])
    values = s.to_numpy(dtype=object, na_value=None)
    out = None
    for i, v in enumerate(values):
        if isinstance(v, str) and v and v[0] in _FIRST_CHARS:
            new = change(v)
            if new is not None:
                if out is None:
                    out = list(values)
                out[i] = new
    if out is None:
        return s
    return pd.Series(out, index=s.index, dtype=s.dtype, name=s.name)


def _neutralise_cell(v: str) -> str | None:
    if _FORMULA_RE.match(v) and not _NUMBER_RE.match(v):
        return "'" + v
    return None


def _restore_cell(v: str) -> str | None:
    return v[1:] if _QUOTED_RE.match(v) else None


def neutralise_csv_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix a single quote to text cells a spreadsheet would run as formulas.

    A text cell starting with one of :data:`FORMULA_PREFIXES` (``=``, ``+``,
    ``-``, ``@``, tab, carriage return), possibly after quotes, gets one more
    leading ``'`` (OWASP's CSV-injection advice). Only string cells change:
    numeric columns, and text cells that are plain numbers such as ``-5``,
    stay as they are; column names are not changed. The result is a copy.

    Parameters
    ----------
    df : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> df = pd.DataFrame({"text": ["=HYPERLINK(1)", "@SUM(1)", "-5", "疫情防控"], "n": [-1, 2, 3, 4]})
    >>> neutralise_csv_cells(df)["text"].tolist()
    ["'=HYPERLINK(1)", "'@SUM(1)", '-5', '疫情防控']
    >>> neutralise_csv_cells(df)["n"].tolist()
    [-1, 2, 3, 4]
    """
    return _rewrite_frame(df, _neutralise_cell)


def restore_csv_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise_csv_cells` (for a CSV read back with pandas).

    Examples
    --------
    >>> df = pd.DataFrame({"t": ["=1+1", "'=x", "a"]})
    >>> restore_csv_cells(neutralise_csv_cells(df)).equals(df)
    True
    """
    return _rewrite_frame(df, _restore_cell)


def _has_carriage_return(df: pd.DataFrame) -> bool:
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if isinstance(col.dtype, pd.CategoricalDtype):
            values = col.cat.categories
        elif _is_text(col):
            values = col.to_numpy(dtype=object, na_value=None)
        else:
            continue
        if any(isinstance(v, str) and "\r" in v for v in values):
            return True
    return False


def atomic_write_csv(
    df: pd.DataFrame, path: str | os.PathLike[str], *, neutralise: bool = True, **kwargs
) -> Path:
    """Write *df* as UTF-8 CSV (no index, ``\\n`` line ends) atomically.

    The CSV is readable by ``pandas.read_csv`` and R's ``readr::read_csv``.
    Text cells that a spreadsheet would run as formulas are neutralised
    (:func:`neutralise_csv_cells`) unless ``neutralise=False``. A table with
    a carriage return inside a text cell is written with every text cell
    quoted (``csv.QUOTE_NONNUMERIC``) so that no reader splits that cell.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = atomic_write_csv(pd.DataFrame({"a": ["=1+1", "x"], "n": [-1, 2]}), p)
    >>> p.read_text(encoding="utf-8").splitlines()
    ['a,n', "'=1+1,-1", 'x,2']
    """
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\n")
    table = neutralise_csv_cells(df) if neutralise else df
    if "quoting" not in kwargs and _has_carriage_return(table):
        # Python's csv writer quotes a field only for the delimiter, the quote
        # and the line terminator's characters, so a bare CR would be written
        # unquoted and split the row for readers that end lines at CR.
        kwargs["quoting"] = csv.QUOTE_NONNUMERIC
    with atomic_open(path, "w") as fh:
        table.to_csv(fh, **kwargs)
    return Path(path)


def iso_dates(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every datetime column as ISO ``YYYY-MM-DD`` strings (how the CSV tables store dates).

    Examples
    --------
    >>> iso_dates(pd.DataFrame({"d": pd.to_datetime(["2022-12-11"])}))["d"].tolist()
    ['2022-12-11']
    """
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d").astype("string")
    return out


def atomic_write_parquet(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write *df* as Parquet (pyarrow) atomically."""
    with atomic_open(path, "wb") as fh:
        df.to_parquet(fh, index=False, engine="pyarrow")
    return Path(path)


__all__ = [
    "iso_dates",
    "FORMULA_PREFIXES",
    "neutralise_csv_cells",
    "restore_csv_cells",
    "atomic_open",
    "atomic_write_text",
    "atomic_write_bytes",
    "atomic_write_csv",
    "atomic_write_parquet",
]
