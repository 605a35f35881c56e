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
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from sklearn.base import BaseEstimator

from discourse.placeholders import DATE, NUMBER, PERSON, PLACEHOLDER_RE
from discourse.segment import backends as _backends
from discourse.segment import lexicon as _lexicon
from discourse.segment import stopwords as _stopwords

#: Bump when the tokenizer's output changes for the same parameters.
ALGORITHM_VERSION = "2"

_D = "[0-9０-９]"
_TIME = rf"(?:\s*{_D}{{1,2}}\s*[时点](?:\s*{_D}{{1,2}}\s*分)?|\s+{_D}{{1,2}}[:：]{_D}{{2}}(?:[:：]{_D}{{2}})?)?"
_DATE_RE = (
    rf"{_D}{{4}}\s*年(?:\s*{_D}{{1,2}}\s*月(?:\s*{_D}{{1,2}}\s*[日号]{_TIME})?)?"
    rf"|{_D}{{4}}[-/.．]{_D}{{1,2}}[-/.．]{_D}{{1,2}}(?:\s*{_D}{{1,2}}[:：]{_D}{{2}}(?:[:：]{_D}{{2}})?)?"
    rf"|{_D}{{1,2}}\s*月\s*{_D}{{1,2}}\s*[日号]{_TIME}"
    rf"|{_D}{{1,2}}\s*月份?"
    rf"|{_D}{{1,2}}[:：]{_D}{{2}}(?:[:：]{_D}{{2}})?"
)
_NUM_RE = rf"{_D}+(?:[.．]{_D}+)?(?:\s*[%％‰])?|第[〇零一二三四五六七八九十百千万两]{{2,}}"
_PH = PLACEHOLDER_RE.pattern
# Protected spans are found in two steps, for speed: a one-character search for
# the characters that can start one (digits, 〔, 第), then an anchored match.
_CANDIDATE_FULL = re.compile(r"[0-9０-９〔第]")
_CANDIDATE_PH = re.compile(r"〔")
_SPAN_AT = re.compile(rf"(?P<ph>{_PH})|(?P<date>{_DATE_RE})|(?P<num>{_NUM_RE})")
_GLUE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789０１２３４５６７８９")
_GLUED_RUN = re.compile(r"[A-Za-z0-9０-９]+")


_CN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}年")


def _protected_spans(text: str, full: bool):
    """``(start, end, kind)`` of placeholders, dates and numbers, in order.

    Dates and numbers glued to Latin letters or digits on either side (5G,
    DNA262728) are not protected; jieba cuts them with their neighbours.
    Years in Chinese numerals (二〇二二年) are dates too.
    """
    spans = _scan_spans(text, full)
    if full and "〇" in text:
        years = [(m.start(), m.end(), "date") for m in _CN_YEAR.finditer(text)]
        if years:
            spans = list(spans)
            merged, last = [], 0
            for sp in sorted(spans + years):
                if sp[0] >= last:
                    merged.append(sp)
                    last = sp[1]
            return merged
    return spans


def _scan_spans(text: str, full: bool):
    cand = _CANDIDATE_FULL if full else _CANDIDATE_PH
    search, match = cand.search, _SPAN_AT.match
    n = len(text)
    i = 0
    while True:
        c = search(text, i)
        if c is None:
            return
        j = c.start()
        m = match(text, j)
        if m is None:
            i = j + 1
            continue
        kind = m.lastgroup
        end = m.end()
        if kind == "ph":
            yield j, end, kind
            i = end
            continue
        if not full:
            i = j + 1
            continue
        if (j > 0 and text[j - 1] in _GLUE) or (end < n and text[end] in _GLUE):
            i = _GLUED_RUN.match(text, j).end() if text[j] in _GLUE else j + 1
            continue
        yield j, end, kind
        i = end


_CN_NUMBER = re.compile(r"[〇零一二三四五六七八九十百千万亿两]{2,}")

_DATE_UNITS = frozenset("年月日号时分秒")
# Private-use characters standing for protected spans during segmentation.
_PUA_START, _PUA_SIZE = 0xE000, 0x100
_PUA_RE = re.compile("[\ue000-\ue0ff]")


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


class _Memo(dict):
    """word -> output token (or None), filled on first lookup."""

    __slots__ = ("_classify", "_state")

    def __init__(self, classify, state) -> None:
        super().__init__()
        self._classify = classify
        self._state = state

    def __missing__(self, word: str) -> str | None:
        out = self[word] = self._classify(word, self._state)
        return out


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
    lexicon : bool or path-like, default True
        ``True``: the bundled domain lexicon; ``False``: none; a path: that
        lexicon file (same format, see :mod:`discourse.segment.lexicon`).
    compounds : bool, default True
        Also load the lexicon's ``compound`` entries, fixed multi-word terms
        that the analysis counts as one token (动态清零, 核酸检测, 闭环管理).
        ``False`` gives plain PKU-style word segmentation (动态 / 清零), the
        mode scored against the gold standard.
    stopwords : "default", None or iterable of str, default "default"
        ``"default"``: stopwords-iso (zh) plus the domain list; ``None``: no
        stopwords; an iterable: exactly these words. See
        :func:`discourse.segment.stopword_table`.
    keep_directives : bool, default True
        Never stop the directive and modal words
        (:data:`discourse.segment.DIRECTIVES`: 要, 必须, 坚决, 严格 ...), even
        when a stop list contains them. Set to False only on purpose.
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
        The effective stop list (built on first use).
    lexicon_ : pandas.DataFrame or None
        The loaded lexicon table.

    Examples
    --------
    >>> tok = Tokenizer()
    >>> tok("坚持动态清零，严格落实外防输入、内防反弹。")
    ['坚持', '动态清零', '严格', '落实', '外防输入', '内防反弹']
    >>> tok("李成辉强调，要做好次密接管理")
    ['强调', '要', '做好', '次密接', '管理']
    >>> Tokenizer(drop_placeholders=False)("9月21日，李成辉主持召开会议")
    ['〔DATE〕', '〔PERSON〕', '主持', '召开', '会议']
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
        keep_directives: bool = True,
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
        self.keep_directives = keep_directives
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
        if isinstance(self.stopwords, str) and self.stopwords != "default":
            raise ValueError(f"stopwords must be 'default', None or an iterable of words, not {self.stopwords!r}")
        for name in ("keep_names", "person_names"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(n, str) and n for n in value):
                raise ValueError(f"{name} must be a tuple of names, e.g. ('习近平',), not {value!r}")
        if self.drop_pos is not None and (
            isinstance(self.drop_pos, str) or not all(isinstance(p, str) and p for p in self.drop_pos)
        ):
            raise ValueError("drop_pos must be None or a tuple of tag prefixes, e.g. ('u', 'p')")

    def _lexicon_path(self):
        if self.lexicon is True:
            return _lexicon.LEXICON_PATH
        if self.lexicon is False or self.lexicon is None:
            return None
        return self.lexicon

    def _get_state(self) -> dict:
        state = self.__dict__.get("_state")
        if state is not None:
            return state
        self._validate()
        path = self._lexicon_path()
        entries = _lexicon.lexicon_entries(path, compounds=self.compounds) if path is not None else ()
        known = {t for t, _f, _p in entries}
        extra = tuple(dict.fromkeys(n for n in self.person_names if n not in known))
        entries = (*entries, *zip(extra, _lexicon.suggested_freqs(extra), ["nr"] * len(extra)))
        tags = dict(_backends.base_tags())
        for term, _freq, pos in entries:
            tags[term] = pos
        state = {
            "backend": _backends.make_backend(self.backend, entries, hmm=self.hmm),
            "lexicon_terms": frozenset(t for t, _f, _p in entries),
            "persons": frozenset(t for t, _f, p in entries if p.startswith("nr")),
            "tags": tags,
            "stopwords": _stopwords.effective_stopwords(self.stopwords, keep_directives=self.keep_directives),
            "keep_names": frozenset(self.keep_names),
            "drop_pos": tuple(self.drop_pos) if self.drop_pos else (),
            "memo": None,
            "pua_codes": {},
            "pua_memo": {},
        }
        state["memo"] = _Memo(self._classify, state)
        self.__dict__["_state"] = state
        return state

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
        path = self._lexicon_path()
        return _lexicon.read_lexicon(path) if path is not None else None

    # --------------------------------------------------------- classification
    def pos_of(self, word: str) -> str:
        """Part-of-speech tag the tokenizer uses for *word*.

        Examples
        --------
        >>> Tokenizer().pos_of("长治"), Tokenizer().pos_of("次密接")
        ('ns', 'n')
        """
        tag = self._get_state()["tags"].get(word)
        return tag if tag is not None else _backends.fallback_tag(word)

    def _classify(self, word: str, st: dict) -> str | None:
        if not word or word.isspace():
            return None
        if PLACEHOLDER_RE.fullmatch(word):
            return None if self.drop_placeholders else word
        if not any(ch.isalnum() for ch in word):
            return None
        tag = st["tags"].get(word)
        if tag is None:
            tag = _backends.fallback_tag(word)
        out: str = word
        if self.mask_persons and word in st["persons"] and word not in st["keep_names"]:
            out = PERSON
        elif (
            self.normalise_numbers
            and tag == "m"
            and word not in st["lexicon_terms"]
            and (_CN_NUMBER.fullmatch(word) or word.isdigit())
        ):
            out = NUMBER
        if out is not word:
            return None if self.drop_placeholders else out
        if word in st["stopwords"]:
            return None
        if st["drop_pos"] and tag.startswith(st["drop_pos"]):
            return None
        return word

    def _protected(self, kind: str, text: str) -> str | None:
        if kind == "ph":
            return None if self.drop_placeholders else text
        out = DATE if kind == "date" else NUMBER
        return None if self.drop_placeholders else out

    # ---------------------------------------------------------------- public
    def __call__(self, text: str) -> list[str]:
        """Tokens of *text* (see the class docstring for the steps)."""
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer expects str, got {type(text).__name__}")
        st = self._get_state()
        cut = st["backend"].cut
        memo = st["memo"]
        if len(memo) > _MEMO_MAX:
            memo.clear()
            memo.update(st["pua_memo"])
        spans = list(_protected_spans(text, self.normalise_numbers))
        if not spans:
            words = cut(text)
        else:
            words = self._cut_with_spans(text, spans, st)
        # Map the words through the memo at C speed (a new word is classified
        # once, by _Memo.__missing__); None (dropped) is filtered out, and no
        # output token is ever the empty string.
        return list(filter(None, map(memo.__getitem__, words)))

    def _cut_with_spans(self, text: str, spans, st: dict) -> list[str]:
        """Segment *text* with each protected span as one opaque word.

        Fast path: each span is replaced by one private-use character (a
        non-Han character, hence a hard word boundary for both backends,
        exactly as cutting the pieces separately) and the text is cut once;
        the memo maps that character to the span's output. Texts that
        already contain private-use characters are cut piece by piece.
        """
        cut = st["backend"].cut
        codes = st["pua_codes"]
        if _PUA_RE.search(text) is None:
            pieces: list[str] = []
            pos = 0
            for start, end, kind in spans:
                key = text[start:end] if kind == "ph" else (DATE if kind == "date" else NUMBER)
                code = codes.get(key)
                if code is None:
                    code = self._new_code(key, st)
                    if code is None:
                        break
                pieces.append(text[pos:start])
                pieces.append(code)
                pos = end
            else:
                pieces.append(text[pos:])
                return cut("".join(pieces))
        words: list[str] = []
        pos = 0
        for start, end, kind in spans:
            if start > pos:
                words += cut(text[pos:start])
            words.append(text[start:end] if kind == "ph" else DATE if kind == "date" else NUMBER)
            pos = end
        if pos < len(text):
            words += cut(text[pos:])
        return words

    def _new_code(self, key: str, st: dict) -> str | None:
        codes = st["pua_codes"]
        if len(codes) >= _PUA_SIZE:
            return None
        code = chr(_PUA_START + len(codes))
        codes[key] = code
        out = None if self.drop_placeholders else key
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
        tags = st["tags"]
        out: list[Token] = []

        def add_words(chunk: str, offset: int) -> None:
            for w in cut(chunk):
                start, offset = offset, offset + len(w)
                if w.isspace():
                    continue
                o = memo[w]
                tag = tags.get(w)
                out.append(Token(w, start, offset, tag if tag is not None else _backends.fallback_tag(w), o))

        pos = 0
        for start, end, kind in _protected_spans(text, self.normalise_numbers):
            if start > pos:
                add_words(text[pos:start], pos)
            word = text[start:end]
            tag = {"ph": "x", "date": "t", "num": "m"}[kind]
            out.append(Token(word, start, end, tag, self._protected(kind, word)))
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

        It covers every parameter, the contents of the lexicon and domain
        stopword files, the stopwords-iso and backend versions and
        :data:`ALGORITHM_VERSION`, so a cached token list is reused only
        when the tokenizer would produce it again.

        Examples
        --------
        >>> Tokenizer().cache_key() == Tokenizer().cache_key()
        True
        >>> Tokenizer().cache_key() == Tokenizer(stopwords=None).cache_key()
        False
        """
        from importlib.metadata import version

        self._validate()
        params = self.get_params()
        if params["stopwords"] is not None and not isinstance(params["stopwords"], str):
            params["stopwords"] = sorted(set(params["stopwords"]))
        path = self._lexicon_path()
        params["lexicon"] = _lexicon.file_digest(path) if path is not None else None
        params["keep_names"] = list(params["keep_names"])
        params["person_names"] = list(params["person_names"])
        params["drop_pos"] = list(params["drop_pos"]) if params["drop_pos"] else None
        payload = {
            "params": params,
            "algorithm": ALGORITHM_VERSION,
            "backend_version": _backends.backend_version(self.backend),
            "stopwordsiso": version("stopwordsiso"),
            "domain_stopwords": _lexicon.file_digest(_stopwords.DOMAIN_STOPWORDS_PATH)
            if self.stopwords == "default"
            else None,
            "dict": _lexicon.file_digest(_backends.jieba_dict_path()),
        }
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()


__all__ = ["Tokenizer", "Token", "ALGORITHM_VERSION"]
