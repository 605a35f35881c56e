"""Stopwords: maintained package lists plus short, documented bundled lists.

Named lists
-----------
``stopwords`` arguments name the lists to combine with ``+``:

========== ================================================================
name       list
========== ================================================================
``zh``     the Chinese list of **stopwords-iso**, shipped by the
           ``stopwordsiso`` package (794 entries in version 0.7.1; licence
           MIT, both for the package and for the stopwords-iso data)
``domain`` ``resources/stopwords_domain.txt`` (word, tab, reason): light
           nouns and verbs of official prose (工作, 进行), by-lines and
           template-site furniture
``yue``    ``resources/stopwords_yue.txt`` (word, tab, reason): Cantonese
           function words (唔, 嘅, 咗, 喺, 佢, 哋 ...), **optional**, for Hong
           Kong sources; never part of ``"default"``
========== ================================================================

``"default"`` is ``"zh+domain"``; ``"default+yue"`` adds the Cantonese list.
``None`` stops nothing; an iterable of words stops exactly those words.

Words never stopped
-------------------
``keep`` (the tokenizer's ``keep_words``) lists words that are never stopped,
whatever list contains them. It is empty by default: the toolkit holds no
study's word list. A study that measures words a stop list contains passes
them in; the COVID study passes its codebook's directive and modal words (要,
必须, 可以 ... ; stopwords-iso lists 要, 不得, 可以, 能, 会, 可, 别 and 逐步),
because it measures policy intensity with them.

Deprecated: :data:`DIRECTIVES` and ``keep_directives``
------------------------------------------------------
:data:`DIRECTIVES` (the COVID study's 46 directive and modal words) and the
``keep_directives`` argument are kept for one release so that callers keep
working; use ``keep=`` / ``keep_words=`` instead. ``keep_directives=True``
adds :data:`DIRECTIVES` to ``keep`` (the behaviour of earlier releases);
``keep_directives=False`` keeps nothing (every listed word is stopped, the
"directives stopped" robustness variant); ``None`` (the default) leaves
``keep`` alone.

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
#: The bundled optional Cantonese list.
YUE_STOPWORDS_PATH: Path = RESOURCES_DIR / "stopwords_yue.txt"

#: Source label of the package list.
ISO_SOURCE = "stopwords-iso:zh"
#: Source label of the domain list.
DOMAIN_SOURCE = "domain"
#: Source label of the Cantonese list.
YUE_SOURCE = "yue"

#: Names accepted in a ``stopwords`` string, and the source label of each.
LISTS: dict[str, str] = {"zh": ISO_SOURCE, "domain": DOMAIN_SOURCE, "yue": YUE_SOURCE}
#: What ``"default"`` stands for.
DEFAULT_LISTS: tuple[str, ...] = ("zh", "domain")

#: Deprecated (kept for one release): the COVID study's directive and modal
#: words. Pass a study's own list as ``keep_words`` / ``keep`` instead.
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
    """A stopword file or argument is malformed; the message names the file and line."""


def read_stopword_file(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a stopword file (``word<TAB>reason`` per line, ``#`` comments).

    Returns
    -------
    pandas.DataFrame
        Columns ``word``, ``reason``, ``line`` (1-based line number).

    Examples
    --------
    >>> from discourse.segment.stopwords import YUE_STOPWORDS_PATH
    >>> read_stopword_file(YUE_STOPWORDS_PATH).set_index("word").loc["咗", "reason"]
    'perfective aspect marker (= 了)'
    """
    p = Path(path)
    raw = p.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raise StopwordsError(f"{p}:1: file starts with a UTF-8 BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise StopwordsError(f"{p}:{line}: not valid UTF-8 ({exc.reason})") from None
    rows = []
    seen: dict[str, int] = {}
    for no, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            raise StopwordsError(f"{p}:{no}: CRLF line end; use LF only")
        if not line.strip() or line.startswith("#"):
            continue
        word, sep, reason = line.partition("\t")
        if not sep or not word or word != word.strip() or not reason.strip():
            raise StopwordsError(f"{p}:{no}: expected 'word<TAB>reason', got {line!r}")
        if word in seen:
            raise StopwordsError(f"{p}:{no}: duplicate word {word!r} (first on line {seen[word]})")
        seen[word] = no
        rows.append((word, reason.strip(), no))
    return pd.DataFrame(rows, columns=["word", "reason", "line"])


def read_domain_stopwords(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read a domain stopword file (the bundled one by default).

    Examples
    --------
    >>> read_domain_stopwords().set_index("word").loc["工作", "reason"][:10]
    'light noun'
    """
    return read_stopword_file(path if path is not None else DOMAIN_STOPWORDS_PATH)


@lru_cache(maxsize=4)
def _iso(lang: str) -> tuple[str, ...]:
    import stopwordsiso

    return tuple(sorted(stopwordsiso.stopwords(lang)))


def iso_stopwords(lang: str) -> frozenset[str]:
    """The stopwords-iso list of language *lang* (``"zh"``, ``"en"`` ...).

    Examples
    --------
    >>> {"the", "of"} <= iso_stopwords("en")
    True
    """
    return frozenset(_iso(lang))


def list_names(stopwords: str) -> tuple[str, ...]:
    """The list names in a ``stopwords`` string (``"default+yue"`` -> zh, domain, yue).

    Examples
    --------
    >>> list_names("default+yue")
    ('zh', 'domain', 'yue')
    """
    names: list[str] = []
    for part in stopwords.split("+"):
        part = part.strip()
        expanded = DEFAULT_LISTS if part == "default" else (part,)
        for name in expanded:
            if name not in LISTS:
                raise ValueError(
                    f"stopwords: unknown list {part!r} in {stopwords!r}; use 'default', None, an iterable "
                    f"of words, or list names joined by '+' from {sorted(LISTS)} (e.g. 'default+yue')"
                )
            if name not in names:
                names.append(name)
    return tuple(names)


def check_stopwords_arg(stopwords) -> None:
    """Raise ValueError for a ``stopwords`` argument that is not accepted."""
    if stopwords is None:
        return
    if isinstance(stopwords, str):
        list_names(stopwords)
        return
    if not isinstance(stopwords, Iterable):
        raise ValueError(f"stopwords must be 'default', None, list names or an iterable of words, not {stopwords!r}")
    words = list(stopwords)
    if not all(isinstance(w, str) and w for w in words):
        raise ValueError("stopwords: an iterable of stopwords must hold non-empty strings")
    if words and set(words) <= set(LISTS) | {"default"}:
        raise ValueError(
            f"stopwords={stopwords!r} names stop lists, but an iterable is read as the words to stop; "
            f"join list names with '+' instead, e.g. stopwords={'+'.join(words)!r}"
        )


def list_files(stopwords) -> dict[str, Path]:
    """Bundled files read for *stopwords* (name -> path), for cache keys."""
    if not isinstance(stopwords, str):
        return {}
    paths = {"domain": DOMAIN_STOPWORDS_PATH, "yue": YUE_STOPWORDS_PATH}
    return {n: paths[n] for n in list_names(stopwords) if n in paths}


def _keep_set(keep: Iterable[str], keep_directives: bool | None) -> tuple[frozenset[str], str]:
    if isinstance(keep, str):
        raise ValueError(f"keep must be an iterable of words, e.g. ('要', '必须'), not the string {keep!r}")
    kept = frozenset(keep)
    if keep_directives is None:
        return kept, "kept (keep_words)"
    if keep_directives is True:
        return kept | frozenset(DIRECTIVES), "kept (keep_words or deprecated keep_directives=True)"
    if keep_directives is False:
        return frozenset(), ""
    raise ValueError(f"keep_directives must be None, True or False, not {keep_directives!r}")


def stopword_table(
    stopwords: str | Iterable[str] | None = "default",
    *,
    keep: Iterable[str] = (),
    keep_directives: bool | None = None,
) -> pd.DataFrame:
    """Every candidate stopword with its source and whether it is stopped.

    Parameters
    ----------
    stopwords : str, None or iterable of str
        ``"default"`` (``"zh+domain"``), list names joined by ``+`` (``"zh"``,
        ``"domain"``, ``"yue"``, e.g. ``"default+yue"``); ``None``: no
        stopwords (empty table); an iterable: exactly these words (source
        ``"user"``).
    keep : iterable of str, default ()
        Words never stopped, even when a list contains them (a study's
        measured words).
    keep_directives : bool or None, default None
        Deprecated, see the module docstring.

    Returns
    -------
    pandas.DataFrame
        Columns ``word``, ``source``, ``stopped`` (bool), ``note``; sorted by
        word then source. A word listed by two sources has two rows.

    Examples
    --------
    >>> t = stopword_table(keep=("要",))
    >>> t.loc[t.word == "要", ["source", "stopped"]].values.tolist()
    [['stopwords-iso:zh', False]]
    >>> bool(stopword_table().query("word == '要'").stopped.iloc[0])
    True
    """
    check_stopwords_arg(stopwords)
    if stopwords is None:
        rows: list[tuple[str, str]] = []
    elif isinstance(stopwords, str):
        rows = []
        for name in list_names(stopwords):
            if name == "zh":
                rows += [(w, ISO_SOURCE) for w in _iso("zh")]
            elif name == "domain":
                rows += [(w, DOMAIN_SOURCE) for w in read_domain_stopwords()["word"]]
            else:
                rows += [(w, YUE_SOURCE) for w in read_stopword_file(YUE_STOPWORDS_PATH)["word"]]
    else:
        rows = [(str(w), "user") for w in stopwords]
    kept, note = _keep_set(keep, keep_directives)
    out = [(w, s, w not in kept, note if w in kept else "") for w, s in rows]
    df = pd.DataFrame(out, columns=["word", "source", "stopped", "note"])
    df = df.drop_duplicates(["word", "source"]).sort_values(["word", "source"], kind="stable")
    return df.reset_index(drop=True)


def effective_stopwords(
    stopwords: str | Iterable[str] | None = "default",
    *,
    keep: Iterable[str] = (),
    keep_directives: bool | None = None,
) -> frozenset[str]:
    """The set of words that are actually stopped.

    Examples
    --------
    >>> sw = effective_stopwords()
    >>> "的" in sw, "要" in sw, "工作" in sw
    (True, True, True)
    >>> "要" in effective_stopwords(keep=("要", "必须"))
    False
    >>> "嘅" in effective_stopwords("default+yue"), "嘅" in sw
    (True, False)
    """
    t = stopword_table(stopwords, keep=keep, keep_directives=keep_directives)
    return frozenset(t.loc[t["stopped"], "word"])


__all__ = [
    "DIRECTIVES",
    "DOMAIN_STOPWORDS_PATH",
    "YUE_STOPWORDS_PATH",
    "ISO_SOURCE",
    "DOMAIN_SOURCE",
    "YUE_SOURCE",
    "LISTS",
    "StopwordsError",
    "read_stopword_file",
    "read_domain_stopwords",
    "iso_stopwords",
    "list_names",
    "stopword_table",
    "effective_stopwords",
]
