"""SEO spam: inserted title lines, stuffed keywords and advert lines.

Spam pages insert lines that look like the ``<title>`` of another page, made of
segments joined by underscores::

    黑龙江省种猪场疫病监测和净化技术工作研究报告_疫情疫病监测制度_疫情疫病监测制度

The first segment is the spam page's own title; the following segments are
the *keywords* it is optimised for, and the same keywords are glued into
content sentences (``…的出发点和落脚点疫情疫病监测制度，坚持…``).
:func:`seo_spam` removes every spam line and every occurrence of its keywords
(four Han characters or more) elsewhere in the document, keeping the
sentences. A spam line is a line with at least two underscores whose
underscore-separated segments are all at least two characters long and that
holds no sentence punctuation.

:func:`advert_line` removes short advert lines giving a contact (``验血检查咨询：DNA262728``,
``咨询热线：400-…``, ``加微信：…``).
"""

from __future__ import annotations

import re

from discourse.cleaning.rules import HAN, Context, Edit, drop_lines, iter_lines, remove_lines

SPAM_LINE_RE = re.compile(r"^[^。！？，；_\s]{2,80}(?:_[^。！？，；_\s]{2,80}){2,}$")
_KEYWORD_RE = re.compile(f"^[{HAN}]{{4,}}$")
ADVERT_RE = re.compile(
    r"^(?=.{0,50}$)[^。！？，]{0,25}(?:咨询|热线|电话|微信|加微|QQ|qq|客服|联系方式)\s*[：:]?\s*[A-Za-z0-9][A-Za-z0-9\-]{4,}$"
)


def seo_spam(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove SEO spam title lines and their keywords stuffed into sentences.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "某某研究报告_疫情疫病监测制度_疫情疫病监测制度\\n要坚持出发点疫情疫病监测制度，坚持依法治理。"
    >>> apply_edits(s, seo_spam(s))
    '要坚持出发点，坚持依法治理。'
    """
    keywords: set[str] = set()
    lines: list[tuple[int, int]] = []
    for start, end, line in iter_lines(text):
        s = line.strip()
        if SPAM_LINE_RE.match(s):
            keywords.update(k for k in s.split("_")[1:] if _KEYWORD_RE.match(k))
            lines.append((start, end))
    edits = remove_lines(text, lines)
    spam_spans = [(e.start, e.end) for e in edits]
    if keywords:
        pat = re.compile("|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True)))
        for m in pat.finditer(text):
            if any(a <= m.start() < b for a, b in spam_spans):
                continue
            edits.append(Edit(m.start(), m.end(), m.group(0), ""))
    if ctx is not None and keywords:
        ctx.state["spam_keywords"] = sorted(keywords)
    return edits


def advert_line(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove short advert lines ending in a contact number or code.

    Examples
    --------
    >>> advert_line("验血检查咨询：DNA262728\\n正文。")[0].removed
    '验血检查咨询：DNA262728\\n'
    """
    return drop_lines(text, ctx, pattern=ADVERT_RE)


__all__ = ["seo_spam", "advert_line"]
