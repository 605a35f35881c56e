"""Stopwords: a maintained package list plus a short, documented domain list.

* The general list is the Chinese list of **stopwords-iso**, shipped by the
  ``stopwordsiso`` package (794 entries in version 0.7.1; licence MIT, both
  for the Python package and for the stopwords-iso data collection).
* The domain list is ``resources/stopwords_domain.txt`` (word, tab, reason).
* The directive and modal words in :data:`DIRECTIVES` (要, 必须, 坚决, 严格,
  确保, 切实 ...) are *measured* by the analysis (policy intensity, modality),
  so by default they are removed from the effective stop list even when the
  package lists them (stopwords-iso lists 要, 不得, 可以, 能, 会, 可, 别 and
  逐步). ``keep_directives=False`` stops them like any other listed word; it is
  an explicit choice that :func:`stopword_table` reports.

:func:`stopword_table` shows every candidate entry, its source and whether it
is stopped, so what disappears from an analysis is always visible.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from discourse.config import RESOURCES_DIR

#: The bundled domain list.
DOMAIN_STOPWORDS_PATH: Path = RESOURCES_DIR / "stopwords_domain.txt"

#: Source label of the package list.
ISO_SOURCE = "stopwords-iso:zh"
#: Source label of the domain list.
DOMAIN_SOURCE = "domain"

#: Directive and modal words measured downstream; never stopped by default.
DIRECTIVES: tuple[str, ...] = (
    # obligation / necessity
    "要", "必须", "务必", "须", "需", "需要", "应", "应当", "应该", "一定要",
    # intensity / resolve
    "坚决", "严格", "切实", "全力", "全面", "扎实", "认真", "着力", "努力", "力争",
    "确保", "坚持", "始终", "持续", "不断", "进一步", "逐步", "抓紧", "尽快",
    "及时", "积极", "立即", "迅速", "一律",
    # prohibition
    "不得", "严禁", "禁止", "决不", "绝不", "不要", "别",
    # possibility / ability
    "可以", "能", "能够", "会", "可",
)


class StopwordsError(ValueError):
    """A stopword file is malformed; the message names the file and line."""


def read_domain_stopwords(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read a domain stopword file (``word<TAB>reason`` per line).

    Examples
    --------
    >>> read_domain_stopwords().set_index("word").loc["工作", "reason"][:10]
    'light noun'
    """
    p = Path(path) if path is not None else DOMAIN_STOPWORDS_PATH
    raw = p.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raise StopwordsError(f"{p}:1: file starts with a UTF-8 BOM")
    text = raw.decode("utf-8")
    rows = []
    for no, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            raise StopwordsError(f"{p}:{no}: CRLF line end; use LF only")
        if not line.strip() or line.startswith("#"):
            continue
        word, sep, reason = line.partition("\t")
        if not sep or not word or word != word.strip() or not reason.strip():
            raise StopwordsError(f"{p}:{no}: expected 'word<TAB>reason', got {line!r}")
        if word in DIRECTIVES:
            raise StopwordsError(f"{p}:{no}: {word!r} is a directive word and may not be a domain stopword")
        rows.append((word, reason.strip(), no))
    return pd.DataFrame(rows, columns=["word", "reason", "line"])


@lru_cache(maxsize=1)
def _iso_zh() -> tuple[str, ...]:
    import stopwordsiso

    return tuple(sorted(stopwordsiso.stopwords("zh")))


def stopword_table(
    stopwords: str | Iterable[str] | None = "default", *, keep_directives: bool = True
) -> pd.DataFrame:
    """Every candidate stopword with its source and whether it is stopped.

    Parameters
    ----------
    stopwords : "default", None or iterable of str
        ``"default"``: stopwords-iso (zh) plus the domain list; ``None``: no
        stopwords (empty table); an iterable: exactly these words (source
        ``"user"``).
    keep_directives : bool, default True
        Keep the :data:`DIRECTIVES` out of the stop list even when a source
        lists them.

    Returns
    -------
    pandas.DataFrame
        Columns ``word``, ``source``, ``stopped`` (bool), ``note``; sorted by
        word then source. A word listed by two sources has two rows.

    Examples
    --------
    >>> t = stopword_table()
    >>> t.loc[t.word == "要", ["source", "stopped"]].values.tolist()
    [['stopwords-iso:zh', False]]
    >>> bool(stopword_table(keep_directives=False).query("word == '要'").stopped.iloc[0])
    True
    """
    if stopwords is None:
        rows: list[tuple[str, str]] = []
    elif isinstance(stopwords, str):
        if stopwords != "default":
            raise ValueError(f"stopwords must be 'default', None or an iterable of words, not {stopwords!r}")
        rows = [(w, ISO_SOURCE) for w in _iso_zh()]
        rows += [(w, DOMAIN_SOURCE) for w in read_domain_stopwords()["word"]]
    else:
        rows = [(str(w), "user") for w in stopwords]
    directives = set(DIRECTIVES)
    out = []
    for word, source in rows:
        if word in directives and keep_directives:
            out.append((word, source, False, "directive word kept (keep_directives=True)"))
        elif word in directives:
            out.append((word, source, True, "directive word stopped (keep_directives=False)"))
        else:
            out.append((word, source, True, ""))
    df = pd.DataFrame(out, columns=["word", "source", "stopped", "note"])
    df = df.drop_duplicates(["word", "source"]).sort_values(["word", "source"], kind="stable")
    return df.reset_index(drop=True)


def effective_stopwords(
    stopwords: str | Iterable[str] | None = "default", *, keep_directives: bool = True
) -> frozenset[str]:
    """The set of words that are actually stopped.

    Examples
    --------
    >>> sw = effective_stopwords()
    >>> "的" in sw, "要" in sw, "工作" in sw
    (True, False, True)
    """
    t = stopword_table(stopwords, keep_directives=keep_directives)
    return frozenset(t.loc[t["stopped"], "word"])


__all__ = [
    "DIRECTIVES",
    "DOMAIN_STOPWORDS_PATH",
    "ISO_SOURCE",
    "DOMAIN_SOURCE",
    "StopwordsError",
    "read_domain_stopwords",
    "stopword_table",
    "effective_stopwords",
]
