"""Repetitions: titles repeated at the top, teasers, duplicated paragraphs.

- :func:`repeated_title`: the page's headline is repeated (whole, without its
  year, or in space-separated fragments) at the top of scraped pages. The
  first line counts as a headline when it holds no sentence-final mark, is at
  most 80 characters long and either equals the manifest title (``Context.title``)
  or recurs further down. Every line equal to the headline (ignoring
  whitespace and digits, so ``在年全市…`` matches ``在2021年全市…``) or that is a
  fragment of the page's own first line (a substring of six characters or
  more, without punctuation) is removed; lines equal to the manifest title
  are removed in any case (fragments of the manifest title are not: in a
  report they are the speaker's line). The longest variant is recorded as ``title``.
- :func:`teaser_excerpt`: a paragraph made of a headline fragment followed by
  a passage copied from a later paragraph (the excerpt a spam page shows
  under its title) is removed.
- :func:`duplicate_paragraphs`: a paragraph (of at least
  :data:`MIN_DUP_CHARS` characters) equal to an earlier one is removed, so an
  article repeated twice on a page is kept once (the first occurrence).
"""

from __future__ import annotations

import re

from discourse.cleaning.rules import Context, Edit, iter_lines, line_edit

MIN_DUP_CHARS = 8
MIN_FRAGMENT = 6
_IGNORE_RE = re.compile(r"[\s\d]+")
_PUNCT_RE = re.compile(r"[。！？，、；：“”‘’（）《》…—,.;:!?()]")


def _key(s: str) -> str:
    return _IGNORE_RE.sub("", s)


def _lines(text: str) -> list[tuple[int, int, str]]:
    return [(a, b, line) for a, b, line in iter_lines(text) if line.strip()]


def _drop(text: str, spans: list[tuple[int, int]]) -> list[Edit]:
    edits: list[Edit] = []
    last = -1
    for a, b in sorted(spans):
        e = line_edit(text, a, b)
        if e.start < last:
            e = Edit(a, b, text[a:b], "")
        edits.append(e)
        last = e.end
    return edits


def _is_title_like(s: str) -> bool:
    return 0 < len(s) <= 80 and not re.search("[。！？]", s)


def repeated_title(text: str, ctx: Context) -> list[Edit]:
    """Remove the headline and its repetitions (whole or in fragments)."""
    lines = _lines(text)
    if not lines:
        return []
    known = _key(ctx.title) if ctx.title else ""
    first = lines[0][2].strip()
    variants = [k for k in (known,) if k]  # removed when a line equals them
    detected: list[str] = []  # the page's own headline: fragments removed too
    if _is_title_like(first):
        fk = _key(first)
        recurs = fk == known or any(
            _key(line) == fk or (len(_key(line)) >= MIN_FRAGMENT and _key(line) in fk and not _PUNCT_RE.search(line))
            for _, _, line in lines[1:]
        )
        if recurs:
            variants.append(fk)
            detected.append(fk)
    if not variants:
        return []
    spans = []
    found: list[str] = []
    for a, b, line in lines:
        s = line.strip()
        k = _key(s)
        if not k or not _is_title_like(s):
            continue
        if k in variants or (
            len(k) >= MIN_FRAGMENT and not _PUNCT_RE.search(s) and any(k in v for v in detected)
        ):
            spans.append((a, b))
            if k in variants:
                found.append(s)
    if found:
        ctx.record("title", max(found, key=len))
    ctx.state["title_keys"] = variants
    return _drop(text, spans)


def teaser_excerpt(text: str, ctx: Context, *, min_chars: int = 20, max_paragraph: int = 10) -> list[Edit]:
    """Remove a leading teaser: headline fragment + passage copied from below.

    Only the first *max_paragraph* paragraphs are examined; the copied
    passage must be at least *min_chars* characters long.
    """
    variants: list[str] = ctx.state.get("title_keys") or []
    lines = _lines(text)
    spans = []
    for i, (a, b, line) in enumerate(lines[:max_paragraph]):
        k = _key(line)
        rest = k
        for v in variants:  # strip the longest headline fragment at the start
            j = 0
            while j < len(rest) and rest[: j + 1] in v:
                j += 1
            if j >= MIN_FRAGMENT:
                rest = rest[j:]
                break
        if rest == k or len(rest) < min_chars:
            continue
        later = "\n".join(_key(x) for _, _, x in lines[i + 1 :])
        if rest in later:
            spans.append((a, b))
    return _drop(text, spans)


def duplicate_paragraphs(text: str, ctx: Context | None = None, *, min_chars: int = MIN_DUP_CHARS) -> list[Edit]:
    """Remove paragraphs equal to an earlier paragraph (keep the first).

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> s = "甲段落内容很长很长。\\n乙段落内容很长很长。\\n甲段落内容很长很长。"
    >>> apply_edits(s, duplicate_paragraphs(s))
    '甲段落内容很长很长。\\n乙段落内容很长很长。'
    """
    seen: set[str] = set()
    spans = []
    for a, b, line in _lines(text):
        k = line.strip()
        if len(k) < min_chars:
            continue
        if k in seen:
            spans.append((a, b))
        else:
            seen.add(k)
    return _drop(text, spans)


__all__ = ["repeated_title", "teaser_excerpt", "duplicate_paragraphs", "MIN_DUP_CHARS"]
