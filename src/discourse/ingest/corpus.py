"""Loading a corpus described by a manifest into a tidy documents table.

A *manifest* is a CSV (or TSV) file with one row per document. Paths in it are
relative to the manifest's folder. The bundled manifest is ``data/corpus.csv``
(see ``data/README.md`` for its fields); a researcher's own spreadsheet works
without renaming its columns through a *column mapping* from the canonical
field names to the spreadsheet's names::

    load_corpus("my/manifest.csv", columns={"doc_id": "file", "city_zh": "地区"})

Every problem is reported with the manifest file, the row (1-based, not
counting the header; the CSV line is row + 1) and the field; all problems of a
manifest are collected and raised together in one :class:`CorpusError`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from discourse import config
from discourse.ingest.dates import PRECISIONS, DateParseError, parse_date
from discourse.ingest.textio import TextDecodeError, decode_bytes

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
REQUIRED_FIELDS: tuple[str, ...] = ("doc_id", "path")
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
    """One problem found in a manifest or a raw file."""

    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row} (line {self.row + 1})")
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


def _read_manifest_frame(manifest: Path) -> pd.DataFrame:
    if not manifest.is_file():
        raise CorpusError([Problem(str(manifest), None, None, "manifest file not found")])
    try:
        decoded = decode_bytes(manifest.read_bytes(), source=str(manifest))
    except TextDecodeError as exc:
        raise CorpusError([Problem(str(manifest), None, None, str(exc).split(": ", 1)[-1])]) from exc
    sep = "\t" if manifest.suffix.lower() in (".tsv", ".tab") else ","
    from io import StringIO

    try:
        frame = pd.read_csv(
            StringIO(decoded.text), sep=sep, dtype=str, keep_default_na=False, na_filter=False
        )
    except pd.errors.ParserError as exc:
        raise CorpusError([Problem(str(manifest), None, None, f"not a valid CSV: {exc}")]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def read_manifest(
    manifest: str | Path | None = None, *, columns: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read a manifest and rename its columns to the canonical fields.

    Parameters
    ----------
    manifest : path-like, optional
        CSV or TSV file (UTF-8 with or without BOM, GB18030 or Big5). Defaults
        to the bundled ``data/corpus.csv``.
    columns : mapping, optional
        Canonical field -> the manifest's column name. Several fields may map to
        the same column (e.g. ``{"doc_id": "path", "path": "path"}``).
        Canonical fields not mapped are taken from a column of the same name
        when present. Other columns are kept unchanged.

    Returns
    -------
    pandas.DataFrame
        All values as strings (empty string for empty cells), plus the
        attribute ``attrs["source_columns"]``: canonical field -> original name.

    Raises
    ------
    CorpusError
        Missing manifest, a mapping to an absent column, a missing required
        field.
    """
    path = Path(manifest) if manifest is not None else config.MANIFEST_PATH
    raw = _read_manifest_frame(path)
    mapping = dict(columns or {})
    problems: list[Problem] = []
    for canonical, source in mapping.items():
        if source not in raw.columns:
            problems.append(
                Problem(
                    str(path),
                    None,
                    canonical,
                    f"the column mapping points to column {source!r}, which the manifest "
                    f"lacks (it has: {', '.join(raw.columns)})",
                )
            )
    if problems:
        raise CorpusError(problems)
    out = pd.DataFrame(index=raw.index)
    source_columns: dict[str, str] = {}
    for field in CANONICAL_FIELDS:
        src = mapping.get(field, field if field in raw.columns else None)
        if src is not None:
            out[field] = raw[src]
            source_columns[field] = src
    for field in REQUIRED_FIELDS:
        if field not in out.columns:
            problems.append(
                Problem(
                    str(path),
                    None,
                    field,
                    f"required field {field!r} is missing: add the column or map it, "
                    f"e.g. columns={{{field!r}: '<your column>'}}",
                )
            )
    if problems:
        raise CorpusError(problems)
    used = set(source_columns.values())
    for col in raw.columns:
        if col not in used and col not in out.columns:
            out[col] = raw[col]
    out.attrs["manifest"] = str(path)
    out.attrs["source_columns"] = source_columns
    return out


def _parse_dates(frame: pd.DataFrame, manifest: str, problems: list[Problem]) -> None:
    src = frame.attrs.get("source_columns", {})
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
                problems.append(Problem(manifest, row, src.get(field, field), str(exc)))
                stamp, precision = None, None
            declared = (declared or "").strip().lower()
            if declared:
                if declared not in PRECISIONS:
                    problems.append(
                        Problem(
                            manifest,
                            row,
                            src.get(prec_field, prec_field),
                            f"precision {declared!r} is not one of {', '.join(PRECISIONS)}",
                        )
                    )
                elif stamp is None:
                    problems.append(
                        Problem(
                            manifest,
                            row,
                            src.get(prec_field, prec_field),
                            f"precision {declared!r} given for an empty date",
                        )
                    )
                elif PRECISIONS.index(declared) < PRECISIONS.index(precision or "day"):
                    problems.append(
                        Problem(
                            manifest,
                            row,
                            src.get(prec_field, prec_field),
                            f"precision {declared!r} is finer than the date {value!r} allows",
                        )
                    )
                else:
                    precision = declared
            values.append(stamp)
            precisions.append(precision)
        frame[field] = pd.to_datetime(pd.Series(values, index=frame.index, dtype="object"))
        frame[prec_field] = pd.Series(precisions, index=frame.index, dtype="object")


def _unlisted_files(paths: list[Path]) -> list[Path]:
    listed = {p.resolve() for p in paths}
    suffixes = {p.suffix for p in paths}
    folders = {p.parent for p in paths}
    extra = []
    for folder in sorted(folders):
        if not folder.is_dir():
            continue
        for candidate in sorted(folder.iterdir()):
            if (
                candidate.is_file()
                and candidate.suffix in suffixes
                and not candidate.name.startswith(".")
                and candidate.resolve() not in listed
            ):
                extra.append(candidate)
    return extra


def load_corpus(
    manifest: str | Path | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    read_text: bool = True,
    warn_unlisted: bool = True,
    verify_checksums: bool = True,
) -> pd.DataFrame:
    """Load a manifest-described corpus into a tidy documents table.

    Parameters
    ----------
    manifest : path-like, optional
        The manifest; defaults to the bundled ``data/corpus.csv``.
    columns : mapping, optional
        Canonical field -> manifest column (see :func:`read_manifest`).
    read_text : bool
        Read and decode each file into the ``text`` column. With False only
        the manifest is validated and the files' existence checked.
    warn_unlisted : bool
        Warn (:class:`UnlistedFileWarning`) about files with the same suffix in
        the corpus folders that the manifest does not list.
    verify_checksums : bool
        When the manifest has a ``sha256`` column, check each file against it.

    Returns
    -------
    pandas.DataFrame
        One row per document, in manifest order, with the columns described in
        ``docs/ARCHITECTURE.md``: ``doc_id``, ``path`` (absolute), ``text``,
        ``encoding``, ``sha256``, typed dates (``event_date``, ``pub_date``,
        ``date``) with their precisions, categorical metadata and every other
        manifest column unchanged.

    Raises
    ------
    CorpusError
        Listing every problem: missing file, duplicate id, empty id,
        unparseable date or precision, empty, binary or undecodable file,
        checksum mismatch.

    Examples
    --------
    >>> docs = load_corpus()
    >>> docs.loc[0, "doc_id"], docs["text"].str.len().gt(0).all()
    ('hami-2020', np.True_)
    """
    frame = read_manifest(manifest, columns=columns)
    manifest_path = Path(frame.attrs["manifest"])
    base = manifest_path.resolve().parent
    src = frame.attrs["source_columns"]
    m = str(manifest_path)
    problems: list[Problem] = []

    ids = frame["doc_id"].str.strip()
    seen: dict[str, int] = {}
    for row, doc_id in enumerate(ids, start=1):
        if not doc_id:
            problems.append(Problem(m, row, src["doc_id"], "empty document id"))
        elif doc_id in seen:
            problems.append(
                Problem(m, row, src["doc_id"], f"duplicate id {doc_id!r} (first at row {seen[doc_id]})")
            )
        else:
            seen[doc_id] = row
    frame["doc_id"] = ids

    paths: list[Path] = []
    for row, rel in enumerate(frame["path"], start=1):
        rel = rel.strip()
        p = (base / rel).resolve() if rel else base
        paths.append(p)
        if not rel:
            problems.append(Problem(m, row, src["path"], "empty path"))
        elif not p.is_file():
            problems.append(Problem(m, row, src["path"], f"file not found: {p}"))
    frame["path"] = [str(p) for p in paths]

    _parse_dates(frame, m, problems)

    if read_text:
        texts: list[str | None] = []
        encodings: list[str | None] = []
        digests: list[str | None] = []
        declared_enc = frame["encoding"] if "encoding" in frame.columns else None
        declared_sha = frame["sha256"] if "sha256" in frame.columns and verify_checksums else None
        for i, p in enumerate(paths):
            row = i + 1
            if not p.is_file():
                texts.append(None)
                encodings.append(None)
                digests.append(None)
                continue
            enc = declared_enc.iloc[i].strip() or None if declared_enc is not None else None
            try:
                decoded = decode_bytes(p.read_bytes(), encoding=enc, source=str(p))
            except TextDecodeError as exc:
                problems.append(Problem(m, row, src["path"], str(exc)))
                texts.append(None)
                encodings.append(None)
                digests.append(None)
                continue
            if declared_sha is not None:
                expected = declared_sha.iloc[i].strip().lower()
                if expected and expected != decoded.sha256:
                    problems.append(
                        Problem(
                            m,
                            row,
                            src.get("sha256", "sha256"),
                            f"checksum mismatch for {p}: the manifest says {expected[:12]}…, "
                            f"the file is {decoded.sha256[:12]}… (raw data must not change)",
                        )
                    )
            texts.append(decoded.text)
            encodings.append(decoded.encoding)
            digests.append(decoded.sha256)
        frame["text"] = texts
        frame["encoding"] = encodings
        frame["sha256"] = digests

    if problems:
        raise CorpusError(problems)

    if warn_unlisted:
        extra = _unlisted_files(paths)
        if extra:
            shown = ", ".join(str(p) for p in extra[:5])
            more = f" and {len(extra) - 5} more" if len(extra) > 5 else ""
            warnings.warn(
                f"{m}: {len(extra)} file(s) in the corpus folders are not in the manifest "
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
    "REQUIRED_FIELDS",
    "CorpusError",
    "Problem",
    "UnlistedFileWarning",
    "load_corpus",
    "read_manifest",
]
