"""Control characters: NUL, bidirectional controls and other C0/C1 controls.

Text decoded from files or feeds can hold characters that are never content:
NUL bytes (``U+0000``, e.g. after the first 64 KiB of a damaged file), other
C0 controls (``U+0001``–``U+001F`` except line feed and tab; e.g. ``U+001C``
in a YAML title, which makes the YAML parser refuse the header), DEL
(``U+007F``), C1 controls (``U+0080``–``U+009F``) and the invisible
bidirectional formatting characters that reorder what a reader sees
(``U+202A``–``U+202E`` embeddings and overrides, ``U+2066``–``U+2069``
isolates, ``U+200E``/``U+200F`` marks, ``U+061C`` Arabic letter mark):
the "Trojan Source" characters of CVE-2021-42574.

:func:`control_characters` removes every one of them (each run one audit
row). It runs first, before any profile's rules (step ``-1`` of the audit),
so that no later rule, parser or reader sees them. Carriage returns are
controls too: the loader has already turned line endings into ``\\n``, so a CR
left in the text is a stray one.
"""

from __future__ import annotations

import re

from discourse.cleaning.rules import Context, Edit

#: Characters removed by :func:`control_characters`.
CONTROL_CHARS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 except \t (09) and \n (0a), DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides, isolates
)
CONTROL_RE = re.compile(f"[{CONTROL_CHARS}]+")


def control_characters(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove NUL, bidi controls and other C0/C1 control characters.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "疫情\\x00防控\\u202e工作\\t要求\\n下一段"
    >>> apply_edits(s, control_characters(s))
    '疫情防控工作\\t要求\\n下一段'
    """
    if CONTROL_RE.search(text) is None:  # the common case: one C-level scan
        return []
    return [Edit(m.start(), m.end(), m.group(0), "") for m in CONTROL_RE.finditer(text)]


__all__ = ["CONTROL_CHARS", "CONTROL_RE", "control_characters"]
