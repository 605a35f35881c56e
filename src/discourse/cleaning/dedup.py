"""Repetitions: titles repeated at the top, teasers, duplicated paragraphs.

- :func:`repeated_title`: the page's headline is repeated (whole, without its
  year, or in space-separated fragments) at the top of scraped pages. The
  first line counts as a headline when it holds no sentence-final mark, is at
  most 80 characters long and either equals the manifest title (``Context.title``)
  or recurs further down. Every line equal to the headline (ignoring
  whitespace and digits, so ``在年全市…`` matches ``在2021年全市…``) or that is a
  fragment of the page's own headline (a substring of six characters or
  more, without punctuation) is removed; lines equal to the manifest title
  are removed anywhere (fragments of the manifest title are not: in a report
  they are the speaker's line). A *teaser* (a headline fragment followed by a
  passage copied from a later paragraph: the excerpt a spam page shows under
  its title) is removed too. The longest headline variant is recorded as
  ``title``.
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


def _headline(first: str, rest: list[str], known: str) -> str | None:
    """The key of *first* when it is a headline repeated in *rest* (or known)."""
    if not _is_title_like(first):
        return None
    fk = _key(first)
    if fk == known:
        return fk
    for line in rest:
        k = _key(line)
        if k == fk or (len(k) >= MIN_FRAGMENT and k in fk and not _PUNCT_RE.search(line)):
            return fk
    return None


def _teaser(key: str, later: str, detected: list[str], min_chars: int) -> bool:
    """A headline fragment followed by a passage copied from a later paragraph."""
    for v in detected:
        j = 0
        while j < len(key) and key[: j + 1] in v:
            j += 1
        if j >= MIN_FRAGMENT:
            rest = key[j:]
            return len(rest) >= min_chars and rest in later
    return False


def repeated_title(
    text: str, ctx: Context, *, min_teaser_chars: int = 20, max_teaser_paragraph: int = 10
) -> list[Edit]:
    """Remove the headline, its repetitions and fragments, and teasers.

    The first remaining line is examined again after each removal, until it
    is no repeated headline, so that a second pass finds nothing to remove.
    A teaser (among the first *max_teaser_paragraph* paragraphs) is a
    headline fragment followed by a passage of at least *min_teaser_chars*
    characters copied from a later paragraph.
    """
    lines = _lines(text)
    keys = [_key(line) for _, _, line in lines]
    known = _key(ctx.title) if ctx.title else ""
    removed: set[int] = set()
    found: list[str] = []
    detected: list[str] = []
    while True:
        alive = [i for i in range(len(lines)) if i not in removed]
        if not alive:
            break
        first = alive[0]
        fk = _headline(lines[first][2].strip(), [lines[i][2] for i in alive[1:]], known)
        if fk is None:
            break
        detected.append(fk)
        for i in alive:
            s = lines[i][2].strip()
            k = keys[i]
            if not _is_title_like(s):
                continue
            if k == fk or i == first:
                removed.add(i)
                found.append(s)
            elif len(k) >= MIN_FRAGMENT and not _PUNCT_RE.search(s) and k in fk:
                removed.add(i)
        alive = [i for i in range(len(lines)) if i not in removed]
        for n, i in enumerate(alive[:max_teaser_paragraph]):
            later = "\n".join(keys[j] for j in alive[n + 1 :])
            if _teaser(keys[i], later, detected, min_teaser_chars):
                removed.add(i)
    if known:  # lines equal to the manifest title, anywhere
        for i, (_, _, line) in enumerate(lines):
            if i not in removed and keys[i] == known and _is_title_like(line.strip()):
                removed.add(i)
                found.append(line.strip())
    if found:
        ctx.record("title", max(found, key=len))
    return _drop(text, [(lines[i][0], lines[i][1]) for i in sorted(removed)])


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


__all__ = ["repeated_title", "duplicate_paragraphs", "MIN_DUP_CHARS"]
