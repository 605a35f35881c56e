"""Genre features of Chinese official texts, per document and per 1,000 tokens.

Four families of features that the literature on Chinese political discourse
(tifa 提法, slogans and numbered formulae, enumerated directives) and the
project's research questions call for:

``quote``
    Quoted slogans and formulae: phrases of 1-25 characters between
    “…” or 「…」 on one line (longer quotations are citations, not slogans).
``formula``
    Numbered formulae, found by four regular expressions (heuristics, listed
    in :data:`FORMULA_PATTERNS`): numeral + 个 + two characters (四个意识,
    两个维护; measure words such as 月/小时/多/人 are excluded); a repeated
    numeral (四应四尽, 三查三问); 一X一Y with a planning noun as Y (一校一策,
    一人一档, 一单位一策); numeral + a suffix listed in the codebook (四早, 四方责任,
    四集中, 五包一, 三区, 两码: rows of category ``formula_suffix``).
``enumeration``
    Enumerated directives: clause-initial markers 一是/二是…, 一要/二要…,
    首先/其次/再次/最后, 第一/第二… (``enum_item`` counts the markers;
    ``enum_series`` counts the series, i.e. a first marker followed by the
    second marker of the same kind before the next first marker).
``directive`` and ``phase``
    Token counts of the directive / modal-intensity lexicon and text counts
    of the policy-phase lexicon, per subcategory / phase.

The lexicons are not part of this module: they come in as a *codebook*, a
tidy table with the columns ``term, category, subcategory, phase, gloss,
source`` (:data:`CODEBOOK_COLUMNS`), one row per term, ``category`` one of
``directive`` (``subcategory``: obligation, resolve ...), ``phase``
(``phase``: the policy phase) or ``formula_suffix`` (``term``: a suffix such
as 早 or 方责任). Categories and phases are reported in the order of their
first row. :func:`codebook_from_terms` builds such a table from tuples.

:func:`substring_counts` counts any list of terms as substrings of the
clean text, per 1,000 characters, a count that does not depend on the
segmenter (隔离 is found inside 居家隔离).

Counts are absolute; rates are per 1,000 word tokens of the document
(placeholders and punctuation excluded; :func:`discourse.analysis.vocab.is_word`).
Every table carries the count and the token total beside the rate.
"""

from __future__ import annotations

import re
import numpy as np
import pandas as pd

from collections.abc import Iterable, Sequence

from discourse.analysis.grouping import group_texts, group_tokens
from discourse.analysis.vocab import is_word
from discourse.placeholders import PLACEHOLDER_RE

#: Columns of a codebook table.
CODEBOOK_COLUMNS: tuple[str, ...] = ("term", "category", "subcategory", "phase", "gloss", "source")
_CATEGORIES = ("directive", "phase", "formula_suffix")

_HAN = r"\u4e00-\u9fff"
_NUM = "两二三四五六七八九十"
_BOUNDARY = r"(?:^|(?<=[\s，,。；;：:！!？?、“”「」（(）)]))"

QUOTE_RE = re.compile(r"[“「]([^“”「」\n]{1,25})[”」]")

#: name -> compiled pattern of the numbered-formula families that need no
#: word list (the ``suffix`` family is built from the codebook by
#: :func:`formula_patterns`).
FORMULA_PATTERNS: dict[str, re.Pattern] = {
    "n_ge": re.compile(rf"[{_NUM}]个(?![月小星多人周年天日批次名户家点])[{_HAN}]{{2}}"),
    "repeat": re.compile(rf"([{_NUM}])[{_HAN}]\1[{_HAN}]"),
    "yi_yi": re.compile(rf"一[{_HAN}]{{1,3}}?一[策档案表册码专卡]"),
}

#: Formula families in output order.
FORMULA_FAMILIES: tuple[str, ...] = ("n_ge", "repeat", "yi_yi", "suffix")


def formula_patterns(suffixes: Iterable[str] = ()) -> dict[str, re.Pattern]:
    """The four formula families, the ``suffix`` one made of *suffixes*.

    With no suffixes the ``suffix`` family matches nothing.

    Examples
    --------
    >>> sorted(formula_patterns(["早"]))
    ['n_ge', 'repeat', 'suffix', 'yi_yi']
    >>> formula_patterns(["早"])["suffix"].findall("落实四早要求，十四早上")
    ['四早']
    """
    suf = sorted({str(x) for x in suffixes if str(x)}, key=lambda x: (-len(x), x))
    pats = dict(FORMULA_PATTERNS)
    if suf:
        pats["suffix"] = re.compile(
            rf"(?<![{_NUM}一百千万第])[{_NUM}](?:{'|'.join(map(re.escape, suf))})"
        )
    else:
        pats["suffix"] = re.compile(r"(?!x)x")
    return pats


def codebook_from_terms(
    directive_terms: Iterable[tuple[str, str, str]] = (),
    phase_terms: Iterable[tuple[str, str, str]] = (),
    formula_suffixes: Iterable[str] = (),
    *,
    source: str = "",
) -> pd.DataFrame:
    """A codebook table from ``(term, gloss, subcategory)``, ``(term, gloss, phase)`` tuples.

    Examples
    --------
    >>> cb = codebook_from_terms([("要", "must", "obligation")], [("封城", "lockdown", "emergency")],
    ...                          ["早"])
    >>> cb[["term", "category", "subcategory", "phase"]].values.tolist()
    [['要', 'directive', 'obligation', ''], ['封城', 'phase', '', 'emergency'], \
['早', 'formula_suffix', '', '']]
    """
    rows = [(t, "directive", c, "", g, source) for t, g, c in directive_terms]
    rows += [(t, "phase", "", ph, g, source) for t, g, ph in phase_terms]
    rows += [(t, "formula_suffix", "", "", "", source) for t in formula_suffixes]
    return pd.DataFrame(rows, columns=list(CODEBOOK_COLUMNS)).astype("string")


def validate_codebook(codebook: pd.DataFrame | None, where: str = "codebook") -> pd.DataFrame:
    """Check a codebook table and return it with missing cells as "" (strings).

    Raises
    ------
    TypeError
        When *codebook* is None or not a DataFrame.
    ValueError
        Naming the missing columns, or the first bad row (unknown category,
        empty term, directive without subcategory, phase without phase,
        duplicated term within a category).
    """
    if codebook is None:
        raise TypeError(
            "the discourse features need a codebook (a table with columns "
            f"{', '.join(CODEBOOK_COLUMNS)}); pass codebook=..., e.g. the study's "
            "codebook table or discourse.analysis.features.codebook_from_terms(...)"
        )
    if not isinstance(codebook, pd.DataFrame):
        raise TypeError(f"{where} must be a DataFrame, got {type(codebook).__name__}")
    missing = [c for c in CODEBOOK_COLUMNS if c not in codebook.columns]
    if missing:
        raise ValueError(f"{where} lacks column(s) {missing} (has {list(codebook.columns)})")
    cb = codebook[list(CODEBOOK_COLUMNS)].astype("string").fillna("").reset_index(drop=True)
    for i, r in cb.iterrows():
        row = f"{where} row {i + 1} (term {r.term!r})"
        if r.category not in _CATEGORIES:
            raise ValueError(f"{row}: category {r.category!r} is not one of {_CATEGORIES}")
        if not r.term.strip():
            raise ValueError(f"{row}: empty term")
        if r.category == "directive" and not r.subcategory:
            raise ValueError(f"{row}: a directive term needs a subcategory")
        if r.category == "phase" and not (r.phase or r.subcategory):
            raise ValueError(f"{row}: a phase term needs a phase")
    dup = cb.duplicated(["category", "term"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise ValueError(f"{where} row {i + 1}: term {cb.term[i]!r} listed twice in "
                         f"category {cb.category[i]!r}")
    cb.loc[cb.category == "phase", "phase"] = cb.loc[cb.category == "phase"].apply(
        lambda r: r.phase or r.subcategory, axis=1).astype("string")
    return cb


def _lexicons(codebook: pd.DataFrame | None):
    cb = validate_codebook(codebook)
    dirs = cb[cb.category == "directive"]
    phs = cb[cb.category == "phase"]
    directive_terms = list(zip(dirs.term, dirs.gloss, dirs.subcategory))
    phase_terms = list(zip(phs.term, phs.gloss, phs.phase))
    categories = list(dict.fromkeys(dirs.subcategory))
    phases = list(dict.fromkeys(phs.phase))
    suffixes = cb.loc[cb.category == "formula_suffix", "term"].tolist()
    return directive_terms, phase_terms, categories, phases, suffixes

ENUM_RE = re.compile(
    _BOUNDARY
    + r"(?:(?P<ord>[一二三四五六七八九十])(?P<kind>是|要)(?=[" + _HAN + r"，,])"
    + r"|(?P<seq>首先|其次|再次|最后)(?=[，,、" + _HAN + r"])"
    + r"|第(?P<nth>[一二三四五六七八九十])(?=[，,、：:是要]))"
)

_ORD = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
_SEQ = {"首先": 1, "其次": 2, "再次": 3, "最后": 9}


def _formula_spans(text: str, patterns: dict[str, re.Pattern]) -> list[tuple[int, int, str, str]]:
    """Non-overlapping formula matches (earlier start wins, then longer)."""
    hits = []
    for name, rx in patterns.items():
        for m in rx.finditer(text):
            hits.append((m.start(), -(m.end() - m.start()), name, m.group(0), m.end()))
    hits.sort()
    out, last_end = [], -1
    for start, _, name, s, end in hits:
        if start >= last_end:
            out.append((start, end, name, s))
            last_end = end
    return out


def _enum_markers(text: str) -> list[tuple[int, str, int, str]]:
    """(start, kind, ordinal, marker) of every enumeration marker."""
    out = []
    for m in ENUM_RE.finditer(text):
        if m.group("ord"):
            out.append((m.start(), m.group("kind"), _ORD[m.group("ord")], m.group(0)))
        elif m.group("seq"):
            out.append((m.start(), "首先", _SEQ[m.group("seq")], m.group(0)))
        else:
            out.append((m.start(), "第", _ORD[m.group("nth")], m.group(0)))
    return out


def _count_series(markers: list[tuple[int, str, int, str]]) -> int:
    n = 0
    open_first: dict[str, bool] = {}
    for _, kind, ordinal, _ in markers:
        if ordinal == 1:
            open_first[kind] = True
        elif ordinal == 2 and open_first.get(kind):
            n += 1
            open_first[kind] = False
    return n


def extract_matches(text: str, *, formula_suffixes: Iterable[str] = ()) -> pd.DataFrame:
    """Every quote, formula and enumeration marker in *text*.

    Parameters
    ----------
    text : str
    formula_suffixes : iterable of str
        Suffixes of the numeral + suffix formula family (none: that family
        finds nothing).

    Returns
    -------
    DataFrame
        ``category, feature, match, start`` in text order.

    Examples
    --------
    >>> extract_matches("要落实“四早”，一是压实四方责任；二是坚持一校一策。",
    ...                 formula_suffixes=["早", "方责任"])[
    ...     ["feature", "match"]].values.tolist()
    [['quoted_phrase', '四早'], ['formula_suffix', '四早'], ['enum_item', '一是'], \
['formula_suffix', '四方责任'], ['enum_item', '二是'], ['formula_yi_yi', '一校一策']]
    """
    rows = []
    for m in QUOTE_RE.finditer(text):
        rows.append(("quote", "quoted_phrase", m.group(1), m.start()))
    for start, _, name, s in _formula_spans(text, formula_patterns(formula_suffixes)):
        rows.append(("formula", f"formula_{name}", s, start))
    for start, _, _, s in _enum_markers(text):
        rows.append(("enumeration", "enum_item", s, start))
    df = pd.DataFrame(rows, columns=["category", "feature", "match", "start"])
    return df.sort_values(["start", "category"], kind="stable").reset_index(drop=True)


def _grouped(units: pd.DataFrame, by: str, text_col: str, tokens_col: str):
    for col in (by, text_col, tokens_col):
        if col not in units.columns:
            raise KeyError(f"units table has no column {col!r} (columns: {list(units.columns)})")
    keyed = units.assign(**{by: units[by].astype("string")})
    keys, toks = group_tokens(keyed, by, tokens_col=tokens_col)
    _, texts = group_texts(keyed, by, text_col=text_col)
    return {str(k): (t, tk) for k, t, tk in zip(keys, texts, toks)}


def feature_terms(
    units: pd.DataFrame,
    *,
    by: str = "doc_id",
    text_col: str = "text",
    tokens_col: str = "tokens",
    codebook: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Counts of each directive and phase term per group, with rates.

    Parameters
    ----------
    units : DataFrame
        Units (or documents) with text, tokens and the *by* column. Units of
        a group are joined (texts with newlines, tokens concatenated).
    by : str, default "doc_id"
    codebook : DataFrame
        Required: the lexicons (see the module docstring); None raises a
        TypeError that says so.

    Returns
    -------
    DataFrame
        ``<by>, category, subcategory, term, gloss, count, n_tokens,
        per_1000``; *category* is ``directive`` (subcategory: obligation,
        resolve ...) or ``phase`` (subcategory: the phase). Every lexicon
        term appears for every group (zeros included), in lexicon order.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["a"], "text": ["必须坚持动态清零"],
    ...                       "tokens": [["必须", "坚持", "动态", "清零"]]})
    >>> cb = codebook_from_terms([("必须", "must", "obligation"), ("坚持", "adhere", "resolve")],
    ...                          [("动态清零", "dynamic zero", "dynamic_zero")])
    >>> t = feature_terms(units, codebook=cb)
    >>> t[t["count"] > 0][["term", "count", "per_1000"]].values.tolist()
    [['必须', 1, 250.0], ['坚持', 1, 250.0], ['动态清零', 1, 250.0]]
    """
    directive_terms, phase_terms, _, _, _ = _lexicons(codebook)
    rows = []
    for key, (text, toks) in _grouped(units, by, text_col, tokens_col).items():
        words = [t for t in toks if is_word(t)]
        n_tokens = len(words)
        counts: dict[str, int] = {}
        for w in words:
            counts[w] = counts.get(w, 0) + 1
        for term, gloss, cat in directive_terms:
            rows.append((key, "directive", cat, term, gloss, counts.get(term, 0), n_tokens))
        for term, gloss, phase in phase_terms:
            rows.append((key, "phase", phase, term, gloss, text.count(term), n_tokens))
    out = pd.DataFrame(
        rows, columns=[by, "category", "subcategory", "term", "gloss", "count", "n_tokens"]
    )
    out["per_1000"] = _rate(out["count"], out["n_tokens"])
    return out


def _rate(count: pd.Series, n: pd.Series) -> np.ndarray:
    c = count.to_numpy(dtype=float)
    d = n.to_numpy(dtype=float)
    out = np.full_like(c, np.nan)
    np.divide(c * 1000.0, d, out=out, where=d > 0)
    return out


def discourse_features(
    units: pd.DataFrame,
    *,
    by: str = "doc_id",
    text_col: str = "text",
    tokens_col: str = "tokens",
    codebook: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """All genre features per group (document by default): counts and rates.

    Parameters
    ----------
    units : DataFrame
        Paragraphs (or documents) with ``text``, ``tokens`` and *by*.
    by : str, default "doc_id"
    codebook : DataFrame
        Required: directive terms, phase terms and formula suffixes (see the
        module docstring and :func:`validate_codebook`).

    Returns
    -------
    DataFrame
        ``<by>, category, feature, count, n_tokens, per_1000`` with rows, for
        each group, in this order: ``quote/quoted_phrase``;
        ``formula/numbered_formula`` (all families) then one row per family
        (``formula_n_ge``, ``formula_repeat``, ``formula_yi_yi``,
        ``formula_suffix``); ``enumeration/enum_item`` and ``enum_series``;
        ``directive/<subcategory>`` for each directive subcategory and
        ``directive/directive_total``; ``phase/<phase>`` for each phase
        (codebook order).

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["a", "a"],
    ...     "text": ["一是要落实“四早”。", "二是必须坚持动态清零。"],
    ...     "tokens": [["一", "是", "要", "落实", "“", "四早", "”", "。"],
    ...                ["二", "是", "必须", "坚持", "动态", "清零", "。"]]})
    >>> cb = codebook_from_terms([("要", "must", "obligation"), ("必须", "must", "obligation")],
    ...                          [("动态清零", "dynamic zero", "dynamic_zero")], ["早"])
    >>> f = discourse_features(units, codebook=cb).set_index("feature")
    >>> f.loc[["quoted_phrase", "enum_series", "obligation", "dynamic_zero"], "count"].tolist()
    [1, 1, 2, 1]
    """
    _, _, categories, phases, suffixes = _lexicons(codebook)
    patterns = formula_patterns(suffixes)
    terms = feature_terms(units, by=by, text_col=text_col, tokens_col=tokens_col,
                          codebook=codebook)
    rows = []
    for key, (text, toks) in _grouped(units, by, text_col, tokens_col).items():
        n_tokens = sum(1 for t in toks if is_word(t))
        spans = _formula_spans(text, patterns)
        markers = _enum_markers(text)
        rows.append((key, "quote", "quoted_phrase", len(QUOTE_RE.findall(text)), n_tokens))
        rows.append((key, "formula", "numbered_formula", len(spans), n_tokens))
        for name in FORMULA_FAMILIES:
            rows.append((key, "formula", f"formula_{name}",
                         sum(1 for s in spans if s[2] == name), n_tokens))
        rows.append((key, "enumeration", "enum_item", len(markers), n_tokens))
        rows.append((key, "enumeration", "enum_series", _count_series(markers), n_tokens))
        t = terms[terms[by] == key]
        d = t[t.category == "directive"].groupby("subcategory")["count"].sum()
        for cat in categories:
            rows.append((key, "directive", cat, int(d.get(cat, 0)), n_tokens))
        rows.append((key, "directive", "directive_total", int(d.sum()), n_tokens))
        p = t[t.category == "phase"].groupby("subcategory")["count"].sum()
        for ph in phases:
            rows.append((key, "phase", ph, int(p.get(ph, 0)), n_tokens))
    out = pd.DataFrame(rows, columns=[by, "category", "feature", "count", "n_tokens"])
    out["per_1000"] = _rate(out["count"], out["n_tokens"])
    return out


def feature_matches(
    units: pd.DataFrame, *, text_col: str = "text", id_col: str | None = None,
    formula_suffixes: Iterable[str] = (),
) -> pd.DataFrame:
    """Every quote, formula and enumeration marker, unit by unit.

    Returns
    -------
    DataFrame
        ``doc_id, unit_id, category, feature, match, start`` in table order
        (``start``: character offset in the unit's text).
    """
    if id_col is None:
        id_col = next((c for c in ("sent_id", "para_id", "doc_id") if c in units.columns), None)
    if id_col is None or "doc_id" not in units.columns or text_col not in units.columns:
        raise KeyError(f"units table needs doc_id, an id column and {text_col!r}")
    parts = []
    for d, u, text in zip(units["doc_id"].astype(str), units[id_col].astype(str),
                          units[text_col].astype("string").fillna("")):
        m = extract_matches(str(text), formula_suffixes=formula_suffixes)
        if len(m):
            m.insert(0, "unit_id", u)
            m.insert(0, "doc_id", d)
            parts.append(m)
    cols = ["doc_id", "unit_id", "category", "feature", "match", "start"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def count_characters(text: str) -> int:
    """Letters, digits and CJK characters of *text*, placeholders excluded.

    Examples
    --------
    >>> count_characters("居家隔离，〔XX〕 7天")
    6
    """
    return sum(1 for ch in PLACEHOLDER_RE.sub(" ", text) if ch.isalnum())


def substring_counts(
    units: pd.DataFrame,
    terms: Sequence[str],
    *,
    by: str = "doc_id",
    text_col: str = "text",
) -> pd.DataFrame:
    """Non-overlapping substring occurrences of each term per group, per 1,000 characters.

    A count that does not depend on the segmenter: 隔离 is counted inside
    居家隔离 and 隔离点 (``str.count``: non-overlapping, left to right).
    The units of a group are joined with newlines, so a term never spans
    two units.

    Parameters
    ----------
    units : DataFrame
        Units with the clean text and the *by* column.
    terms : sequence of str
    by : str, default "doc_id"
    text_col : str, default "text"

    Returns
    -------
    DataFrame
        ``<by>, term, count, n_chars, per_1000_chars``: one row per group and
        term (zeros included), groups sorted, terms in the order given;
        ``n_chars`` counts letters, digits and CJK characters
        (:func:`count_characters`).

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["a", "a", "b"],
    ...     "text": ["实行居家隔离", "隔离点", "集中隔离"]})
    >>> substring_counts(units, ["隔离"]).values.tolist()
    [['a', '隔离', 2, 9, 222.22222222222223], ['b', '隔离', 1, 4, 250.0]]
    """
    terms = list(terms)
    bad = [t for t in terms if not isinstance(t, str) or not t]
    if bad:
        raise ValueError(f"terms must be non-empty strings, got {bad[:5]}")
    keyed = units.assign(**{by: units[by].astype("string")}) if by in units.columns else units
    keys, texts = group_texts(keyed, by, text_col=text_col)
    rows = []
    for k, text in zip(keys, texts):
        n = count_characters(text)
        for t in terms:
            rows.append((k, t, text.count(t), n))
    out = pd.DataFrame(rows, columns=[by, "term", "count", "n_chars"])
    out["count"] = out["count"].astype(np.int64)
    out["n_chars"] = out["n_chars"].astype(np.int64)
    out["per_1000_chars"] = _rate(out["count"], out["n_chars"])
    return out


__all__ = [
    "CODEBOOK_COLUMNS",
    "QUOTE_RE",
    "FORMULA_PATTERNS",
    "FORMULA_FAMILIES",
    "formula_patterns",
    "codebook_from_terms",
    "validate_codebook",
    "count_characters",
    "substring_counts",
    "ENUM_RE",
    "extract_matches",
    "feature_terms",
    "discourse_features",
    "feature_matches",
]
