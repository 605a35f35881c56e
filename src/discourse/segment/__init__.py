"""Segmentation and vocabulary: jieba with a domain lexicon, fast and measured.

Public API
----------
- :class:`Tokenizer` -- the project tokenizer (picklable ``str -> list[str]``).
- :func:`tokenize_units` -- add a cached ``tokens`` column to a units table,
  segmenting in parallel; :func:`segment_texts` without the cache.
- :func:`read_lexicon`, :func:`lexicon_entries` -- the curated domain lexicon.
- :func:`stopword_table`, :func:`effective_stopwords` -- what is stopped and
  from which list (stopwords-iso zh, the domain list, the optional Cantonese
  list); ``keep_words`` / ``keep=`` name the words a study measures, which
  are never stopped. :data:`DIRECTIVES` is a deprecated alias kept for one
  release (the COVID study's directive words; pass them as ``keep_words``).
- :func:`gloss`, :func:`glossary` -- English glosses for tables and figures.
- :func:`read_gold`, :func:`score_segmentation`, :func:`evaluate_segmenters`
  -- SIGHAN-style precision / recall / F1 against a gold segmentation
  (``python -m discourse.segment.evaluate``).
"""

from __future__ import annotations

import jieba as _jieba

from discourse.segment.cache import segment_texts, tokenize_units
from discourse.segment.glossary import gloss, gloss_label, glossary
from discourse.segment.lexicon import LexiconError, lexicon_entries, read_lexicon
from discourse.segment.stopwords import DIRECTIVES, effective_stopwords, stopword_table
from discourse.segment.tokenizer import Token, Tokenizer, is_latin

_jieba.setLogLevel(60)

_LAZY = {"read_gold", "score_segmentation", "evaluate_segmenters"}


def __getattr__(name: str):
    # The evaluation names are imported on first use, so that
    # ``python -m discourse.segment.evaluate`` does not import its module twice.
    if name in _LAZY:
        from discourse.segment import evaluate

        return getattr(evaluate, name)
    raise AttributeError(f"module 'discourse.segment' has no attribute {name!r}")

__all__ = [
    "Tokenizer",
    "Token",
    "tokenize_units",
    "segment_texts",
    "read_lexicon",
    "lexicon_entries",
    "LexiconError",
    "stopword_table",
    "effective_stopwords",
    "DIRECTIVES",
    "is_latin",
    "gloss",
    "gloss_label",
    "glossary",
    "read_gold",
    "score_segmentation",
    "evaluate_segmenters",
]
