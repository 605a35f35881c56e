"""Group units by one or more columns and pool their tokens, texts or counts.

Every comparison in the analysis layer starts the same way: the units
(paragraphs, sentences, documents) of one group are pooled into one bag of
words. This module is the one place that does it, so every module pools in
the same order, drops the same tokens and fails on the same bad input:

* :func:`group_indices`: the row positions of each group, groups in sorted
  key order (missing keys are an error, named with the column).
* :func:`group_tokens`: the concatenated token lists of each group.
* :func:`group_texts`: the texts of each group joined by a separator.
* :func:`group_counts`: a sparse group × term count matrix and its vocabulary
  (``scipy.sparse.csr_array``), words as :func:`discourse.analysis.vocab.is_word`
  defines them, minus optional stop words.

With ``by`` a list of columns, keys are tuples (as in :meth:`pandas.DataFrame.groupby`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from discourse.analysis.vocab import TokenFilter, token_lists


def _by_list(units: pd.DataFrame, by: str | Sequence[str], *, dropna: bool = True) -> list[str]:
    cols = [by] if isinstance(by, str) else list(by)
    if not cols:
        raise ValueError("by must name at least one column")
    missing = [c for c in cols if c not in units.columns]
    if missing:
        raise KeyError(f"units table has no column(s) {missing} (columns: {list(units.columns)})")
    for c in cols if dropna else ():
        if units[c].isna().any():
            rows = np.flatnonzero(units[c].isna().to_numpy())[:5].tolist()
            raise ValueError(f"column {c!r} has missing values (row positions {rows})")
    return cols


def group_indices(
    units: pd.DataFrame, by: str | Sequence[str], *, dropna: bool = True
) -> tuple[list, list[np.ndarray]]:
    """Row positions of the units of each group, groups in sorted key order.

    Parameters
    ----------
    units : DataFrame
    by : str or list of str
        Group column(s). Keys are scalars for one column, tuples for several.
    dropna : bool, default True
        True: a missing key is an error naming the column and rows. False:
        missing keys form their own group (sorted last), as for a
        descriptive table of every unit.

    Returns
    -------
    (keys, positions)
        Sorted group keys and, for each, the integer row positions (in table
        order).

    Examples
    --------
    >>> import pandas as pd
    >>> keys, pos = group_indices(pd.DataFrame({"g": ["b", "a", "b"]}), "g")
    >>> keys, [p.tolist() for p in pos]
    (['a', 'b'], [[1], [0, 2]])
    """
    cols = _by_list(units, by, dropna=dropna)
    frame = units[cols].reset_index(drop=True)
    grouped = frame.groupby(cols[0] if len(cols) == 1 else cols, sort=True, observed=True, dropna=dropna).indices
    keys = list(grouped.keys())
    return keys, [np.asarray(grouped[k], dtype=np.int64) for k in keys]


def group_tokens(
    units: pd.DataFrame, by: str | Sequence[str], *, tokens_col: str = "tokens"
) -> tuple[list, list[list[str]]]:
    """Concatenated token lists of the units of each group.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"g": ["b", "a", "b"], "tokens": [["x"], ["y"], ["z", "x"]]})
    >>> group_tokens(units, "g")
    (['a', 'b'], [['y'], ['x', 'z', 'x']])
    """
    keys, pos = group_indices(units, by)
    toks = token_lists(units, tokens_col)
    return keys, [[t for i in p for t in toks[i]] for p in pos]


def group_texts(
    units: pd.DataFrame, by: str | Sequence[str], *, text_col: str = "text", sep: str = "\n"
) -> tuple[list, list[str]]:
    """Texts of the units of each group joined with *sep* (missing text = "").

    Examples
    --------
    >>> import pandas as pd
    >>> group_texts(pd.DataFrame({"g": ["a", "a"], "text": ["一", "二"]}), "g")
    (['a'], ['一\\n二'])
    """
    if text_col not in units.columns:
        raise KeyError(f"units table has no column {text_col!r} (columns: {list(units.columns)})")
    keys, pos = group_indices(units, by)
    texts = units[text_col].astype("string").fillna("").to_numpy()
    return keys, [sep.join(str(texts[i]) for i in p) for p in pos]


def unit_counts(
    units: pd.DataFrame | Sequence[Sequence[str]],
    *,
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
    vocabulary: Sequence[str] | None = None,
) -> tuple[sp.csr_array, np.ndarray]:
    """Sparse unit × term counts of the words of each unit (one row per unit).

    Parameters
    ----------
    units : DataFrame or sequence of token lists
    tokens_col, stop_words
        Token column and tokens to drop besides placeholders and punctuation.
    vocabulary : sequence of str, optional
        Fixed columns (terms outside it are dropped); default the sorted
        vocabulary of the units.

    Returns
    -------
    (X, terms)
        ``csr_array`` of int64 counts and the column terms.

    Examples
    --------
    >>> X, terms = unit_counts([["防控", "疫情", "防控", "，"], ["疫情"]])
    >>> terms.tolist(), X.toarray().tolist()
    (['疫情', '防控'], [[1, 2], [1, 0]])
    """
    toks = token_lists(units, tokens_col)
    flt = TokenFilter(stop_words)
    words = [flt(t) for t in toks]
    if vocabulary is None:
        terms = np.array(sorted({w for ws in words for w in ws}), dtype=object)
    else:
        terms = np.asarray(list(vocabulary), dtype=object)
    index = {t: j for j, t in enumerate(terms)}
    rows, cols = [], []
    for i, ws in enumerate(words):
        for w in ws:
            j = index.get(w)
            if j is not None:
                rows.append(i)
                cols.append(j)
    data = np.ones(len(rows), dtype=np.int64)
    X = sp.csr_array((data, (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
                     shape=(len(words), len(terms)))
    X.sum_duplicates()
    return X, terms


def group_counts(
    units: pd.DataFrame,
    by: str | Sequence[str],
    *,
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
    vocabulary: Sequence[str] | None = None,
) -> tuple[sp.csr_array, list, np.ndarray]:
    """Sparse group × term counts: the units of each group pooled.

    Returns
    -------
    (X, keys, terms)
        ``csr_array`` of int64 counts (rows in sorted key order), the group
        keys and the column terms.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"g": ["b", "a", "b"],
    ...                       "tokens": [["防控"], ["疫情"], ["防控", "疫情"]]})
    >>> X, keys, terms = group_counts(units, "g")
    >>> keys, terms.tolist(), X.toarray().tolist()
    (['a', 'b'], ['疫情', '防控'], [[1, 0], [1, 2]])
    """
    keys, pos = group_indices(units, by)
    U, terms = unit_counts(units, tokens_col=tokens_col, stop_words=stop_words,
                           vocabulary=vocabulary)
    codes = np.empty(len(units), dtype=np.int64)
    for g, p in enumerate(pos):
        codes[p] = g
    G = sp.csr_array((np.ones(len(units), dtype=np.int64), (codes, np.arange(len(units)))),
                     shape=(len(keys), len(units)))
    return sp.csr_array(G @ U), keys, terms


__all__ = ["group_indices", "group_tokens", "group_texts", "unit_counts", "group_counts"]
