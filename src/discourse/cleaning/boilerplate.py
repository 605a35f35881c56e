"""Boilerplate found across documents: lines a source repeats in many texts.

A site's subscription appeal, its standard disclaimer or a feed's sign-off
is the same line in many documents of that source. Rather than a list of
strings, :class:`BoilerplateDetector` counts, per source, in how many
documents each line occurs (once per document, compared after stripping
whitespace) and calls a line boilerplate when it recurs in at least
``max(min_docs, ceil(min_share × n_documents))`` documents of its source and
is at least ``min_chars`` characters long (so that short structural lines
such as ``一、`` are never counted).

:func:`boilerplate_lines` is the rule that removes those lines; each audit
row says in how many documents of its source the line recurs (``note``).
Inside :func:`discourse.cleaning.clean_corpus` the detector is fitted on the
texts as they are just before this rule runs (all earlier rules applied, so
that normalised variants of one line count as one) and its lines are passed
to each document through the context; in :func:`discourse.cleaning.clean_text`
(one document, nothing to compare with) the rule does nothing.

Formulaic lines that are content (``各位代表：`` opening every work report) would
be found too: the rule belongs to profiles of sources with site furniture
(``news_feed``, ``markdown_archive``), not to ``work_report`` nor, by default,
``web_page``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import pandas as pd

from discourse.cleaning.rules import Context, Edit, iter_lines, remove_lines

#: Context.state key holding ``{line: n_docs}`` for the document's source.
STATE_KEY = "boilerplate"


class BoilerplateDetector:
    """Find lines that recur in many documents of one source.

    Parameters
    ----------
    min_share : float
        Smallest share of a source's documents a line must occur in.
    min_docs : int
        Smallest number of documents a line must occur in.
    min_chars : int
        Shorter lines (stripped) are never boilerplate.

    Attributes
    ----------
    lines_ : pandas.DataFrame
        ``source, line, n_docs, n_source_docs, share_docs``, one row per
        boilerplate line, sorted by source and decreasing ``n_docs``.

    Examples
    --------
    >>> texts = [f"第{i}条新闻。\\n订阅我们的通讯，支持独立新闻。" for i in range(10)]
    >>> det = BoilerplateDetector().fit(texts)
    >>> det.lines_[["line", "n_docs"]].to_dict("records")
    [{'line': '订阅我们的通讯，支持独立新闻。', 'n_docs': 10}]
    """

    def __init__(self, *, min_share: float = 0.05, min_docs: int = 3, min_chars: int = 6) -> None:
        self.min_share = min_share
        self.min_docs = min_docs
        self.min_chars = min_chars

    def fit(self, texts: Sequence[str], sources: Sequence[object] | None = None) -> BoilerplateDetector:
        """Count lines per source in *texts* (``sources`` default: one source)."""
        if not 0 <= self.min_share <= 1:
            raise ValueError(f"min_share must be in [0, 1], got {self.min_share!r}")
        if int(self.min_docs) < 1:
            raise ValueError(f"min_docs must be at least 1, got {self.min_docs!r}")
        texts = list(texts)
        sources = ["" for _ in texts] if sources is None else ["" if pd.isna(s) else str(s) for s in sources]
        if len(sources) != len(texts):
            raise ValueError(f"sources has {len(sources)} values for {len(texts)} texts")
        counts: dict[str, Counter] = defaultdict(Counter)
        n_docs: Counter = Counter()
        for text, src in zip(texts, sources):
            n_docs[src] += 1
            counts[src].update({s for s in (line.strip() for line in text.split("\n")) if len(s) >= self.min_chars})
        rows = []
        for src in sorted(counts):
            need = max(int(self.min_docs), math.ceil(self.min_share * n_docs[src]))
            for line, n in counts[src].items():
                if n >= need:
                    rows.append((src, line, n, n_docs[src], n / n_docs[src]))
        self.lines_ = (
            pd.DataFrame(rows, columns=["source", "line", "n_docs", "n_source_docs", "share_docs"])
            .sort_values(["source", "n_docs", "line"], ascending=[True, False, True], kind="stable")
            .reset_index(drop=True)
            .astype({"source": "string", "line": "string"})
        )
        return self

    def lines_for(self, source: object = "") -> dict[str, int]:
        """``{line: n_docs}`` of the boilerplate lines of *source*."""
        src = "" if source is None or pd.isna(source) else str(source)
        sub = self.lines_[self.lines_["source"] == src]
        return dict(zip(sub["line"].astype(str), sub["n_docs"].astype(int)))


def boilerplate_lines(text: str, ctx: Context | None = None) -> list[Edit]:
    """Remove the lines the detector found for this document's source.

    Examples
    --------
    >>> from discourse.cleaning.rules import apply_edits
    >>> ctx = Context(state={STATE_KEY: {"订阅我们的通讯，支持独立新闻。": 10}})
    >>> s = "正文。\\n订阅我们的通讯，支持独立新闻。"
    >>> [(e.removed, e.note) for e in boilerplate_lines(s, ctx)]
    [('\\n订阅我们的通讯，支持独立新闻。', 'recurs in 10 documents of its source')]
    """
    found = ctx.state.get(STATE_KEY) if ctx is not None else None
    if not found:
        return []
    spans, notes = [], []
    for start, end, line in iter_lines(text):
        n = found.get(line.strip())
        if n is not None:
            spans.append((start, end))
            notes.append(f"recurs in {n} documents of its source")
    edits = remove_lines(text, spans)
    # remove_lines keeps one edit per span, in order
    return [Edit(e.start, e.end, e.removed, e.replacement, None, note) for e, note in zip(edits, notes)]


__all__ = ["BoilerplateDetector", "boilerplate_lines", "STATE_KEY"]
