"""Character-level normalisation: width, whitespace and punctuation.

The canonical form of a clean text (the *documented normalisations*; every
other rule only removes boilerplate or replaces redaction marks):

1. **Width** (:func:`normalize_width`): full-width ASCII variants (U+FF01–U+FF5E:
   ``２０２２``, ``ＡＢ``, ``％``, ``．``) become ASCII by NFKC, *except* the
   Chinese punctuation marks ``，：；？！（）``, which are the canonical form in
   Chinese text and stay full-width.
2. **Whitespace** (:func:`normalize_whitespace`): non-breaking spaces (U+00A0),
   ideographic spaces (U+3000), tabs, zero-width spaces and other Unicode
   spaces count as whitespace. A run of whitespace next to a Chinese character
   or Chinese punctuation mark, or at either end of a line, is removed (Chinese
   is written without spaces); a run between two non-Chinese characters
   (``COVID 19``) becomes one ASCII space.
3. **Punctuation** (:func:`canonical_punctuation`): in Chinese context (a Chinese
   character or mark on either side, ignoring spaces) the ASCII marks
   ``, : ; ? ! ( )`` become their full-width forms ``，：；？！（）`` (looking past
   spaces and other such ASCII marks for the neighbours, so ``))、`` becomes ``））、``). A mark between
   two digits stays ASCII (``3,000``, ``16:45``); hyphens, dots and slashes are
   never changed (``3-11岁``, ``8510.13亿元``). A pair of parentheses is
   converted as a pair when either side qualifies.
4. **Doubled or misplaced punctuation** (:func:`doubled_punctuation`): in a run
   of the pause and stop marks ``，、；：。`` a comma before another mark is
   dropped (``，、`` → ``、``, ``，。`` → ``。``) and repeated marks collapse to one
   (``，，`` → ``，``).
5. **Line breaks** (:func:`join_broken_paragraphs`, :func:`tidy_paragraphs`): a
   line that ends in ``，``, ``、`` or ``；`` continues on the next line unless that
   line opens an enumerated item (``二是``, ``（二）``, ``2.``, ``——``); empty lines
   are dropped, so the clean text has one paragraph per line.

The pipeline applies them in the order 1, 3, 2, 4 (punctuation before
whitespace, since a converted mark makes its neighbourhood Chinese) and runs
3 and 2 once more after the boilerplate rules, whose removals can change a
mark's neighbours. :func:`normalise` applies 1, 3, 2, 4 (the rules that may
touch a content sentence) to any string; the tests use it to check that content sentences reach the
clean text unchanged apart from these normalisations.
"""

from __future__ import annotations

import re
import unicodedata

from discourse.cleaning.rules import CJK, HAN, Context, Edit, regex_sub

#: Full-width marks that are canonical in Chinese text (never NFKC-folded).
KEEP_FULLWIDTH = "，：；？！（）"
_ASCII_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}

_FULLWIDTH_RE = re.compile("[\uff01-\uff5e]+")
#: NFKC of each full-width ASCII variant (one ASCII character each), as a translation table.
_FOLD = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0xFF01, 0xFF5F) if chr(cp) not in KEEP_FULLWIDTH}
WHITESPACE = " \t\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff"
_WS_RE = re.compile(f"[{WHITESPACE}]+")
_CJK_CHAR_RE = re.compile(f"[{CJK}]")
_PUNCT_RE = re.compile(r"[,:;?!()]")
_PAREN_RE = re.compile(r"[()\n]")
_RUN_RE = re.compile("[，、；：。]{2,}")
_ENUM_START = (
    r"(?:[一二三四五六七八九十]+[是要、]|第[一二三四五六七八九十]+[，、是]|[（(][一二三四五六七八九十\d]+[)）]"
    r"|\d+[.、．]|[①-⑳]|[—－]{1,2})"
)
_BROKEN_RE = re.compile(r"(?<=[，、；])\n(?!\n|" + _ENUM_START + ")(?=\\S)")
_SENT_END = "。！？"


def normalize_width(text: str, ctx: Context | None = None) -> list[Edit]:
    """Fold full-width ASCII variants to ASCII (NFKC), keeping ``，：；？！（）``.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> apply_edits("２０２２年，ＧＤＰ增长５％", normalize_width("２０２２年，ＧＤＰ增长５％"))
    '2022年，GDP增长5%'
    """

    if _FULLWIDTH_RE.search(text) is None:
        return []
    return regex_sub(text, ctx, pattern=_FULLWIDTH_RE, repl=lambda m: m.group(0).translate(_FOLD))


def _is_cjk(c: str) -> bool:
    return bool(c) and _CJK_CHAR_RE.match(c) is not None


def normalize_whitespace(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove whitespace in Chinese context and at line ends; else one space.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "当前国内外疫情 形势\\u00a0严峻  COVID   19 "
    >>> apply_edits(s, normalize_whitespace(s))
    '当前国内外疫情形势严峻COVID 19'
    """
    edits = []
    for m in _WS_RE.finditer(text):
        a, b = m.start(), m.end()
        before = text[a - 1] if a > 0 else "\n"
        after = text[b] if b < len(text) else "\n"
        if before == "\n" or after == "\n" or _is_cjk(before) or _is_cjk(after):
            new = ""
        else:
            new = " "
        if new != m.group(0):
            edits.append(Edit(a, b, m.group(0), new))
    return edits


def _neighbour(text: str, i: int, step: int) -> str:
    """The nearest character in direction *step*, skipping spaces and ASCII marks."""
    j = i + step
    while 0 <= j < len(text) and (text[j] in ",:;?!()" or _WS_RE.match(text[j])):
        j += step
    return text[j] if 0 <= j < len(text) else ""


def canonical_punctuation(text: str, ctx: Context | None = None) -> list[Edit]:
    """Turn ASCII ``, : ; ? ! ( )`` into full-width forms in Chinese context.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "9月21日,会议在16:45召开(视频),共3,000人;好!"
    >>> apply_edits(s, canonical_punctuation(s))
    '9月21日，会议在16:45召开（视频），共3,000人；好！'
    """
    convert: set[int] = set()
    # parentheses as pairs, line by line
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for m in _PAREN_RE.finditer(text):
        i, c = m.start(), m.group(0)
        if c == "\n":
            stack.clear()
        elif c == "(":
            stack.append(i)
        elif stack:
            pairs[stack.pop()] = i
    for o, c in pairs.items():
        inner = text[o + 1 : c]
        if _is_cjk(_neighbour(text, o, -1)) or _is_cjk(_neighbour(text, c, 1)) or re.search(f"[{HAN}]", inner):
            convert.update((o, c))
    paired = set(pairs) | set(pairs.values())
    for m in _PUNCT_RE.finditer(text):
        i = m.start()
        if i in paired:
            continue
        before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
        if m.group(0) in ",:" and before.isdigit() and after.isdigit() and text[i - 1].isdigit() and text[i + 1].isdigit():
            continue
        if _is_cjk(before) or _is_cjk(after):
            convert.add(i)
    return [Edit(i, i + 1, text[i], _ASCII_TO_FULL[text[i]]) for i in sorted(convert)]


def _collapse_run(run: str) -> str:
    marks = [c for c in run if c != "，"] or ["，"]
    out: list[str] = []
    for c in marks:
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def doubled_punctuation(text: str, ctx: Context | None = None) -> list[Edit]:
    """Drop a comma before another pause/stop mark; collapse repeated marks.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "12月11日，，示范区党工委书记，、市委书记主持会议，。"
    >>> apply_edits(s, doubled_punctuation(s))
    '12月11日，示范区党工委书记、市委书记主持会议。'
    """
    return regex_sub(text, ctx, pattern=_RUN_RE, repl=lambda m: _collapse_run(m.group(0)))


def join_broken_paragraphs(text: str, ctx: Context | None = None) -> list[Edit]:
    """Join a line ending in ``，、；`` to the next (unless it opens an item).

    Only in documents whose paragraphs are separated by blank lines, and only
    across a single line break: there a break without a blank line inside a
    sentence is an accident of the page, while in a document with one
    paragraph per line (or across a blank line) it may be a list.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "设备亟需改善；\\n检测能力有待提升。\\n\\n一是…；\\n二是…。\\n\\n三是…；\\n\\n四是…。"
    >>> apply_edits(s, join_broken_paragraphs(s))
    '设备亟需改善；检测能力有待提升。\\n\\n一是…；\\n二是…。\\n\\n三是…；\\n\\n四是…。'
    """
    blank = len(re.findall(r"\n[ \t]*\n", text))
    single = len(re.findall(r"(?<!\n)\n(?![ \t]*\n)", text)) - 0
    if blank == 0 or blank < single:
        return []
    return regex_sub(text, ctx, pattern=_BROKEN_RE, repl="")


_BLANK_RE = re.compile(r"\A\n+|\n+\Z|(?<=\n)\n+")


def tidy_paragraphs(text: str, ctx: Context | None = None) -> list[Edit]:
    """Drop empty lines: one paragraph per line, no leading/trailing breaks.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> apply_edits("\\n甲。\\n\\n\\n乙。\\n", tidy_paragraphs("\\n甲。\\n\\n\\n乙。\\n"))
    '甲。\\n乙。'
    """
    return regex_sub(text, ctx, pattern=_BLANK_RE, repl="")


def normalise(text: str) -> str:
    """Apply the documented character normalisations (steps 1–4) to *text*.

    Examples
    --------
    >>> normalise("要抓好秋冬季疫情防控工作,开展好“大宣传”活动。")
    '要抓好秋冬季疫情防控工作，开展好“大宣传”活动。'
    """
    from discourse.cleaning.rules import apply_edits

    for step in (normalize_width, canonical_punctuation, normalize_whitespace, doubled_punctuation):
        text = apply_edits(text, step(text, None))
    return text


__all__ = [
    "KEEP_FULLWIDTH",
    "WHITESPACE",
    "normalize_width",
    "normalize_whitespace",
    "canonical_punctuation",
    "doubled_punctuation",
    "join_broken_paragraphs",
    "tidy_paragraphs",
    "normalise",
]
