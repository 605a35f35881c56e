"""Markdown input: YAML front matter, markup and the meeting dateline.

Documents such as the government work reports are Markdown files that open
with a YAML front matter block (``---`` … ``---``) holding the title and the
source URL. :func:`front_matter` removes that block and records its fields as
metadata; it also marks the document as Markdown, and only then (or when the
text holds markup that only Markdown has, such as a whole line in bold) does
:func:`markdown_markup` strip markup (``**bold**``, ``# headings``, ``> quotes``,
list bullets, footnote markers ``[^1]``, links, HTML comments and ``<br>``),
keeping the text inside. Plain-text documents are left alone by the markup
rule, so a ``***`` redaction in a scraped page is never taken for emphasis.

:func:`meeting_dateline` removes the line under a report's title that names
the date and the meeting (``——2015年1月18日在南京市第十五届人民代表大会第三次会议上``)
and records both as metadata.
"""

from __future__ import annotations

import re

import yaml

from discourse.cleaning.rules import Context, Edit, iter_lines, line_edit

FRONT_MATTER_RE = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)

_MD_LINE_RES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^ {0,3}#{1,6}[ \t]+"), ""),  # ATX heading marker
    (re.compile(r"^ {0,3}>[ \t]?"), ""),  # block quote
    (re.compile(r"^ {0,3}[-*+][ \t]+"), ""),  # list bullet
)
_MD_INLINE_RE = re.compile(
    r"<!--.*?-->"  # HTML comment (may span lines)
    r"|<br\s*/?>"  # line break tag
    r"|!\[[^\]\n]*\]\([^)\n]*\)"  # image
    r"|\[\^\d+\]:?[ \t]?"  # footnote marker / footnote definition
    r"|\*{2,}|_{2,}(?=\S)|(?<=\S)_{2,}"  # emphasis markers
    r"|\\(?=[\\`*_{}\[\]()#+\-.!|])",  # backslash escape
    re.S,
)
_MD_LINK_RE = re.compile(r"\[([^\]\n]+)\]\((?:https?://|/)[^)\s]*\)")
#: Markup that only Markdown has: a whole line in bold, an ATX heading, a footnote mark.
MARKDOWN_HINT_RE = re.compile(r"^\*\*[^*\n]+\*\*[ \t]*$|^#{1,6}[ \t]+\S|\[\^\d+\]", re.M)
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")

_DATE = r"(?:(?P<y>\d{4})\s*年)?\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
DATELINE_RE = re.compile(
    r"^(?:[—─―\-－]{1,4}|[（(])\s*" + _DATE + r"\s*在(?P<meeting>.{2,60}?(?:会议|大会|会))(?:上)?\s*[)）]?\s*$"
)


def front_matter(text: str, ctx: Context) -> list[Edit]:
    """Remove a leading YAML front matter block; record its fields.

    ``title`` is recorded as ``title`` and ``source`` (or ``url``) as
    ``source_url``; the document is marked as Markdown for
    :func:`markdown_markup`.

    Raises
    ------
    ValueError
        When the block is not valid YAML (the message names the document).
    """
    m = FRONT_MATTER_RE.match(text)
    if m is None:
        return []
    try:
        fields = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"document {ctx.doc_id!r}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(fields, dict):
        raise ValueError(f"document {ctx.doc_id!r}: front matter is not a mapping of fields")
    ctx.state["markdown"] = True
    ctx.record("title", str(fields["title"]) if fields.get("title") else None)
    url = fields.get("source") or fields.get("url")
    ctx.record("source_url", str(url) if url else None)
    return [Edit(m.start(), m.end(), m.group(0), "")]


def markdown_markup(text: str, ctx: Context, *, force: bool = False) -> list[Edit]:
    """Strip Markdown markup, keeping the text it wraps.

    Runs only for documents marked as Markdown by :func:`front_matter`, for
    documents holding markup that only Markdown has (a whole line in bold,
    an ATX heading, a footnote mark ``[^1]``; :data:`MARKDOWN_HINT_RE`), or
    with ``force=True``. Table rule lines (``|---|---|``) are removed whole;
    ``<br>`` becomes a line break; links keep their text.
    """
    if not (force or ctx.state.get("markdown") or MARKDOWN_HINT_RE.search(text)):
        return []
    edits: list[Edit] = []
    for m in _MD_INLINE_RE.finditer(text):
        new = "\n" if m.group(0).startswith("<br") else ""
        edits.append(Edit(m.start(), m.end(), m.group(0), new))
    for m in _MD_LINK_RE.finditer(text):
        edits.append(Edit(m.start(), m.end(), m.group(0), m.group(1)))
    for start, end, line in iter_lines(text):
        if _TABLE_RULE_RE.match(line) and line.strip():
            edits.append(line_edit(text, start, end))
            continue
        for pat, new in _MD_LINE_RES:
            lm = pat.match(line)
            if lm:
                edits.append(Edit(start, start + lm.end(), lm.group(0), new))
                break
    return _drop_overlaps(edits)


def _drop_overlaps(edits: list[Edit]) -> list[Edit]:
    """Keep the first of overlapping edits (in start order, longest first)."""
    out: list[Edit] = []
    pos = -1
    for e in sorted(edits, key=lambda e: (e.start, -(e.end - e.start))):
        if e.start >= pos:
            out.append(e)
            pos = e.end
    return out


def meeting_dateline(text: str, ctx: Context) -> list[Edit]:
    """Remove a ``——<date>在<meeting>上`` dateline; record date and meeting.

    Only a line made of nothing but the dash (or parentheses), the date and
    the meeting qualifies, so the dash-led bullet paragraphs of a report
    (``——民生福祉持续增进。…``) are kept. ``event_date`` is recorded as
    ``YYYY-MM-DD`` when the year is given (``--MM-DD`` otherwise).
    """
    edits = []
    for start, end, line in iter_lines(text):
        m = DATELINE_RE.match(line.strip())
        if m is None:
            continue
        y, mo, d = m.group("y"), int(m.group("m")), int(m.group("d"))
        ctx.record("event_date", f"{y}-{mo:02d}-{d:02d}" if y else f"--{mo:02d}-{d:02d}")
        ctx.record("meeting", re.sub(r"\s+", "", m.group("meeting")))
        edits.append(line_edit(text, start, end))
        break  # one dateline per document
    return edits


__all__ = ["front_matter", "markdown_markup", "meeting_dateline", "FRONT_MATTER_RE", "DATELINE_RE"]
