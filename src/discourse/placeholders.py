"""Placeholder tokens shared by cleaning, segmentation and analysis.

Cleaning replaces redaction and anonymisation marks in the source texts by
these explicit placeholders (so they stay visible and countable); the
tokenizer keeps each placeholder as one token and, by default, excludes it
from the vocabulary. Masking during segmentation uses the same mechanism for
person names and numbers.

All placeholders share one shape, ``〔NAME〕`` with the full-width tortoise
shell brackets U+3014/U+3015, which never occur in the source texts, so a
single regular expression (:data:`PLACEHOLDER_RE`) finds them all.
"""

from __future__ import annotations

import re

#: "***" and similar runs of asterisks: a name or office removed by the site.
REDACTED = "〔REDACTED〕"
#: "XX" standing for a place name or a number withheld by the publisher.
ANON = "〔XX〕"
#: A single "X" inside a word (e.g. 返X来X: "returning to / coming to [city]").
ANON_CHAR = "〔X〕"
#: A person name masked by the tokenizer (officials named in the texts).
PERSON = "〔PERSON〕"
#: A number normalised by the tokenizer.
NUMBER = "〔NUM〕"
#: A date normalised by the tokenizer.
DATE = "〔DATE〕"

ALL: tuple[str, ...] = (REDACTED, ANON, ANON_CHAR, PERSON, NUMBER, DATE)

#: Matches any placeholder of the ``〔NAME〕`` shape.
PLACEHOLDER_RE = re.compile(r"〔[A-Z]+〕")


def is_placeholder(token: str) -> bool:
    """Return True when *token* is exactly one placeholder.

    Examples
    --------
    >>> is_placeholder("〔REDACTED〕")
    True
    >>> is_placeholder("疫情")
    False
    """
    return PLACEHOLDER_RE.fullmatch(token) is not None


__all__ = [
    "REDACTED",
    "ANON",
    "ANON_CHAR",
    "PERSON",
    "NUMBER",
    "DATE",
    "ALL",
    "PLACEHOLDER_RE",
    "is_placeholder",
]
