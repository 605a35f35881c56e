"""The curated domain lexicon: loading, validation and jieba frequencies.

The lexicon (``resources/lexicon.tsv``) lists the words that the segmenter
must keep whole: the policy terms, slogans and formulae of COVID-era
governance (动态清零, 外防输入, 四方责任, 应检尽检 ...), a few corrections of
jieba's part-of-speech tags, and the persons named in the bundled texts (so
that they can be masked).

File format
-----------
UTF-8 without BOM, ``\\n`` line ends, tab-separated, one header line and one
entry per line, exactly these seven columns:

========== ==============================================================
column     meaning
========== ==============================================================
term       the word (CJK, letters or digits only: no space, no punctuation)
freq       jieba frequency, or empty (computed, see below)
pos        part-of-speech tag in jieba's tag set (``n``, ``vn``, ``l``,
           ``j``, ``nr`` for persons, ``ns`` for places ...)
gloss_en   English gloss used in tables and figures
phase      ``常态化`` (May 2020 - Jul 2021), ``动态清零`` (Aug 2021 - Nov
           2022), ``优化`` (optimisation, Nov 2022 - 2023) or ``general``
attested   where the term is attested: ``seed:<doc_id>[,...]`` (bundled
           documents), ``gwr:<path>`` (first report in
           ``GOV_REPORTS_DIR`` for 2020-2023, with the number of further
           reports) or ``official:<document name>``
note       free text (may be empty)
unit       ``word`` or ``compound`` (see below)
========== ==============================================================

Words and compounds
-------------------
``unit`` separates two kinds of entries. A ``word`` is one word under the
PKU segmentation guideline that the gold standard follows
(``tests/data/segmentation_gold_README.md``): compressed formulae whose
parts are not free words (外防输入, 应检尽检, 四早, 新十条), abbreviations
(密接, 流调), ``-化`` derivations (常态化), person names, POS corrections. A
``compound`` is a fixed multi-word *term* made of free words, which PKU
splits (动态 / 清零, 核酸 / 检测, 闭环 / 管理, 四方 / 责任), but which the
analysis counts as one token. ``Tokenizer(compounds=True)`` (the default)
loads both; ``compounds=False`` loads only the words, which is the plain
word segmentation scored against the gold standard.

Frequency choice
----------------
A frequency given to jieba's ``add_word`` *replaces* the built-in one, and a
large arbitrary frequency (jieba's documentation suggests numbers such as
``10000``) makes the term swallow neighbouring characters in contexts where
it should not. When ``freq`` is empty the loader therefore uses jieba's own
rule, ``suggest_freq(term)``: the smallest frequency that makes the whole
term more probable than the best split of its characters, but never lower
than the built-in frequency of a term that is already in the dictionary. It
is computed once, on the untouched bundled dictionary, with jieba-rs, and the
*same* numbers are loaded into both backends so that they segment alike.

Traps that the loader turns into errors (naming the file and line): a BOM,
CRLF line ends, a wrong header, a wrong number of fields, an empty term or
gloss, a term containing whitespace or punctuation (jieba splits the text at
punctuation before it looks words up, so such an entry is silently
ignored), a bad frequency, tag or phase, and duplicate terms.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from discourse.config import RESOURCES_DIR

#: The bundled lexicon.
LEXICON_PATH: Path = RESOURCES_DIR / "lexicon.tsv"

#: Header of the lexicon file, in order.
COLUMNS: tuple[str, ...] = ("term", "freq", "pos", "gloss_en", "phase", "attested", "note", "unit")

#: Allowed values of the ``unit`` column.
UNITS: tuple[str, ...] = ("word", "compound")

#: Allowed values of the ``phase`` column.
PHASES: tuple[str, ...] = ("常态化", "动态清零", "优化", "general")

# What jieba accepts inside one dictionary word (its ``re_han_default`` minus
# the ASCII punctuation, which we do not allow in terms either).
_TERM_RE = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9]+")
_POS_RE = re.compile(r"[a-z]{1,6}")


class LexiconError(ValueError):
    """A lexicon file is malformed; the message names the file and line."""


def _validate_text(raw: bytes, path: Path) -> list[str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        raise LexiconError(f"{path}:1: file starts with a UTF-8 BOM; save it without BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LexiconError(f"{path}:{line}: not valid UTF-8 ({exc.reason})") from None
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        raise LexiconError(f"{path}:{line}: CR or CRLF line end; use LF (\\n) only")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_lexicon(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read and validate a lexicon file.

    Parameters
    ----------
    path : path-like, optional
        Lexicon TSV; the bundled :data:`LEXICON_PATH` by default.

    Returns
    -------
    pandas.DataFrame
        One row per entry with the columns of :data:`COLUMNS` plus ``line``
        (1-based line number in the file). ``freq`` is a nullable integer
        (``NA`` where the file leaves it empty).

    Raises
    ------
    LexiconError
        On any format problem, naming the file, line and field.

    Examples
    --------
    >>> lex = read_lexicon()
    >>> lex.set_index("term").loc["动态清零", "gloss_en"]
    'dynamic zero-COVID'
    """
    p = Path(path) if path is not None else LEXICON_PATH
    lines = _validate_text(p.read_bytes(), p)
    if not lines or tuple(lines[0].split("\t")) != COLUMNS:
        raise LexiconError(f"{p}:1: header must be {'<TAB>'.join(COLUMNS)!r}")
    rows: list[dict] = []
    seen: dict[str, int] = {}
    for no, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(COLUMNS):
            raise LexiconError(f"{p}:{no}: expected {len(COLUMNS)} tab-separated fields, got {len(fields)}")
        row = dict(zip(COLUMNS, fields))
        term = row["term"]
        if not term:
            raise LexiconError(f"{p}:{no}: field 'term' is empty")
        if _TERM_RE.fullmatch(term) is None:
            bad = sorted({ch for ch in term if _TERM_RE.fullmatch(ch) is None})
            raise LexiconError(
                f"{p}:{no}: field 'term' {term!r} contains whitespace or punctuation {bad!r}; "
                "jieba would silently ignore this entry"
            )
        if term in seen:
            raise LexiconError(f"{p}:{no}: duplicate term {term!r} (first on line {seen[term]})")
        seen[term] = no
        freq = row["freq"]
        if freq and (not freq.isdigit() or int(freq) < 1):
            raise LexiconError(f"{p}:{no}: field 'freq' {freq!r} must be a positive integer or empty")
        if _POS_RE.fullmatch(row["pos"]) is None:
            raise LexiconError(f"{p}:{no}: field 'pos' {row['pos']!r} is not a jieba tag (lower-case letters)")
        if not row["gloss_en"].strip():
            raise LexiconError(f"{p}:{no}: field 'gloss_en' is empty")
        if row["phase"] not in PHASES:
            raise LexiconError(f"{p}:{no}: field 'phase' {row['phase']!r} must be one of {PHASES}")
        if not row["attested"].strip():
            raise LexiconError(f"{p}:{no}: field 'attested' is empty")
        if row["unit"] not in UNITS:
            raise LexiconError(f"{p}:{no}: field 'unit' {row['unit']!r} must be one of {UNITS}")
        row["freq"] = int(freq) if freq else None
        row["line"] = no
        rows.append(row)
    df = pd.DataFrame(rows, columns=[*COLUMNS, "line"])
    df["freq"] = df["freq"].astype("Int64")
    for col in ("term", "pos", "gloss_en", "phase", "attested", "note", "unit"):
        df[col] = df[col].astype("string")
    return df


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes (part of the tokenizer's cache key)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


TABLE_COLUMNS: tuple[str, ...] = ("term", "pos")
"""Columns a lexicon passed as a table must have (``freq`` and ``unit`` are optional)."""


def _rows_from_table(table: pd.DataFrame, units: tuple[str, ...]) -> tuple[tuple[str, int | None, str], ...]:
    """Validated ``(term, freq or None, pos)`` rows of a lexicon table."""
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise LexiconError(
            f"lexicon table: missing column(s) {missing}; a table needs 'term' and 'pos' "
            f"(optional: 'freq', 'unit'), it has {list(table.columns)}"
        )
    has_freq, has_unit = "freq" in table.columns, "unit" in table.columns
    out: list[tuple[str, int | None, str]] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(table.itertuples(index=False)):
        rec = row._asdict()
        term, pos = rec["term"], rec["pos"]
        where = f"lexicon table: row {i}"
        if not isinstance(term, str) or _TERM_RE.fullmatch(term) is None:
            raise LexiconError(f"{where}: field 'term' {term!r} must be letters, digits or CJK only (no space, no punctuation)")
        if term in seen:
            raise LexiconError(f"{where}: duplicate term {term!r} (first in row {seen[term]})")
        seen[term] = i
        if not isinstance(pos, str) or _POS_RE.fullmatch(pos) is None:
            raise LexiconError(f"{where}: field 'pos' {pos!r} is not a jieba tag (lower-case letters)")
        unit = rec["unit"] if has_unit else "word"
        if unit not in UNITS:
            raise LexiconError(f"{where}: field 'unit' {unit!r} must be one of {UNITS}")
        freq = rec["freq"] if has_freq else None
        if freq is not None and pd.isna(freq):
            freq = None
        if freq is not None:
            if isinstance(freq, bool) or not float(freq).is_integer() or int(freq) < 1:
                raise LexiconError(f"{where}: field 'freq' {freq!r} must be a positive integer or empty")
            freq = int(freq)
        if unit in units:
            out.append((term, freq, pos))
    return tuple(out)


def table_digest(table: pd.DataFrame) -> str:
    """SHA-256 of the columns of a lexicon table that segmentation reads."""
    cols = [c for c in ("term", "freq", "pos", "unit") if c in table.columns]
    blob = table[cols].astype("string").fillna("").to_csv(sep="\t", index=False, lineterminator="\n")
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@lru_cache(maxsize=8)
def _rows_cached(path: str, digest: str, units: tuple[str, ...]) -> tuple[tuple[str, int | None, str], ...]:
    lex = read_lexicon(path)
    lex = lex[lex["unit"].isin(units)]
    return tuple(
        (str(t), None if pd.isna(f) else int(f), str(p)) for t, f, p in zip(lex["term"], lex["freq"], lex["pos"])
    )


def lexicon_rows(source=None, *, compounds: bool = True) -> tuple[tuple[str, int | None, str], ...]:
    """``(term, freq or None, pos)`` of a lexicon file or table, validated.

    *source* is a path (the bundled :data:`LEXICON_PATH` when None) or a
    :class:`pandas.DataFrame` with the columns ``term`` and ``pos`` (and
    optionally ``freq`` and ``unit``; rows without ``unit`` are words). A
    study passes its own lexicon this way. ``freq`` is None where it is to
    be computed by :func:`fill_freqs`.

    Examples
    --------
    >>> import pandas as pd
    >>> lexicon_rows(pd.DataFrame({"term": ["平急两用"], "pos": ["l"]}))
    (('平急两用', None, 'l'),)
    """
    units = UNITS if compounds else ("word",)
    if isinstance(source, pd.DataFrame):
        return _rows_from_table(source, units)
    p = Path(source) if source is not None else LEXICON_PATH
    return _rows_cached(str(p.resolve()), file_digest(p), units)


def fill_freqs(rows, base=None) -> tuple[tuple[str, int, str], ...]:
    """Fill empty frequencies with ``suggest_freq`` on an untouched dictionary.

    *base* is an ``rjieba.Jieba`` holding only the bundled dictionary (the
    segmenter itself, before any word is added, so that no second
    dictionary is loaded); a private one by default.
    """
    rows = tuple(rows)
    if any(f is None for _t, f, _p in rows):
        base = _base_rjieba() if base is None else base
        rows = tuple((t, int(base.suggest_freq(t)) if f is None else int(f), p) for t, f, p in rows)
    return rows


@lru_cache(maxsize=1)
def _base_rjieba():
    import rjieba

    return rjieba.Jieba()


def suggested_freqs(words) -> tuple[int, ...]:
    """jieba frequencies that keep each word whole (bundled dictionary).

    Examples
    --------
    >>> suggested_freqs(["动态清零"])[0] >= 1
    True
    """
    base = _base_rjieba()
    return tuple(int(base.suggest_freq(w)) for w in words)


def lexicon_entries(path=None, *, compounds: bool = True) -> tuple[tuple[str, int, str], ...]:
    """Return ``(term, freq, pos)`` triples ready for ``add_word``.

    *path* is a lexicon file (the bundled one by default) or a table (see
    :func:`lexicon_rows`). With ``compounds=False`` only the entries of unit
    ``word`` are returned.

    Empty frequencies are filled with ``suggest_freq`` computed on the
    bundled dictionary before any term is added (see the module docstring),
    so the result does not depend on the order of the entries.

    Examples
    --------
    >>> entries = dict((t, (f, p)) for t, f, p in lexicon_entries())
    >>> entries["次密接"][1]
    'n'
    >>> entries["次密接"][0] >= 1
    True
    """
    return fill_freqs(lexicon_rows(path, compounds=compounds))


__all__ = [
    "LEXICON_PATH",
    "COLUMNS",
    "PHASES",
    "UNITS",
    "LexiconError",
    "read_lexicon",
    "lexicon_entries",
    "file_digest",
    "suggested_freqs",
    "lexicon_rows",
    "fill_freqs",
    "table_digest",
    "TABLE_COLUMNS",
]
