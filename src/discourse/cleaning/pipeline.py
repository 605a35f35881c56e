"""The cleaning pipeline: rules in order, clean text and the audit table.

:func:`default_rules` lists the rules in the order they run (the
``web_page`` profile; other sources have their own profiles,
:mod:`discourse.cleaning.profiles`); :func:`clean_text` cleans one string,
:func:`clean_corpus` a documents table. Each rule sees the output of the
previous one, and every edit it makes is a row of the audit table, with
offsets into *that step's input*, so the audit replays exactly
(:func:`replay_audit`). The raw text is never modified.

Two input rules run before any profile, as audit steps ``-1``
(``control_characters``) and ``0`` (``html_document``), so that a profile's
own steps are numbered from 1 whatever runs before them.

Each audit row has an ``action`` (:func:`edit_action`): ``removed``
(characters deleted), ``replaced`` (characters changed into others: script
conversion, width, punctuation and whitespace normalisation, placeholders,
entities) or ``moved`` (taken out of the running text into metadata: front
matter, datelines, bylines, credits; or a caption kept as a line of its own).

A document that a rule cannot process, or of which nothing is left, is set
aside in :attr:`CleaningResult.quarantine` instead of stopping the run; a
run quarantining more than ``max_quarantine_share`` of its documents fails
with a :class:`CleaningError` naming them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from discourse.cleaning import (
    boilerplate,
    chrome,
    controls,
    dedup,
    frontmatter,
    markup,
    punctuation,
    redaction,
    script,
    spam,
    template,
)
from discourse.cleaning.metadata import compare_metadata
from discourse.cleaning.rules import Context, Edit, Rule, apply_edits

_script = script  # clean_text's parameter ``script`` shadows the module

AUDIT_COLUMNS = ("doc_id", "step", "rule", "start", "end", "removed", "replacement", "action", "profile", "note")
#: Columns of :attr:`CleaningResult.quarantine`.
QUARANTINE_COLUMNS = ("doc_id", "rule", "error_type", "message")
#: Values of the audit's ``action`` column.
ACTIONS = ("removed", "replaced", "moved")

#: Rules run before every profile, as audit steps -1 and 0.
INPUT_RULES: tuple[Rule, ...] = (
    Rule("control_characters", controls.control_characters,
         "NUL, bidirectional controls (U+202A-E, U+2066-9, U+200E/F) and other C0/C1 controls except \\n and \\t."),
    Rule("html_document", markup.html_document,
         "A whole HTML page: markup removed by the HTML parser, text kept (title becomes metadata)."),
)

#: Default action of the edits of these rules (others: inferred per edit).
RULE_ACTIONS: dict[str, str] = {
    **dict.fromkeys(("front_matter", "meeting_dateline", "report_dateline", "speaker_line", "header_line",
                     "original_title", "credit_line", "reporter_credit"), "moved"),
    **dict.fromkeys(("to_simplified", "normalize_width", "canonical_punctuation", "normalize_whitespace",
                     "punctuation_after_removals", "whitespace_after_removals", "doubled_punctuation",
                     "redaction_marks", "join_broken_paragraphs", "tidy_paragraphs"), "replaced"),
}


class CleaningError(ValueError):
    """A rule failed on a document, or too many documents were quarantined.

    Attributes
    ----------
    doc_id : str or None
        The document (None for a run-level failure).
    rule : str or None
        The rule that failed.
    """

    def __init__(self, message: str, *, doc_id: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.doc_id = doc_id
        self.rule = rule


def edit_action(rule: Rule, edit: Edit) -> str:
    """The audit action of *edit* made by *rule*.

    The edit's own action if it has one, else the rule's
    (:attr:`Rule.action` or :data:`RULE_ACTIONS`), else ``replaced`` when the
    replacement has visible characters and ``removed`` otherwise.

    Examples
    --------
    >>> r = Rule("x", lambda t, c: [])
    >>> edit_action(r, Edit(0, 3, "END", "")), edit_action(r, Edit(0, 1, ",", "，"))
    ('removed', 'replaced')
    """
    if edit.action is not None:
        return edit.action
    act = rule.action or RULE_ACTIONS.get(rule.name)
    if act is not None:
        return act
    return "replaced" if edit.replacement.strip() else "removed"


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
        replacement, action, profile, note`` (offsets into the input of that
        step).
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
        One row per document that was not quarantined: ``doc_id, clean_text,
        n_chars_raw, n_chars_clean, n_chars_removed, share_removed,
        n_redacted, n_xx, n_x, original_title, script_original, profile,
        opencc_config, n_chars_moved, n_chars_replaced`` and the input's
        metadata columns (without the raw ``text`` and ``path``).
    audit : pandas.DataFrame
        The audit rows of those documents (:data:`AUDIT_COLUMNS`).
    metadata : pandas.DataFrame
        Extracted facts beside the manifest: ``doc_id, field, extracted,
        manifest, agrees`` (see :func:`discourse.cleaning.metadata.compare_metadata`).
    quarantine : pandas.DataFrame
        Documents set aside: ``doc_id, rule, error_type, message``.
    boilerplate : pandas.DataFrame
        Lines the boilerplate detector found (``source, line, n_docs,
        n_source_docs, share_docs``); empty when the profile does not run it.
    """

    documents: pd.DataFrame
    audit: pd.DataFrame
    metadata: pd.DataFrame
    quarantine: pd.DataFrame = field(default_factory=lambda: _quarantine_frame([]))
    boilerplate: pd.DataFrame = field(default_factory=pd.DataFrame)


def _audit_frame(rows: list[tuple]) -> pd.DataFrame:
    # ``note`` is mostly NA: python-backed strings, because an all-NA
    # pyarrow-backed string column trips the CSV cell neutraliser (discourse.io).
    df = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    return df.astype({"doc_id": "string", "step": "int64", "rule": "string", "start": "int64", "end": "int64",
                      "removed": "string", "replacement": "string", "action": "string", "profile": "string",
                      "note": "string[python]"})  # see _audit_frame note


def _quarantine_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(QUARANTINE_COLUMNS)).astype("string")


def _steps(rules: Sequence[Rule]) -> list[tuple[int, Rule]]:
    first = 1 - len(INPUT_RULES)
    return [(first + i, r) for i, r in enumerate(INPUT_RULES)] + list(enumerate(rules, start=1))


def _run(current: str, ctx: Context, steps: Sequence[tuple[int, Rule]], profile: str, rows: list[tuple]) -> str:
    doc_id = ctx.doc_id
    for step, rule in steps:
        try:
            current, edits = rule.apply(current, ctx)
        except Exception as exc:  # name the document and the rule, keep the cause
            raise CleaningError(
                f"document {doc_id!r}, rule {rule.name!r}: {type(exc).__name__}: {exc}", doc_id=doc_id, rule=rule.name
            ) from exc
        rows.extend((doc_id, step, rule.name, e.start, e.end, e.removed, e.replacement, edit_action(rule, e),
                     profile, e.note) for e in edits)
    return current


def _resolve(profile: str | None, rules: Sequence[Rule] | None) -> tuple[str, list[Rule]]:
    from discourse.cleaning.profiles import profile_rules

    if rules is not None:
        return (profile or "custom"), list(rules)
    name = profile or "web_page"
    return name, profile_rules(name)


def clean_text(
    text: str,
    *,
    doc_id: str = "",
    title: str | None = None,
    rules: Sequence[Rule] | None = None,
    profile: str | None = None,
    script: str | None = None,
    opencc_config: str | None = None,
) -> CleanedText:
    """Clean one text with a profile's rules (default ``web_page``) or *rules*.

    Parameters
    ----------
    text : str
        Raw text (not modified).
    doc_id : str
        Identifier written in the audit rows and error messages.
    title : str, optional
        Headline known from the manifest; lines repeating it are removed.
    rules : sequence of Rule, optional
        The pipeline; defaults to the rules of *profile* (with *rules*, the
        audit's ``profile`` column says ``custom`` unless *profile* is given).
    profile : str, optional
        ``web_page`` (default, :func:`default_rules`), ``news_feed``,
        ``markdown_archive`` or ``work_report`` (:mod:`discourse.cleaning.profiles`).
    script, opencc_config : str, optional
        The source's declared script (``traditional_hk`` → ``hk2s``, …) or the
        OpenCC configuration itself (see :func:`discourse.cleaning.script.opencc_config_for`).

    Raises
    ------
    CleaningError
        When a rule fails (names the document and rule; the cause is chained).

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
    if not isinstance(text, str):
        raise TypeError(f"document {doc_id!r}: text must be str, not {type(text).__name__}")
    name, rules = _resolve(profile, rules)
    ctx = Context(doc_id=doc_id, title=title)
    ctx.state[_script.STATE_KEY] = opencc_config or _script.opencc_config_for(script)
    rows: list[tuple] = []
    current = _run(text, ctx, _steps(rules), name, rows)
    return CleanedText(
        text=current,
        audit=_audit_frame(rows),
        metadata=dict(ctx.metadata),
        placeholder_counts=redaction.count_placeholders(current),
    )


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


def _is_boilerplate(rule: Rule) -> bool:
    return getattr(rule.func, "func", rule.func) is boilerplate.boilerplate_lines


def _value(r: dict, col: str | None):
    if not col or col not in r:
        return None
    v = r[col]
    return None if v is None or (not isinstance(v, (list, dict)) and pd.isna(v)) else v


def clean_corpus(
    docs: pd.DataFrame,
    *,
    profile: str = "web_page",
    rules: Sequence[Rule] | None = None,
    text_col: str = "text",
    title_col: str = "title",
    script_col: str = "script",
    source_col: str | None = None,
    opencc_config: str | None = None,
    boilerplate_min_share: float = 0.05,
    boilerplate_min_docs: int = 3,
    boilerplate_min_chars: int = 6,
    max_quarantine_share: float = 0.01,
) -> CleaningResult:
    """Clean every document of a documents table.

    Parameters
    ----------
    docs : pandas.DataFrame
        Documents table (``discourse.ingest.corpus.load_corpus``): at least
        ``doc_id`` and ``text``; ``title`` and other metadata are used when
        present (title to find repeated headlines, the rest to compare with
        the extracted metadata).
    profile : {"web_page", "news_feed", "markdown_archive", "work_report"}
        The source profile (:mod:`discourse.cleaning.profiles`); recorded in
        the ``profile`` column of the audit and the documents table.
    rules : sequence of Rule, optional
        A pipeline replacing the profile's rules (the ``profile`` column then
        says ``custom``).
    text_col, title_col : str
        Columns holding the raw text and the known title.
    script_col : str
        Column declaring each document's script (``traditional_hk`` → OpenCC
        ``hk2s``, ``traditional_tw`` → ``tw2s``, else ``t2s``); recorded per
        document as ``opencc_config``.
    source_col : str, optional
        Column naming each document's source (site, feed) for the boilerplate
        detector; default: the whole table is one source.
    opencc_config : str, optional
        OpenCC configuration for documents whose script does not say
        (default ``t2s``).
    boilerplate_min_share, boilerplate_min_docs, boilerplate_min_chars
        Thresholds of :class:`discourse.cleaning.boilerplate.BoilerplateDetector`.
    max_quarantine_share : float
        Largest share of documents that may be quarantined before the run
        fails.

    Returns
    -------
    CleaningResult

    Raises
    ------
    CleaningError
        When more than *max_quarantine_share* of the documents were
        quarantined (the message names them and their rules).

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"doc_id": ["a"], "text": ["原标题：题\\n正文,内容。"]})
    >>> res = clean_corpus(docs)
    >>> res.documents[["doc_id", "clean_text", "n_chars_raw", "n_chars_clean"]].to_dict("records")
    [{'doc_id': 'a', 'clean_text': '正文，内容。', 'n_chars_raw': 12, 'n_chars_clean': 6}]
    >>> res.documents["profile"].tolist(), res.quarantine.empty
    (['web_page'], True)
    """
    _validate_docs(docs, text_col)
    if not 0 <= max_quarantine_share <= 1:
        raise ValueError(f"max_quarantine_share must be in [0, 1], got {max_quarantine_share!r}")
    name, rules = _resolve(None if rules is not None else profile, rules)
    default_cfg = script.opencc_config_for(None, opencc_config or "t2s")
    steps = _steps(rules)
    split = next((k for k, (_, r) in enumerate(steps) if _is_boilerplate(r)), len(steps))
    has_script_rule = any(r.name == "to_simplified" or getattr(r.func, "func", r.func) is script.to_simplified
                          for r in rules)

    quarantined: list[tuple] = []
    states: list[dict] = []  # per live document
    for row in docs.itertuples(index=False):
        r = row._asdict()
        doc_id = str(r["doc_id"])
        title = _value(r, title_col) if title_col in docs.columns else None
        title = None if title is None else str(title)
        raw = r[text_col]
        if not isinstance(raw, str):
            quarantined.append((doc_id, "input", "TypeError", f"text must be str, not {type(raw).__name__}"))
            continue
        ctx = Context(doc_id=doc_id, title=title)
        declared = _value(r, script_col)
        cfg = script.opencc_config_for(declared, default_cfg)
        ctx.state[script.STATE_KEY] = cfg
        doc_rows: list[tuple] = []
        try:
            current = _run(raw, ctx, steps[:split], name, doc_rows)
        except CleaningError as exc:
            quarantined.append(_quarantine_row(exc))
            continue
        states.append({"r": r, "raw": raw, "ctx": ctx, "text": current, "rows": doc_rows, "cfg": cfg,
                       "source": _value(r, source_col) if source_col else None})

    found = pd.DataFrame(columns=["source", "line", "n_docs", "n_source_docs", "share_docs"])
    if split < len(steps):
        det = boilerplate.BoilerplateDetector(min_share=boilerplate_min_share, min_docs=boilerplate_min_docs,
                                              min_chars=boilerplate_min_chars)
        det.fit([s["text"] for s in states], [s["source"] for s in states])
        found = det.lines_
        live = []
        for s in states:
            s["ctx"].state[boilerplate.STATE_KEY] = det.lines_for(s["source"])
            try:
                s["text"] = _run(s["text"], s["ctx"], steps[split:], name, s["rows"])
            except CleaningError as exc:
                quarantined.append(_quarantine_row(exc))
                continue
            live.append(s)
        states = live

    records, rows, extracted, kept = [], [], {}, []
    for s in states:
        clean, raw, ctx, r = s["text"], s["raw"], s["ctx"], s["r"]
        doc_id = ctx.doc_id
        if not clean.strip():
            quarantined.append((doc_id, "empty_text", "EmptyDocument",
                                f"document {doc_id!r}: nothing left after cleaning ({len(raw)} characters removed)"))
            continue
        kept.append(r["doc_id"])
        rows.extend(s["rows"])
        metadata = dict(ctx.metadata)
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
        rec["profile"] = name
        rec["opencc_config"] = s["cfg"] if has_script_rule else pd.NA
        moved = replaced = 0
        for row_ in s["rows"]:
            if row_[7] == "moved":
                moved += len(row_[5]) - len(row_[6])
            elif row_[7] == "replaced":
                replaced += len(row_[5])
        rec["n_chars_moved"] = moved
        rec["n_chars_replaced"] = replaced
        records.append(rec)

    n_q = len(quarantined)
    if n_q and n_q > max_quarantine_share * len(docs):
        listed = "; ".join(f"{d} ({rule}: {et})" for d, rule, et, _ in quarantined[:20])
        raise CleaningError(
            f"{n_q} of {len(docs)} documents quarantined ({n_q / len(docs):.1%} > max_quarantine_share "
            f"{max_quarantine_share:.1%}): {listed}" + (" …" if n_q > 20 else "")
        )

    documents = pd.DataFrame(records, columns=None if records else [
        "doc_id", "clean_text", "n_chars_raw", "n_chars_clean", "n_chars_removed", "share_removed",
        *(f"n_{s}" for s in redaction.CLEANING_PLACEHOLDERS.values()), "original_title", "script_original",
        "profile", "opencc_config", "n_chars_moved", "n_chars_replaced"])
    documents = documents.astype({"doc_id": "string", "clean_text": "string", "original_title": "string",
                                  "script_original": "category", "profile": "category", "opencc_config": "category"})
    extra = [c for c in docs.columns if c not in (text_col, "path") and c not in documents.columns]
    kept_docs = docs[docs["doc_id"].isin(kept)] if n_q else docs
    meta_cols = kept_docs[["doc_id", *extra]].copy()
    meta_cols["doc_id"] = meta_cols["doc_id"].astype("string")
    documents = documents.merge(meta_cols, on="doc_id", how="left", validate="one_to_one")
    _fill_from_extracted(documents, extracted, [r.name for r in rules])
    audit = _audit_frame(rows)
    return CleaningResult(
        documents=documents,
        audit=audit,
        metadata=compare_metadata(extracted, kept_docs),
        quarantine=_quarantine_frame(quarantined),
        boilerplate=found.reset_index(drop=True),
    )


def _quarantine_row(exc: CleaningError) -> tuple:
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    return (exc.doc_id, exc.rule, type(cause).__name__, str(exc))


def _fill_from_extracted(documents: pd.DataFrame, extracted: dict, rule_names: list[str]) -> None:
    """Fill missing ``speaker_name`` / ``event_date`` from report rules (in place).

    Only the report rules (``title_metadata``, ``speaker_line``,
    ``report_dateline``) fill them, and only where the manifest gives
    nothing: the manifest stays the source of truth.
    """
    ids = documents["doc_id"].astype(str)
    if "speaker_line" in rule_names or "title_metadata" in rule_names:
        found = ids.map(lambda d: extracted.get(d, {}).get("speaker_name"))
        if "speaker_name" not in documents.columns:
            documents["speaker_name"] = pd.Series(pd.NA, index=documents.index, dtype="string")
        documents["speaker_name"] = documents["speaker_name"].astype("string").fillna(found.astype("string"))
    if "report_dateline" in rule_names or "title_metadata" in rule_names:
        date = pd.to_datetime(ids.map(lambda d: extracted.get(d, {}).get("event_date")), errors="coerce",
                              format="%Y-%m-%d")
        basis = ids.map(lambda d: extracted.get(d, {}).get("event_date_basis")).astype("string")
        if "event_date" not in documents.columns:
            documents["event_date"] = pd.Series(pd.NaT, index=documents.index, dtype="datetime64[ns]")
        missing = documents["event_date"].isna() & date.notna()
        documents["event_date"] = documents["event_date"].where(~missing, date)
        for col, val in (("event_date_basis", basis), ("event_date_precision", "day")):
            if col not in documents.columns:
                documents[col] = pd.Series(pd.NA, index=documents.index, dtype="string")
            if isinstance(documents[col].dtype, pd.CategoricalDtype):
                documents[col] = documents[col].astype("string")
            documents.loc[missing, col] = val if isinstance(val, str) else val[missing]
        if "date" in documents.columns:
            fill = documents["date"].isna() & documents["event_date"].notna()
            documents.loc[fill, "date"] = documents.loc[fill, "event_date"]
            for col, val in (("date_precision", "day"), ("date_source", "event_date")):
                if col in documents.columns:
                    if isinstance(documents[col].dtype, pd.CategoricalDtype):
                        documents[col] = documents[col].astype("string")
                    documents.loc[fill, col] = val


__all__ = ["AUDIT_COLUMNS", "QUARANTINE_COLUMNS", "ACTIONS", "INPUT_RULES", "RULE_ACTIONS", "CleaningError",
           "default_rules", "edit_action", "CleanedText", "CleaningResult", "clean_text", "clean_corpus",
           "replay_audit"]
