"""Summaries of the audit table for reports and notebooks."""

from __future__ import annotations

import pandas as pd


def audit_summary(audit: pd.DataFrame, *, by: tuple[str, ...] = ("doc_id", "rule")) -> pd.DataFrame:
    """Characters removed and added per document and rule.

    Parameters
    ----------
    audit : pandas.DataFrame
        Audit table of :func:`clean_corpus` or :func:`clean_text`.
    by : tuple of str
        Grouping columns: ``("doc_id", "rule")`` (default), ``("rule",)`` or
        ``("doc_id",)``.

    Returns
    -------
    pandas.DataFrame
        The grouping columns (with ``step`` when ``rule`` is one of them), then
        ``n_edits``, ``chars_removed`` (characters taken out),
        ``chars_inserted`` (characters of the replacements) and
        ``net_removed`` (removed minus inserted), sorted by the grouping
        columns and step.

    Examples
    --------
    >>> from discourse.cleaning import clean_text
    >>> a = clean_text("正文,内容。\\nEND", doc_id="d").audit
    >>> audit_summary(a)[["rule", "chars_removed", "net_removed"]].to_dict("records")
    [{'rule': 'canonical_punctuation', 'chars_removed': 1, 'net_removed': 0}, {'rule': 'end_marker', 'chars_removed': 4, 'net_removed': 4}]
    """
    by = tuple(by)
    keys = list(by) + (["step"] if "rule" in by and "step" in audit.columns else [])
    a = audit.assign(
        chars_removed=audit["removed"].str.len().astype("int64"),
        chars_inserted=audit["replacement"].str.len().astype("int64"),
    )
    out = (
        a.groupby(keys, sort=False, observed=True)
        .agg(n_edits=("start", "size"), chars_removed=("chars_removed", "sum"), chars_inserted=("chars_inserted", "sum"))
        .reset_index()
    )
    out["net_removed"] = out["chars_removed"] - out["chars_inserted"]
    order = [k for k in keys if k != "rule"] if "step" in keys else keys
    return out.sort_values(order, kind="stable").reset_index(drop=True)


def audit_examples(audit: pd.DataFrame, *, n: int = 3, max_chars: int = 60) -> pd.DataFrame:
    """A few distinct examples of what each rule removed or changed.

    Parameters
    ----------
    audit : pandas.DataFrame
        Audit table.
    n : int
        Examples per rule (the first distinct ones, in document and text order).
    max_chars : int
        Longer removed or replacement texts are shortened with ``…``.

    Returns
    -------
    pandas.DataFrame
        ``rule, step, doc_id, removed, replacement`` (``\\n`` shown as ``⏎``).

    Examples
    --------
    >>> from discourse.cleaning import clean_text
    >>> a = clean_text("正文,内容。\\nEND", doc_id="d").audit
    >>> audit_examples(a)[["rule", "removed", "replacement"]].to_dict("records")[0]
    {'rule': 'canonical_punctuation', 'removed': ',', 'replacement': '，'}
    """

    def short(s: str) -> str:
        s = s.replace("\n", "⏎")
        return s if len(s) <= max_chars else s[: max_chars - 1] + "…"

    a = audit.sort_values(["step", "doc_id", "start"], kind="stable")
    a = a.drop_duplicates(["rule", "removed", "replacement"])
    a = a.groupby("step", sort=True).head(n)
    out = a[["rule", "step", "doc_id", "removed", "replacement"]].copy()
    out["removed"] = out["removed"].map(short).astype("string")
    out["replacement"] = out["replacement"].map(short).astype("string")
    return out.reset_index(drop=True)


__all__ = ["audit_summary", "audit_examples"]
