"""HTML, templating and URLs inside text.

Archived articles (Markdown with embedded HTML), feeds and saved pages carry
markup that is not content: ``<figure><img src=… alt=…><figcaption>…``,
Hugo/Jekyll shortcodes (``{{< video … >}}``, ``{{% notice %}}``) and bare
URLs. Left in, they become the most frequent "words" of a corpus (``https``,
``figcaption``, ``src``, ``img``).

Markup is found by an HTML parser, not by patterns: the standard library's
:class:`html.parser.HTMLParser` (CPython's maintained HTML tokenizer, the one
BeautifulSoup uses as its ``"html.parser"`` builder). It is used directly,
because every edit must carry the exact source offsets of the markup it
removes so that the audit replays (neither BeautifulSoup nor selectolax
exposes the end offsets of tags and text nodes). The parser partitions the
text into events (start tag, end tag, text, entity, comment, declaration);
each event's source span runs to the next event's start.

==================  ==========================================================
rule                what it does
==================  ==========================================================
``html_document``   a whole HTML page (``<!DOCTYPE html``, ``<html``, or both
                    ``<head`` and ``<body``) loses all its markup: tags,
                    comments, ``<head>`` (its ``<title>`` becomes metadata
                    ``title``), ``<script>``/``<style>``/``<noscript>``
                    content; block tags become line breaks; entities are
                    decoded (``replaced``). Runs before every profile (step 0).
``html_markup``     HTML elements inside text (known tag names only, so
                    ``<PERSON>``-like strings stay): tags removed, block tags
                    become line breaks, ``<img>`` (with its ``alt``) dropped,
                    embedded players and scripts dropped with their content,
                    link text kept, entities decoded. A ``<figcaption>``
                    becomes a caption line of its own; its text is kept and
                    recorded in the audit with action ``moved`` (removed and
                    replacement equal: zero characters net).
``shortcodes``      ``{{< … >}}`` and ``{{% … %}}`` removed (the text between
                    a paired shortcode is kept); a ``caption="…"`` of a
                    ``figure`` shortcode is kept as a caption line (``moved``).
``bare_urls``       ``https://…``, ``www.…``, ``web.archive.org/…`` and
                    ``<https://…>`` autolinks removed (Markdown links keep
                    their text through ``markdown_markup``, which runs first).
==================  ==========================================================
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from discourse.cleaning.rules import Context, Edit

#: HTML element names treated as markup inside text.
KNOWN_TAGS = frozenset(
    "a abbr address article aside audio b bdi bdo big blockquote body br button canvas caption center cite code "
    "col colgroup data dd del details dfn div dl dt em embed figcaption figure font footer form h1 h2 h3 h4 h5 h6 "
    "head header hr html i iframe img input ins kbd label legend li link main mark meta nav noscript object ol "
    "optgroup option p param picture pre q s samp script section select small source span strike strong style "
    "sub summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var video "
    "wbr".split()
)
#: Elements that end a line (their tags become a line break).
BLOCK_TAGS = frozenset(
    "address article aside blockquote body br caption dd details div dl dt figcaption figure footer form h1 h2 "
    "h3 h4 h5 h6 header hr html li main nav ol p pre section summary table tbody td tfoot th thead tr ul "
    "video iframe picture".split()
)
#: Elements dropped with everything inside them.
DROP_CONTENT = frozenset("script style noscript template svg iframe video audio object canvas select textarea".split())
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())

_TAG_HINT_RE = re.compile(r"</?(?:" + "|".join(sorted(KNOWN_TAGS, key=len, reverse=True)) + r")\b|<!--", re.I)
_ENTITY_HINT_RE = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
_PAGE_RE = re.compile(r"\A\ufeff?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_HEAD_RE = re.compile(r"<head[\s>]", re.I)
_BODY_RE = re.compile(r"<body[\s>]", re.I)


class _Events(HTMLParser):
    """Partition a text into parser events with their source offsets."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.events: list[tuple[str, int, str, list]] = []  # kind, start, tag/name, attrs
        self.feed(text)
        self.close()
        self.n = len(text)

    def _pos(self) -> int:
        line, col = self.getpos()
        return self._starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", self._pos(), tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.events.append(("startend", self._pos(), tag, attrs))

    def handle_endtag(self, tag):
        self.events.append(("end", self._pos(), tag, []))

    def handle_data(self, data):
        self.events.append(("data", self._pos(), "", []))

    def handle_entityref(self, name):
        self.events.append(("entity", self._pos(), name, []))

    def handle_charref(self, name):
        self.events.append(("entity", self._pos(), name, []))

    def handle_comment(self, data):
        self.events.append(("markup", self._pos(), "", []))

    def handle_decl(self, decl):
        self.events.append(("markup", self._pos(), "", []))

    def handle_pi(self, data):
        self.events.append(("markup", self._pos(), "", []))

    def unknown_decl(self, data):
        self.events.append(("markup", self._pos(), "", []))

    def spans(self) -> list[tuple[str, int, int, str]]:
        """``(kind, start, end, tag)`` for each event; spans tile the text."""
        out = []
        for k, (kind, start, tag, _) in enumerate(self.events):
            end = self.events[k + 1][1] if k + 1 < len(self.events) else self.n
            if end < start:
                raise ValueError(f"HTML parser events out of order at offset {start}")
            out.append((kind, start, end, tag))
        return out


def looks_like_html_page(text: str) -> bool:
    """Whether *text* is a whole HTML page rather than text with some markup.

    Examples
    --------
    >>> looks_like_html_page("<!DOCTYPE html><html><body><p>正文</p></body></html>")
    True
    >>> looks_like_html_page("正文<figure><img src='a.jpg'></figure>")
    False
    """
    if _PAGE_RE.match(text):
        return True
    head = text[:5000]
    return bool(_HEAD_RE.search(head) and _BODY_RE.search(text))


def _strip_markup(text: str, ctx: Context | None, *, page: bool) -> list[Edit]:
    ev = _Events(text)
    edits: list[Edit] = []
    drop: list[str] = []  # open elements whose content is dropped
    caption = 0
    title_parts: list[str] = []
    in_title = False
    for kind, a, b, tag in ev.spans():
        src = text[a:b]
        if a == b:
            continue
        if kind in ("start", "end", "startend"):
            known = tag in KNOWN_TAGS
            if not (known or page):
                if drop:
                    edits.append(Edit(a, b, src, ""))
                continue
            dropper = tag in DROP_CONTENT or (page and tag == "head")
            if kind == "start" and dropper and tag not in _VOID:
                drop.append(tag)
            elif kind == "end" and drop and tag == drop[-1]:
                drop.pop()
                edits.append(Edit(a, b, src, ""))
                continue
            if tag == "title" and page:
                in_title = kind == "start"
            if tag == "figcaption" and not drop:
                caption += 1 if kind == "start" else -1 if kind == "end" else 0
                caption = max(caption, 0)
            new = "\n" if (tag in BLOCK_TAGS and not drop) else ""
            edits.append(Edit(a, b, src, new))
        elif kind == "markup":
            edits.append(Edit(a, b, src, ""))
        elif kind == "entity":
            if drop:
                if in_title:
                    title_parts.append(html.unescape(src))
                edits.append(Edit(a, b, src, ""))
                continue
            new = html.unescape(src)
            if new != src:
                edits.append(Edit(a, b, src, new, "replaced"))
        else:  # data
            if drop:
                if in_title:
                    title_parts.append(src)
                edits.append(Edit(a, b, src, ""))
            elif caption and src.strip():
                edits.append(Edit(a, b, src, src, "moved", "figcaption kept as a caption line"))
    if ctx is not None and title_parts:
        ctx.record("title", re.sub(r"\s+", " ", "".join(title_parts)).strip())
    return edits


def html_document(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove the markup of a whole HTML page, keeping its text.

    Does nothing unless :func:`looks_like_html_page`.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> page = "<!DOCTYPE html><html><head><title>会议</title><style>p{}</style></head>"
    >>> page += "<body><p>疫情防控&amp;复工</p><script>x()</script></body></html>"
    >>> apply_edits(page, html_document(page)).strip()
    '疫情防控&复工'
    """
    if "<" not in text or not looks_like_html_page(text):
        return []
    return _strip_markup(text, ctx, page=True)


def html_markup(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove HTML elements inside text; keep captions as lines, drop images.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = '正文。\\n<figure><img src="a.jpg" alt="图"><figcaption>市民排队检测</figcaption></figure>\\n下文。'
    >>> [line for line in apply_edits(s, html_markup(s)).split("\\n") if line]
    ['正文。', '市民排队检测', '下文。']
    """
    if _TAG_HINT_RE.search(text) is None:
        return []
    return _strip_markup(text, ctx, page=False)


_SC_RE = re.compile(r"\{\{[<%].{0,2000}?[>%]\}\}", re.S)
_CAPTION_ATTR_RE = re.compile(r"""\b(?:caption|title)\s*=\s*(?P<q>["'])(?P<cap>[^"'\n]+)(?P=q)""")


def shortcodes(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove Hugo/Jekyll shortcodes; keep a figure shortcode's caption.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = '前文。{{< video src="a.mp4" >}}\\n{{< figure src="b.jpg" caption="核酸检测点" >}}\\n后文。'
    >>> apply_edits(s, shortcodes(s))
    '前文。\\n\\n核酸检测点\\n\\n后文。'
    """
    if "{{" not in text:
        return []
    edits: list[Edit] = []
    for m in _SC_RE.finditer(text):
        src = m.group(0)
        cap = _CAPTION_ATTR_RE.search(src) if re.match(r"\{\{[<%]\s*figure\b", src) else None
        if cap is None:
            edits.append(Edit(m.start(), m.end(), src, ""))
            continue
        c0, c1 = m.start() + cap.start("cap"), m.start() + cap.end("cap")
        edits.append(Edit(m.start(), c0, text[m.start() : c0], "\n"))
        edits.append(Edit(c0, c1, text[c0:c1], text[c0:c1], "moved", "figure shortcode caption kept as a line"))
        edits.append(Edit(c1, m.end(), text[c1 : m.end()], "\n"))
    return edits


_URL_STOP = "\\s<>\"'，。；：！？（）《》【】「」『』、\u3400-\u9fff"
URL_RE = re.compile(
    f"<(?:https?|ftp)://[^{_URL_STOP}]+>"
    f"|(?:https?|ftp)://[^{_URL_STOP}]+"
    f"|(?<![\\w.@/-])(?:www\\.|web\\.archive\\.org/)[^{_URL_STOP}]+"
)


def bare_urls(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove bare URLs (trailing ASCII punctuation that ends a sentence stays).

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "详见https://web.archive.org/web/2020/https://a.hk/x.html。又见 www.gov.hk."
    >>> apply_edits(s, bare_urls(s))
    '详见。又见 .'
    """
    if "://" not in text and "www." not in text and "web.archive.org" not in text:
        return []
    edits = []
    for m in URL_RE.finditer(text):
        src = m.group(0)
        if not src.startswith("<"):
            keep = src.rstrip(".,;:!?")
            if keep.endswith(")") and keep.count("(") < keep.count(")"):
                keep = keep[:-1]
            src = keep
        if src:
            edits.append(Edit(m.start(), m.start() + len(src), src, ""))
    return edits


__all__ = [
    "KNOWN_TAGS",
    "BLOCK_TAGS",
    "DROP_CONTENT",
    "URL_RE",
    "looks_like_html_page",
    "html_document",
    "html_markup",
    "shortcodes",
    "bare_urls",
]
