"""Source profiles: which rules run depends on the kind of source.

What counts as furniture depends on the source: a scraped page's headline is
page furniture (it is in the manifest), a news feed's headline is content;
a work report has no site chrome but has a dateline, a speaker line and
tables. A *profile* is a named, ordered list of rules
(:func:`profile_rules`); :func:`discourse.cleaning.clean_corpus` runs one
(``profile="web_page"`` by default) and writes its name in the ``profile``
column of the audit and of the documents table.

Every profile is preceded by the two input rules (audit steps ``-1`` and
``0``, so that the profiles' own steps keep their numbers):
``control_characters`` (NUL, bidi controls, C0/C1 controls) and
``html_document`` (a whole HTML page loses its markup). Every profile sets
aside (quarantines) a document that a rule cannot process or that nothing is
left of.

=============================  =========  =========  ================  ===========
rule                           web_page   news_feed  markdown_archive  work_report
=============================  =========  =========  ================  ===========
front_matter                   x                     x                 x
markdown_table                                                         x
html_markup                               x          x
shortcodes                                           x
markdown_markup                x                     x (always)        x
strip_pinyin, to_simplified    x          x          x                 x
width, punctuation, spaces     x          x          x                 x
meeting_dateline               x
report_dateline                                                        x
title_metadata, speaker_line                                           x
header_line                    x          x          x
template rules (3)             x
share_bar, site_footer,        x          x          x
reprint_footer, end_marker,
original_title, credit_line,
photo_caption, reporter_credit
breadcrumb, related_links      x                     x
page_note                      x          x          x                 x
seo_spam, advert_line          x          x          x
bare_urls                                 x          x
boilerplate                               x          x
join_broken_paragraphs         x          x          x                 x
punctuation/whitespace again   x          x          x                 x
redaction_marks                x          x          x                 x
doubled_punctuation            x          x          x                 x
repeated_title                 x                     x                 x
duplicate_paragraphs           x          x          x                 x
tidy_paragraphs                x          x          x                 x
=============================  =========  =========  ================  ===========

Why:

- ``web_page`` is exactly :func:`discourse.cleaning.default_rules`, the
  pipeline tuned on the bundled scraped pages (its output on them is pinned by
  a test). Its pages arrive as text, so inline HTML, shortcodes and URLs are
  not looked for; the cross-document boilerplate detector is not run either
  (five pages from five sites share no lines).
- ``news_feed``: title + summary items. The headline is content, so
  ``repeated_title`` does not run (an item whose summary repeats its title
  keeps it); feeds carry HTML in summaries, links and a repeated sign-off, so
  ``html_markup``, ``bare_urls`` and ``boilerplate`` run. Breadcrumbs and
  related-link lists are page furniture a feed does not have (their patterns
  could take a short item for a link).
- ``markdown_archive``: Markdown files with YAML headers and embedded HTML
  (``<figure>``, Hugo shortcodes), a site's subscription appeal in most
  files. Markup is removed before anything else reads lines (so
  ``duplicate_paragraphs`` no longer spends its edits on repeated
  ``<figure>`` lines), Markdown markup always (every file is Markdown),
  URLs after the chrome rules have recorded theirs.
- ``work_report``: government work reports in Markdown. No site chrome (the
  chrome patterns only risk taking a report's line for furniture); the
  dateline in any observed form, the title's date and speaker, the speaker
  line, and Markdown tables turned into text rows
  (:mod:`discourse.cleaning.report`). No boilerplate detector: formulaic
  lines (``各位代表：``) recur in every report and are content.
"""

from __future__ import annotations

import functools

from discourse.cleaning import boilerplate, frontmatter, markup, report
from discourse.cleaning.rules import Rule

#: The profiles, by name.
PROFILES = ("web_page", "news_feed", "markdown_archive", "work_report")

_NEW_RULES = (
    Rule("html_markup", markup.html_markup,
         "HTML elements inside text removed by the HTML parser (captions kept as lines, images dropped)."),
    Rule("shortcodes", markup.shortcodes, "Hugo/Jekyll shortcodes {{< … >}} / {{% … %}} (figure captions kept)."),
    Rule("bare_urls", markup.bare_urls, "Bare URLs (https://…, www.…, web.archive.org/…)."),
    Rule("boilerplate", boilerplate.boilerplate_lines,
         "Lines recurring in many documents of one source (BoilerplateDetector)."),
    Rule("markdown_table", report.markdown_table, "Markdown tables turned into text rows (cells joined with ；)."),
    Rule("report_dateline", report.report_dateline,
         "Report dateline in any observed form (date and meeting become metadata).", "moved"),
    Rule("title_metadata", report.title_metadata, "Meeting date and speaker named in the title (metadata only)."),
    Rule("speaker_line", report.speaker_line, "Speaker's byline near the top (name and role become metadata).",
         "moved"),
)

_ORDER: dict[str, tuple[str, ...]] = {
    "news_feed": (
        "html_markup", "strip_pinyin", "to_simplified", "normalize_width", "canonical_punctuation",
        "normalize_whitespace", "header_line", "share_bar", "site_footer", "reprint_footer", "end_marker",
        "original_title", "credit_line", "photo_caption", "page_note", "reporter_credit", "seo_spam", "advert_line",
        "bare_urls", "boilerplate", "join_broken_paragraphs", "punctuation_after_removals",
        "whitespace_after_removals", "redaction_marks", "doubled_punctuation", "duplicate_paragraphs",
        "tidy_paragraphs",
    ),
    "markdown_archive": (
        "front_matter", "html_markup", "shortcodes", "markdown_markup", "strip_pinyin", "to_simplified",
        "normalize_width", "canonical_punctuation", "normalize_whitespace", "header_line", "share_bar", "breadcrumb",
        "related_links", "site_footer", "reprint_footer", "end_marker", "original_title", "credit_line",
        "photo_caption", "page_note", "reporter_credit", "seo_spam", "advert_line", "bare_urls", "boilerplate",
        "join_broken_paragraphs", "punctuation_after_removals", "whitespace_after_removals", "redaction_marks",
        "doubled_punctuation", "repeated_title", "duplicate_paragraphs", "tidy_paragraphs",
    ),
    "work_report": (
        "front_matter", "markdown_table", "markdown_markup", "strip_pinyin", "to_simplified", "normalize_width",
        "canonical_punctuation", "normalize_whitespace", "report_dateline", "title_metadata", "speaker_line",
        "page_note", "join_broken_paragraphs", "punctuation_after_removals", "whitespace_after_removals",
        "redaction_marks", "doubled_punctuation", "repeated_title", "duplicate_paragraphs", "tidy_paragraphs",
    ),
}


def rule_catalogue() -> dict[str, Rule]:
    """Every named rule a profile can use (``name -> Rule``).

    Examples
    --------
    >>> cat = rule_catalogue()
    >>> cat["bare_urls"]("详见https://a.org/x。")
    '详见。'
    """
    from discourse.cleaning.pipeline import default_rules

    cat = {r.name: r for r in default_rules()}
    cat.update({r.name: r for r in _NEW_RULES})
    return cat


def profile_rules(name: str = "web_page") -> list[Rule]:
    """The rules of profile *name*, in the order they run.

    Parameters
    ----------
    name : {"web_page", "news_feed", "markdown_archive", "work_report"}

    Returns
    -------
    list of Rule
        ``web_page`` is :func:`discourse.cleaning.default_rules` unchanged.

    Raises
    ------
    ValueError
        For an unknown profile name (the message lists the known ones).

    Examples
    --------
    >>> "repeated_title" in [r.name for r in profile_rules("news_feed")]
    False
    >>> [r.name for r in profile_rules("work_report")][:3]
    ['front_matter', 'markdown_table', 'markdown_markup']
    """
    from discourse.cleaning.pipeline import default_rules

    if name not in PROFILES:
        raise ValueError(f"unknown cleaning profile {name!r}; expected one of {list(PROFILES)}")
    if name == "web_page":
        return default_rules()
    cat = rule_catalogue()
    if name == "markdown_archive":
        cat["markdown_markup"] = Rule(
            "markdown_markup", functools.partial(frontmatter.markdown_markup, force=True),
            "Markdown markup (bold, headings, links, images, footnote marks) in every document.",
        )
    return [cat[n] for n in _ORDER[name]]


__all__ = ["PROFILES", "profile_rules", "rule_catalogue"]
