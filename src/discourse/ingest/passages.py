"""Passages of a corpus selected by a versioned term rule.

A *passage rule* marks the text units (paragraphs or sentences) that contain
any of its terms as a plain substring, optionally with ``window`` neighbouring
units on each side within the same document. The module knows no subject
matter: the terms (and the phrases to exclude) are passed in by the study.

Matching is on the unit's text as it is (no segmentation, no case folding), so
a rule is exactly as precise as its terms; validate it on a hand-checked
sample before relying on it. *Exclusions* are phrases masked before the terms
are sought, for the case where a term is part of a phrase with another sense
(a term ``X`` inside ``YX`` that means something else): an occurrence of a
term that lies wholly inside an excluded phrase does not count.

With ``window=0`` a rule is **idempotent**: applying it again to the units it
selected selects every one of them (each still contains a term outside any
excluded phrase, because the check only looks at the unit itself). A stored
set of selected paragraphs can therefore be treated as a corpus of its own and
re-selected with the same rule without losing anything. With ``window > 0``
this does not hold: the neighbours taken in for context need not contain a
term.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

#: Columns :func:`select_passages` adds to the units table.
SELECTION_COLUMNS: tuple[str, ...] = ("selected", "matched_terms", "n_matches")


def _check_terms(terms: Sequence[str], name: str, *, allow_empty: bool) -> tuple[str, ...]:
    if isinstance(terms, str):
        raise TypeError(f"{name} must be a sequence of strings, not one string ({terms!r}); wrap it in a list")
    out = tuple(terms)
    if not out and not allow_empty:
        raise ValueError(f"{name} is empty: give at least one term")
    for i, t in enumerate(out):
        if not isinstance(t, str) or not t:
            raise ValueError(f"{name}[{i}] must be a non-empty string, not {t!r}")
    if len(set(out)) != len(out):
        dup = sorted({t for t in out if out.count(t) > 1})
        raise ValueError(f"{name} has duplicates: {dup}")
    return out


def _alternation(terms: Sequence[str]) -> re.Pattern[str]:
    # longest first, so that a term containing another is matched whole
    ordered = sorted(terms, key=lambda t: (-len(t), t))
    return re.compile("|".join(re.escape(t) for t in ordered))


def _mask(text: str, pattern: re.Pattern[str] | None) -> str:
    if pattern is None:
        return text
    return pattern.sub(lambda m: "\x00" * len(m.group(0)), text)


def select_passages(
    units: pd.DataFrame,
    terms: Sequence[str],
    *,
    text_col: str = "text",
    window: int = 0,
    exclude: Sequence[str] = (),
) -> pd.DataFrame:
    """Mark the units whose text contains any term, plus their neighbours.

    Parameters
    ----------
    units : pandas.DataFrame
        Text units with ``doc_id``, ``para_no`` (their order within the
        document; for sentences any increasing unit number) and *text_col*,
        e.g. the output of :func:`discourse.ingest.units.split_paragraphs`.
    terms : sequence of str
        Terms sought as plain substrings (no regular expressions).
    text_col : str
        Column holding the unit text.
    window : int
        Number of neighbouring units on each side (in ``para_no`` order,
        within the same document) selected with every matching unit.
    exclude : sequence of str
        Phrases masked before the terms are sought: an occurrence of a term
        inside one of them does not count.

    Returns
    -------
    pandas.DataFrame
        A copy of *units* (same rows, same order, fresh ``RangeIndex``) with
        ``selected`` (bool: matches, or within *window* of a match),
        ``matched_terms`` (string: the terms found, ``;``-joined in the order
        of *terms*, empty when none) and ``n_matches`` (int64: occurrences of
        the terms, counted without overlap, longest term first).

    Raises
    ------
    TypeError, ValueError
        Not a DataFrame, missing columns, a missing text, empty or duplicate
        terms, a negative window.

    Examples
    --------
    >>> units = pd.DataFrame({"doc_id": ["a", "a", "a", "b"], "para_no": [1, 2, 3, 1],
    ...                       "text": ["红色的花。", "绿叶。", "花开花落。", "无关。"]})
    >>> out = select_passages(units, ["花", "红色"])
    >>> out[["doc_id", "para_no", "selected", "matched_terms", "n_matches"]].to_dict("records")[:3]
    [{'doc_id': 'a', 'para_no': 1, 'selected': True, 'matched_terms': '花;红色', 'n_matches': 2}, {'doc_id': 'a', 'para_no': 2, 'selected': False, 'matched_terms': '', 'n_matches': 0}, {'doc_id': 'a', 'para_no': 3, 'selected': True, 'matched_terms': '花', 'n_matches': 2}]
    >>> select_passages(units, ["红色"], window=1)["selected"].tolist()
    [True, True, False, False]
    >>> select_passages(units, ["花"], exclude=["红色的花"])["selected"].tolist()
    [False, False, True, False]
    """
    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"units must be a pandas DataFrame, not {type(units).__name__}")
    missing = [c for c in ("doc_id", "para_no", text_col) if c not in units.columns]
    if missing:
        raise ValueError(f"units table lacks column(s) {missing}; it needs 'doc_id', 'para_no' and {text_col!r}")
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise ValueError(f"window must be a non-negative int, not {window!r}")
    terms = _check_terms(terms, "terms", allow_empty=False)
    exclude = _check_terms(exclude, "exclude", allow_empty=True)
    bad = pd.Series([not isinstance(v, str) for v in units[text_col]], index=units.index, dtype=bool)
    if bad.any():
        first = units.loc[bad, ["doc_id", "para_no"]].iloc[0]
        raise ValueError(
            f"units: column {text_col!r} is not a string for doc_id {first['doc_id']!r}, "
            f"para_no {first['para_no']!r} ({int(bad.sum())} row(s))"
        )
    out = units.reset_index(drop=True).copy()
    any_term = _alternation(terms)
    excl = _alternation(exclude) if exclude else None
    masked = [_mask(t, excl) for t in out[text_col]]
    matched = [";".join(t for t in terms if t in s) for s in masked]
    counts = [len(any_term.findall(s)) for s in masked]
    hit = pd.Series([n > 0 for n in counts], index=out.index, dtype=bool)
    if window and len(out):
        pos = out.groupby("doc_id", sort=False)["para_no"].rank(method="first").astype("int64")
        near = pd.Series(False, index=out.index)
        hits = pd.DataFrame({"doc_id": out["doc_id"], "pos": pos})[hit]
        for shift in range(-window, window + 1):
            key = set(zip(hits["doc_id"], hits["pos"] + shift))
            near |= pd.Series([k in key for k in zip(out["doc_id"], pos)], index=out.index)
        selected = near
    else:
        selected = hit
    out["selected"] = selected.astype(bool)
    out["matched_terms"] = pd.Series(matched, index=out.index, dtype="string")
    out["n_matches"] = pd.Series(counts, index=out.index, dtype="int64")
    return out


def join_passages(selected: pd.DataFrame, *, text_col: str = "text", sep: str = "\n\n") -> pd.DataFrame:
    """Join the selected units of each document into one passage text.

    Parameters
    ----------
    selected : pandas.DataFrame
        Output of :func:`select_passages` (only rows with ``selected`` are used).
    text_col : str
        Column holding the unit text.
    sep : str
        Separator between units.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, text, n_units, n_chars`` (``n_chars`` counts the units'
        characters, without separators), one row per document with at least
        one selected unit, in order of first appearance; units in ``para_no``
        order.

    Examples
    --------
    >>> units = pd.DataFrame({"doc_id": ["a", "a", "b"], "para_no": [2, 1, 1], "text": ["乙花", "甲花", "丙"]})
    >>> join_passages(select_passages(units, ["花"])).to_dict("records")
    [{'doc_id': 'a', 'text': '甲花\\n\\n乙花', 'n_units': 2, 'n_chars': 4}]
    """
    missing = [c for c in ("doc_id", "para_no", text_col, "selected") if c not in selected.columns]
    if missing:
        raise ValueError(f"join_passages needs the output of select_passages; missing column(s) {missing}")
    rows = selected[selected["selected"].astype(bool)]
    order = {d: i for i, d in enumerate(dict.fromkeys(rows["doc_id"]))}
    records = []
    for doc_id, grp in sorted(rows.groupby("doc_id", sort=False), key=lambda kv: order[kv[0]]):
        texts = grp.sort_values("para_no", kind="stable")[text_col].tolist()
        records.append((doc_id, sep.join(texts), len(texts), sum(len(t) for t in texts)))
    out = pd.DataFrame(records, columns=["doc_id", "text", "n_units", "n_chars"])
    return out.astype({"doc_id": "string", "text": "string", "n_units": "int64", "n_chars": "int64"})


@dataclass(frozen=True)
class PassageRule:
    """A documented, versioned passage-selection rule.

    Parameters
    ----------
    terms : tuple of str
        Terms sought as substrings (see :func:`select_passages`).
    window : int
        Neighbouring units selected on each side of a match.
    version : str
        The rule's version; change it whenever the terms or the window change.
    exclude : tuple of str
        Phrases masked before matching (default none).

    Notes
    -----
    With ``window=0`` the rule is idempotent: applied to the units it
    selected, it selects them all again (see the module docstring). A panel
    stored as selected paragraphs relies on this.

    Examples
    --------
    >>> rule = PassageRule(terms=("花",), window=0, version="1")
    >>> units = pd.DataFrame({"doc_id": ["a", "a"], "para_no": [1, 2], "text": ["花。", "叶。"]})
    >>> rule.apply(units)["selected"].tolist()
    [True, False]
    >>> len(rule.fingerprint()), rule.fingerprint() == PassageRule(("花",), 0, "1").fingerprint()
    (64, True)
    >>> rule.fingerprint() == PassageRule(("花", "叶"), 0, "1").fingerprint()
    False
    """

    terms: tuple[str, ...]
    window: int
    version: str
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", _check_terms(self.terms, "terms", allow_empty=False))
        object.__setattr__(self, "exclude", _check_terms(self.exclude, "exclude", allow_empty=True))
        if isinstance(self.window, bool) or not isinstance(self.window, int) or self.window < 0:
            raise ValueError(f"window must be a non-negative int, not {self.window!r}")
        if not isinstance(self.version, str) or not self.version:
            raise ValueError(f"version must be a non-empty string, not {self.version!r}")

    def apply(self, units: pd.DataFrame, *, text_col: str = "text") -> pd.DataFrame:
        """Return :func:`select_passages` of *units* under this rule."""
        return select_passages(units, self.terms, text_col=text_col, window=self.window, exclude=self.exclude)

    def to_dict(self) -> dict:
        """The rule's fields as plain JSON-ready values."""
        return {"terms": list(self.terms), "window": self.window, "version": self.version,
                "exclude": list(self.exclude)}

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the rule's fields, stable across runs and machines."""
        payload = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


__all__ = ["SELECTION_COLUMNS", "PassageRule", "join_passages", "select_passages"]
