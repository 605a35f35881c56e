"""The cleaning pipeline: rules in order, clean text and the audit table.

:func:`default_rules` lists the rules in the order they run; :func:`clean_text`
cleans one string, :func:`clean_corpus` a documents table. Each rule sees the
output of the previous one, and every edit it makes is a row of the audit
table, with offsets into *that step's input*, so the audit replays exactly
(:func:`replay_audit`). The raw text is never modified.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from discourse.cleaning import chrome, dedup, frontmatter, punctuation, redaction, script, spam, template
from discourse.cleaning.metadata import compare_metadata
from discourse.cleaning.rules import Context, Edit, Rule, apply_edits

AUDIT_COLUMNS = ("doc_id", "step", "rule", "start", "end", "removed", "replacement")


def default_rules() -> list[Rule]:
    """Return the default cleaning rules, in the order they run.

    Examples
    --------
    >>> [r.name for r in default_rules()][:4]
    ['front_matter', 'markdown_markup', 'strip_pinyin', 'to_simplified']
    """
    R = Rule
    return [
        R("front_matter", frontmatter.front_matter, "YAML front matter of a Markdown file (fields become metadata)."),
        R("markdown_markup", frontmatter.markdown_markup, "Markdown markup (bold, headings, footnote marks, HTML comments) in Markdown files."),
        R("strip_pinyin", script.strip_pinyin, "Pinyin glued after a character: 濟(jì) -> 濟."),
        R("to_simplified", script.to_simplified, "Traditional characters converted to simplified (OpenCC t2s)."),
        R("normalize_width", punctuation.normalize_width, "Full-width letters, digits and symbols to ASCII (NFKC), keeping ，：；？！（）."),
        R("canonical_punctuation", punctuation.canonical_punctuation, "ASCII , : ; ? ! ( ) to full-width in Chinese context."),
        R("normalize_whitespace", punctuation.normalize_whitespace, "Spaces, NBSP, U+3000 removed in Chinese context and at line ends."),
        R("meeting_dateline", frontmatter.meeting_dateline, "Dateline ——<date>在<meeting>上 (date and meeting become metadata)."),
        R("header_line", chrome.header_line, "Header lines with publish time and source."),
        R("template_preamble", template.template_preamble, "Template site's 下面是小编为大家整理的…供大家参考 sentence."),
        R("hidden_content_marker", template.hidden_content_marker, "Hidden-content marker inserted in a sentence (当前隐藏内容免费查看)."),
        R("keyword_tail", template.keyword_tail, "推荐访问：… keyword tail."),
        R("share_bar", chrome.share_bar, "Share bar and page tools (分享到)."),
        R("breadcrumb", chrome.breadcrumb, "Breadcrumb trail (网站 > 频道 > 栏目)."),
        R("related_links", chrome.related_links, "Related-link lists."),
        R("site_footer", chrome.site_footer, "Copyright, licence, ICP, phone and e-mail footer lines."),
        R("reprint_footer", chrome.reprint_footer, "Reprint notice with the source URL."),
        R("end_marker", chrome.end_marker, "END / （完） markers."),
        R("original_title", chrome.original_title, "原标题 line (the title becomes metadata)."),
        R("credit_line", chrome.credit_line, "Editor and reporter credit lines."),
        R("photo_caption", chrome.photo_caption, "Photo captions (图为：…, …记者某某摄)."),
        R("page_note", chrome.page_note, "Newspaper page notes (（下转第四版）, （此件有删减）)."),
        R("reporter_credit", chrome.reporter_credit, "Reporter credits at the start or end of a paragraph."),
        R("seo_spam", spam.seo_spam, "SEO spam title lines and their keywords stuffed into sentences."),
        R("advert_line", spam.advert_line, "Advert lines with a contact number."),
        R("join_broken_paragraphs", punctuation.join_broken_paragraphs, "Line break after ，、； inside a paragraph."),
        R("punctuation_after_removals", punctuation.canonical_punctuation, "canonical_punctuation again, where removals changed the context."),
        R("whitespace_after_removals", punctuation.normalize_whitespace, "normalize_whitespace again, where removals changed the context."),
        R("redaction_marks", redaction.redaction_marks, "***, XX and a lone X replaced by placeholders."),
        R("doubled_punctuation", punctuation.doubled_punctuation, "Doubled or misplaced punctuation (，， ，、 ，。)."),
        R("repeated_title", dedup.repeated_title, "Headline, its repetitions and fragments, and a teaser excerpt (title becomes metadata)."),
        R("duplicate_paragraphs", functools.partial(dedup.duplicate_paragraphs), "Paragraphs repeated later in the document (first kept)."),
        R("tidy_paragraphs", punctuation.tidy_paragraphs, "Empty lines: one paragraph per line."),
    ]


@dataclass
class CleanedText:
    """The result of cleaning one text.

    Attributes
    ----------
    text : str
        Clean text, one paragraph per line.
    audit : pandas.DataFrame
        One row per edit: ``doc_id, step, rule, start, end, removed,
        replacement`` (offsets into the input of that step).
    metadata : dict
        Facts found in the boilerplate (``pub_date``, ``outlet``, ``title``,
        ``original_title``, ``reporter``, ``editor``, ``script_original``, …).
    placeholder_counts : dict
        Number of each redaction placeholder in the clean text.
    """

    text: str
    audit: pd.DataFrame
    metadata: dict = field(default_factory=dict)
    placeholder_counts: dict = field(default_factory=dict)


@dataclass
class CleaningResult:
    """The result of cleaning a documents table.

    Attributes
    ----------
    documents : pandas.DataFrame
        One row per document: ``doc_id, clean_text, n_chars_raw,
        n_chars_clean, n_chars_removed, share_removed, n_redacted, n_xx, n_x,
        original_title, script_original`` and the input's metadata columns
        (without the raw ``text`` and ``path``).
    audit : pandas.DataFrame
        The audit rows of all documents.
    metadata : pandas.DataFrame
        Extracted facts beside the manifest: ``doc_id, field, extracted,
        manifest, agrees`` (see :func:`discourse.cleaning.metadata.compare_metadata`).
    """

    documents: pd.DataFrame
    audit: pd.DataFrame
    metadata: pd.DataFrame


def _audit_frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    return df.astype({"doc_id": "string", "step": "int64", "rule": "string", "start": "int64", "end": "int64",
                      "removed": "string", "replacement": "string"})


def clean_text(
    text: str, *, doc_id: str = "", title: str | None = None, rules: Sequence[Rule] | None = None
) -> CleanedText:
    """Clean one text with *rules* (default: :func:`default_rules`).

    Parameters
    ----------
    text : str
        Raw text (not modified).
    doc_id : str
        Identifier written in the audit rows and error messages.
    title : str, optional
        Headline known from the manifest; lines repeating it are removed.
    rules : sequence of Rule, optional
        The pipeline; defaults to :func:`default_rules`.

    Examples
    --------
    >>> r = clean_text("原标题：旧标题\\n9月21日,会议召开。( 记者 安艳)\\nEND")
    >>> r.text
    '9月21日，会议召开。'
    >>> r.metadata["original_title"], r.metadata["reporter"]
    ('旧标题', '安艳')
    >>> sorted(set(r.audit["rule"]))
    ['canonical_punctuation', 'end_marker', 'normalize_whitespace', 'original_title', 'reporter_credit']
    """
    rules = default_rules() if rules is None else list(rules)
    current, rows, metadata = _clean(text, doc_id, title, rules)
    return CleanedText(
        text=current,
        audit=_audit_frame(rows),
        metadata=metadata,
        placeholder_counts=redaction.count_placeholders(current),
    )


def _clean(text: str, doc_id: str, title: str | None, rules: Sequence[Rule]) -> tuple[str, list[tuple], dict]:
    if not isinstance(text, str):
        raise TypeError(f"document {doc_id!r}: text must be str, not {type(text).__name__}")
    ctx = Context(doc_id=doc_id, title=title)
    rows: list[tuple] = []
    current = text
    for step, rule in enumerate(rules, start=1):
        try:
            current, edits = rule.apply(current, ctx)
        except Exception as exc:  # name the document and the rule
            raise type(exc)(f"document {doc_id!r}, rule {rule.name!r}: {exc}") from exc
        rows.extend((doc_id, step, rule.name, e.start, e.end, e.removed, e.replacement) for e in edits)
    return current, rows, dict(ctx.metadata)


def replay_audit(raw: str, audit: pd.DataFrame) -> str:
    """Re-apply the audit rows of one document to its raw text.

    Returns the clean text when the audit is complete: every character
    removed or changed is in the audit.

    Examples
    --------
    >>> r = clean_text("甲,乙。\\n\\nEND")
    >>> replay_audit("甲,乙。\\n\\nEND", r.audit) == r.text
    True
    """
    text = raw
    for _, grp in audit.sort_values(["step", "start"], kind="stable").groupby("step", sort=True):
        edits = [Edit(int(a), int(b), str(r), str(p)) for a, b, r, p in
                 zip(grp["start"], grp["end"], grp["removed"], grp["replacement"])]
        text = apply_edits(text, edits)
    return text


def _validate_docs(docs: pd.DataFrame, text_col: str) -> None:
    if not isinstance(docs, pd.DataFrame):
        raise TypeError("docs must be a pandas DataFrame (the documents table)")
    missing = [c for c in ("doc_id", text_col) if c not in docs.columns]
    if missing:
        raise ValueError(f"documents table lacks column(s) {missing}; it needs 'doc_id' and {text_col!r}")
    dup = docs["doc_id"][docs["doc_id"].duplicated()].tolist()
    if dup:
        raise ValueError(f"documents table: doc_id not unique: {dup[:5]}")
    bad = docs.loc[docs[text_col].isna(), "doc_id"].tolist()
    if bad:
        raise ValueError(f"documents table: column {text_col!r} is empty for doc_id {bad[:5]}")


def clean_corpus(
    docs: pd.DataFrame, *, rules: Sequence[Rule] | None = None, text_col: str = "text", title_col: str = "title"
) -> CleaningResult:
    """Clean every document of a documents table.

    Parameters
    ----------
    docs : pandas.DataFrame
        Documents table (``discourse.ingest.corpus.load_corpus``): at least
        ``doc_id`` and ``text``; ``title`` and other metadata are used when
        present (title to find repeated headlines, the rest to compare with
        the extracted metadata).
    rules : sequence of Rule, optional
        The pipeline; defaults to :func:`default_rules`.
    text_col, title_col : str
        Columns holding the raw text and the known title.

    Returns
    -------
    CleaningResult

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"doc_id": ["a"], "text": ["原标题：题\\n正文,内容。"]})
    >>> res = clean_corpus(docs)
    >>> res.documents[["doc_id", "clean_text", "n_chars_raw", "n_chars_clean"]].to_dict("records")
    [{'doc_id': 'a', 'clean_text': '正文，内容。', 'n_chars_raw': 12, 'n_chars_clean': 6}]
    """
    _validate_docs(docs, text_col)
    rules = default_rules() if rules is None else list(rules)
    records, rows, extracted = [], [], {}
    for row in docs.itertuples(index=False):
        r = row._asdict()
        doc_id = str(r["doc_id"])
        title = r.get(title_col) if title_col in docs.columns else None
        title = None if title is None or pd.isna(title) else str(title)
        raw = r[text_col]
        clean, doc_rows, metadata = _clean(raw, doc_id, title, rules)
        rows.extend(doc_rows)
        extracted[doc_id] = metadata
        counts = redaction.count_placeholders(clean)
        n_raw, n_clean = len(raw), len(clean)
        rec = {
            "doc_id": doc_id,
            "clean_text": clean,
            "n_chars_raw": n_raw,
            "n_chars_clean": n_clean,
            "n_chars_removed": n_raw - n_clean,
            "share_removed": (n_raw - n_clean) / n_raw if n_raw else 0.0,
        }
        for p, suffix in redaction.CLEANING_PLACEHOLDERS.items():
            rec[f"n_{suffix}"] = counts[p]
        rec["original_title"] = metadata.get("original_title", pd.NA)
        rec["script_original"] = metadata.get("script_original", pd.NA)
        records.append(rec)
    documents = pd.DataFrame(records)
    documents = documents.astype({"doc_id": "string", "clean_text": "string", "original_title": "string",
                                  "script_original": "category"})
    extra = [c for c in docs.columns if c not in (text_col, "path") and c not in documents.columns]
    meta_cols = docs[["doc_id", *extra]].copy()
    meta_cols["doc_id"] = meta_cols["doc_id"].astype("string")
    documents = documents.merge(meta_cols, on="doc_id", how="left", validate="one_to_one")
    audit = _audit_frame(rows)
    return CleaningResult(documents=documents, audit=audit, metadata=compare_metadata(extracted, docs))


__all__ = ["AUDIT_COLUMNS", "default_rules", "CleanedText", "CleaningResult", "clean_text", "clean_corpus", "replay_audit"]
