"""Template-site ("范文") wrappers.

Model-essay sites wrap a user-submitted text in their own furniture. These
rules remove it (the posting-time header ``时间：… 来源：网友投稿`` is handled by
:func:`discourse.cleaning.chrome.header_line`):

- :func:`template_preamble`: the editor's sentence ``下面是小编为大家整理的…，供大家参考。``;
- :func:`hidden_content_marker`: the paywall marker ``当前隐藏内容免费查看`` that the
  site inserts *inside* a sentence (the sentence is rejoined, with the
  whitespace around the marker);
- :func:`keyword_tail`: the ``推荐访问：…`` keyword line at the end (also
  ``相关热词搜索：``, ``本文标签：``).
"""

from __future__ import annotations

import re

from discourse.cleaning.rules import Context, Edit, drop_lines, regex_sub
from discourse.cleaning.punctuation import WHITESPACE

PREAMBLE_RE = re.compile(
    r"(?:下面|以下)(?:是|为)?(?:小编|本站|编辑)[^。\n]{0,200}?"
    r"(?:供大家参考|仅供参考|欢迎阅读|欢迎大家阅读|希望对大家有所帮助|供您参考|欢迎借鉴|希望对您有所帮助)"
    r"[^。\n]{0,30}?(?:[。！!.]|$)",
    re.M,
)
HIDDEN_RE = re.compile(
    f"[{WHITESPACE}]*(?:(?:当前|以下|剩余)?隐藏内容(?:免费|需要付费|仅会员可)?查看|此处隐藏\\d*字|剩余\\d*字(?:内容)?已隐藏)[{WHITESPACE}]*"
)
TAIL_RE = re.compile(r"^(?:推荐访问|相关热词搜索|热门搜索|本文标签|文章标签|热门标签|相关搜索)[：:]")


def template_preamble(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove the template site's "compiled by the editor" sentence.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "下面是小编为大家整理的疫情防控发言材料，供大家参考。\\n正文。"
    >>> apply_edits(s, template_preamble(s))
    '\\n正文。'
    """
    return regex_sub(text, ctx, pattern=PREAMBLE_RE)


def hidden_content_marker(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove hidden-content markers inserted in the middle of a sentence.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "当前国内外疫情 当前隐藏内容免费查看形势仍然严峻"
    >>> apply_edits(s, hidden_content_marker(s))
    '当前国内外疫情形势仍然严峻'
    """
    return regex_sub(text, ctx, pattern=HIDDEN_RE)


def keyword_tail(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove ``推荐访问：…`` keyword lines.

    Examples
    --------
    >>> keyword_tail("谢谢大家！\\n推荐访问：会上 疫情 防控")[0].removed
    '\\n推荐访问：会上 疫情 防控'
    """
    return drop_lines(text, ctx, pattern=TAIL_RE)


__all__ = ["template_preamble", "hidden_content_marker", "keyword_tail"]
