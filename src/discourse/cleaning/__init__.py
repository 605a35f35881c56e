"""Cleaning scraped Chinese web text, with an audit trail.

Cleaning is a pipeline of small named rules (:func:`default_rules`), each a
``str -> str`` step that also reports every edit it makes. The result of
:func:`clean_text` / :func:`clean_corpus` is the clean text plus an audit
table (``doc_id, step, rule, start, end, removed, replacement``) from which
the clean text can be rebuilt (:func:`replay_audit`), and the metadata found
in the removed boilerplate, set beside the manifest. The raw text is never
modified.

Modules: :mod:`~discourse.cleaning.rules` (machinery),
:mod:`~discourse.cleaning.frontmatter` (Markdown), :mod:`~discourse.cleaning.script`
(pinyin, OpenCC), :mod:`~discourse.cleaning.punctuation` (the documented
character normalisations), :mod:`~discourse.cleaning.chrome` (site chrome),
:mod:`~discourse.cleaning.template` (范文 sites), :mod:`~discourse.cleaning.spam`,
:mod:`~discourse.cleaning.dedup`, :mod:`~discourse.cleaning.redaction`,
:mod:`~discourse.cleaning.metadata`, :mod:`~discourse.cleaning.audit`,
:mod:`~discourse.cleaning.output`.

Examples
--------
>>> from discourse.cleaning import clean_text
>>> r = clean_text("9月21日,会议召开。(记者 安艳)\\nEND")
>>> r.text, r.metadata["reporter"]
('9月21日，会议召开。', '安艳')
"""

from __future__ import annotations

from discourse.cleaning.audit import audit_examples, audit_summary
from discourse.cleaning.output import write_processed
from discourse.cleaning.pipeline import (
    AUDIT_COLUMNS,
    CleanedText,
    CleaningResult,
    clean_corpus,
    clean_text,
    default_rules,
    replay_audit,
)
from discourse.cleaning.punctuation import normalise
from discourse.cleaning.rules import Context, Edit, Rule, apply_edits

__all__ = [
    "AUDIT_COLUMNS",
    "CleanedText",
    "CleaningResult",
    "Context",
    "Edit",
    "Rule",
    "apply_edits",
    "audit_examples",
    "audit_summary",
    "clean_corpus",
    "clean_text",
    "default_rules",
    "normalise",
    "replay_audit",
    "write_processed",
]
