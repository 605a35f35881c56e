"""Site chrome: the parts of a scraped web page that are not the article.

Each function here is one rule (``func(text, ctx) -> list[Edit]``). They run
after the character normalisations (so punctuation is full-width and there is
no whitespace in Chinese context) and remove whole lines unless said
otherwise. Facts found in the removed text are recorded in the context:

==========================  ==========================================  ==================
rule                        removes                                     records
==========================  ==========================================  ==================
``header_line``             ``发布时间：2022-04-22 |来源：长治日报``        ``pub_date``, ``outlet``
``share_bar``               ``分享到：``, ``打印本页``, ``字号：大中小``
``breadcrumb``              ``黄河新闻网>长治频道>今日头条``                 ``source_site``
``related_links``           a ``相关链接`` heading and its bullet list;
                            bullet lines ``· 标题``; link lines ending in
                            a date (``济源要闻2022-12-10``)
``site_footer``             copyright, ICP, licences, 公网安备, phone,      ``source_site``
                            e-mail and "about us" lines
``reprint_footer``          ``原创文章，作者：admin，如若转载，请注明出处：URL``  ``source_url``
``end_marker``              ``END``, ``（完）``
``original_title``          ``原标题：…``                                  ``original_title``
``credit_line``             ``[编辑：张乐]``, ``责任编辑：赵红媚``             ``editor``, ``reporter``
``photo_caption``           ``图为：…``; a caption ending ``记者李华摄``       ``photographer``
``reporter_credit``         in-paragraph: ``济源网讯（记者郑海波）`` at the      ``reporter``
                            start, ``（记者安艳）`` / ``（刘晓荣、梁栋）``
                            after the last sentence (an outlet in
                            that place, ``（梅州日报）``, is ``outlet``)
``page_note``               ``（下转第四版）``, ``（此件有删减）``, ``（鼓掌）``
==========================  ==========================================  ==================

Outlet values that only say the text was submitted by a user (``网友投稿``)
are recorded as ``source``, not ``outlet``.
"""

from __future__ import annotations

import re

from discourse.cleaning.rules import HAN, Context, Edit, drop_lines, iter_lines, remove_lines

_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
#: Values of 来源 that name no outlet.
NOT_AN_OUTLET = frozenset({"网友投稿", "网络", "互联网", "本站", "网络整理", "原创", "转载", "综合"})
_NAME = f"[{HAN}]{{2,4}}(?:·[{HAN}]{{2,6}})?(?<!负责)(?<!牵头)(?<!承办)(?<!配合)"


def _record_date(ctx: Context, text: str, field: str = "pub_date") -> None:
    m = _DATE_RE.search(text)
    if m:
        y, mo, d = m.groups()
        ctx.record(field, f"{int(y):04d}-{int(mo):02d}-{int(d):02d}")


def _record_source(ctx: Context, value: str | None) -> None:
    if not value:
        return
    value = value.strip(" |·")
    ctx.record("source" if value in NOT_AN_OUTLET else "outlet", value)


HEADER_RE = re.compile(
    r"^(?=.{0,120}$)(?=.*(?:来源|发布时间|发布日期|时间|日期)[：:])(?=.*\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"
    r"[^。！？]*$"
)
_SOURCE_RE = re.compile(r"来源[：:]\s*([^\s|｜]+)")


def header_line(text: str, ctx: Context) -> list[Edit]:
    """Remove header lines giving the publish time and/or the source."""

    def record(m: re.Match[str], c: Context) -> None:
        _record_date(c, m.group(0))
        s = _SOURCE_RE.search(m.group(0))
        _record_source(c, s.group(1) if s else None)

    return drop_lines(text, ctx, pattern=HEADER_RE, record=record)


SHARE_RE = re.compile(
    r"^(?:分享到|分享至|一键分享)(?:[：:].{0,40})?$"
    r"|^(?:[【\[]?(?:打印本页|打印|关闭窗口|关闭|收藏|纠错|字号[：:]?[大中小\s]*)[】\]]?\s*\|?\s*){2,}$"
)


def share_bar(text: str, ctx: Context) -> list[Edit]:
    """Remove share bars and page tools (分享到、打印本页、关闭窗口、字号)."""
    return drop_lines(text, ctx, pattern=SHARE_RE)


BREADCRUMB_RE = re.compile(
    r"^(?:(?:当前位置|您的位置|你的位置|您现在的位置)[：:]\s*)?"
    r"(?P<first>[^\s>»›。，；：]{2,15})(?:\s*[>»›]\s*[^\s>»›。，；]{1,15}){1,6}$"
)


def breadcrumb(text: str, ctx: Context) -> list[Edit]:
    """Remove breadcrumb trails (``首页 > 频道 > 栏目``); record the site."""

    def record(m: re.Match[str], c: Context) -> None:
        if m.group("first") not in ("首页", "主页", "网站首页"):
            c.record("source_site", m.group("first"))

    return drop_lines(text, ctx, pattern=BREADCRUMB_RE, record=record)


RELATED_HEADING_RE = re.compile(
    r"^(?:相关链接|相关阅读|相关新闻|相关文章|相关报道|延伸阅读|推荐阅读|热点推荐|热门推荐|猜你喜欢|更多阅读|往期回顾)[：:]?$"
)
BULLET_RE = re.compile(r"^[·•●▪◆■►][^。！？]{2,80}$")
DATED_LINK_RE = re.compile(
    r"^[^。！？，；\d][^。！？，；]{1,40}?[\s(（\[【]*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2})?[)）\]】]?$"
)


def related_links(text: str, ctx: Context) -> list[Edit]:
    """Remove related-link lists: heading, bullet items, ``标题2022-12-10`` lines."""
    spans: list[tuple[int, int]] = []
    in_block = False
    for start, end, line in iter_lines(text):
        s = line.strip()
        hit = False
        if RELATED_HEADING_RE.match(s):
            in_block, hit = True, True
        elif BULLET_RE.match(s) or DATED_LINK_RE.match(s):
            hit = True
        elif in_block and s and len(s) <= 40 and not re.search("[。！？：；:;（）()©|]", s):
            hit = True
        elif s:
            in_block = False
        if hit:
            spans.append((start, end))
    return remove_lines(text, spans)


FOOTER_RE = re.compile(
    r"^(?=.{0,160}$)[^。]*(?:版权所有|ICP备|ICP证|公网安备|网安备|备案号|Copyright|copyright|©|"
    r"关于我们|联系我们|联系电话[：:]|投稿邮箱|电子邮箱[：:]|邮箱[：:]|经营许可证[：:]|许可证[：:]\s*[\w-]+$|"
    r"许可注册[：:]|违法和不良信息举报|未经(?:授权|许可)|(?:禁止|不得)转载|"
    r"[\w.-]+\s*@\s*[\w-]+\.(?:com|cn|net|org))"
)
_SITE_RE = re.compile(r"(?:本网站?由|本站由)?([^\s|，。：]{2,20}?)版权所有")


def site_footer(text: str, ctx: Context) -> list[Edit]:
    """Remove copyright / licence / ICP / phone / e-mail footer lines."""

    def record(m: re.Match[str], c: Context) -> None:
        s = _SITE_RE.search(m.group(0))
        if s:
            c.record("source_site", re.sub(r"^(?:Copyright|copyright|©|\d{4}(?:-\d{4})?|\s)+", "", s.group(1)))

    return drop_lines(text, ctx, pattern=FOOTER_RE, record=record)


REPRINT_RE = re.compile(r"^(?=.{0,200}$).{0,40}(?:转载|转发).{0,40}(?:出处|来源|注明|链接|原文)")
_URL_RE = re.compile(r"https?://[^\s，。）)]+")


def reprint_footer(text: str, ctx: Context) -> list[Edit]:
    """Remove reprint notices (``如若转载，请注明出处：URL``); record the URL."""

    def record(m: re.Match[str], c: Context) -> None:
        u = _URL_RE.search(m.string)
        if u:
            c.record("source_url", u.group(0))

    return drop_lines(text, ctx, pattern=REPRINT_RE, record=record)


END_RE = re.compile(r"^(?:END|End|end|[（(【\[]完[）)】\]]|-{1,3}完-{1,3}|—{1,2}完—{1,2})$")


def end_marker(text: str, ctx: Context) -> list[Edit]:
    """Remove end-of-article markers (``END``, ``（完）``)."""
    return drop_lines(text, ctx, pattern=END_RE)


ORIGINAL_TITLE_RE = re.compile(r"^原标题[：:]\s*(?P<title>.+)$")


def original_title(text: str, ctx: Context) -> list[Edit]:
    """Remove ``原标题：…`` lines; the title is recorded as ``original_title``."""

    def record(m: re.Match[str], c: Context) -> None:
        c.record("original_title", m.group("title"))

    return drop_lines(text, ctx, pattern=ORIGINAL_TITLE_RE, record=record)


_ROLE = r"(?:责任编辑|值班编辑|编辑|责编|审核|审校|校对|监制|编审|终审|来源|作者|撰稿|通讯员|记者|摄影|图片)"
CREDIT_RE = re.compile(
    r"^(?=[^。！？]{0,60}$)[\[【（(]?\s*" + _ROLE + r"\s*[：:].*?[\]】）)]?$"
)
_CREDIT_ITEM_RE = re.compile(_ROLE + r"\s*[：:]\s*([^\s\]】）)，、|：:]{2,12})")
_ROLE_FIELD = {"责任编辑": "editor", "值班编辑": "editor", "编辑": "editor", "责编": "editor",
               "记者": "reporter", "通讯员": "reporter", "作者": "author", "撰稿": "author",
               "摄影": "photographer", "图片": "photographer"}


def credit_line(text: str, ctx: Context) -> list[Edit]:
    """Remove editor / reporter credit lines (``[编辑：张乐]``, ``责任编辑：赵红媚``)."""

    def record(m: re.Match[str], c: Context) -> None:
        for item in re.finditer(
            r"(" + _ROLE + r")\s*[：:]\s*([^\s\]】）)，、|：:]{2,12}?)(?=" + _ROLE + r"|[\s\]】）)，、|]|$)", m.group(0)
        ):
            role, name = item.group(1), item.group(2)
            if role == "来源":
                _record_source(c, name)
            elif role in _ROLE_FIELD:
                c.record(_ROLE_FIELD[role], name)

    return drop_lines(text, ctx, pattern=CREDIT_RE, record=record)


CAPTION_RE = re.compile(
    r"^(?:图为|图片为|图片来源|图注|图\s*\d*)[：:].{0,150}$"
    r"|^.{0,100}?(?:摄影记者|记者|通讯员|摄影)\s*(?P<ph>" + _NAME + r"(?:[、 ]" + _NAME + r")*)\s*摄[)）]?$"
    r"|^.{0,100}?[（(]\s*(?P<ph2>" + _NAME + r")\s*摄\s*[)）]$"
)


def photo_caption(text: str, ctx: Context) -> list[Edit]:
    """Remove photo captions (``图为：…``, ``…记者李华摄``); record the photographer."""

    def record(m: re.Match[str], c: Context) -> None:
        c.record("photographer", m.group("ph") or m.group("ph2"))

    return drop_lines(text, ctx, pattern=CAPTION_RE, record=record)


_REPORTER = r"(?:本报记者|本台记者|融媒体记者|全媒体记者|新华社记者|记者|通讯员|实习生)"
LEAD_CREDIT_RE = re.compile(
    r"^(?P<src>[^\s。，！？：]{2,20}?)(?:讯|电)\s*[（(]\s*" + _REPORTER + r"\s*(?P<names>[^）)]{2,30})[）)]",
    re.M,
)
TRAIL_CREDIT_RE = re.compile(
    r"(?<=[。！？”」])[ \t]*[（(]\s*(?:" + _REPORTER + r"|作者|文/|文：|文:)?\s*[：:]?\s*"
    r"(?P<names>" + _NAME + r"(?:[、，\s]+" + _NAME + r")*)\s*[）)][ \t]*$",
    re.M,
)


def _names(s: str) -> str:
    return "、".join(n for n in re.split(r"[、，\s]+|" + _REPORTER, s.strip()) if n)


#: A trailing parenthesis that names an outlet (``（梅州日报）``), not people.
_OUTLET_NAME_RE = re.compile(r"(?:报|网|台|社|杂志|新闻|频道|客户端)$")
PAGE_NOTE_RE = re.compile(
    r"[ \t]*[（(](?:下转|上接|转)第?[一二三四五六七八九十\d]+版[）)]"
    r"|^[（(](?:此件有删减|有删节|节选|摘要|全文略)[）)]$"
    r"|[ \t]*[（(](?:热烈|长时间)?(?:鼓掌|掌声|笑声)[）)]",
    re.M,
)


_PAGE_NOTE_HINT_RE = re.compile(r"[（(](?:下转|上接|转|此件有删减|有删节|节选|摘要|全文略|热烈|长时间|鼓掌|掌声|笑声)")


def page_note(text: str, ctx: Context) -> list[Edit]:
    """Remove page and transcript notes: ``（下转第四版）``, ``（此件有删减）``, ``（鼓掌）``."""
    if _PAGE_NOTE_HINT_RE.search(text) is None:  # one fast scan; the full pattern tries every blank
        return []
    return [Edit(m.start(), m.end(), m.group(0), "") for m in PAGE_NOTE_RE.finditer(text)]


def reporter_credit(text: str, ctx: Context) -> list[Edit]:
    """Remove reporter credits inside paragraphs; record the reporters.

    A lead credit (``济源网讯（记者郑海波）``) opens a paragraph; a trailing
    credit (``（记者安艳）``, ``（刘晓荣、梁栋）``) follows its last sentence.
    """
    edits = []
    for m in LEAD_CREDIT_RE.finditer(text):
        ctx.record("reporter", _names(m.group("names")))
        _record_source(ctx, m.group("src"))
        edits.append(Edit(m.start(), m.end(), m.group(0), ""))
    for m in TRAIL_CREDIT_RE.finditer(text):
        names = _names(m.group("names"))
        if _OUTLET_NAME_RE.search(names):
            _record_source(ctx, names)
        else:
            ctx.record("reporter", names)
        edits.append(Edit(m.start(), m.end(), m.group(0), ""))
    return edits


__all__ = [
    "NOT_AN_OUTLET",
    "header_line",
    "share_bar",
    "breadcrumb",
    "related_links",
    "site_footer",
    "reprint_footer",
    "end_marker",
    "original_title",
    "credit_line",
    "photo_caption",
    "reporter_credit",
    "page_note",
]
