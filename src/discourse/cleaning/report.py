"""Work reports: datelines, titles, speaker lines and Markdown tables.

Government work reports (profile ``work_report``) open with the meeting's
date and the speaker, in several forms observed in the gov-work-reports
corpus (2,974 reports):

========================================================  =====================  =========
form                                                       rule                   share
========================================================  =====================  =========
``——2021年1月20日在三门峡市第七届人民代表大会第六次会议上``      ``report_dateline``    most
``（2022年1月5日在黔东南州第十五届人民代表大会第一次会议上）``   ``report_dateline``
``2021年3月2日在绵阳市第八届人民代表大会第五次会议上`` (no dash) ``report_dateline``    ~8 %
``（2022年12月12日）`` / ``2013年1月6日`` on a line of their own  ``report_dateline``
``二〇二一年一月二十三日在北京市…会议上`` (Chinese numerals)      ``report_dateline``
``绵阳市政府工作报告（2021年3月2日 元方）`` (the title)           ``title_metadata``
``市长陈新武``, ``三亚市代市长 包洪文``, ``自治区主席 严金海``       ``speaker_line``
========================================================  =====================  =========

The dateline without a dash, or a date alone, is looked for only among the
first :data:`TOP_LINES` non-empty lines before the body starts (the first
line ending in ``。：！？；``, e.g. ``各位代表：``); otherwise the secretariat's
date at the end of a report would be taken for it. It is removed and its date and
meeting recorded (``event_date``, ``meeting``, ``event_date_basis`` =
``dateline``). :func:`title_metadata` reads the manifest's or the front
matter's title and records ``event_date`` (basis ``title``, only when no
dateline gave one) and ``speaker_name``; it edits nothing.
:func:`speaker_line` removes the speaker's byline near the top and records
``speaker_name`` and ``speaker_role`` (so the tokenizer can mask the name
where it recurs). :func:`markdown_table` turns a Markdown table into text
rows, its cells joined with ``；`` (no separator after a cell that ends in
a sentence mark), and removes the rule line ``|---|---|``.
"""

from __future__ import annotations

import re

from discourse.cleaning.metadata import DATE_PATTERN, iso_date, parse_report_title
from discourse.cleaning.rules import Context, Edit, iter_lines, line_edit
from discourse.cleaning.script import diff_edits

#: Non-empty lines at the top of a report searched for dateline and speaker.
TOP_LINES = 8
_DASH = r"[—─―\-－]{1,4}"
_MEETING = r"在(?P<meeting>.{2,60}?(?:会议|大会|会))(?:上)?"
DATELINE_FORMS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    # name, pattern, only among the top lines
    ("dash", re.compile(rf"^{_DASH}\s*{DATE_PATTERN}\s*{_MEETING}\s*$"), False),
    ("parenthesised", re.compile(rf"^[（(]\s*{DATE_PATTERN}\s*{_MEETING}\s*[)）]\s*$"), False),
    ("bare", re.compile(rf"^{DATE_PATTERN}\s*{_MEETING}\s*$"), True),
    ("date_only", re.compile(rf"^(?:{_DASH})?\s*[（(]?\s*{DATE_PATTERN}\s*[)）]?\s*$"), True),
)
_ROLE = r"(?:代理|代)?(?:省长|市长|州长|盟长|区长|县长|旗长|主席|总理)"
SPEAKER_RE = re.compile(
    r"^(?P<role>[\u4e00-\u9fff]{0,20}?" + _ROLE + r")[ \t\u3000]*[：:]?[ \t\u3000]*"
    r"(?P<name>[\u4e00-\u9fff]{2,4}(?:·[\u4e00-\u9fff]{2,8})?)$"
)


_BODY_START_RE = re.compile(r"[。：:！？；]$|^.{61,}$")


def _top(text: str, n: int = TOP_LINES):
    """The first *n* non-empty lines before the body starts (a line ending
    in ``。：！？；``, such as ``各位代表：``, or a long line)."""
    k = 0
    for start, end, line in iter_lines(text):
        s = line.strip()
        if s:
            if _BODY_START_RE.search(s):
                return
            yield start, end, s
            k += 1
            if k >= n:
                return


def report_dateline(text: str, ctx: Context) -> list[Edit]:
    """Remove the report's dateline (any observed form); record date and meeting.

    Examples
    --------
    >>> ctx = Context()
    >>> s = "绵阳市政府工作报告\\n2021年3月2日在绵阳市第八届人民代表大会第五次会议上\\n各位代表："
    >>> [e.removed for e in report_dateline(s, ctx)], ctx.metadata["event_date"], ctx.metadata["event_date_basis"]
    (['2021年3月2日在绵阳市第八届人民代表大会第五次会议上\\n'], '2021-03-02', 'dateline')
    """
    top = {start for start, _, _ in _top(text)}
    for start, end, line in iter_lines(text):
        s = line.strip()
        if not s or len(s) > 90 or not ("年" in s and "月" in s):
            continue
        for _name, pat, top_only in DATELINE_FORMS:
            if top_only and start not in top:
                continue
            m = pat.match(s)
            if m is None:
                continue
            date = iso_date(m.group("y"), m.group("m"), m.group("d"))
            if date is None:
                continue
            ctx.record("event_date", date)
            ctx.record("event_date_basis", "dateline")
            if "meeting" in m.groupdict() and m.group("meeting"):
                ctx.record("meeting", re.sub(r"\s+", "", m.group("meeting")))
            return [line_edit(text, start, end)]
    return []


def title_metadata(text: str, ctx: Context) -> list[Edit]:
    """Record the meeting date and speaker named in the title (no edit).

    The title is the manifest's (``Context.title``) or, failing that, the
    one found in the front matter.

    Examples
    --------
    >>> ctx = Context(title="绵阳市政府工作报告（2021年3月2日 元方）")
    >>> title_metadata("各位代表：", ctx), ctx.metadata
    ([], {'event_date': '2021-03-02', 'event_date_basis': 'title', 'speaker_name': '元方'})
    """
    found = parse_report_title(ctx.title) or parse_report_title(ctx.metadata.get("title"))
    if "event_date" in found and "event_date" not in ctx.metadata:
        ctx.record("event_date", found["event_date"])
        ctx.record("event_date_basis", "title")
    if "speaker_name" in found:
        ctx.record("speaker_name", found["speaker_name"])
        ctx.state["title_speaker"] = found["speaker_name"]
    return []


def speaker_line(text: str, ctx: Context) -> list[Edit]:
    """Remove the speaker's byline near the top; record name and role.

    Examples
    --------
    >>> ctx = Context()
    >>> [e.removed for e in speaker_line("市长陈新武\\n各位代表：", ctx)], ctx.metadata
    (['市长陈新武\\n'], {'speaker_name': '陈新武', 'speaker_role': '市长'})
    """
    named = ctx.state.get("title_speaker")
    for start, end, s in _top(text):
        m = SPEAKER_RE.match(s)
        if m is not None:
            ctx.record("speaker_name", m.group("name"))
            ctx.record("speaker_role", m.group("role"))
            return [line_edit(text, start, end)]
        if named and (s == named or (s.endswith(named) and len(s) <= len(named) + 20 and not re.search("[。，：；]", s))):
            role = s[: -len(named)].strip()
            ctx.record("speaker_name", named)
            ctx.record("speaker_role", role or None)
            return [line_edit(text, start, end)]
    return []


_ROW_RE = re.compile(r"^\s*\|.*\|\s*$")
_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_CELL_SPLIT_RE = re.compile(r"(?<!\\)\|")
_NO_SEP_AFTER = "。；！？：，、"


def _row_text(line: str) -> str:
    cells = [c.strip() for c in _CELL_SPLIT_RE.split(line.strip())]
    cells = [c for c in cells if c]
    out = ""
    for c in cells:
        if out and out[-1] not in _NO_SEP_AFTER:
            out += "；"
        out += c
    return out


def markdown_table(text: str, ctx: Context | None = None) -> list[Edit]:
    """Turn Markdown tables into text rows (cells joined with ``；``).

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "重点事项如下。\\n|重点事项|牵头单位|实际进度|\\n|---|---|---|\\n|核酸检测|卫健委|完成。|"
    >>> apply_edits(s, markdown_table(s))
    '重点事项如下。\\n重点事项；牵头单位；实际进度\\n核酸检测；卫健委；完成。'
    """
    if "|" not in text:
        return []
    lines = list(iter_lines(text))
    edits: list[Edit] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and _ROW_RE.match(lines[i][2]) and _RULE_RE.match(lines[i + 1][2]):
            j = i
            while j < len(lines) and (_ROW_RE.match(lines[j][2]) or _RULE_RE.match(lines[j][2])):
                start, end, line = lines[j]
                if _RULE_RE.match(line):
                    edits.append(line_edit(text, start, end))
                else:
                    for e in diff_edits(line, _row_text(line)):
                        edits.append(Edit(start + e.start, start + e.end, e.removed, e.replacement))
                j += 1
            i = j
        else:
            i += 1
    return sorted(edits, key=lambda e: e.start)


__all__ = ["TOP_LINES", "DATELINE_FORMS", "SPEAKER_RE", "report_dateline", "title_metadata", "speaker_line",
           "markdown_table"]
