"""Redaction and anonymisation marks become explicit placeholders.

Publishers hide names, places and numbers with marks that a tokenizer would
otherwise turn into words. :func:`redaction_marks` replaces them by the
placeholders of :mod:`discourse.placeholders`, which later steps keep as one
token and exclude from the vocabulary:

- a run of three or more asterisks ``***`` (a name or an office removed):
  ``〔REDACTED〕``;
- ``XX`` (or a longer run of X) not part of a Latin word: ``〔XX〕`` (a place
  or a number withheld, ``XX作为旅游城市``, ``XX余名党员``);
- a single ``X`` next to a Chinese character, not part of a Latin word,
  a number or a formula: ``〔X〕`` (``返X来X人员``, ``X次核酸检测``; but not
  ``“1+5+X”`` nor the words in :data:`X_WORDS` such as ``X射线``).

Full-width ``ＸＸ`` and ``＊＊＊`` are folded to ASCII earlier by
:func:`discourse.cleaning.punctuation.normalize_width`. Counts per document
are taken from the clean text (:func:`count_placeholders`).
"""

from __future__ import annotations

import re

from discourse import placeholders as ph
from discourse.cleaning.rules import HAN, Context, Edit

#: Words in which a lone X is a letter, not a mark (X射线, X光).
X_WORDS = ("X射线", "X光", "X线")
REDACTION_RE = re.compile(
    r"(?P<stars>\*{3,})"
    r"|(?<![A-Za-z〔])(?P<xx>X{2,})(?![A-Za-z〕])"
    r"|(?<![A-Za-z0-9〔+＋/-])(?P<x>X)(?![A-Za-z0-9〕+＋/-])"
    f"(?!{'|'.join(re.escape(w[1:]) for w in X_WORDS)})"
    f"(?:(?<=[{HAN}]X)|(?=[{HAN}]))"
)
#: The placeholders produced by cleaning, with the column suffix used for counts.
CLEANING_PLACEHOLDERS = {ph.REDACTED: "redacted", ph.ANON: "xx", ph.ANON_CHAR: "x"}


def redaction_marks(text: str, ctx: Context | None = None) -> list[Edit]:
    """Replace ``***``, ``XX`` and a lone ``X`` by placeholders.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "领会***对疫情，XX余名党员，返X来X人员，X次核酸检测，“1+5+X”，X射线，XBB"
    >>> apply_edits(s, redaction_marks(s))
    '领会〔REDACTED〕对疫情，〔XX〕余名党员，返〔X〕来〔X〕人员，〔X〕次核酸检测，“1+5+X”，X射线，XBB'
    """
    if "X" not in text and "***" not in text:  # nothing the pattern can match
        return []
    edits = []
    for m in REDACTION_RE.finditer(text):
        new = ph.REDACTED if m.group("stars") else ph.ANON if m.group("xx") else ph.ANON_CHAR
        edits.append(Edit(m.start(), m.end(), m.group(0), new))
    return edits


def count_placeholders(text: str) -> dict[str, int]:
    """Count each cleaning placeholder in *text*.

    Examples
    --------
    >>> count_placeholders("返〔X〕来〔X〕，〔XX〕")
    {'〔REDACTED〕': 0, '〔XX〕': 1, '〔X〕': 2}
    """
    return {p: text.count(p) for p in CLEANING_PLACEHOLDERS}


__all__ = ["REDACTION_RE", "CLEANING_PLACEHOLDERS", "redaction_marks", "count_placeholders"]
