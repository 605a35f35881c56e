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


#: OpenCC configurations a source's script can ask for.
OPENCC_CONFIGS = ("t2s", "hk2s", "tw2s")
#: Context.state key holding the document's OpenCC configuration.
STATE_KEY = "opencc_config"


@functools.lru_cache(maxsize=4)
def _converter(config: str = "t2s"):
    import opencc

    return opencc.OpenCC(config)


def opencc_config_for(script: object, default: str = "t2s") -> str:
    """OpenCC configuration for a declared *script* (else *default*).

    ``hk2s`` for Hong Kong traditional (``traditional_hk``, ``zh-Hant-HK``,
    ``hk``, ``Hong Kong``, ``香港``), ``tw2s`` for Taiwan (``traditional_tw``,
    ``zh-Hant-TW``, ``tw``, ``台灣``/``台湾``), *default* otherwise (``t2s``:
    generic traditional). ``hk2s`` also converts the Hong Kong variant forms
    that ``t2s`` leaves (衞 → 卫, 枱 → 台, 敍 → 叙, 衹 → 只).

    Examples
    --------
    >>> opencc_config_for("traditional_hk"), opencc_config_for("zh-Hant-TW"), opencc_config_for(None)
    ('hk2s', 'tw2s', 't2s')
    """
    if default not in OPENCC_CONFIGS:
        raise ValueError(f"unknown OpenCC configuration {default!r}; expected one of {OPENCC_CONFIGS}")
    if script is None or not isinstance(script, str):
        return default
    s = script.strip().lower().replace("-", "_").replace(" ", "_")
    if re.search(r"(^|_)(hk|hong_?kong|mo|macau|macao)($|_)", s) or "香港" in s or "澳門" in s:
        return "hk2s"
    if re.search(r"(^|_)(tw|taiwan)($|_)", s) or "台灣" in s or "台湾" in s or "臺灣" in s:
        return "tw2s"
    return default


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


def to_simplified(text: str, ctx: Context | None = None, *, config: str | None = None) -> list[Edit]:
    """Convert a traditional-script text to simplified (OpenCC).

    Records ``script_original`` (``traditional``/``simplified``) in the context.
    The configuration is *config*, else the document's
    (``ctx.state["opencc_config"]``, set by :func:`discourse.cleaning.clean_corpus`
    from the ``script`` column and the profile), else ``t2s``.

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
    cfg = config or (ctx.state.get(STATE_KEY) if ctx is not None else None) or "t2s"
    if cfg not in OPENCC_CONFIGS:
        raise ValueError(f"unknown OpenCC configuration {cfg!r}; expected one of {OPENCC_CONFIGS}")
    return diff_edits(text, _converter(cfg).convert(text))


__all__ = ["OPENCC_CONFIGS", "opencc_config_for", "PINYIN_RE", "TRADITIONAL_CHARS", "MIN_TRADITIONAL", "strip_pinyin", "detect_script", "to_simplified", "diff_edits"]
