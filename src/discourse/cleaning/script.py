"""Script: pinyin annotations and traditional-to-simplified conversion.

Some mirror sites convert a page to traditional characters and glue the
pinyin of "difficult" characters after them in parentheses: ``濟(jì)源網(wǎng)``.
:func:`strip_pinyin` removes such an annotation when it directly follows a Han
character and holds one pinyin syllable written with a tone mark (or one of
the few toneless particles). :func:`to_simplified` then converts a document
written in traditional characters to simplified ones with OpenCC (``t2s``
configuration) and records the original script as metadata
(``script_original``). A document counts as traditional when it holds at
least :data:`MIN_TRADITIONAL` occurrences of common characters that exist
only in traditional script (:data:`TRADITIONAL_CHARS`: 這們會來對說時國發…).
Simplified documents are left untouched: OpenCC would otherwise rewrite a few
characters that are legitimate in simplified text (乾隆, 覆盖, 狼藉). Because the
count can only fall when cleaning removes text, and is zero after the
conversion, the decision never flips between two passes (idempotence).
"""

from __future__ import annotations

import difflib
import functools
import re

from discourse.cleaning.rules import HAN, Context, Edit

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_SYLLABLE = f"[a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*"
_NEUTRAL = "de|le|me|men|zi|ma|ne|ba|zhe|ge|guo|lai|qu|shang|xia|li|tou|mo"
PINYIN_RE = re.compile(f"(?<=[{HAN}])\\((?:{_SYLLABLE}|{_NEUTRAL})\\)")

#: Common characters that exist only in traditional script (each changed by
#: OpenCC t2s, none used in simplified text: none occurs in the 52 M characters
#: of the gov-work-reports corpus).
TRADITIONAL_CHARS = (
    "這個們會來對說時國發經過還開關當區黨務實際應動體機構種與從產業點現頭進邊將為後無視衛專"
    "醫療級組織長導設報價義議員論認識讓學習轉變處廣電網頁訊聯總統領幹隊緊護團歲響優藥費記錄斷層陽擴"
)
#: A text holding at least this many of them is traditional.
MIN_TRADITIONAL = 5
_TRAD_RE = re.compile(f"[{TRADITIONAL_CHARS}]")
_HAN_RE = re.compile(f"[{HAN}]")


@functools.lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def strip_pinyin(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove pinyin annotations glued after Han characters.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "濟(jì)源網(wǎng)訊，村(社区)"
    >>> apply_edits(s, strip_pinyin(s))
    '濟源網訊，村(社区)'
    """
    return [Edit(m.start(), m.end(), m.group(0), "") for m in PINYIN_RE.finditer(text)]


def detect_script(text: str) -> str:
    """Return ``"traditional"`` or ``"simplified"`` (``"unknown"`` without Han).

    Examples
    --------
    >>> detect_script("濟源網訊示範區疫情防控工作專題會議")
    'traditional'
    >>> detect_script("济源网讯示范区疫情防控工作专题会议")
    'simplified'
    """
    if _TRAD_RE.search(text) is not None and len(_TRAD_RE.findall(text)) >= MIN_TRADITIONAL:
        return "traditional"
    return "simplified" if _HAN_RE.search(text) else "unknown"


def diff_edits(old: str, new: str) -> list[Edit]:
    """Edits turning *old* into *new* (character-wise when lengths agree)."""
    edits: list[Edit] = []
    if len(old) == len(new):
        i, n = 0, len(old)
        while i < n:
            if old[i] == new[i]:
                i += 1
                continue
            j = i
            while j < n and old[j] != new[j]:
                j += 1
            edits.append(Edit(i, j, old[i:j], new[i:j]))
            i = j
        return edits
    sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "equal":
            edits.append(Edit(i1, i2, old[i1:i2], new[j1:j2]))
    return edits


def to_simplified(text: str, ctx: Context | None = None) -> list[Edit]:
    """Convert a traditional-script text to simplified (OpenCC ``t2s``).

    Records ``script_original`` (``traditional``/``simplified``) in the context.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "示範區黨工委書記主持召開專題會議"
    >>> apply_edits(s, to_simplified(s))
    '示范区党工委书记主持召开专题会议'
    """
    script = detect_script(text)
    if ctx is not None:
        ctx.record("script_original", script)
    if script != "traditional":
        return []
    return diff_edits(text, _converter().convert(text))


__all__ = ["PINYIN_RE", "TRADITIONAL_CHARS", "MIN_TRADITIONAL", "strip_pinyin", "detect_script", "to_simplified", "diff_edits"]
