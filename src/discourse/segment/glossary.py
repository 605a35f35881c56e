"""English glosses for tables and figures.

Two sources, one lookup:

* the lexicon's ``gloss_en`` column (domain terms, persons), and
* ``resources/glossary.tsv``: the frequent general vocabulary of the texts
  (the most frequent tokens of the seed documents after segmentation) and a
  few multi-word formulae that cannot be lexicon entries because they
  contain punctuation (疫情要防住、经济要稳住、发展要安全).

``glossary.tsv`` format: UTF-8 without BOM, LF, tab-separated, header
``term<TAB>gloss_en<TAB>kind<TAB>note``; ``kind`` is ``word`` or ``phrase``.
A term may not appear in both files.

Examples
--------
>>> gloss("动态清零")
'dynamic zero-COVID'
>>> gloss("核酸")
'nucleic acid (PCR test)'
>>> gloss_label("防控")
'防控 (prevention and control)'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from discourse import placeholders
from discourse.config import RESOURCES_DIR
from discourse.segment.lexicon import read_lexicon

#: The bundled general glossary.
GLOSSARY_PATH: Path = RESOURCES_DIR / "glossary.tsv"
GLOSSARY_COLUMNS: tuple[str, ...] = ("term", "gloss_en", "kind", "note")
_KINDS = ("word", "phrase")

_PLACEHOLDER_GLOSSES = {
    placeholders.REDACTED: "[redacted]",
    placeholders.ANON: "[withheld]",
    placeholders.ANON_CHAR: "[withheld]",
    placeholders.PERSON: "[person]",
    placeholders.NUMBER: "[number]",
    placeholders.DATE: "[date]",
}


class GlossaryError(ValueError):
    """The glossary file is malformed; the message names the file and line."""


def read_glossary_file(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate ``glossary.tsv`` (columns term, gloss_en, kind, note, line)."""
    p = Path(path) if path is not None else GLOSSARY_PATH
    raw = p.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raise GlossaryError(f"{p}:1: file starts with a UTF-8 BOM")
    lines = raw.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or tuple(lines[0].split("\t")) != GLOSSARY_COLUMNS:
        raise GlossaryError(f"{p}:1: header must be {'<TAB>'.join(GLOSSARY_COLUMNS)!r}")
    rows, seen = [], {}
    for no, line in enumerate(lines[1:], start=2):
        if line.endswith("\r"):
            raise GlossaryError(f"{p}:{no}: CRLF line end; use LF only")
        fields = line.split("\t")
        if len(fields) != len(GLOSSARY_COLUMNS):
            raise GlossaryError(f"{p}:{no}: expected {len(GLOSSARY_COLUMNS)} tab-separated fields, got {len(fields)}")
        term, gl, kind, note = fields
        if not term or term != term.strip():
            raise GlossaryError(f"{p}:{no}: field 'term' is empty or padded")
        if not gl.strip():
            raise GlossaryError(f"{p}:{no}: field 'gloss_en' is empty")
        if kind not in _KINDS:
            raise GlossaryError(f"{p}:{no}: field 'kind' {kind!r} must be one of {_KINDS}")
        if term in seen:
            raise GlossaryError(f"{p}:{no}: duplicate term {term!r} (first on line {seen[term]})")
        seen[term] = no
        rows.append((term, gl, kind, note, no))
    return pd.DataFrame(rows, columns=[*GLOSSARY_COLUMNS, "line"])


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    lex = read_lexicon()
    gen = read_glossary_file()
    both = sorted(set(lex["term"]) & set(gen["term"]))
    if both:
        raise GlossaryError(f"{GLOSSARY_PATH}: terms also in the lexicon (gloss them there only): {both[:10]}")
    out = dict(_PLACEHOLDER_GLOSSES)
    out.update(zip(gen["term"], gen["gloss_en"]))
    out.update(zip(lex["term"].astype(str), lex["gloss_en"].astype(str)))
    return out


def glossary() -> pd.DataFrame:
    """All glosses: ``term``, ``gloss_en``, ``source`` (lexicon, glossary, placeholder).

    Examples
    --------
    >>> g = glossary()
    >>> set(g["source"]) == {"lexicon", "glossary", "placeholder"}
    True
    """
    lex = read_lexicon()
    gen = read_glossary_file()
    parts = [
        pd.DataFrame({"term": list(_PLACEHOLDER_GLOSSES), "gloss_en": list(_PLACEHOLDER_GLOSSES.values()), "source": "placeholder"}),
        pd.DataFrame({"term": gen["term"], "gloss_en": gen["gloss_en"], "source": "glossary"}),
        pd.DataFrame({"term": lex["term"].astype(str), "gloss_en": lex["gloss_en"].astype(str), "source": "lexicon"}),
    ]
    return pd.concat(parts, ignore_index=True)


def gloss(term: str, *, missing: str = "keep") -> str:
    """English gloss of *term*.

    Parameters
    ----------
    term : str
    missing : {"keep", "empty", "raise"}, default "keep"
        What to return for an unknown term: the term itself, ``""``, or
        raise :class:`KeyError`.

    Examples
    --------
    >>> gloss("外防输入")
    'guard against imported cases'
    >>> gloss("〔PERSON〕")
    '[person]'
    >>> gloss("某某词")
    '某某词'
    """
    table = _lookup()
    if term in table:
        return table[term]
    if missing == "keep":
        return term
    if missing == "empty":
        return ""
    if missing == "raise":
        raise KeyError(f"no English gloss for {term!r}; add it to {GLOSSARY_PATH.name}")
    raise ValueError(f"missing must be 'keep', 'empty' or 'raise', not {missing!r}")


def gloss_label(term: str) -> str:
    """``"term (gloss)"`` for axis labels; the bare term when no gloss is known."""
    g = gloss(term, missing="empty")
    return f"{term} ({g})" if g else term


__all__ = ["GLOSSARY_PATH", "GlossaryError", "read_glossary_file", "glossary", "gloss", "gloss_label"]
