"""Summaries of the audit table for reports and notebooks."""

from __future__ import annotations

import pandas as pd


def audit_summary(
    audit: pd.DataFrame, *, by: tuple[str, ...] = ("doc_id", "rule"), n_chars_raw: int | pd.Series | None = None
) -> pd.DataFrame:
    """Characters removed and added per document and rule.

    Parameters
    ----------
    audit : pandas.DataFrame
        Audit table of :func:`clean_corpus` or :func:`clean_text`.
    by : tuple of str
        Grouping columns: ``("doc_id", "rule")`` (default), ``("rule",)``,
        ``("doc_id",)``, ``("action",)``, ``("doc_id", "action")``, …
    n_chars_raw : int or pandas.Series, optional
        Characters of the raw text: a total, or a Series indexed by
        ``doc_id`` (e.g. ``documents.set_index("doc_id")["n_chars_raw"]``).
        When given, the shares are of the raw characters (of the group's
        documents when ``doc_id`` is a grouping column, else of all).

    Returns
    -------
    pandas.DataFrame
        The grouping columns (with ``step`` when ``rule`` is one of them), then
        ``n_edits``, ``chars_removed`` (characters taken out),
        ``chars_inserted`` (characters of the replacements) and
        ``net_removed`` (removed minus inserted), then the three kinds of
        change kept apart (audit column ``action``): ``chars_deleted``
        (net characters of ``removed`` rows), ``chars_replaced``
        (characters of ``replaced`` rows: script conversion, normalisation,
        placeholders), ``chars_moved`` (net characters of ``moved`` rows:
        taken into metadata), and ``share_deleted``, ``share_replaced``,
        ``share_moved``: each divided by *n_chars_raw* when given, else by
        the group's ``chars_removed``. Sorted by the grouping columns and step.

    Examples
    --------
    >>> from discourse.cleaning import clean_text
    >>> a = clean_text("正文,内容。\\nEND", doc_id="d").audit
    >>> audit_summary(a)[["rule", "chars_removed", "net_removed"]].to_dict("records")
    [{'rule': 'canonical_punctuation', 'chars_removed': 1, 'net_removed': 0}, {'rule': 'end_marker', 'chars_removed': 4, 'net_removed': 4}]
    >>> s = audit_summary(a, by=("doc_id",), n_chars_raw=10)
    >>> s[["chars_deleted", "chars_replaced", "chars_moved", "share_deleted", "share_replaced"]].to_dict("records")
    [{'chars_deleted': 4, 'chars_replaced': 1, 'chars_moved': 0, 'share_deleted': 0.4, 'share_replaced': 0.1}]
    """
    by = tuple(by)
    keys = list(by) + (["step"] if "rule" in by and "step" in audit.columns else [])
    removed = audit["removed"].str.len().astype("int64")
    inserted = audit["replacement"].str.len().astype("int64")
    action = audit["action"] if "action" in audit.columns else pd.Series("removed", index=audit.index)
    a = audit.assign(
        chars_removed=removed,
        chars_inserted=inserted,
        chars_deleted=(removed - inserted).where(action == "removed", 0),
        chars_replaced=removed.where(action == "replaced", 0),
        chars_moved=(removed - inserted).where(action == "moved", 0),
    )
    out = (
        a.groupby(keys, sort=False, observed=True)
        .agg(n_edits=("start", "size"), chars_removed=("chars_removed", "sum"), chars_inserted=("chars_inserted", "sum"),
             chars_deleted=("chars_deleted", "sum"), chars_replaced=("chars_replaced", "sum"),
             chars_moved=("chars_moved", "sum"))
        .reset_index()
    )
    out["net_removed"] = out["chars_removed"] - out["chars_inserted"]
    if n_chars_raw is None:
        denom = out["chars_removed"].where(out["chars_removed"] > 0).astype("float64")
    elif isinstance(n_chars_raw, pd.Series):
        raw = n_chars_raw.copy()
        raw.index = raw.index.astype(str)
        denom = (out["doc_id"].astype(str).map(raw) if "doc_id" in out.columns else pd.Series(float(raw.sum()), index=out.index))
        denom = denom.astype("float64")
    else:
        denom = pd.Series(float(n_chars_raw), index=out.index)
    for kind in ("deleted", "replaced", "moved"):
        out[f"share_{kind}"] = out[f"chars_{kind}"] / denom
    cols = [*keys, "n_edits", "chars_removed", "chars_inserted", "net_removed", "chars_deleted", "chars_replaced",
            "chars_moved", "share_deleted", "share_replaced", "share_moved"]
    out = out[cols]
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
