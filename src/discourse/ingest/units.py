"""Paragraphs and sentences of clean texts, with stable ids and offsets.

Paragraphs are the lines of a clean text (cleaning leaves one paragraph per
line). Sentences end after ``。！？`` (with any run of them, and with closing
quotes or brackets that directly follow: ``……。”``).

Rules of the sentence splitter:

- **Quotations.** No split inside a matched pair of ``“…”``, ``‘…’``, ``「…」``,
  ``『…』`` or ``《…》``, except when the quotation itself ends with a sentence
  mark and closes the sentence: ``他说：“要坚持。要落实。”会议强调…`` gives
  ``他说：“要坚持。要落实。”`` and ``会议强调…``. A book title ``《…》`` never
  ends a sentence. An unmatched quotation mark is ignored (it does not
  protect the rest of the paragraph).
- **Enumerations.** An enumerated item (``一是``, ``二是``, …, ``一要``, ``二要``, …,
  ``第一，``) starts a new sentence when it follows a sentence end; ``；`` and
  ``：`` count as sentence ends *in front of such an item*, so
  ``要做到三点：一是…；二是…；三是…。`` gives four sentences. A marker that
  follows any other character (``统一是``) is not an item.

Ids: ``para_id = f"{doc_id}:p{para_no:03d}"``,
``sent_id = f"{doc_id}:p{para_no:03d}:s{sent_no:03d}"``; ``start``/``end`` are
character offsets into the document's clean text, so
``clean_text[start:end] == text``.
"""

from __future__ import annotations

import re

import pandas as pd

PARAGRAPH_COLUMNS = ("doc_id", "para_no", "para_id", "start", "end", "text")
SENTENCE_COLUMNS = ("doc_id", "para_no", "sent_no", "sent_id", "start", "end", "text")

_OPEN = {"“": "”", "‘": "’", "「": "」", "『": "』", "《": "》"}
_CLOSE_ALL = "”’」』》）)】"
_QUOTE_CLOSE = "”’」』"
_END = "。！？!?"
_ENUM_RE = re.compile(r"(?:[一二三四五六七八九十]{1,3}[是要]|第[一二三四五六七八九十]{1,3}[，、,])")


def _types(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype({c: ("int64" if c in ("para_no", "sent_no", "start", "end") else "string") for c in df.columns})


def split_paragraphs(clean_docs: pd.DataFrame, *, text_col: str | None = None) -> pd.DataFrame:
    """One row per non-empty line of each clean text.

    Parameters
    ----------
    clean_docs : pandas.DataFrame
        ``doc_id`` and the clean text (``clean_text``, or ``text``).
    text_col : str, optional
        Column of the clean text; default ``clean_text`` if present, else ``text``.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, para_no, para_id, start, end, text``.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["d"], "clean_text": ["第一段。\\n第二段。"]})
    >>> split_paragraphs(docs)[["para_id", "start", "end", "text"]].to_dict("records")
    [{'para_id': 'd:p001', 'start': 0, 'end': 4, 'text': '第一段。'}, {'para_id': 'd:p002', 'start': 5, 'end': 9, 'text': '第二段。'}]
    """
    col = text_col or ("clean_text" if "clean_text" in clean_docs.columns else "text")
    if "doc_id" not in clean_docs.columns or col not in clean_docs.columns:
        raise ValueError(f"split_paragraphs needs columns 'doc_id' and {col!r}")
    rows = []
    for doc_id, text in zip(clean_docs["doc_id"].astype(str), clean_docs[col]):
        if not isinstance(text, str):
            raise ValueError(f"document {doc_id!r}: {col} is not a string")
        no = 0
        for m in re.finditer(r"[^\n]+", text):
            s, e = m.start(), m.end()
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if s == e:
                continue
            no += 1
            rows.append((doc_id, no, f"{doc_id}:p{no:03d}", s, e, text[s:e]))
    return _types(pd.DataFrame(rows, columns=list(PARAGRAPH_COLUMNS)))


def _protected(text: str) -> list[bool]:
    """True at positions strictly inside a matched quotation/book-title pair."""
    inside = [False] * len(text)
    stack: list[tuple[str, int]] = []
    for i, c in enumerate(text):
        if stack and c == _OPEN[stack[-1][0]]:
            _, o = stack.pop()
            for k in range(o + 1, i):
                inside[k] = True
        elif c in _OPEN:
            stack.append((c, i))
    return inside


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence ``(start, end)`` offsets within *text* (one paragraph).

    Examples
    --------
    >>> t = "他说：“要坚持。要落实。”会议强调，要做到：一是早发现；二是早报告。统一是关键。"
    >>> [t[a:b] for a, b in sentence_spans(t)]
    ['他说：“要坚持。要落实。”', '会议强调，要做到：', '一是早发现；', '二是早报告。', '统一是关键。']
    """
    inside = _protected(text)
    cuts: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c in _END and not inside[i]:
            j = i + 1
            while j < n and (text[j] in _END or text[j] in _CLOSE_ALL):
                j += 1
            cuts.append(j)
            i = j
            continue
        if c in _END and inside[i]:
            # the quotation ends right after the mark(s) and closes the sentence
            j = i + 1
            while j < n and text[j] in _END:
                j += 1
            if j < n and text[j] in _QUOTE_CLOSE and not inside[j]:
                k = j
                while k < n and text[k] in _QUOTE_CLOSE + "）)】":
                    k += 1
                if k >= n or not inside[k - 1]:
                    cuts.append(k)
                    i = k
                    continue
            i = j
            continue
        if c in "；：;:" and not inside[i] and _ENUM_RE.match(text, i + 1):
            cuts.append(i + 1)
        i += 1
    spans = []
    start = 0
    for cut in [*cuts, n]:
        a, b = start, cut
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))
        start = cut
    return spans


def split_sentences(paragraphs: pd.DataFrame) -> pd.DataFrame:
    """One row per sentence of each paragraph (see the module's rules).

    Parameters
    ----------
    paragraphs : pandas.DataFrame
        Output of :func:`split_paragraphs`.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, para_no, sent_no, sent_id, start, end, text``; offsets are
        into the document's clean text.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["d"], "clean_text": ["标题\\n甲。乙！"]})
    >>> split_sentences(split_paragraphs(docs))[["sent_id", "start", "end", "text"]].to_dict("records")
    [{'sent_id': 'd:p001:s001', 'start': 0, 'end': 2, 'text': '标题'}, {'sent_id': 'd:p002:s001', 'start': 3, 'end': 5, 'text': '甲。'}, {'sent_id': 'd:p002:s002', 'start': 5, 'end': 7, 'text': '乙！'}]
    """
    missing = [c for c in ("doc_id", "para_no", "start", "text") if c not in paragraphs.columns]
    if missing:
        raise ValueError(f"split_sentences needs the paragraphs table; missing columns {missing}")
    rows = []
    for doc_id, para_no, p_start, text in zip(
        paragraphs["doc_id"].astype(str), paragraphs["para_no"], paragraphs["start"], paragraphs["text"]
    ):
        for no, (a, b) in enumerate(sentence_spans(text), start=1):
            rows.append((doc_id, int(para_no), no, f"{doc_id}:p{int(para_no):03d}:s{no:03d}",
                         int(p_start) + a, int(p_start) + b, text[a:b]))
    return _types(pd.DataFrame(rows, columns=list(SENTENCE_COLUMNS)))


__all__ = ["PARAGRAPH_COLUMNS", "SENTENCE_COLUMNS", "split_paragraphs", "split_sentences", "sentence_spans"]
