"""Small helpers the study's notebooks call: what was run, what was skipped and why.

They return IPython display objects (Markdown), so a notebook cell stays one
line, and they state facts computed from the study's tables, never prose
written for one corpus.
"""

from __future__ import annotations

import pandas as pd


def _markdown(text: str):
    from IPython.display import Markdown

    return Markdown(text)


def _md_escape(text: object) -> str:
    s = str(text)
    for ch in "\\`*_{}[]<>()#+!|$":
        s = s.replace(ch, "\\" + ch)
    return s


def run_summary_text(study) -> str:
    """One paragraph saying what this run is: configuration, manifest, documents, dates, places.

    Examples
    --------
    >>> from discourse.study import open_study
    >>> print(run_summary_text(open_study()))  # doctest: +ELLIPSIS
    **This run:** study `seeds` (configuration `study.toml`, manifest `corpus.csv`): 5 documents...
    """
    docs = study.documents
    cfg = study.config
    n = len(docs)
    dated = docs["date"].dropna() if "date" in docs.columns else pd.Series(dtype="datetime64[ns]")
    places = docs["place"].dropna().astype(str).unique() if "place" in docs.columns else []
    parts = [
        f"**This run:** study `{cfg.name}` (configuration `{cfg.path.name}`, manifest "
        f"`{_md_escape(study.record.get('manifest', ''))}`): {n:,} documents",
    ]
    if len(dated):
        parts.append(f", dated {dated.min():%Y-%m-%d} to {dated.max():%Y-%m-%d}")
    n_undated = n - len(dated)
    if n_undated:
        parts.append(f" ({n_undated:,} undated)")
    parts.append(f"; {len(places):,} places")
    parts.append(f"; {len(study.paragraphs):,} {cfg.units.unit if cfg.units.unit != 'document' else 'paragraph'} units")
    parts.append(f" and {int(docs['n_tokens'].sum()):,} tokens.")
    if len(study.quarantine):
        parts.append(f" {len(study.quarantine):,} documents were set aside by cleaning (see notebook 01).")
    for note in study.record.get("notes", []):
        parts.append(f" Note: {_md_escape(note)}.")
    return "".join(parts)


def run_summary(study):
    """:func:`run_summary_text` as Markdown for a notebook."""
    return _markdown(run_summary_text(study))


def skip(reason: str):
    """Say in one sentence that an analysis is skipped and why (instead of an empty table)."""
    return _markdown(f"*Skipped:* {_md_escape(reason)}")


def findings_note(study):
    """For a corpus other than the one the prose was written for: say where the findings are.

    On the bundled corpus this is empty (its findings follow as prose); on any
    other corpus the hand-written findings are left out of the notebook and
    this says so.
    """
    from discourse.study.settings import is_bundled_corpus

    if is_bundled_corpus(study.config):
        return _markdown("")
    return _markdown(
        "**Findings.** The findings written for the bundled corpus are left out of this run. "
        "The tables and figures above are computed for this corpus; its findings must be written "
        "by the researcher from them."
    )


__all__ = ["findings_note", "run_summary", "run_summary_text", "skip"]
