"""Metadata found in boilerplate, set beside the manifest's values.

Cleaning rules record facts from the lines they remove (publication date,
outlet, original title, reporter, editor, …). :func:`compare_metadata` puts
each fact beside the manifest's value for the same field and says whether
they agree; disagreements are reported, never silently fixed (the manifest
stays the source of truth for the analysis).

Comparison: dates agree when they name the same day (``--MM-DD`` extracted
without a year compares month and day); texts agree when, ignoring
whitespace and letter width, one contains the other or every part of the
extracted value (split on ``-``, ``·``, ``|``, ``、``) occurs in the manifest's
value (``济源网-济源日报`` agrees with ``济源日报 (Jiyuan Daily) via 济源网``).
``agrees`` is NA when either side is missing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

import pandas as pd

#: Extracted field -> column of the documents table holding the manifest value.
MANIFEST_FIELDS: dict[str, str] = {
    "title": "title",
    "pub_date": "pub_date",
    "outlet": "outlet",
    "source": "source_site",
    "source_site": "source_site",
    "source_url": "source_url",
    "original_title": "original_title",
    "script_original": "script",
    "event_date": "event_date",
    "meeting": "meeting",
    "reporter": "reporter",
    "editor": "editor",
    "photographer": "photographer",
    "speaker_name": "speaker_name",
    "speaker_role": "speaker_role",
}
#: Fields always listed for every document, found or not.
ALWAYS: tuple[str, ...] = ("title", "pub_date", "outlet", "original_title", "script_original")
_DATE_FIELDS = {"pub_date", "event_date"}


def _norm(v: object) -> str:
    s = unicodedata.normalize("NFKC", str(v))
    return re.sub(r"\s+", "", s).lower()


def _date_key(v: object) -> str | None:
    if isinstance(v, str) and v.startswith("--"):
        return v
    try:
        ts = pd.Timestamp(v)
    except (ValueError, TypeError):
        return None
    return None if pd.isna(ts) else ts.strftime("%Y-%m-%d")


def values_agree(field: str, extracted: object, manifest: object) -> bool | None:
    """Return whether two values of *field* agree (None when one is missing).

    Examples
    --------
    >>> values_agree("outlet", "济源网-济源日报", "济源日报 (Jiyuan Daily) via 济源网")
    True
    >>> values_agree("pub_date", "2022-12-12", "2022-12-13")
    False
    """
    if extracted is None or manifest is None or pd.isna(extracted) or pd.isna(manifest):
        return None
    if field in _DATE_FIELDS:
        a, b = _date_key(extracted), _date_key(manifest)
        if a is None or b is None:
            return None
        return a[-5:] == b[-5:] if a.startswith("--") else a == b
    a, b = _norm(extracted), _norm(manifest)
    if not a or not b:
        return None
    if a == b or a in b or b in a:
        return True
    parts = [p for p in re.split(r"[-·|、/]", a) if p]
    return bool(parts) and all(p in b for p in parts)


def compare_metadata(extracted: Mapping[str, Mapping[str, object]], docs: pd.DataFrame) -> pd.DataFrame:
    """Tidy table of extracted metadata beside the manifest.

    Parameters
    ----------
    extracted : mapping
        ``doc_id -> {field: value}`` as found by the cleaning rules.
    docs : pandas.DataFrame
        Documents table with ``doc_id`` and the manifest columns.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, field, extracted, manifest, agrees`` (strings; ``agrees``
        boolean, NA when either side is missing). Rows are listed for every
        extracted field and for the fields in :data:`ALWAYS`.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a"], "title": ["题"], "pub_date": [pd.Timestamp("2022-12-12")]})
    >>> t = compare_metadata({"a": {"pub_date": "2022-12-12"}}, docs)
    >>> t.loc[t["field"] == "pub_date", "agrees"].tolist()
    [True]
    """
    rows = []
    by_id = docs.set_index(docs["doc_id"].astype(str))
    for doc_id in docs["doc_id"].astype(str):
        found = dict(extracted.get(doc_id, {}))
        fields = list(dict.fromkeys([*ALWAYS, *sorted(found)]))
        for f in fields:
            col = MANIFEST_FIELDS.get(f)
            man = by_id.at[doc_id, col] if col in by_id.columns else None
            ext = found.get(f)
            man_s = None
            if man is not None and not pd.isna(man):
                man_s = _date_key(man) if f in _DATE_FIELDS and _date_key(man) else str(man)
            rows.append((doc_id, f, ext, man_s, values_agree(f, ext, man_s)))
    out = pd.DataFrame(rows, columns=["doc_id", "field", "extracted", "manifest", "agrees"])
    return out.astype({"doc_id": "string", "field": "string", "extracted": "string", "manifest": "string",
                       "agrees": "boolean"})


__all__ = ["MANIFEST_FIELDS", "ALWAYS", "values_agree", "compare_metadata"]


# ---------------------------------------------------------------------------
# Work-report titles: the meeting date and the speaker
# ---------------------------------------------------------------------------

_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
#: A date in Arabic or Chinese numerals (``2021年3月2日``, ``二〇二一年一月二十日``).
CN_NUM = "〇○零一二三四五六七八九十"
DATE_PATTERN = (
    rf"(?P<y>\d{{4}}|[{CN_NUM}]{{4}})\s*年\s*(?P<m>\d{{1,2}}|[{CN_NUM}]{{1,3}})\s*月\s*"
    rf"(?P<d>\d{{1,2}}|[{CN_NUM}]{{1,3}})\s*[日号]"
)
TITLE_RE = re.compile(
    r"[（(]\s*" + DATE_PATTERN + r"\s*(?P<name>[\u4e00-\u9fff]{2,4}(?:·[\u4e00-\u9fff]{2,8})?)?\s*[）)]"
)


def cn_number(s: str) -> int:
    """Integer value of ``12``, ``二〇二一`` (digit by digit) or ``二十三``.

    Examples
    --------
    >>> cn_number("二〇二一"), cn_number("二十三"), cn_number("十"), cn_number("7")
    (2021, 23, 10, 7)
    """
    if s.isdigit():
        return int(s)
    if "十" not in s:
        return int("".join(str(_CN_DIGIT[c]) for c in s))
    tens, _, ones = s.partition("十")
    return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[ones] if ones else 0)


def iso_date(y: str | None, m: str, d: str) -> str | None:
    """``YYYY-MM-DD`` (``--MM-DD`` without a year) or None when impossible.

    Examples
    --------
    >>> iso_date("二〇二一", "一", "二十"), iso_date(None, "3", "2"), iso_date("2021", "2", "30")
    ('2021-01-20', '--03-02', None)
    """
    mo, da = cn_number(m), cn_number(d)
    if y is None:
        return f"--{mo:02d}-{da:02d}" if 1 <= mo <= 12 and 1 <= da <= 31 else None
    try:
        return pd.Timestamp(year=cn_number(y), month=mo, day=da).strftime("%Y-%m-%d")
    except ValueError:
        return None


def parse_report_title(title: str | None) -> dict[str, str]:
    """Meeting date and speaker named in a work report's title.

    ``绵阳市政府工作报告（2021年3月2日 元方）`` names the date of the meeting and
    the speaker; titles without the parenthesis give nothing.

    Returns
    -------
    dict
        ``event_date`` (``YYYY-MM-DD``) and ``speaker_name`` when found.

    Examples
    --------
    >>> parse_report_title("绵阳市政府工作报告（2021年3月2日 元方）")
    {'event_date': '2021-03-02', 'speaker_name': '元方'}
    >>> parse_report_title("伊犁哈萨克自治州政府工作报告（2023年1月4日 叶尔夏提·吐尔逊拜）")["speaker_name"]
    '叶尔夏提·吐尔逊拜'
    >>> parse_report_title("2018年南京市人民政府工作报告")
    {}
    """
    if not title or (isinstance(title, float) and pd.isna(title)):
        return {}
    m = TITLE_RE.search(str(title))
    if m is None:
        return {}
    out = {}
    date = iso_date(m.group("y"), m.group("m"), m.group("d"))
    if date:
        out["event_date"] = date
    if m.group("name"):
        out["speaker_name"] = m.group("name")
    return out


__all__ += ["DATE_PATTERN", "TITLE_RE", "cn_number", "iso_date", "parse_report_title"]
