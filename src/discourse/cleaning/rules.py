"""The machinery of cleaning rules: edits, rules and the shared context.

A cleaning *rule* is a small named step ``str -> str``. Unlike a bare function
it also reports what it did: every rule returns the list of :class:`Edit` s it
made, each an interval ``[start, end)`` of the rule's *input* text, the text
removed there and the text put in its place. Applying the edits to the input
gives the output, so the audit trail is complete by construction: replaying
the audit of a document, step by step, turns the raw text into the clean text
(:func:`replay_audit`).

Rules are built textacy-style from plain functions configured with
:func:`functools.partial`::

    Rule("drop_end_marker", functools.partial(drop_lines, pattern=END_RE), "...")

and are callable as ``rule(text) -> str`` for quick use. Inside
:func:`discourse.cleaning.clean_text` they share a :class:`Context` through
which they report metadata found in the boilerplate they remove (publication
date, outlet, original title, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

#: Han characters (CJK unified ideographs, extension A, compatibility).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Chinese (full-width) punctuation and the tortoise-shell placeholder brackets.
CJK_PUNCT = "\u3001-\u3013\u3016-\u303f\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
#: A character that makes its neighbourhood "CJK context".
CJK = HAN + CJK_PUNCT


@dataclass(frozen=True)
class Edit:
    """One change made by a rule: ``text[start:end]`` became ``replacement``.

    Offsets refer to the text the rule received (its input). *action* says
    what happened to the removed characters (``removed``, ``replaced`` or
    ``moved``; ``None``: the rule's default, see
    :func:`discourse.cleaning.pipeline.edit_action`); *note* is an optional
    remark written in the audit (e.g. how many documents a boilerplate line
    recurs in).
    """

    start: int
    end: int
    removed: str
    replacement: str = ""
    action: str | None = None
    note: str | None = None


@dataclass
class Context:
    """State shared by the rules while one document is cleaned.

    Attributes
    ----------
    doc_id : str
        Identifier of the document (used in audit rows and error messages).
    title : str or None
        Headline known from the manifest, if any: lines repeating it are
        removed by ``repeated_title``.
    metadata : dict
        Facts found in boilerplate (``field -> value``); the first value found
        for a field is kept.
    state : dict
        Scratch space for rules that inform later rules (e.g. the detected
        title, whether the input was Markdown).
    """

    doc_id: str = ""
    title: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    def record(self, name: str, value: Any) -> None:
        """Record metadata *name* = *value* unless it is empty or already set."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return
        if isinstance(value, str):
            value = value.strip()
        self.metadata.setdefault(name, value)


#: Signature of a rule's function: ``func(text, ctx) -> list of edits``.
RuleFunc = Callable[..., list[Edit]]


@dataclass(frozen=True)
class Rule:
    """A named, documented cleaning step.

    Parameters
    ----------
    name : str
        Short identifier shown in the audit table.
    func : callable
        ``func(text, ctx) -> list[Edit]``, usually a module-level function
        configured with :func:`functools.partial`. It must return
        non-overlapping edits of *text* (any order).
    description : str
        One sentence saying what the rule removes or changes.
    action : str, optional
        Default audit action of its edits: ``"moved"`` for rules that move
        what they remove into metadata, ``"replaced"`` for normalisations;
        ``None`` infers it per edit (a replacement with visible characters is
        ``replaced``, else ``removed``).

    Examples
    --------
    >>> import functools, re
    >>> r = Rule("drop_end", functools.partial(drop_lines, pattern=re.compile(r"^END$")),
    ...          "Remove END markers.")
    >>> r("正文。\\nEND\\n")
    '正文。\\n'
    """

    name: str
    func: RuleFunc
    description: str = ""
    action: str | None = None

    def edits(self, text: str, ctx: Context | None = None) -> list[Edit]:
        """Return the sorted edits this rule makes to *text*."""
        edits = sorted(self.func(text, ctx if ctx is not None else Context()), key=lambda e: e.start)
        _check_edits(text, edits, self.name)
        return edits

    def apply(self, text: str, ctx: Context | None = None) -> tuple[str, list[Edit]]:
        """Apply the rule: return the new text and the edits made."""
        edits = self.edits(text, ctx)
        return apply_edits(text, edits), edits

    def __call__(self, text: str) -> str:
        return self.apply(text)[0]


def _check_edits(text: str, edits: list[Edit], name: str) -> None:
    pos = 0
    for e in edits:
        if e.start < pos or e.end < e.start or e.end > len(text):
            raise ValueError(f"rule {name!r} returned overlapping or out-of-range edits: {e}")
        if text[e.start : e.end] != e.removed:
            raise ValueError(f"rule {name!r}: edit {e} does not match the input text")
        pos = e.end


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply sorted, non-overlapping *edits* to *text*.

    Examples
    --------
    >>> apply_edits("ab,,c", [Edit(2, 4, ",,", "，")])
    'ab，c'
    """
    out: list[str] = []
    pos = 0
    for e in edits:
        out.append(text[pos : e.start])
        out.append(e.replacement)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


# ---------------------------------------------------------------------------
# Generic building blocks, configured with functools.partial in the modules
# ---------------------------------------------------------------------------


def regex_sub(
    text: str,
    ctx: Context,
    *,
    pattern: re.Pattern[str],
    repl: str | Callable[[re.Match[str]], str] = "",
    record: Callable[[re.Match[str], Context], None] | None = None,
) -> list[Edit]:
    """Replace every match of *pattern* with *repl* (a string or a function).

    *record*, if given, is called with each match and the context so that the
    rule can store metadata found in the removed text.
    """
    edits = []
    literal = isinstance(repl, str) and "\\" not in repl  # no group references: skip Match.expand
    for m in pattern.finditer(text):
        if m.end() == m.start():
            continue
        new = repl if literal else repl(m) if callable(repl) else m.expand(repl)
        if record is not None:
            record(m, ctx)
        if new != m.group(0):
            edits.append(Edit(m.start(), m.end(), m.group(0), new))
    return edits


def iter_lines(text: str) -> Iterable[tuple[int, int, str]]:
    """Yield ``(start, end, line)`` for each line (``end`` excludes ``\\n``)."""
    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        if nl < 0:
            nl = n
        yield pos, nl, text[pos:nl]
        pos = nl + 1


def line_edit(text: str, start: int, end: int) -> Edit:
    """An edit removing the line ``text[start:end]`` with its line break."""
    if end < len(text):  # take the newline that follows
        return Edit(start, end + 1, text[start : end + 1], "")
    if start > 0:  # last line: take the newline before it
        return Edit(start - 1, end, text[start - 1 : end], "")
    return Edit(start, end, text[start:end], "")


def remove_lines(text: str, spans: Iterable[tuple[int, int]]) -> list[Edit]:
    """Edits removing each line ``text[start:end]`` with its line break.

    Consecutive lines never overlap: when the previous edit already took a
    line's leading newline, only the line itself is removed.

    Examples
    --------
    >>> [e.removed for e in remove_lines("a\\nb\\nc", [(0, 1), (2, 3)])]
    ['a\\n', 'b\\n']
    """
    edits: list[Edit] = []
    last = -1
    for start, end in spans:
        e = line_edit(text, start, end)
        if e.start < last:  # the previous edit took this line's leading newline
            e = Edit(start, end, text[start:end], "")
        if e.end > e.start:
            edits.append(e)
            last = e.end
    return edits


def drop_lines(
    text: str,
    ctx: Context,
    *,
    pattern: re.Pattern[str],
    record: Callable[[re.Match[str], Context], None] | None = None,
) -> list[Edit]:
    """Remove whole lines on which *pattern* matches (``search``).

    Whitespace at both ends of the line is ignored when matching.
    """
    spans = []
    for start, end, line in iter_lines(text):
        m = pattern.search(line.strip())
        if m is None:
            continue
        if record is not None:
            record(m, ctx)
        spans.append((start, end))
    return remove_lines(text, spans)


__all__ = [
    "HAN",
    "CJK",
    "CJK_PUNCT",
    "Edit",
    "Context",
    "Rule",
    "apply_edits",
    "regex_sub",
    "iter_lines",
    "line_edit",
    "remove_lines",
    "drop_lines",
]
