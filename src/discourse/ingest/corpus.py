"""Loading a corpus described by a manifest into a tidy documents table.

A *manifest* is a table with one row per document: CSV, TSV, Parquet
(``.parquet``), JSON Lines (``.jsonl``/``.ndjson``) or Excel (``.xlsx``, read
with openpyxl when it is installed), chosen by the file's extension. The text
of each document comes either from a file (the ``path`` field, relative to
the manifest's folder) or from a column of the table itself (the ``text``
field, as quanteda's ``corpus(df, text_field=)``). The bundled manifest is
``data/corpus.csv`` (see ``data/README.md`` for its fields); a researcher's
own spreadsheet works without renaming its columns through a *column
mapping* from the canonical field names to the spreadsheet's names::

    load_corpus("my/manifest.csv", columns={"doc_id": "file", "city_zh": "地区"})
    load_corpus("news.parquet", columns={"doc_id": "id", "text": "body"})

Every problem is reported with the manifest file, the row (1-based, not
counting the header), the line of the file where the row starts (CSV, TSV,
JSON Lines; Excel: the worksheet row) and the field; all problems of a
manifest are collected and raised together in one :class:`CorpusError`.
Files are read only from inside the *corpus root* (the manifest's folder
unless ``root=`` names another): absolute paths, ``..`` and symbolic links
that lead outside it are refused unless ``allow_outside_root=True``.
``docs/FAULTS.md`` lists every kind of bad input and what happens to it.
"""

from __future__ import annotations

import csv
import difflib
import errno
import hashlib
import io
import json
import os
import stat
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field as dc_field
from pathlib import Path

import pandas as pd

from discourse import config
from discourse.ingest.dates import (
    PRECISIONS,
    DateParseError,
    check_date_range,
    parse_date,
    resolve_date_range,
)
from discourse.ingest.textio import (
    DecodeNote,
    NulByteWarning,
    TextDecodeError,
    decode_bytes,
    normalise_newlines,
)

#: Canonical fields of the documents table, in display order. Only ``doc_id``
#: and ``path`` are required; the others are NA when the manifest lacks them.
CANONICAL_FIELDS: tuple[str, ...] = (
    "doc_id",
    "path",
    "encoding",
    "title",
    "label",
    "city_zh",
    "city_en",
    "province_zh",
    "province_en",
    "admin_level",
    "event_date",
    "event_date_precision",
    "event_date_basis",
    "pub_date",
    "pub_date_precision",
    "pub_date_basis",
    "genre",
    "speaker_name",
    "speaker_role",
    "outlet",
    "source_site",
    "source_url",
    "script",
    "anonymised",
    "notes",
    "sha256",
)
#: The field that holds a document's text when the table carries it.
TEXT_FIELD = "text"
#: Fields a column mapping may name.
MAPPABLE_FIELDS: tuple[str, ...] = (*CANONICAL_FIELDS, TEXT_FIELD)
#: Only ``doc_id`` is always required; ``path`` is required unless the texts
#: come from a ``text`` column.
REQUIRED_FIELDS: tuple[str, ...] = ("doc_id", "path")
#: Manifest formats by file extension (anything else is read as CSV).
MANIFEST_FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
_UNLISTED_SHOWN = 5
_NOTES_SHOWN = 10
DATE_FIELDS: tuple[str, ...] = ("event_date", "pub_date")
CATEGORICAL_FIELDS: tuple[str, ...] = (
    "label",
    "city_zh",
    "city_en",
    "province_zh",
    "province_en",
    "admin_level",
    "genre",
    "script",
    "anonymised",
    "encoding",
    "event_date_precision",
    "pub_date_precision",
    "date_precision",
    "date_source",
)


@dataclass(frozen=True)
class Problem:
    """One problem found in a manifest or a raw file.

    ``row`` is the 1-based data row (the header not counted); ``line`` the
    line of the manifest where that row starts (``line_label`` says what the
    number counts: ``"line"``, ``"sheet row"``, or None when the format has
    no lines, as Parquet). When ``line`` is None and ``line_label`` is
    ``"line"`` the row is assumed to start on line ``row + 1``.
    """

    file: str
    row: int | None
    field: str | None
    message: str
    line: int | None = None
    line_label: str | None = "line"

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            if self.line_label is None:
                where.append(f"row {self.row}")
            else:
                line = self.line if self.line is not None else self.row + 1
                where.append(f"row {self.row} ({self.line_label} {line})")
        elif self.line is not None:
            where.append(f"{self.line_label or 'line'} {self.line}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}"


class CorpusError(ValueError):
    """The manifest or a file it lists is unusable.

    Attributes
    ----------
    problems : list of Problem
        Every problem found, each naming the file, the row and the field.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} problem(s) in the corpus:" if len(lines) > 1 else ""
        super().__init__("\n".join([head, *lines]).strip())


class UnlistedFileWarning(UserWarning):
    """Files sit beside the corpus but the manifest does not list them."""


class DuplicateContentWarning(UserWarning):
    """Two rows of the manifest hold identical texts (different files or cells)."""


class ManifestWarning(UserWarning):
    """Something in the manifest is ignored or doubtful but loading goes on."""


# -- reading the table ----------------------------------------------------------------
@dataclass
class _Table:
    columns: list[str]
    rows: list[list[str]]
    lines: list[int | None]
    line_label: str | None
    encoding: str
    problems: list[Problem] = dc_field(default_factory=list)


def _cell_to_str(value: object) -> str:
    """A cell of a typed table (Parquet, JSON, Excel) as the string a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "isoformat"):  # date, datetime, Timestamp
        text = value.isoformat()
        return text[:10] if text[10:].strip("T0:.") == "" else text
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _decode_manifest(path: Path) -> tuple[str, str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError([Problem(str(path), None, None, f"cannot read the manifest: {exc.strerror}")]) from exc
    try:
        decoded = decode_bytes(data, source=str(path), warn=False)
    except TextDecodeError as exc:
        message = str(exc).split(": ", 1)[-1]
        if "Excel workbook" in message:
            message += " (a manifest that is an Excel workbook must end in .xlsx)"
        raise CorpusError([Problem(str(path), None, None, message)]) from exc
    for note in decoded.notes:
        warnings.warn(note.message, note.category, stacklevel=4)
    return decoded.text, decoded.encoding


def _read_delimited(path: Path, sep: str) -> _Table:
    text, encoding = _decode_manifest(path)
    m = str(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int | None] = []
    problems: list[Problem] = []
    prev = 0
    try:
        for record in reader:
            start, prev = prev + 1, reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # blank line
            if header is None:
                header = record
                continue
            row = len(rows) + 1
            if len(record) != len(header):
                kind = "fewer" if len(record) < len(header) else "more"
                problems.append(
                    Problem(
                        m, row, None,
                        f"the row has {len(record)} field(s), {kind} than the header's "
                        f"{len(header)} (a missing or extra {sep!r} or quote?)",
                        line=start,
                    )
                )
                record = (record + [""] * len(header))[: len(header)]
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        raise CorpusError(
            [Problem(m, None, None, f"not a valid {'TSV' if sep == chr(9) else 'CSV'} file: {exc}", line=reader.line_num)]
        ) from exc
    if header is None:
        raise CorpusError([Problem(m, None, None, "file is empty")])
    return _Table(header, rows, lines, "line", encoding, problems)


def _read_jsonl(path: Path) -> _Table:
    text, encoding = _decode_manifest(path)
    m = str(path)
    columns: dict[str, None] = {}
    records: list[dict[str, str]] = []
    lines: list[int | None] = []
    problems: list[Problem] = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        seen: dict[str, object] = {}
        for key, value in items:
            if key in seen:
                raise ValueError(f"key {key!r} appears twice in one record")
            seen[key] = value
        return seen

    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        row = len(records) + 1
        try:
            obj = json.loads(line, object_pairs_hook=pairs)
        except ValueError as exc:
            problems.append(Problem(m, row, None, f"not valid JSON: {exc}", line=lineno))
            obj = {}
        if not isinstance(obj, dict):
            problems.append(Problem(m, row, None, f"a JSON Lines record must be an object, not {type(obj).__name__}", line=lineno))
            obj = {}
        record = {str(k).strip(): _cell_to_str(v) for k, v in obj.items()}
        for key in record:
            columns.setdefault(key, None)
        records.append(record)
        lines.append(lineno)
    header = list(columns)
    rows = [[r.get(c, "") for c in header] for r in records]
    if not header and not records:
        raise CorpusError([Problem(m, None, None, "file is empty")])
    return _Table(header, rows, lines, "line", encoding, problems)


def _read_parquet(path: Path) -> _Table:
    import pyarrow.parquet as pq

    m = str(path)
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise CorpusError([Problem(m, None, None, f"not a readable Parquet file: {exc}")]) from exc
    header = [str(c) for c in table.column_names]
    columns = [[_cell_to_str(v) for v in table.column(i).to_pylist()] for i in range(table.num_columns)]
    rows = [list(r) for r in zip(*columns)] if columns else []
    return _Table(header, rows, [None] * len(rows), None, "utf-8")


def _read_xlsx(path: Path) -> _Table:
    m = str(path)
    try:
        import openpyxl
    except ImportError as exc:
        raise CorpusError(
            [Problem(m, None, None, "is an Excel workbook and openpyxl is not installed: install openpyxl or export as CSV")]
        ) from exc
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        raise CorpusError([Problem(m, None, None, f"not a readable Excel workbook: {exc}")]) from exc
    try:
        sheet = workbook.worksheets[0]
        if len(workbook.worksheets) > 1:
            warnings.warn(
                f"{m}: the workbook has {len(workbook.worksheets)} sheets; only the first, "
                f"{sheet.title!r}, is read",
                ManifestWarning,
                stacklevel=4,
            )
        header: list[str] | None = None
        rows: list[list[str]] = []
        lines: list[int | None] = []
        for sheet_row, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_to_str(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = cells
                continue
            rows.append((cells + [""] * len(header))[: max(len(header), len(cells))])
            lines.append(sheet_row)
    finally:
        workbook.close()
    if header is None:
        raise CorpusError([Problem(m, None, None, "the first sheet is empty")])
    width = max([len(header), *(len(r) for r in rows)])
    header = header + [""] * (width - len(header))
    rows = [r + [""] * (width - len(r)) for r in rows]
    return _Table(header, rows, lines, "sheet row", "utf-8")


def _read_table(path: Path) -> _Table:
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise CorpusError(
            [Problem(str(path), None, None, "is an old Excel file (.xls), which is not read: save it as .xlsx or export as CSV")]
        )
    if suffix == ".json":
        raise CorpusError(
            [Problem(str(path), None, None, "a JSON manifest must be JSON Lines, one object per line, named .jsonl")]
        )
    kind = MANIFEST_FORMATS.get(suffix, "csv")
    if kind == "parquet":
        return _read_parquet(path)
    if kind == "jsonl":
        return _read_jsonl(path)
    if kind == "xlsx":
        return _read_xlsx(path)
    return _read_delimited(path, "\t" if kind == "tsv" else ",")


def _check_header(table: _Table, m: str) -> None:
    """Strip header names, drop unnamed empty columns, refuse duplicates."""
    names = [c.strip().removeprefix("\ufeff").strip() for c in table.columns]
    keep = []
    for i, name in enumerate(names):
        if name:
            keep.append(i)
        elif any(r[i].strip() for r in table.rows if i < len(r)):
            table.problems.append(
                Problem(m, None, None, f"column {i + 1} has values but no name in the header", line=None)
            )
    positions: dict[str, list[int]] = {}
    for i in keep:
        positions.setdefault(names[i], []).append(i + 1)
    for name, where in positions.items():
        if len(where) > 1:
            table.problems.append(
                Problem(
                    m, None, name,
                    f"the header names column {name!r} {len(where)} times (columns "
                    f"{', '.join(map(str, where))}); column names must be unique",
                )
            )
    if len(keep) != len(names):
        table.rows = [[r[i] for i in keep] for r in table.rows]
    table.columns = [names[i] for i in keep]


def _mapping_problems(mapping: Mapping[str, str], columns: list[str], m: str) -> list[Problem]:
    problems = []
    for canonical, source in mapping.items():
        if canonical not in MAPPABLE_FIELDS:
            close = difflib.get_close_matches(str(canonical), MAPPABLE_FIELDS, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(
                Problem(
                    m, None, str(canonical),
                    f"{canonical!r} in the column mapping is not a field of the documents table; "
                    f"{hint}valid fields: {', '.join(MAPPABLE_FIELDS)}",
                )
            )
        elif source not in columns:
            close = difflib.get_close_matches(str(source), columns, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                Problem(
                    m, None, canonical,
                    f"the column mapping points to column {source!r}, which the manifest "
                    f"lacks{hint} (it has: {', '.join(columns)})",
                )
            )
    return problems


def read_manifest(
    manifest: str | Path | None = None, *, columns: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read a manifest and rename its columns to the canonical fields.

    Parameters
    ----------
    manifest : path-like, optional
        CSV or TSV (UTF-8 with or without BOM, UTF-16 with BOM, GB18030 or
        Big5), Parquet, JSON Lines or Excel ``.xlsx`` (first sheet), chosen by
        the extension (:data:`MANIFEST_FORMATS`; other extensions are read as
        CSV). Defaults to the bundled ``data/corpus.csv``.
    columns : mapping, optional
        Canonical field (one of :data:`MAPPABLE_FIELDS`) -> the manifest's
        column name. Several fields may map to the same column (e.g.
        ``{"doc_id": "path", "path": "path"}``). Canonical fields not mapped
        are taken from a column of the same name when present. Other columns
        are kept unchanged.

    Returns
    -------
    pandas.DataFrame
        All values as strings (empty string for empty cells; ``NA``, ``null``
        and ``None`` stay strings), plus the attributes ``attrs["manifest"]``,
        ``attrs["source_columns"]`` (canonical field -> original name),
        ``attrs["lines"]`` (the line where each row starts, or None),
        ``attrs["line_label"]``, ``attrs["manifest_encoding"]`` and
        ``attrs["text_from_column"]``.

    Raises
    ------
    CorpusError
        Missing, empty or header-only manifest, rows with too few or too many
        fields, duplicated or unnamed header columns, an unknown field or an
        absent column in the mapping (with the closest name suggested), a
        missing required field.

    Examples
    --------
    >>> frame = read_manifest()
    >>> frame.loc[0, "doc_id"], frame.attrs["lines"][:2]
    ('hami-2020', [2, 3])
    """
    path = Path(manifest) if manifest is not None else config.MANIFEST_PATH
    m = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise CorpusError([Problem(m, None, None, "manifest file not found")]) from None
    except OSError as exc:
        message = "symlink loop" if exc.errno == errno.ELOOP else exc.strerror
        raise CorpusError([Problem(m, None, None, f"cannot open the manifest: {message}")]) from None
    if stat.S_ISDIR(st.st_mode):
        raise CorpusError([Problem(m, None, None, "is a directory, not a manifest file")])
    table = _read_table(path)
    _check_header(table, m)
    mapping = dict(columns or {})
    problems = table.problems + _mapping_problems(mapping, table.columns, m)
    if not table.rows and not problems:
        problems.append(Problem(m, None, None, "the manifest has no rows (only a header)"))
    if problems:
        raise CorpusError(problems)
    raw = pd.DataFrame(
        {name: [r[i] for r in table.rows] for i, name in enumerate(table.columns)},
        dtype=object,
    )
    text_from_column = TEXT_FIELD in mapping or (
        TEXT_FIELD in raw.columns and "path" not in mapping and "path" not in raw.columns
    )
    out = pd.DataFrame(index=raw.index)
    source_columns: dict[str, str] = {}
    wanted = (*CANONICAL_FIELDS, TEXT_FIELD) if text_from_column else CANONICAL_FIELDS
    for name in wanted:
        src = mapping.get(name, name if name in raw.columns else None)
        if src is not None:
            out[name] = raw[src]
            source_columns[name] = src
    required = ("doc_id",) if text_from_column else REQUIRED_FIELDS
    for name in required:
        if name not in out.columns:
            example = "'<your column>'"
            also = " (or give the texts in a column: columns={'text': '<your column>'})" if name == "path" else ""
            problems.append(
                Problem(
                    m, None, name,
                    f"required field {name!r} is missing: add the column or map it, "
                    f"e.g. columns={{{name!r}: {example}}}{also}",
                )
            )
    if problems:
        raise CorpusError(problems)
    if not text_from_column and TEXT_FIELD in raw.columns and TEXT_FIELD not in mapping.values():
        warnings.warn(
            f"{m}: the column 'text' is ignored because the texts are read from the files in "
            "'path'; to use the column instead map it: columns={'text': 'text'}",
            ManifestWarning,
            stacklevel=2,
        )
    used = set(source_columns.values())
    for col in raw.columns:
        if col not in used and col not in out.columns and col != TEXT_FIELD:
            out[col] = raw[col]
    out.attrs["manifest"] = m
    out.attrs["source_columns"] = source_columns
    out.attrs["lines"] = list(table.lines)
    out.attrs["line_label"] = table.line_label
    out.attrs["manifest_encoding"] = table.encoding
    out.attrs["text_from_column"] = text_from_column
    return out


# -- checks on rows -----------------------------------------------------------------
class _Reporter:
    """Makes problems that name the manifest, the row, its line and the field."""

    def __init__(self, frame: pd.DataFrame):
        self.m = frame.attrs["manifest"]
        self.lines = frame.attrs.get("lines") or [None] * len(frame)
        self.label = frame.attrs.get("line_label", "line")
        self.src = frame.attrs.get("source_columns", {})
        self.problems: list[Problem] = []

    def where(self, row: int) -> str:
        return str(Problem("", row, None, "", self.lines[row - 1], self.label)).strip(", :")

    def add(self, row: int | None, field: str | None, message: str) -> None:
        line = self.lines[row - 1] if row is not None else None
        name = self.src.get(field, field) if field is not None else None
        self.problems.append(Problem(self.m, row, name, message, line, self.label))


def _parse_dates(frame: pd.DataFrame, rep: _Reporter, bounds) -> None:
    for field in DATE_FIELDS:
        prec_field = f"{field}_precision"
        values: list[pd.Timestamp | None] = []
        precisions: list[str | None] = []
        raw_values = frame[field] if field in frame.columns else pd.Series("", index=frame.index)
        raw_precisions = (
            frame[prec_field] if prec_field in frame.columns else pd.Series("", index=frame.index)
        )
        for row, (value, declared) in enumerate(zip(raw_values, raw_precisions), start=1):
            try:
                stamp, precision = parse_date(value)
            except DateParseError as exc:
                rep.add(row, field, str(exc))
                stamp, precision = None, None
            if stamp is not None:
                outside = check_date_range(stamp, precision, bounds)
                if outside is not None:
                    rep.add(row, field, f"{outside} (pass date_range= to allow it)")
                    stamp, precision = None, None
            declared = (declared or "").strip().lower()
            if declared:
                if declared not in PRECISIONS:
                    rep.add(row, prec_field, f"precision {declared!r} is not one of {', '.join(PRECISIONS)}")
                elif stamp is None:
                    if not (value or "").strip():
                        rep.add(row, prec_field, f"precision {declared!r} given for an empty date")
                elif PRECISIONS.index(declared) < PRECISIONS.index(precision or "day"):
                    rep.add(row, prec_field, f"precision {declared!r} is finer than the date {value!r} allows")
                else:
                    precision = declared
            values.append(stamp)
            precisions.append(precision)
        frame[field] = pd.to_datetime(pd.Series(values, index=frame.index, dtype="object"))
        frame[prec_field] = pd.Series(precisions, index=frame.index, dtype="object")


def _check_ids(frame: pd.DataFrame, rep: _Reporter) -> None:
    ids = frame["doc_id"].str.strip()
    seen: dict[str, int] = {}
    for row, doc_id in enumerate(ids, start=1):
        if not doc_id:
            rep.add(row, "doc_id", "empty document id")
        elif doc_id in seen:
            rep.add(row, "doc_id", f"duplicate id {doc_id!r} (first at row {seen[doc_id]})")
        else:
            seen[doc_id] = row
    frame["doc_id"] = ids


def _is_inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _locate(rel: str, base: Path, root: str, allow_outside: bool) -> tuple[str | None, str | None]:
    """Resolve one manifest path: (real path, None) or (None, why it is refused)."""
    given = Path(rel)
    joined = given if given.is_absolute() else base / given
    real = os.path.realpath(joined)
    if not allow_outside and not _is_inside(real, root):
        if given.is_absolute():
            why = f"absolute path {rel!r} is outside the corpus root {root}"
        elif not _is_inside(os.path.normpath(joined), root):
            why = f"path {rel!r} leads outside the corpus root {root} through '..'"
        else:
            why = f"path {rel!r} is a symbolic link to a file outside the corpus root {root}"
        return None, f"{why}; refused (pass allow_outside_root=True to read it)"
    try:
        st = os.stat(joined)
    except FileNotFoundError:
        if os.path.islink(joined):
            return None, f"broken symbolic link: {rel!r} points to {real}, which does not exist"
        return None, f"file not found: {real}"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, f"symlink loop: {rel!r} points back to itself"
        return None, f"cannot open {real}: {exc.strerror}"
    if stat.S_ISDIR(st.st_mode):
        return None, f"{real} is a directory, not a file"
    if not stat.S_ISREG(st.st_mode):
        return None, f"{real} is not a regular file (a device, socket or pipe)"
    return real, None


def _unlisted_files(paths: list[str], root: str) -> list[str]:
    """Files beside the listed ones, inside *root*, not in the manifest (relative to root)."""
    listed = set(paths)
    suffixes = {os.path.splitext(p)[1] for p in paths}
    folders = sorted({os.path.dirname(p) for p in paths if _is_inside(p, root)})
    extra = []
    for folder in folders:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or os.path.splitext(entry.name)[1] not in suffixes:
                continue
            full = os.path.join(folder, entry.name)
            if full in listed:
                continue
            try:
                if not entry.is_file():
                    continue
            except OSError:
                continue
            if entry.is_symlink() and not _is_inside(os.path.realpath(full), root):
                continue
            if os.path.realpath(full) in listed:
                continue
            extra.append(os.path.relpath(full, root))
    return extra


def _warn_notes(notes: list[tuple[int, DecodeNote]], rep: _Reporter) -> None:
    by_category: dict[type, list[tuple[int, DecodeNote]]] = {}
    for row, note in notes:
        by_category.setdefault(note.category, []).append((row, note))
    for category, items in by_category.items():
        for row, note in items[:_NOTES_SHOWN]:
            warnings.warn(f"{rep.m}, {rep.where(row)}: {note.message}", category, stacklevel=3)
        if len(items) > _NOTES_SHOWN:
            rows = ", ".join(str(r) for r, _ in items[_NOTES_SHOWN:_NOTES_SHOWN + 20])
            warnings.warn(
                f"{rep.m}: {len(items) - _NOTES_SHOWN} more row(s) with the same kind of warning "
                f"({category.__name__}): rows {rows}{' …' if len(items) > _NOTES_SHOWN + 20 else ''}",
                category,
                stacklevel=3,
            )


def load_corpus(
    manifest: str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    *,
    root: str | Path | None = None,
    allow_outside_root: bool = False,
    date_range: tuple[object, object] | None = None,
    read_text: bool = True,
    warn_unlisted: bool = True,
    verify_checksums: bool = True,
) -> pd.DataFrame:
    """Load a manifest-described corpus into a tidy documents table.

    Parameters
    ----------
    manifest : path-like, optional
        The manifest (CSV, TSV, Parquet, JSON Lines or ``.xlsx``; see
        :func:`read_manifest`); defaults to the bundled ``data/corpus.csv``.
    columns : mapping, optional
        Canonical field -> manifest column (see :func:`read_manifest`). Map
        ``text`` to a column to take the texts from the table instead of
        files (a column named ``text`` is used without mapping when the
        manifest has no ``path``).
    root : path-like, optional
        The corpus root: files are read only from inside it. Defaults to the
        manifest's folder. Paths in the manifest stay relative to the
        manifest's folder.
    allow_outside_root : bool
        Read files outside the root (absolute paths, ``..``, symbolic links
        out of it). Off by default: a manifest cannot make the study read
        ``/etc/passwd`` into its tables.
    date_range : (start, end), optional
        Plausible dates; a date outside is an error naming row and field.
        Default 1949-10-01 to one year after today; ``(None, None)`` turns the
        check off (see :func:`discourse.ingest.dates.resolve_date_range`).
    read_text : bool
        Read and decode each file into the ``text`` column. With False only
        the manifest is validated and the files' existence checked.
    warn_unlisted : bool
        Warn (:class:`UnlistedFileWarning`) about files with the same suffix in
        the corpus folders (inside the root) that the manifest does not list:
        their number and the first five names, relative to the root.
    verify_checksums : bool
        When the manifest has a ``sha256`` column, check each file (or text
        cell, encoded as UTF-8) against it.

    Returns
    -------
    pandas.DataFrame
        One row per document, in manifest order, with the columns described in
        ``docs/ARCHITECTURE.md``: ``doc_id``, ``path`` (absolute; NA for texts
        from a column without a path), ``text``, ``encoding``, ``sha256`` (of
        the raw bytes, or of the cell's text as UTF-8), typed dates
        (``event_date``, ``pub_date``, ``date``) with their precisions,
        categorical metadata and every other manifest column unchanged.

    Raises
    ------
    CorpusError
        Listing every problem, each with file, row, line and field: missing
        file, directory, symlink loop, path outside the root, the same file
        under two ids, duplicate or empty id, unparseable or implausible date
        or precision, empty, binary or undecodable file, checksum mismatch,
        and the manifest problems of :func:`read_manifest`.

    Warns
    -----
    UnlistedFileWarning, DuplicateContentWarning
        Unlisted files; two rows with identical texts in different files.
    UncertainEncodingWarning, ImplausibleTextWarning, NulByteWarning
        From decoding (:mod:`discourse.ingest.textio`), naming row and file.

    Examples
    --------
    >>> docs = load_corpus()
    >>> docs.loc[0, "doc_id"], docs["text"].str.len().gt(0).all()
    ('hami-2020', np.True_)
    """
    frame = read_manifest(manifest, columns=columns)
    rep = _Reporter(frame)
    manifest_path = Path(frame.attrs["manifest"])
    base = Path(os.path.realpath(manifest_path)).parent
    root_str = os.path.realpath(root) if root is not None else str(base)
    if root is not None and not os.path.isdir(root_str):
        raise CorpusError([Problem(rep.m, None, None, f"the corpus root {root_str} is not a folder")])
    try:
        bounds = resolve_date_range(date_range)
    except (ValueError, DateParseError) as exc:
        raise CorpusError([Problem(rep.m, None, None, f"date_range: {exc}")]) from exc
    from_column = frame.attrs["text_from_column"]

    _check_ids(frame, rep)
    notes: list[tuple[int, DecodeNote]] = []
    digests: list[str | None] = [None] * len(frame)
    declared_sha = frame["sha256"] if "sha256" in frame.columns and verify_checksums else None

    def check_sum(i: int, actual: str, what: str) -> None:
        if declared_sha is None:
            return
        expected = declared_sha.iloc[i].strip().lower()
        if expected and expected != actual:
            rep.add(
                i + 1, "sha256",
                f"checksum mismatch for {what}: the manifest says {expected[:12]}…, "
                f"it is {actual[:12]}… (raw data must not change)",
            )

    if from_column:
        texts: list[str | None] = []
        for i, value in enumerate(frame[TEXT_FIELD]):
            row = i + 1
            if not value.strip():
                rep.add(row, TEXT_FIELD, "empty text")
                texts.append(None)
                continue
            digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
            check_sum(i, digest, "the text")
            pos = value.find("\x00")
            if pos >= 0:
                notes.append((row, DecodeNote(NulByteWarning, f"{value.count(chr(0))} NUL character(s) in the text, the first at character offset {pos}; cleaning removes them")))
            digests[i] = digest
            texts.append(normalise_newlines(value.removeprefix("\ufeff")))
        frame[TEXT_FIELD] = texts
        frame["encoding"] = frame.attrs["manifest_encoding"]
        frame["sha256"] = digests
        if "path" in frame.columns:
            frame["path"] = [p.strip() for p in frame["path"]]
    else:
        paths: list[str | None] = []
        for row, rel in enumerate(frame["path"], start=1):
            rel = rel.strip()
            if not rel:
                rep.add(row, "path", "empty path")
                paths.append(None)
                continue
            real, why = _locate(rel, base, root_str, allow_outside_root)
            if why is not None:
                rep.add(row, "path", why)
            paths.append(real)
        first_row: dict[str, int] = {}
        for row, p in enumerate(paths, start=1):
            if p is None:
                continue
            if p in first_row:
                first = first_row[p]
                rep.add(
                    row, "path",
                    f"the same file as {rep.where(first)} (ids {frame['doc_id'].iloc[first - 1]!r} "
                    f"and {frame['doc_id'].iloc[row - 1]!r}): {os.path.relpath(p, root_str) if _is_inside(p, root_str) else p}",
                )
            else:
                first_row[p] = row
        frame["path"] = [p if p is not None else str(base / r.strip()) for p, r in zip(paths, frame["path"])]
        if read_text:
            texts = []
            encodings: list[str | None] = []
            declared_enc = frame["encoding"] if "encoding" in frame.columns else None
            for i, p in enumerate(paths):
                row = i + 1
                if p is None:
                    texts.append(None)
                    encodings.append(None)
                    continue
                enc = (declared_enc.iloc[i].strip() or None) if declared_enc is not None else None
                try:
                    with open(p, "rb") as fh:
                        data = fh.read()
                    decoded = decode_bytes(data, encoding=enc, source=p, warn=False)
                except OSError as exc:
                    rep.add(row, "path", f"cannot read {p}: {exc.strerror}")
                    texts.append(None)
                    encodings.append(None)
                    continue
                except TextDecodeError as exc:
                    rep.add(row, "path", str(exc))
                    texts.append(None)
                    encodings.append(None)
                    continue
                check_sum(i, decoded.sha256, p)
                notes.extend((row, note) for note in decoded.notes)
                texts.append(decoded.text)
                encodings.append(decoded.encoding)
                digests[i] = decoded.sha256
            frame[TEXT_FIELD] = texts
            frame["encoding"] = encodings
            frame["sha256"] = digests

    _parse_dates(frame, rep, bounds)

    if rep.problems:
        raise CorpusError(rep.problems)

    same: dict[str, int] = {}
    for row, digest in enumerate(digests, start=1):
        if digest is None:
            continue
        if digest in same:
            first = same[digest]
            warnings.warn(
                f"{rep.m}: {rep.where(first)} ({frame['doc_id'].iloc[first - 1]!r}) and "
                f"{rep.where(row)} ({frame['doc_id'].iloc[row - 1]!r}) hold identical texts "
                f"(sha256 {digest[:12]}…); both are loaded, drop one if it is a copy",
                DuplicateContentWarning,
                stacklevel=2,
            )
        else:
            same[digest] = row
    _warn_notes(notes, rep)

    if warn_unlisted and not from_column:
        extra = _unlisted_files([p for p in frame["path"]], root_str)
        if extra:
            shown = ", ".join(extra[:_UNLISTED_SHOWN])
            more = f" and {len(extra) - _UNLISTED_SHOWN} more" if len(extra) > _UNLISTED_SHOWN else ""
            warnings.warn(
                f"{rep.m}: {len(extra)} file(s) in the corpus folders are not in the manifest "
                f"and were not loaded: {shown}{more}",
                UnlistedFileWarning,
                stacklevel=2,
            )

    return _finalise(frame)


def _finalise(frame: pd.DataFrame) -> pd.DataFrame:
    # Every canonical field is present, NA where the manifest lacks it, so
    # downstream code can select columns without checking for them.
    for name in CANONICAL_FIELDS:
        if name not in frame.columns:
            frame[name] = pd.Series(pd.NA, index=frame.index, dtype="object")
    has_event = frame["event_date"].notna()
    frame["date"] = frame["event_date"].where(has_event, frame["pub_date"])
    frame["date_precision"] = frame["event_date_precision"].where(
        has_event, frame["pub_date_precision"]
    )
    source = pd.Series(pd.NA, index=frame.index, dtype="object")
    source[has_event] = "event_date"
    source[~has_event & frame["pub_date"].notna()] = "pub_date"
    frame["date_source"] = source
    if frame["label"].isna().all():
        label = pd.Series(frame["doc_id"], index=frame.index, dtype="object")
        for field in ("city_zh", "city_en"):
            present = frame[field].notna() & (frame[field].astype("string").str.len() > 0)
            label = frame[field].where(present, label)
        frame["label"] = label
    for field in frame.columns:
        if field in ("text",) or field in DATE_FIELDS or field == "date":
            continue
        if frame[field].dtype == object or pd.api.types.is_string_dtype(frame[field]):
            frame[field] = frame[field].replace("", pd.NA)
    for field in CATEGORICAL_FIELDS:
        if field in frame.columns:
            values = frame[field].dropna().unique().tolist()
            frame[field] = pd.Categorical(frame[field], categories=sorted(values, key=str))
    for field in ("doc_id", "path", "title"):
        if field in frame.columns:
            frame[field] = frame[field].astype("string")
    order = [c for c in (*CANONICAL_FIELDS, "date", "date_precision", "date_source") if c in frame.columns]
    rest = [c for c in frame.columns if c not in order and c != "text"]
    cols = order + rest + (["text"] if "text" in frame.columns else [])
    out = frame[cols].reset_index(drop=True)
    out.attrs = {}
    return out


__all__ = [
    "CANONICAL_FIELDS",
    "MANIFEST_FORMATS",
    "MAPPABLE_FIELDS",
    "REQUIRED_FIELDS",
    "TEXT_FIELD",
    "CorpusError",
    "DuplicateContentWarning",
    "ManifestWarning",
    "Problem",
    "UnlistedFileWarning",
    "load_corpus",
    "read_manifest",
]
