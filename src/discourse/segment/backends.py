"""Segmentation backends: jieba-rs (``rjieba``, fast) and jieba (reference).

Both backends segment with the same algorithm (prefix-dictionary DAG, best
path by word frequency, HMM for unknown runs) on the same bundled dictionary
with the same lexicon entries added through ``add_word`` (same frequencies,
see :mod:`discourse.segment.lexicon`). Part-of-speech tags come from one
table for both, :func:`base_tags` (the tags of jieba's bundled ``dict.txt``)
updated with the lexicon's tags, so that masking and filtering cannot differ
between backends; a word the dictionary does not know (found by the HMM) is
tagged as jieba-rs does: ``m`` when all digits, ``eng`` when it has ASCII
letters, ``x`` otherwise.

Never the global ``jieba`` instance: each :class:`JiebaBackend` owns a
``jieba.Tokenizer`` whose dictionary cache lives in a folder of this project
(``INTERIM_DATA_DIR/jieba``, or a per-user temporary folder when that is not
writable), not in the temporary folder shared by all users.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

BACKENDS: tuple[str, ...] = ("rjieba", "jieba")


def jieba_dict_path() -> Path:
    """Path of jieba's bundled dictionary (``dict.txt``, also used by jieba-rs)."""
    import jieba

    return Path(jieba.__file__).resolve().parent / "dict.txt"


@lru_cache(maxsize=1)
def base_tags() -> dict[str, str]:
    """Word -> part-of-speech tag for the bundled dictionary.

    Examples
    --------
    >>> base_tags()["北京"]
    'ns'
    """
    tags: dict[str, str] = {}
    with open(jieba_dict_path(), encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    return tags


_CN_NUMERAL_WORD = re.compile(r"[〇零一二三四五六七八九十百千万亿两]{2,}")


@lru_cache(maxsize=1)
def number_words() -> tuple[frozenset[str], frozenset[str]]:
    """Dictionary facts that decide which words are numbers, without all tags.

    Returns ``(numeral_m, digits_not_m)``: the dictionary words tagged ``m``
    that are Chinese numeral strings (两个 or more of 〇零一...万亿两) or
    digit strings, and the ASCII digit strings the dictionary tags otherwise.
    Reading these two small sets is much faster than :func:`base_tags`, which
    the tokenizer loads only when a tag is asked for (``spans``, ``pos_of``,
    ``drop_pos``).

    Examples
    --------
    >>> numeral_m, digits_not_m = number_words()
    >>> "八十四" in numeral_m, "智慧" in numeral_m
    (True, False)
    """
    text = jieba_dict_path().read_text(encoding="utf-8")
    numeral_m = frozenset(
        w for w in re.findall(r"^(\S+) \d+ m$", text, re.M) if _CN_NUMERAL_WORD.fullmatch(w) or w.isdigit()
    )
    digits_not_m = frozenset(w for w, tag in re.findall(r"^([0-9]+) \d+ ([a-z]+)$", text, re.M) if tag != "m")
    return numeral_m, digits_not_m


def fallback_tag(word: str) -> str:
    """Tag of a word that is not in the dictionary (jieba-rs's rule)."""
    eng = m = 0
    for ch in word:
        if ch.isascii() and ch.isalnum():
            eng += 1
            if ch.isdigit():
                m += 1
    if eng == 0:
        return "x"
    return "m" if eng == m else "eng"


def jieba_cache_dir() -> Path:
    """A folder for jieba's dictionary cache that no other user shares."""
    from discourse import config

    candidates = [
        Path(config.INTERIM_DATA_DIR) / "jieba",
        Path(tempfile.gettempdir()) / f"discourse-jieba-{os.getuid() if hasattr(os, 'getuid') else 'user'}",
    ]
    for d in candidates:
        try:
            d.mkdir(parents=True, exist_ok=True)
            if os.access(d, os.W_OK):
                return d
        except OSError:
            continue
    raise OSError(f"no writable folder for jieba's cache among {candidates}")


class RJiebaBackend:
    """jieba-rs through ``rjieba``; ``cut(text) -> list[str]``."""

    name = "rjieba"

    def __init__(self, entries: Sequence[tuple[str, int | None, str]], *, hmm: bool = True) -> None:
        import rjieba

        from discourse.segment.lexicon import fill_freqs

        self._jieba = rjieba.Jieba()
        # Empty frequencies are computed on this instance before any word is
        # added (the untouched bundled dictionary), so no second dictionary
        # is loaded; the numbers are those of lexicon.fill_freqs.
        for term, freq, pos in fill_freqs(entries, base=self._jieba):
            self._jieba.add_word(term, freq, pos)
        self._hmm = hmm

    def cut(self, text: str) -> list[str]:
        return self._jieba.cut(text, self._hmm)


class JiebaBackend:
    """The reference: a private ``jieba.Tokenizer``; ``cut(text) -> list[str]``."""

    name = "jieba"

    def __init__(self, entries: Sequence[tuple[str, int | None, str]], *, hmm: bool = True) -> None:
        import jieba

        from discourse.segment.lexicon import fill_freqs

        entries = fill_freqs(entries)
        jieba.setLogLevel(60)
        tk = jieba.Tokenizer()
        tk.tmp_dir = str(jieba_cache_dir())
        tk.cache_file = "jieba-bundled-dict.cache"
        tk.initialize()
        for term, freq, pos in entries:
            tk.add_word(term, freq, pos)
        self._tk = tk
        self._hmm = hmm

    def cut(self, text: str) -> list[str]:
        return self._tk.lcut(text, HMM=self._hmm)


def make_backend(name: str, entries: Sequence[tuple[str, int | None, str]], *, hmm: bool = True):
    """Build the backend called *name* with the lexicon *entries* loaded.

    An entry's frequency may be None: it is then computed with
    :func:`discourse.segment.lexicon.fill_freqs` (the same numbers for both
    backends).
    """
    if name == "rjieba":
        return RJiebaBackend(entries, hmm=hmm)
    if name == "jieba":
        return JiebaBackend(entries, hmm=hmm)
    raise ValueError(f"backend must be one of {BACKENDS}, not {name!r}")


def backend_version(name: str) -> str:
    """Installed version of the backend's package (part of the cache key)."""
    from importlib.metadata import version

    return version(name)


__all__ = [
    "BACKENDS",
    "RJiebaBackend",
    "JiebaBackend",
    "make_backend",
    "base_tags",
    "fallback_tag",
    "number_words",
    "jieba_dict_path",
    "jieba_cache_dir",
    "backend_version",
]
