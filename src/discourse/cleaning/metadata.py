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
