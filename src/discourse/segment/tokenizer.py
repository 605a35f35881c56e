"""The project tokenizer: jieba + domain lexicon, masking, stopwords.

:class:`Tokenizer` is the one segmenter every module uses. It is a picklable
callable ``str -> list[str]`` and a scikit-learn style object (keyword-only
parameters stored unchanged, ``get_params``), so it can be handed to
``TfidfVectorizer(tokenizer=Tokenizer(), token_pattern=None, lowercase=False)``
or to :func:`discourse.segment.tokenize_units`, which runs it in parallel and
caches its output keyed by :meth:`Tokenizer.cache_key`.

Steps, for one text:

1. *Protected spans* are found before segmentation: placeholders of the
   ``〔NAME〕`` shape (:data:`discourse.placeholders.PLACEHOLDER_RE`) always, and
   when ``normalise_numbers`` dates (``2022年9月21日``, ``9月21日``,
   ``2022-12-12 10:05``, ``2020年``, ``9月``, ``二〇二二年``), Arabic numbers
   (``14``, ``3.5%``) and ordinals (``第八十四``), which become
   :data:`~discourse.placeholders.DATE` and
   :data:`~discourse.placeholders.NUMBER`. A number glued to Latin letters
   or digits (``5G``, ``DNA262728``) stays as jieba cuts it.
2. The text is segmented by the backend (``rjieba`` or ``jieba``) with the
   lexicon loaded, each protected span standing in as one private-use
   character: a non-Han character, so a hard word boundary, exactly as if
   the pieces between spans were cut separately, but with one call per
   text.
3. Each word is classified: whitespace and punctuation are dropped; a person
   (a lexicon entry tagged ``nr``, or a name in ``person_names``) becomes
   :data:`~discourse.placeholders.PERSON` unless listed in ``keep_names``; a
   Chinese numeral word tagged ``m`` (``八十四``) becomes ``NUMBER`` unless it is
   a lexicon term (十四五); placeholders are dropped when
   ``drop_placeholders``; stopwords and the tags in ``drop_pos`` are dropped.
   Place names (tag ``ns``) are kept; :meth:`Tokenizer.spans` shows every
   word's tag and offsets.

Why only curated names are masked: the ``nr`` tags of jieba's dictionary are
unreliable for this genre. On the 2021-2022 government work reports the
most frequent ``nr`` words are 智慧, 文明, 高水平, 养老, 高新区, 幼儿园, 惠民
and the ``nrt`` words include 哈密 and 二十大; masking them would delete
vocabulary. A surname heuristic on the HMM's unknown words fails as badly
(万人, 林长制, 陆港, 郑洛西). So persons are the names listed in the lexicon
(every person named in the bundled documents) plus ``person_names``.

One-character words (防, 控, 疫, 要) are kept. :meth:`Tokenizer.segment_only`
returns the plain segmentation (every non-whitespace word, punctuation
included, no masking, no stopwords) for evaluation against a gold standard.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from codecs import utf_32_le_decode as _utf_32_le_decode
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.base import BaseEstimator

from discourse.placeholders import DATE, NUMBER, PERSON, PLACEHOLDER_RE
from discourse.segment import backends as _backends
from discourse.segment import lexicon as _lexicon
from discourse.segment import stopwords as _stopwords

#: Bump when the tokenizer's output changes for the same parameters.
ALGORITHM_VERSION = "3"

_D = "[0-9０-９]"
_TIME = rf"(?:\s*{_D}{{1,2}}\s*[时点](?:\s*{_D}{{1,2}}\s*分)?|\s+{_D}{{1,2}}[:：]{_D}{{2}}(?:[:：]{_D}{{2}})?)?"
#: Dates: 2022年(9月(21日( 10时)?)?)?, 2022-12-12( 10:05)?, 9月21日, 9月(份), 10:05.
_DATE_RE = (
    rf"{_D}{{4}}\s*年(?:\s*{_D}{{1,2}}\s*月(?:\s*{_D}{{1,2}}\s*[日号]{_TIME})?)?"
    rf"|{_D}{{4}}[-/.．]{_D}{{1,2}}[-/.．]{_D}{{1,2}}(?:\s*{_D}{{1,2}}[:：]{_D}{{2}}(?:[:：]{_D}{{2}})?)?"
    rf"|{_D}{{1,2}}\s*月\s*{_D}{{1,2}}\s*[日号]{_TIME}"
    rf"|{_D}{{1,2}}\s*月份?"
    rf"|{_D}{{1,2}}[:：]{_D}{{2}}(?:[:：]{_D}{{2}})?"
)
#: The same alternatives with their first digit removed (it is matched before them).
_DATE_REST = (
    rf"{_D}{{3}}\s*年(?:\s*{_D}{{1,2}}\s*月(?:\s*{_D}{{1,2}}\s*[日号]{_TIME})?)?"
    rf"|{_D}{{3}}[-/.．]{_D}{{1,2}}[-/.．]{_D}{{1,2}}(?:\s*{_D}{{1,2}}[:：]{_D}{{2}}(?:[:：]{_D}{{2}})?)?"
    rf"|{_D}?\s*月\s*{_D}{{1,2}}\s*[日号]{_TIME}"
    rf"|{_D}?\s*月份?"
    rf"|{_D}?[:：]{_D}{{2}}(?:[:：]{_D}{{2}})?"
)
_NUM_RE = rf"{_D}+(?:[.．]{_D}+)?(?:\s*[%％‰])?|第[〇零一二三四五六七八九十百千万两]{{2,}}"
_NUM_REST = rf"{_D}*(?:[.．]{_D}+)?(?:\s*[%％‰])?"
_PH = PLACEHOLDER_RE.pattern
if not _PH.startswith("〔"):  # pragma: no cover - guards the span pattern below
    raise ImportError("the span pattern assumes placeholders start with 〔")
_G = "A-Za-z0-9０-９"  # characters that glue a number to its neighbours (5G, DNA262728)
_GLUE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789０１２３４５６７８９")
# Protected spans in one regular expression. It starts with a character class
# (so the regex engine jumps between the few characters that can start a
# span, at C speed) and branches on the character just matched; the empty
# groups name the kind. A date or number is matched atomically, then refused
# when glued to letters or digits on either side; the last branch then
# consumes the glued run (5G, DNA262728), which stays as jieba cuts it.
_BRANCHES = (
    rf"(?<=〔)(?P<ph>){_PH[1:]}",
    rf"(?<=[0-9０-９])(?<![{_G}][0-9０-９])(?>(?P<date>)(?:{_DATE_REST})|(?P<num>){_NUM_REST})(?![{_G}])",
    rf"(?<=第)(?<![{_G}]第)(?P<ord>)[〇零一二三四五六七八九十百千万两]{{2,}}(?![{_G}])",
    rf"(?<=[{_G}])[{_G}]*",
)
_FIRST = f"〔0-9０-９第{_G}"
_CN_DIGITS = "〇零一二三四五六七八九"


def _alternation(first: str, branches: tuple[str, ...]) -> re.Pattern:
    return re.compile(f"[{first}](?:{'|'.join(branches)})")


_SPANS_FULL = _alternation(_FIRST, _BRANCHES)
_SPANS_PH = re.compile(f"(?P<ph>{_PH})")  # placeholders only (normalise_numbers=False)
# The substitutions of the fast path (Tokenizer._cut_source) find the same
# spans and, in the same pass, a private-use character of the text itself
# (group ``pua``: the text is then cut piece by piece). For texts with 〇 a
# second pattern also takes years in Chinese numerals (group ``cnyear``),
# the spans that _protected_spans adds to those of _SPANS_FULL.
_PUA_BRANCH = r"(?<=[\ue000-\ue0ff])(?P<pua>)"
_SUB_FULL = _alternation(_FIRST + "\ue000-\ue0ff", (*_BRANCHES, _PUA_BRANCH))
_SUB_FULL_CN = _alternation(
    _FIRST + "\ue000-\ue0ff" + _CN_DIGITS,
    (*_BRANCHES, _PUA_BRANCH, rf"(?<=[{_CN_DIGITS}])(?P<cnyear>)[{_CN_DIGITS}]{{3}}年"),
)
_SUB_PH = re.compile(f"(?P<ph>{_PH})|(?P<pua>[\ue000-\ue0ff])")
_KIND = {"ph": "ph", "date": "date", "num": "num", "ord": "num"}
_CN_YEAR = re.compile(f"[{_CN_DIGITS}]{{4}}年")


def _protected_spans(text: str, full: bool) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of placeholders, dates and numbers, in order.

    Dates and numbers glued to Latin letters or digits on either side (5G,
    DNA262728) are not protected; jieba cuts them with their neighbours.
    Years in Chinese numerals (二〇二二年) are dates too.
    """
    if not full:
        return [(m.start(), m.end(), "ph") for m in PLACEHOLDER_RE.finditer(text)]
    spans = [(m.start(), m.end(), _KIND[m.lastgroup]) for m in _SPANS_FULL.finditer(text) if m.lastgroup]
    if "〇" in text:
        years = [(m.start(), m.end(), "date") for m in _CN_YEAR.finditer(text)]
        if years:
            merged, last = [], 0
            for sp in sorted(spans + years):
                if sp[0] >= last:
                    merged.append(sp)
                    last = sp[1]
            return merged
    return spans


class _NoOnePass(Exception):
    """The one-pass substitution cannot stand for this text: more distinct
    placeholders than private-use codes, or a private-use character in it."""


_CN_NUMBER = re.compile(r"[〇零一二三四五六七八九十百千万亿两]{2,}")

_DATE_UNITS = frozenset("年月日号时分秒")
# Private-use characters standing for protected spans during segmentation.
_PUA_START, _PUA_SIZE = 0xE000, 0x100


def _join_date_units(words: list[str]) -> list[str]:
    """Join a digit string and a following date/time unit (PKU: ``2022年``, ``9月``, ``21日``)."""
    out: list[str] = []
    for w in words:
        if out and w in _DATE_UNITS and out[-1].isdigit():
            out[-1] += w
        else:
            out.append(w)
    return out
_MEMO_MAX = 1_000_000

#: Latin letters (ASCII, Latin-1 and Latin Extended-A/B, full-width).
_LATIN_RE = re.compile(r"[A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\uFF21-\uFF3A\uFF41-\uFF5A]")
#: Han characters (CJK unified ideographs, extension A, compatibility).
_HAN_RE = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]")
#: Accepted values of ``latin``.
LATIN_RULES: tuple[str, ...] = ("keep", "drop", "stop")


def is_latin(word: str) -> bool:
    """True when *word* is a Latin-script token: a Latin letter and no Han character.

    Examples
    --------
    >>> is_latin("COVID"), is_latin("5G"), is_latin("T恤"), is_latin("2022")
    (True, True, False, False)
    """
    return _LATIN_RE.search(word) is not None and _HAN_RE.search(word) is None


class _Memo(dict):
    """word -> output token (or None), filled on first lookup."""

    __slots__ = ("_state",)

    def __init__(self, state) -> None:
        super().__init__()
        self._state = state

    def __missing__(self, word: str) -> str | None:
        out = self[word] = _classify(word, self._state)
        return out


class _IdMemo(dict):
    """word -> id of its output token in ``vocab`` (-1 when dropped), filled on first lookup.

    Keyed by the word's UTF-32-LE bytes (:data:`_WIDE`), the form in which
    :meth:`Tokenizer.encode` finds each batch's distinct words. One per
    tokenizer state and process: the ids index this process's ``vocab``,
    which only grows (an id, once given, keeps its token). A new word is
    classified as :class:`_Memo` does (a protected span's private-use
    character by the span's output, any other word by :func:`_classify`),
    without going through the string memo.
    """

    __slots__ = ("_state", "token_ids", "vocab")

    def __init__(self, state: dict) -> None:
        super().__init__()
        self._state = state
        self.token_ids: dict[str, int] = {}
        self.vocab: list[str] = []

    def __missing__(self, key: bytes) -> int:
        st = self._state
        word = _utf_32_le_decode(key)[0]
        pua = st["pua_memo"]
        out = pua[word] if word in pua else _classify(word, st)
        if out is None:
            i = -1
        else:
            i = self.token_ids.get(out)
            if i is None:
                i = self.token_ids[out] = len(self.vocab)
                self.vocab.append(out)
        self[key] = i
        return i


#: Fixed-width encoding of the words handed to Arrow in :meth:`Tokenizer.encode`:
#: four bytes per code point, so byte offsets are four times character offsets.
_WIDE = "utf-32-le"
#: Characters per batch in :meth:`Tokenizer.encode` (bounds its buffers to a few tens of MB).
_ENCODE_BATCH_CHARS = 2_000_000


def _batch_ids(sources: list[str], lengths: list[np.ndarray], idmemo: _IdMemo) -> np.ndarray:
    """Token id of every word of a batch (-1 for a dropped word), in order.

    *sources* are strings that the words partition, and *lengths* the
    words' lengths in characters, one array per source. The words are found
    in the UTF-32 bytes of the joined sources by their offsets, and Arrow's
    ``dictionary_encode`` (compiled hashing) numbers the distinct ones; only
    these go through the Python memo. This replaces one Python dictionary
    lookup per word, which cost more than cutting the text.
    """
    lens = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    if not len(lens):
        return np.zeros(0, dtype=np.int32)
    offsets = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    offsets *= 4
    data = "".join(sources).encode(_WIDE)
    words = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(lens), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    coded = pc.dictionary_encode(words)
    distinct = coded.dictionary.to_pylist()
    remap = np.fromiter(map(idmemo.__getitem__, distinct), dtype=np.int32, count=len(distinct))
    return remap[coded.indices.to_numpy()]


def _classify(word: str, st: dict) -> str | None:
    """Output token of one segmented word under the settings in *st*."""
    if not word.isalnum():  # a word of letters and digits (most) passes these three tests
        if not word or word.isspace():
            return None
        if PLACEHOLDER_RE.fullmatch(word):
            return None if st["drop_placeholders"] else word
        if not any(ch.isalnum() for ch in word):
            return None
    out: str = word
    if st["mask_persons"] and word in st["persons"] and word not in st["keep_names"]:
        out = PERSON
    elif st["normalise_numbers"] and word not in st["lexicon_terms"] and _is_number_word(word, st):
        out = NUMBER
    if out is not word:
        return None if st["drop_placeholders"] else out
    tag_word = word
    if st["latin"] != "keep" and is_latin(word):
        if st["latin"] == "drop":
            return None
        word = word.lower()
        if word in st["en_stopwords"] and word not in st["keep"]:
            return None
    if word in st["stopwords"]:  # keep_words are not in it
        return None
    if st["drop_pos"] and _tag(tag_word, st).startswith(st["drop_pos"]):
        return None
    return word


def _is_number_word(word: str, st: dict) -> bool:
    """A Chinese numeral or digit string that the dictionary tags ``m``.

    Same rule as looking the tag up (the dictionary's tag, else jieba-rs's
    fallback, which gives ``m`` to ASCII digit strings), from two small sets.
    """
    numeral_m, digits_not_m = st["number_words"]
    if word in numeral_m:
        return True
    return word.isascii() and word.isdigit() and word not in digits_not_m


def _tag(word: str, st: dict) -> str:
    tags = st.get("tags")
    if tags is None:
        tags = st["tags"] = {**_backends.base_tags(), **st["lexicon_tags"]}
    tag = tags.get(word)
    return tag if tag is not None else _backends.fallback_tag(word)


def _same(built: tuple, now: tuple) -> bool:
    """True when every parameter value is the very object the state was built from."""
    return len(built) == len(now) and all(a is b for a, b in zip(built, now))


class Token(NamedTuple):
    """One segmented word: surface form, offsets, tag, output token.

    ``token`` is what the tokenizer emits for the word (the word itself, a
    placeholder, or ``None`` when the word is dropped).
    """

    word: str
    start: int
    end: int
    pos: str
    token: str | None


class Tokenizer(BaseEstimator):
    """Segment Chinese text into the project's tokens.

    Parameters
    ----------
    backend : {"rjieba", "jieba"}, default "rjieba"
        ``"rjieba"`` (jieba-rs, fast) or ``"jieba"`` (the Python reference).
        Both load the same dictionary and lexicon and agree on more than
        99.5 % of tokens (``benchmarks/bench_segmentation.py``).
    lexicon : bool, path-like or pandas.DataFrame, default True
        ``True``: the bundled lexicon (``resources/lexicon.tsv``, the COVID
        policy terms of the bundled study); ``False``: none; a path: that
        lexicon file (format in :mod:`discourse.segment.lexicon`); a table
        with columns ``term`` and ``pos`` (optional ``freq``, ``unit``). A
        study passes its own lexicon here.
    compounds : bool, default True
        Also load the lexicon's ``compound`` entries, fixed multi-word terms
        that the analysis counts as one token (动态清零, 核酸检测, 闭环管理).
        ``False`` gives plain PKU-style word segmentation (动态 / 清零), the
        mode scored against the gold standard.
    stopwords : str, None or iterable of str, default "default"
        ``"default"``: stopwords-iso (zh) plus the domain list; list names
        joined by ``+`` (``"zh"``, ``"domain"``, ``"yue"``; e.g.
        ``"default+yue"`` adds the optional Cantonese function words);
        ``None``: no stopwords; an iterable: exactly these words. See
        :mod:`discourse.segment.stopwords`.
    keep_words : tuple of str, default ()
        Words never stopped, whatever stop list contains them: the words a
        study measures (the bundled study passes its codebook's directive
        and modal words, 要, 必须, 可以 ...).
    keep_directives : bool or None, default None
        Deprecated, kept for one release: ``True`` adds the old
        :data:`discourse.segment.DIRECTIVES` to ``keep_words``; ``False``
        keeps nothing (every listed word is stopped, ``keep_words``
        included). Use ``keep_words``.
    latin : {"keep", "drop", "stop"}, default "keep"
        Rule for Latin-script tokens (a Latin letter and no Han character:
        COVID, 5G, Omicron). ``"keep"``: as segmented; ``"drop"``: removed
        (Chinese-only analyses); ``"stop"``: lower-cased, and removed when
        in the English list of stopwords-iso (the same source as the
        Chinese list), so an English item gives ``coronavirus`` but not
        ``the / to / of``.
    mask_persons : bool, default True
        Replace person names (lexicon entries tagged ``nr*`` and
        ``person_names``) by :data:`discourse.placeholders.PERSON`.
    person_names : tuple of str, default ()
        Further names to mask (e.g. officials of a researcher's own corpus);
        they are also added to the segmenter's dictionary so that each is
        one word.
    keep_names : tuple of str, default ("习近平",)
        Person names never masked: invoking the top leader is itself a
        discourse feature measured downstream.
    normalise_numbers : bool, default True
        Replace dates by ``〔DATE〕`` and numbers by ``〔NUM〕``.
    drop_placeholders : bool, default True
        Drop every placeholder (redactions from cleaning, and the masks
        above) from the output, so that they never enter a vocabulary. With
        False they are kept, each as one token.
    drop_pos : tuple of str, optional
        Drop words whose tag starts with one of these prefixes (e.g.
        ``("u", "p", "c", "y", "e", "o")``). Placeholders are not affected.
    hmm : bool, default True
        Let the HMM join unknown character runs (jieba's default).

    Attributes
    ----------
    stopwords_ : frozenset of str
        The effective stop list.
    lexicon_ : pandas.DataFrame or None
        The lexicon table.

    Notes
    -----
    Derived state (the segmenter with its dictionary, the stop list, the
    word memo) is built on first use from a *fingerprint* of the parameters
    and of the files they name, and rebuilt whenever a parameter changes:
    :meth:`set_params` discards it, each call checks that no parameter was
    replaced since it was built, and :meth:`cache_key` (a digest of that
    same fingerprint) rebuilds it when the fingerprint differs (a file or a
    mutable parameter changed in place). So the tokens always follow the
    current settings, and a cache keyed by :meth:`cache_key` never holds
    tokens made under other settings.

    Examples
    --------
    >>> tok = Tokenizer(keep_words=("要", "坚持", "严格"))
    >>> tok("坚持动态清零，严格落实外防输入、内防反弹。")
    ['坚持', '动态清零', '严格', '落实', '外防输入', '内防反弹']
    >>> tok("李成辉强调，要做好次密接管理")
    ['强调', '要', '做好', '次密接', '管理']
    >>> Tokenizer()("李成辉强调，要做好次密接管理")
    ['强调', '做好', '次密接', '管理']
    >>> Tokenizer(drop_placeholders=False)("9月21日，李成辉主持召开会议")
    ['〔DATE〕', '〔PERSON〕', '主持', '召开', '会议']
    >>> Tokenizer(latin="stop")("The Omicron variant 奥密克戎")
    ['omicron', 'variant', '奥密克戎']
    >>> Tokenizer().segment_only("常态化疫情防控。")
    ['常态化', '疫情', '防控', '。']
    """

    def __init__(
        self,
        *,
        backend: str = "rjieba",
        lexicon: bool | str | Any = True,
        compounds: bool = True,
        stopwords: str | Iterable[str] | None = "default",
        keep_words: tuple[str, ...] = (),
        keep_directives: bool | None = None,
        latin: str = "keep",
        mask_persons: bool = True,
        person_names: tuple[str, ...] = (),
        keep_names: tuple[str, ...] = ("习近平",),
        normalise_numbers: bool = True,
        drop_placeholders: bool = True,
        drop_pos: tuple[str, ...] | None = None,
        hmm: bool = True,
    ) -> None:
        self.backend = backend
        self.lexicon = lexicon
        self.compounds = compounds
        self.stopwords = stopwords
        self.keep_words = keep_words
        self.keep_directives = keep_directives
        self.latin = latin
        self.mask_persons = mask_persons
        self.person_names = person_names
        self.keep_names = keep_names
        self.normalise_numbers = normalise_numbers
        self.drop_placeholders = drop_placeholders
        self.drop_pos = drop_pos
        self.hmm = hmm

    # ------------------------------------------------------------------ state
    def _validate(self) -> None:
        if self.backend not in _backends.BACKENDS:
            raise ValueError(f"backend must be one of {_backends.BACKENDS}, not {self.backend!r}")
        _stopwords.check_stopwords_arg(self.stopwords)
        for name in ("keep_names", "person_names", "keep_words"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(n, str) and n for n in value):
                raise ValueError(f"{name} must be a tuple of words, e.g. ('习近平',), not {value!r}")
        if self.keep_directives not in (None, True, False):
            raise ValueError(f"keep_directives must be None, True or False, not {self.keep_directives!r}")
        if self.latin not in LATIN_RULES:
            raise ValueError(f"latin must be one of {LATIN_RULES}, not {self.latin!r}")
        if self.drop_pos is not None and (
            isinstance(self.drop_pos, str) or not all(isinstance(p, str) and p for p in self.drop_pos)
        ):
            raise ValueError("drop_pos must be None or a tuple of tag prefixes, e.g. ('u', 'p')")
        lex = self.lexicon
        if not (isinstance(lex, (bool, pd.DataFrame, str, os.PathLike)) or lex is None):
            raise ValueError(f"lexicon must be True, False, a path or a DataFrame, not {type(lex).__name__}")

    def _lexicon_source(self):
        """None (no lexicon), a path or a DataFrame."""
        if self.lexicon is True:
            return _lexicon.LEXICON_PATH
        if self.lexicon is False or self.lexicon is None:
            return None
        return self.lexicon

    @classmethod
    def _param_names_cached(cls) -> tuple[str, ...]:
        names = cls.__dict__.get("_PARAM_NAMES")
        if names is None:
            names = tuple(cls._get_param_names())
            cls._PARAM_NAMES = names
        return names

    def _param_values(self) -> tuple:
        d = self.__dict__
        return tuple(d.get(n) for n in self._param_names_cached())

    def _fingerprint(self) -> str:
        """Canonical JSON of everything the output depends on."""
        from importlib.metadata import version

        self._validate()
        params = self.get_params()
        if params["stopwords"] is not None and not isinstance(params["stopwords"], str):
            params["stopwords"] = sorted(set(params["stopwords"]))
        source = self._lexicon_source()
        if source is None:
            params["lexicon"] = None
        elif isinstance(source, pd.DataFrame):
            params["lexicon"] = "table:" + _lexicon.table_digest(source)
        else:
            params["lexicon"] = _lexicon.file_digest(source)
        for name in ("keep_names", "person_names"):
            params[name] = list(params[name])
        params["keep_words"] = sorted(set(params["keep_words"]))
        params["drop_pos"] = list(params["drop_pos"]) if params["drop_pos"] else None
        files = _stopwords.list_files(self.stopwords)
        payload = {
            "params": params,
            "algorithm": ALGORITHM_VERSION,
            "backend_version": _backends.backend_version(self.backend),
            "stopwordsiso": version("stopwordsiso"),
            "stopword_files": {n: _lexicon.file_digest(p) for n, p in sorted(files.items())},
            "dict": _lexicon.file_digest(_backends.jieba_dict_path()),
        }
        return json.dumps(payload, sort_keys=True, ensure_ascii=False)

    def _get_state(self) -> dict:
        """The derived state, rebuilt when a parameter was replaced."""
        state = self.__dict__.get("_state")
        if state is not None and _same(state["param_values"], self._param_values()):
            return state
        return self._build_state(self._fingerprint())

    def _build_state(self, fingerprint: str) -> dict:
        values = self._param_values()  # kept alive in the state, so identities stay meaningful
        source = self._lexicon_source()
        rows = _lexicon.lexicon_rows(source, compounds=self.compounds) if source is not None else ()
        known = {t for t, _f, _p in rows}
        extra = tuple(dict.fromkeys(n for n in self.person_names if n not in known))
        rows = (*rows, *((n, None, "nr") for n in extra))
        st: dict = {
            "param_values": values,
            "fingerprint": fingerprint,
            "backend": _backends.make_backend(self.backend, rows, hmm=self.hmm),
            "lexicon_terms": frozenset(t for t, _f, _p in rows),
            "lexicon_tags": {t: p for t, _f, p in rows},
            "persons": frozenset(t for t, _f, p in rows if p.startswith("nr")),
            "number_words": _backends.number_words(),
            "stopwords": _stopwords.effective_stopwords(
                self.stopwords, keep=self.keep_words, keep_directives=self.keep_directives
            ),
            "keep": _stopwords._keep_set(self.keep_words, self.keep_directives)[0],
            "en_stopwords": _stopwords.iso_stopwords("en") if self.latin == "stop" else frozenset(),
            "latin": self.latin,
            "keep_names": frozenset(self.keep_names),
            "mask_persons": bool(self.mask_persons),
            "normalise_numbers": bool(self.normalise_numbers),
            "drop_placeholders": bool(self.drop_placeholders),
            "drop_pos": tuple(self.drop_pos) if self.drop_pos else (),
            "pua_codes": {},
            "pua_memo": {},
        }
        st["memo"] = _Memo(st)
        for key in (DATE, NUMBER):
            self._new_code(key, st)
        st["sub"] = (_SUB_FULL if st["normalise_numbers"] else _SUB_PH).sub
        st["sub_cn"] = _SUB_FULL_CN.sub if st["normalise_numbers"] else st["sub"]
        st["repl"] = self._make_repl(st)
        self.__dict__["_state"] = st
        return st

    def set_params(self, **params):
        """Set parameters (scikit-learn API); derived state is rebuilt on next use."""
        super().set_params(**params)
        self.__dict__.pop("_state", None)
        return self

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_state", None)
        return state

    @property
    def stopwords_(self) -> frozenset[str]:
        """The effective stop list."""
        return self._get_state()["stopwords"]

    @property
    def lexicon_(self):
        """The lexicon table, or None when ``lexicon=False``."""
        source = self._lexicon_source()
        if source is None:
            return None
        return source.copy() if isinstance(source, pd.DataFrame) else _lexicon.read_lexicon(source)

    # --------------------------------------------------------- classification
    def pos_of(self, word: str) -> str:
        """Part-of-speech tag the tokenizer uses for *word*.

        Examples
        --------
        >>> Tokenizer().pos_of("长治"), Tokenizer().pos_of("次密接")
        ('ns', 'n')
        """
        return _tag(word, self._get_state())

    def _protected(self, kind: str, text: str, st: dict) -> str | None:
        if st["drop_placeholders"]:
            return None
        if kind == "ph":
            return text
        return DATE if kind == "date" else NUMBER

    # ---------------------------------------------------------------- public
    def __call__(self, text: str) -> list[str]:
        """Tokens of *text* (see the class docstring for the steps)."""
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer expects str, got {type(text).__name__}")
        st = self._get_state()
        memo = st["memo"]
        if len(memo) > _MEMO_MAX:
            memo.clear()
            memo.update(st["pua_memo"])
        words = self._cut(text, st)
        # Map the words through the memo at C speed (a new word is classified
        # once, by _Memo.__missing__); None (dropped) is filtered out, and no
        # output token is ever the empty string.
        return list(filter(None, map(memo.__getitem__, words)))

    def encode(self, texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Tokens of several texts as integer ids, without a string per token.

        The same tokens as calling the tokenizer on each text, in a form that
        writers of token tables (the segmentation cache) store directly:
        ``vocab[i]`` for ``i`` in ``ids[offsets[j]:offsets[j + 1]]`` are the
        tokens of text ``j``. No output string is built per token. The
        texts are taken in batches of about :data:`_ENCODE_BATCH_CHARS`
        characters: the words of a batch are located in its text by their
        lengths, Arrow's ``dictionary_encode`` numbers the distinct ones, and
        only those go through the memo that maps a word to its token id
        (classifying it the first time it is seen).

        Parameters
        ----------
        texts : iterable of str

        Returns
        -------
        ids : numpy.ndarray of int32
            The token ids of all texts, one after the other.
        offsets : numpy.ndarray of int64
            ``len(texts) + 1`` positions in *ids*, from 0 to ``len(ids)``.
        vocab : list of str
            This process's vocabulary for the tokenizer's current state: it
            only grows, and must not be modified.

        Examples
        --------
        >>> tok = Tokenizer()
        >>> ids, offsets, vocab = tok.encode(["坚持动态清零，落实四方责任。", "落实四方责任"])
        >>> [[vocab[i] for i in ids[a:b]] for a, b in zip(offsets[:-1], offsets[1:])]
        [['坚持', '动态清零', '落实', '四方责任'], ['落实', '四方责任']]
        """
        st = self._get_state()
        idmemo = st.get("id_memo")
        if idmemo is None:
            idmemo = st["id_memo"] = _IdMemo(st)
        if len(idmemo) > _MEMO_MAX:  # words forgotten, ids (and vocab) kept
            idmemo.clear()
        parts: list[np.ndarray] = []
        kept: list[np.ndarray] = []
        sources: list[str] = []
        lengths: list[np.ndarray] = []
        n_words: list[int] = []
        size = 0

        def flush() -> None:
            ids = _batch_ids(sources, lengths, idmemo)
            keep = ids >= 0
            ends = np.cumsum(n_words)
            done = np.concatenate(([0], np.cumsum(keep, dtype=np.int64)))[ends]
            kept.append(np.diff(done, prepend=0))
            parts.append(ids[keep])
            sources.clear()
            lengths.clear()
            n_words.clear()

        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"Tokenizer expects str, got {type(text).__name__}")
            source, words = self._cut_source(text, st)
            lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
            if int(lens.sum()) != len(source):  # the words do not partition it (never seen)
                source = "".join(words)
            sources.append(source)
            lengths.append(lens)
            n_words.append(len(words))
            size += len(source)
            if size >= _ENCODE_BATCH_CHARS:
                flush()
                size = 0
        if n_words:
            flush()
        ids = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        counts = np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64)
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return ids, offsets, idmemo.vocab

    def _make_repl(self, st: dict):
        codes = st["pua_codes"]
        date_code, num_code = codes[DATE], codes[NUMBER]
        new_code = self._new_code

        def repl(m) -> str:
            kind = m.lastgroup
            if kind is None:  # a glued run (5G): unchanged
                return m.group()
            if kind == "pua":
                raise _NoOnePass
            if kind == "ph":
                key = m.group()
                code = codes.get(key)
                if code is None:
                    code = new_code(key, st)
                    if code is None:
                        raise _NoOnePass
                return code
            return num_code if kind == "num" or kind == "ord" else date_code

        return repl

    def _cut(self, text: str, st: dict) -> list[str]:
        """Segment *text* with each protected span as one opaque word."""
        return self._cut_source(text, st)[1]

    def _cut_source(self, text: str, st: dict) -> tuple[str, list[str]]:
        """``(source, words)``: the words of *text*, and the string they partition.

        Fast path: each protected span is replaced by one private-use
        character (a non-Han character, hence a hard word boundary for both
        backends, exactly as cutting the pieces separately) in one
        ``re.sub`` and the text is cut once; the memo maps that character to
        the span's output, and *source* is the replaced text. A text with 〇
        is substituted by a pattern that also takes years in Chinese
        numerals (二〇二二年). Texts that already contain private-use
        characters (found in the same pass) are cut piece by piece, each span
        standing as one word (its placeholder, or its output placeholder),
        and *source* is the words joined.
        """
        cut = st["backend"].cut
        full = st["normalise_numbers"]
        try:
            source = (st["sub_cn"] if "〇" in text else st["sub"])(st["repl"], text)
            return source, cut(source)
        except _NoOnePass:
            pass
        words: list[str] = []
        pos = 0
        for start, end, kind in _protected_spans(text, full):
            if start > pos:
                words += cut(text[pos:start])
            words.append(text[start:end] if kind == "ph" else DATE if kind == "date" else NUMBER)
            pos = end
        if pos < len(text):
            words += cut(text[pos:])
        return "".join(words), words

    def _new_code(self, key: str, st: dict) -> str | None:
        codes = st["pua_codes"]
        if len(codes) >= _PUA_SIZE:
            return None
        code = chr(_PUA_START + len(codes))
        codes[key] = code
        out = None if st["drop_placeholders"] else key
        st["pua_memo"][code] = out
        st["memo"][code] = out
        return code

    tokenize = __call__

    def spans(self, text: str) -> list[Token]:
        """Every segmented word of *text* with offsets, tag and output token.

        Whitespace is not listed; dropped words have ``token=None``. The
        output tokens, in order, are exactly ``self(text)``.

        Examples
        --------
        >>> [(t.word, t.pos, t.token) for t in Tokenizer().spans("长治市委书记杨勤荣")]
        [('长治', 'ns', '长治'), ('市委书记', 'n', '市委书记'), ('杨勤荣', 'nr', None)]
        """
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer expects str, got {type(text).__name__}")
        st = self._get_state()
        cut = st["backend"].cut
        memo = st["memo"]
        out: list[Token] = []

        def add_words(chunk: str, offset: int) -> None:
            for w in cut(chunk):
                start, offset = offset, offset + len(w)
                if w.isspace():
                    continue
                out.append(Token(w, start, offset, _tag(w, st), memo[w]))

        pos = 0
        for start, end, kind in _protected_spans(text, st["normalise_numbers"]):
            if start > pos:
                add_words(text[pos:start], pos)
            word = text[start:end]
            tag = {"ph": "x", "date": "t", "num": "m"}[kind]
            out.append(Token(word, start, end, tag, self._protected(kind, word, st)))
            pos = end
        if pos < len(text):
            add_words(text[pos:], pos)
        return out

    def tag(self, text: str) -> list[tuple[str, str]]:
        """``(token, tag)`` pairs of the emitted tokens (places have ``ns``).

        Examples
        --------
        >>> Tokenizer().tag("长治市委")
        [('长治', 'ns'), ('市委', 'n')]
        """
        return [(t.token, t.pos) for t in self.spans(text) if t.token is not None]

    def segment_only(self, text: str) -> list[str]:
        """Plain segmentation: every non-whitespace word, in order.

        The lexicon is applied; nothing is masked, normalised or stopped, and
        punctuation is kept, so the words concatenate to *text* without its
        whitespace. Placeholders (``〔XX〕``) stay one word, and a number is
        joined to a following date or time unit (``9月``, ``21日``, the PKU
        convention; the full tokenizer turns such dates into ``〔DATE〕``).
        Used to evaluate segmentation against a gold standard.

        Examples
        --------
        >>> Tokenizer().segment_only("李成辉强调，要坚持动态清零")
        ['李成辉', '强调', '，', '要', '坚持', '动态清零']
        """
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer expects str, got {type(text).__name__}")
        cut = self._get_state()["backend"].cut
        out: list[str] = []
        pos = 0
        for start, end, _kind in _protected_spans(text, False):
            if start > pos:
                out.extend(w for w in cut(text[pos:start]) if not w.isspace())
            out.append(text[start:end])
            pos = end
        if pos < len(text):
            out.extend(w for w in cut(text[pos:]) if not w.isspace())
        return _join_date_units(out)

    def cache_key(self) -> str:
        """Hex digest identifying this tokenizer's output.

        The SHA-256 of the same fingerprint that the derived state is built
        from: every parameter, the contents of the lexicon (file or table)
        and of the stopword files used, the stopwords-iso and backend
        versions and :data:`ALGORITHM_VERSION`. When the state in memory was
        built from another fingerprint, it is discarded here (and rebuilt on
        next use), so tokens made after this call always match the key.

        Examples
        --------
        >>> Tokenizer().cache_key() == Tokenizer().cache_key()
        True
        >>> Tokenizer().cache_key() == Tokenizer(stopwords=None).cache_key()
        False
        """
        fingerprint = self._fingerprint()
        state = self.__dict__.get("_state")
        if state is not None and (
            state["fingerprint"] != fingerprint or not _same(state["param_values"], self._param_values())
        ):
            del self.__dict__["_state"]  # stale: rebuilt from the current fingerprint on next use
        return hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()


__all__ = ["Tokenizer", "Token", "ALGORITHM_VERSION", "LATIN_RULES", "is_latin"]
