"""Genre features of Chinese official COVID-19 texts, per document and per 1,000 tokens.

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
    一人一档, 一单位一策); numeral + a listed suffix (四早, 四方责任, 四集中,
    五包一, 三区, 两码; :data:`discourse.study.codebook.FORMULA_SUFFIXES`).
``enumeration``
    Enumerated directives: clause-initial markers 一是/二是…, 一要/二要…,
    首先/其次/再次/最后, 第一/第二… (``enum_item`` counts the markers;
    ``enum_series`` counts the series, i.e. a first marker followed by the
    second marker of the same kind before the next first marker).
``directive`` and ``phase``
    Token counts of the directive / modal-intensity lexicon and text counts
    of the policy-phase lexicon (:mod:`discourse.study.codebook`), per
    category / phase.

Counts are absolute; rates are per 1,000 word tokens of the document
(placeholders and punctuation excluded; :func:`discourse.analysis.vocab.is_word`).
Every table carries the count and the token total beside the rate.
"""

from __future__ import annotations

import re
import numpy as np
import pandas as pd

from discourse.study.codebook import (
    DIRECTIVE_CATEGORIES,
    DIRECTIVE_TERMS,
    FORMULA_SUFFIXES,
    PHASE_TERMS,
    PHASES,
)
from discourse.analysis.vocab import is_word, token_lists

_HAN = r"\u4e00-\u9fff"
_NUM = "两二三四五六七八九十"
_BOUNDARY = r"(?:^|(?<=[\s，,。；;：:！!？?、“”「」（(）)]))"

QUOTE_RE = re.compile(r"[“「]([^“”「」\n]{1,25})[”」]")

#: name -> compiled pattern of each numbered-formula family.
FORMULA_PATTERNS: dict[str, re.Pattern] = {
    "n_ge": re.compile(rf"[{_NUM}]个(?![月小星多人周年天日批次名户家点])[{_HAN}]{{2}}"),
    "repeat": re.compile(rf"([{_NUM}])[{_HAN}]\1[{_HAN}]"),
    "yi_yi": re.compile(rf"一[{_HAN}]{{1,3}}?一[策档案表册码专卡]"),
    "suffix": re.compile(
        rf"(?<![{_NUM}一百千万第])[{_NUM}](?:{'|'.join(map(re.escape, FORMULA_SUFFIXES))})"
    ),
}

ENUM_RE = re.compile(
    _BOUNDARY
    + r"(?:(?P<ord>[一二三四五六七八九十])(?P<kind>是|要)(?=[" + _HAN + r"，,])"
    + r"|(?P<seq>首先|其次|再次|最后)(?=[，,、" + _HAN + r"])"
    + r"|第(?P<nth>[一二三四五六七八九十])(?=[，,、：:是要]))"
)

_ORD = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
_SEQ = {"首先": 1, "其次": 2, "再次": 3, "最后": 9}


def _formula_spans(text: str) -> list[tuple[int, int, str, str]]:
    """Non-overlapping formula matches (earlier start wins, then longer)."""
    hits = []
    for name, rx in FORMULA_PATTERNS.items():
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


def extract_matches(text: str) -> pd.DataFrame:
    """Every quote, formula and enumeration marker in *text*.

    Returns
    -------
    DataFrame
        ``category, feature, match, start`` in text order.

    Examples
    --------
    >>> extract_matches("要落实“四早”，一是压实四方责任；二是坚持一校一策。")[
    ...     ["feature", "match"]].values.tolist()
    [['quoted_phrase', '四早'], ['formula_suffix', '四早'], ['enum_item', '一是'], \
['formula_suffix', '四方责任'], ['enum_item', '二是'], ['formula_yi_yi', '一校一策']]
    """
    rows = []
    for m in QUOTE_RE.finditer(text):
        rows.append(("quote", "quoted_phrase", m.group(1), m.start()))
    for start, _, name, s in _formula_spans(text):
        rows.append(("formula", f"formula_{name}", s, start))
    for start, _, _, s in _enum_markers(text):
        rows.append(("enumeration", "enum_item", s, start))
    df = pd.DataFrame(rows, columns=["category", "feature", "match", "start"])
    return df.sort_values(["start", "category"], kind="stable").reset_index(drop=True)


def _grouped(units: pd.DataFrame, by: str, text_col: str, tokens_col: str):
    for col in (by, text_col, tokens_col):
        if col not in units.columns:
            raise KeyError(f"units table has no column {col!r} (columns: {list(units.columns)})")
    toks = token_lists(units, tokens_col)
    keys = units[by].astype("string").to_numpy()
    texts = units[text_col].astype("string").fillna("").to_numpy()
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for k, t, tk in zip(keys, texts, toks):
        g = groups.setdefault(str(k), ([], []))
        g[0].append(str(t))
        g[1].extend(tk)
    return {k: ("\n".join(v[0]), v[1]) for k, v in sorted(groups.items())}


def feature_terms(
    units: pd.DataFrame,
    *,
    by: str = "doc_id",
    text_col: str = "text",
    tokens_col: str = "tokens",
) -> pd.DataFrame:
    """Counts of each directive and phase term per group, with rates.

    Parameters
    ----------
    units : DataFrame
        Units (or documents) with text, tokens and the *by* column. Units of
        a group are joined (texts with newlines, tokens concatenated).
    by : str, default "doc_id"

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
    >>> t = feature_terms(units)
    >>> t[t["count"] > 0][["term", "count", "per_1000"]].values.tolist()
    [['必须', 1, 250.0], ['坚持', 1, 250.0], ['动态清零', 1, 250.0]]
    """
    rows = []
    for key, (text, toks) in _grouped(units, by, text_col, tokens_col).items():
        words = [t for t in toks if is_word(t)]
        n_tokens = len(words)
        counts: dict[str, int] = {}
        for w in words:
            counts[w] = counts.get(w, 0) + 1
        for term, gloss, cat in DIRECTIVE_TERMS:
            rows.append((key, "directive", cat, term, gloss, counts.get(term, 0), n_tokens))
        for term, gloss, phase in PHASE_TERMS:
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
) -> pd.DataFrame:
    """All genre features per group (document by default): counts and rates.

    Parameters
    ----------
    units : DataFrame
        Paragraphs (or documents) with ``text``, ``tokens`` and *by*.
    by : str, default "doc_id"

    Returns
    -------
    DataFrame
        ``<by>, category, feature, count, n_tokens, per_1000`` with rows, for
        each group, in this order: ``quote/quoted_phrase``;
        ``formula/numbered_formula`` (all families) then one row per family
        (``formula_n_ge``, ``formula_repeat``, ``formula_yi_yi``,
        ``formula_suffix``); ``enumeration/enum_item`` and ``enum_series``;
        ``directive/<category>`` for each directive category and
        ``directive/directive_total``; ``phase/<phase>`` for each phase.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["a", "a"],
    ...     "text": ["一是要落实“四早”。", "二是必须坚持动态清零。"],
    ...     "tokens": [["一", "是", "要", "落实", "“", "四早", "”", "。"],
    ...                ["二", "是", "必须", "坚持", "动态", "清零", "。"]]})
    >>> f = discourse_features(units).set_index("feature")
    >>> f.loc[["quoted_phrase", "enum_series", "obligation", "dynamic_zero"], "count"].tolist()
    [1, 1, 2, 1]
    """
    terms = feature_terms(units, by=by, text_col=text_col, tokens_col=tokens_col)
    rows = []
    for key, (text, toks) in _grouped(units, by, text_col, tokens_col).items():
        n_tokens = sum(1 for t in toks if is_word(t))
        spans = _formula_spans(text)
        markers = _enum_markers(text)
        rows.append((key, "quote", "quoted_phrase", len(QUOTE_RE.findall(text)), n_tokens))
        rows.append((key, "formula", "numbered_formula", len(spans), n_tokens))
        for name in FORMULA_PATTERNS:
            rows.append((key, "formula", f"formula_{name}",
                         sum(1 for s in spans if s[2] == name), n_tokens))
        rows.append((key, "enumeration", "enum_item", len(markers), n_tokens))
        rows.append((key, "enumeration", "enum_series", _count_series(markers), n_tokens))
        t = terms[terms[by] == key]
        d = t[t.category == "directive"].groupby("subcategory")["count"].sum()
        for cat in DIRECTIVE_CATEGORIES:
            rows.append((key, "directive", cat, int(d.get(cat, 0)), n_tokens))
        rows.append((key, "directive", "directive_total", int(d.sum()), n_tokens))
        p = t[t.category == "phase"].groupby("subcategory")["count"].sum()
        for ph in PHASES:
            rows.append((key, "phase", ph, int(p.get(ph, 0)), n_tokens))
    out = pd.DataFrame(rows, columns=[by, "category", "feature", "count", "n_tokens"])
    out["per_1000"] = _rate(out["count"], out["n_tokens"])
    return out


def feature_matches(
    units: pd.DataFrame, *, text_col: str = "text", id_col: str | None = None
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
        m = extract_matches(str(text))
        if len(m):
            m.insert(0, "unit_id", u)
            m.insert(0, "doc_id", d)
            parts.append(m)
    cols = ["doc_id", "unit_id", "category", "feature", "match", "start"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


__all__ = [
    "QUOTE_RE",
    "FORMULA_PATTERNS",
    "ENUM_RE",
    "extract_matches",
    "feature_terms",
    "discourse_features",
    "feature_matches",
]
