"""Key word in context (KWIC) concordances, on token lists or on clean text.

Both functions return a DataFrame with one row per hit, in a stable order
(the order of the units table, then position in the unit). No HTML here:
a notebook displays the DataFrame and pandas escapes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from discourse.analysis.vocab import token_lists

_COLUMNS_TOKENS = ["doc_id", "unit_id", "position", "left", "keyword", "right"]
_COLUMNS_TEXT = ["doc_id", "unit_id", "start", "end", "left", "keyword", "right"]


def _unit_ids(units: pd.DataFrame, id_col: str | None) -> tuple[list[str], list[str]]:
    if id_col is None:
        id_col = next((c for c in ("sent_id", "para_id", "doc_id") if c in units.columns), None)
    if id_col is None or id_col not in units.columns:
        raise KeyError("units table needs an id column (sent_id, para_id or doc_id)")
    if "doc_id" not in units.columns:
        raise KeyError("units table has no 'doc_id' column")
    return units["doc_id"].astype(str).tolist(), units[id_col].astype(str).tolist()


def kwic_tokens(
    units: pd.DataFrame,
    keyword: str | Sequence[str],
    *,
    window: int = 5,
    tokens_col: str = "tokens",
    id_col: str | None = None,
    joiner: str = " ",
) -> pd.DataFrame:
    """Concordance of a token (or a sequence of tokens) in token lists.

    Parameters
    ----------
    units : DataFrame
        Units with ``doc_id``, an id column and a ``tokens`` column.
    keyword : str or sequence of str
        One token, or a phrase given as consecutive tokens
        (e.g. ``["动态", "清零"]``). Matching is exact.
    window : int, default 5
        Tokens shown on each side.
    id_col : str, optional
        Default: first of ``sent_id``, ``para_id``, ``doc_id``.
    joiner : str, default " "
        Joins the context tokens (a space keeps token boundaries visible).

    Returns
    -------
    DataFrame
        ``doc_id, unit_id, position, left, keyword, right`` (``position``:
        0-based token index of the hit).

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["a"], "para_id": ["a:p001"],
    ...     "tokens": [["坚持", "动态", "清零", "总", "方针"]]})
    >>> kwic_tokens(units, ["动态", "清零"], window=1).values.tolist()
    [['a', 'a:p001', 1, '坚持', '动态 清零', '总']]
    """
    phrase = [keyword] if isinstance(keyword, str) else list(keyword)
    if not phrase:
        raise ValueError("keyword is empty")
    docs, ids = _unit_ids(units, id_col)
    k = len(phrase)
    rows = []
    for d, u, toks in zip(docs, ids, token_lists(units, tokens_col)):
        toks = list(toks)
        for i in range(len(toks) - k + 1):
            if toks[i] == phrase[0] and toks[i : i + k] == phrase:
                rows.append(
                    (d, u, i, joiner.join(toks[max(0, i - window) : i]),
                     joiner.join(phrase), joiner.join(toks[i + k : i + k + window]))
                )
    return pd.DataFrame(rows, columns=_COLUMNS_TOKENS)


def kwic_text(
    units: pd.DataFrame,
    pattern: str,
    *,
    window: int = 20,
    regex: bool = False,
    text_col: str = "text",
    id_col: str | None = None,
) -> pd.DataFrame:
    """Concordance of a string (or regular expression) in clean text.

    Parameters
    ----------
    units : DataFrame
        Units with ``doc_id``, an id column and a text column.
    pattern : str
        Literal string, or a regular expression when ``regex=True``.
        Matches do not overlap.
    window : int, default 20
        Characters shown on each side (newlines are kept as they are).

    Returns
    -------
    DataFrame
        ``doc_id, unit_id, start, end, left, keyword, right`` (character
        offsets within the unit's text).

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["a"], "para_id": ["a:p001"],
    ...     "text": ["坚持动态清零总方针不动摇"]})
    >>> kwic_text(units, "动态清零", window=2).values.tolist()
    [['a', 'a:p001', 2, 6, '坚持', '动态清零', '总方']]
    """
    if not pattern:
        raise ValueError("pattern is empty")
    if text_col not in units.columns:
        raise KeyError(f"units table has no {text_col!r} column")
    rx = re.compile(pattern if regex else re.escape(pattern))
    docs, ids = _unit_ids(units, id_col)
    rows = []
    for d, u, text in zip(docs, ids, units[text_col].astype(str)):
        for m in rx.finditer(text):
            s, e = m.span()
            if s == e:
                continue
            rows.append((d, u, s, e, text[max(0, s - window) : s], m.group(0), text[e : e + window]))
    return pd.DataFrame(rows, columns=_COLUMNS_TEXT)


__all__ = ["kwic_tokens", "kwic_text"]
