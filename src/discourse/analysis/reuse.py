"""Reuse of reference formulations: shared character n-grams and shared spans.

Local texts repeat the centre's formulations (提法) more or less verbatim.
This module measures that without a tokenizer, on characters:

* :func:`char_ngrams` — character n-grams inside runs of CJK ideographs and
  letters/digits; punctuation, whitespace and placeholders (``〔XX〕``) break
  runs, so no n-gram spans a clause boundary.
* :func:`reuse_share` — for each local text, the share of its n-gram
  *occurrences* that occur anywhere in the reference texts of the same group
  (e.g. the national report of the same year), with the counts.
* :func:`chance_baseline` — the same share against the references of every
  *other* group (other years): the overlap expected from the genre's stock
  phrases alone, to subtract from or set beside :func:`reuse_share`.
* :func:`shared_spans` — the reused passages themselves: maximal shared
  character spans between a local text and one reference text, in a tidy
  table with offsets on both sides.

Why ``n = 4`` by default: a four-character expression (成语, slogans such as
动态清零 or 科学精准) is one unit of meaning in this register, so a shared
4-gram is the smallest match that repeats a formulation rather than a word;
2- and 3-grams are mostly ordinary words, shared by any two texts of the
genre. Measured on the 54 provincial government work reports of 2021 and
2022 against the national reports of 2016–2024
(``python benchmarks/bench_scaling.py --reuse``), the mean share of a
provincial report's character n-grams found in the national report of the
*same* year, against the mean over the *other* years, is 57.2% vs 54.8%
for n=2 (ratio 1.04), 28.9% vs 24.6% for n=3 (1.17), 19.5% vs 14.9% for
n=4 (1.31), 12.6% vs 8.2% for n=5 (1.54) and 10.4% vs 6.2% for n=6 (1.68).
Bigrams and trigrams are mostly shared vocabulary (same-year and other-year
overlap nearly equal); from n=4 the same-year excess is clear. Longer n
raises the ratio further but counts only longer verbatim stretches, so a
four-character slogan inside reworded context is missed; n=4 is the
shortest length that treats a slogan as one unit. Report both the share and the baseline.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from discourse.placeholders import PLACEHOLDER_RE

__all__ = [
    "RUN_RE",
    "char_ngrams",
    "reuse_share",
    "chance_baseline",
    "SpanIndex",
    "shared_spans",
]

#: A run of characters that n-grams may span: CJK ideographs (URO, ext. A,
#: compatibility, ext. B–F), ASCII and full-width letters and digits.
RUN_RE = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
    "0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+"
)


def _runs(text: str) -> list[str]:
    return RUN_RE.findall(PLACEHOLDER_RE.sub(" ", text))


def char_ngrams(text: str, n: int = 4) -> list[str]:
    """Character n-grams of ``text`` inside CJK/alphanumeric runs, in order.

    Punctuation, whitespace and placeholders break runs; runs shorter than
    ``n`` contribute nothing.

    Examples
    --------
    >>> char_ngrams("坚持动态清零，不动摇", 4)
    ['坚持动态', '持动态清', '动态清零']
    >>> char_ngrams("〔XX〕市委", 2)
    ['市委']
    """
    if int(n) < 1:
        raise ValueError(f"n must be >= 1; got {n!r}")
    n = int(n)
    out: list[str] = []
    for run in _runs(text):
        out.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return out


def _id_col(df: pd.DataFrame, id_col: str | None) -> str:
    if id_col is not None:
        if id_col not in df.columns:
            raise ValueError(f"id column {id_col!r} is not in the table")
        return id_col
    for c in ("sent_id", "para_id", "doc_id"):
        if c in df.columns:
            return c
    raise ValueError("no id column: pass id_col= or give a doc_id/para_id/sent_id column")


def _check(df: pd.DataFrame, name: str, text_col: str, by: list[str]) -> None:
    missing = [c for c in [text_col, *by] if c not in df.columns]
    if missing:
        raise ValueError(f"{name} table has no column(s) {missing}")
    bad = df[text_col].map(lambda t: not isinstance(t, str))
    if bad.any():
        raise ValueError(f"{name}.{text_col} is not text in row {df.index[bad.to_numpy()][0]!r}")


def _as_list(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _reference_sets(reference: pd.DataFrame, by: list[str], text_col: str, n: int) -> dict:
    sets: dict[tuple, set[str]] = {}
    keys = (
        [()] * len(reference)
        if not by
        else list(reference[by].itertuples(index=False, name=None))
    )
    for key, text in zip(keys, reference[text_col]):
        sets.setdefault(key, set()).update(char_ngrams(text, n))
    return sets


def reuse_share(
    local: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    n: int = 4,
    by: str | Sequence[str] | None = None,
    text_col: str = "text",
    id_col: str | None = None,
) -> pd.DataFrame:
    """Share of each local text's n-grams that occur in the same group's references.

    Occurrences are counted (a local 4-gram used three times counts three
    times); a reference n-gram counts once it occurs anywhere in the
    reference texts of the group.

    Parameters
    ----------
    local, reference : DataFrame
        Units with a text column (and the ``by`` columns in both).
    n : int, default 4
        n-gram length in characters (see the module docstring for why 4).
    by : str or list of str, optional
        Group columns matched between local and reference rows (e.g.
        ``"year"``). Without it, every local text is compared with all
        references.
    text_col, id_col : str
        Text column; id column of ``local`` (default: the first of
        ``sent_id``, ``para_id``, ``doc_id``).

    Returns
    -------
    DataFrame with the id, the ``by`` columns, ``n_ngrams``, ``n_shared``,
    ``share`` (NaN for a text with no n-gram) and ``has_reference`` (False
    when the group has no reference text: its share is then 0 by
    construction and should not be read as no reuse).

    Examples
    --------
    >>> loc = pd.DataFrame({"doc_id": ["a"], "year": [2022], "text": ["坚持动态清零不动摇"]})
    >>> ref = pd.DataFrame({"year": [2022], "text": ["坚持动态清零总方针"]})
    >>> reuse_share(loc, ref, by="year")[["doc_id", "n_ngrams", "n_shared", "share"]]
      doc_id  n_ngrams  n_shared  share
    0      a         6         3    0.5
    """
    by_ = _as_list(by)
    _check(local, "local", text_col, by_)
    _check(reference, "reference", text_col, by_)
    idc = _id_col(local, id_col)
    sets = _reference_sets(reference, by_, text_col, n)
    keys = [()] * len(local) if not by_ else list(local[by_].itertuples(index=False, name=None))
    rows = []
    for key, text in zip(keys, local[text_col]):
        ref = sets.get(key)
        grams = char_ngrams(text, n)
        shared = sum(1 for g in grams if ref is not None and g in ref)
        rows.append((len(grams), shared, ref is not None))
    out = local[[idc, *by_]].reset_index(drop=True).copy()
    arr = np.array([r[:2] for r in rows], dtype=np.int64).reshape(-1, 2)
    out["n_ngrams"] = arr[:, 0]
    out["n_shared"] = arr[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = np.where(arr[:, 0] > 0, arr[:, 1] / np.maximum(arr[:, 0], 1), np.nan)
    out["has_reference"] = [r[2] for r in rows]
    return out


def chance_baseline(
    local: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    by: str | Sequence[str],
    n: int = 4,
    text_col: str = "text",
    id_col: str | None = None,
    aggregate: bool = True,
) -> pd.DataFrame:
    """Overlap of each local text with the references of the *other* groups.

    The share of a local text's n-grams found in the references of a group
    it does not belong to (another year's national report) measures what the
    genre shares anyway; it is the baseline for :func:`reuse_share`.

    Parameters
    ----------
    by : str or list of str
        Group columns (required: "other" needs groups).
    aggregate : bool, default True
        True: one row per local text with the mean share over the other
        groups (``share``), its range (``share_min``, ``share_max``), the
        mean shared count (``n_shared_mean``) and ``n_reference_groups``.
        False: one row per (local text, other reference group), the
        reference group's values in ``ref_<col>`` columns.

    Examples
    --------
    >>> loc = pd.DataFrame({"doc_id": ["a"], "year": [2022], "text": ["坚持动态清零不动摇"]})
    >>> ref = pd.DataFrame({"year": [2021, 2022, 2023],
    ...                     "text": ["动态清零", "坚持动态清零总方针", "不动摇地推进"]})
    >>> chance_baseline(loc, ref, by="year")[["doc_id", "share", "n_reference_groups"]]
      doc_id     share  n_reference_groups
    0      a  0.083333                   2

    (1 of 6 four-grams, 动态清零, is in the 2021 text; none in the 2023 one.)
    """
    by_ = _as_list(by)
    if not by_:
        raise ValueError("chance_baseline needs group columns in by=")
    _check(local, "local", text_col, by_)
    _check(reference, "reference", text_col, by_)
    idc = _id_col(local, id_col)
    sets = _reference_sets(reference, by_, text_col, n)
    groups = sorted(sets, key=lambda k: tuple(str(v) for v in k))
    keys = list(local[by_].itertuples(index=False, name=None))
    long = []
    for (idv, key, text) in zip(local[idc], keys, local[text_col]):
        grams = Counter(char_ngrams(text, n))
        total = sum(grams.values())
        for g in groups:
            if g == key:
                continue
            ref = sets[g]
            shared = sum(c for w, c in grams.items() if w in ref)
            long.append((idv, *key, *g, total, shared))
    ref_cols = [f"ref_{c}" for c in by_]
    cols = [idc, *by_, *ref_cols, "n_ngrams", "n_shared"]
    df = pd.DataFrame(long, columns=cols)
    for c in by_:
        df[c] = df[c].astype(local[c].dtype, errors="ignore")
    with np.errstate(invalid="ignore", divide="ignore"):
        df["share"] = np.where(df["n_ngrams"] > 0, df["n_shared"] / df["n_ngrams"].clip(lower=1), np.nan)
    if not aggregate:
        return df
    order = local[[idc, *by_]].reset_index(drop=True)
    agg = (
        df.groupby(idc, sort=False)
        .agg(
            n_ngrams=("n_ngrams", "first"),
            n_shared_mean=("n_shared", "mean"),
            share=("share", "mean"),
            share_min=("share", "min"),
            share_max=("share", "max"),
            n_reference_groups=("share", "size"),
        )
        .reset_index()
    )
    out = order.merge(agg, on=idc, how="left")
    out["n_reference_groups"] = out["n_reference_groups"].fillna(0).astype(np.int64)
    return out


class SpanIndex:
    """Index of a reference text's ``min_len``-character substrings.

    Build it once for a long reference text and pass it to
    :func:`shared_spans` for many local passages.

    Examples
    --------
    >>> idx = SpanIndex("统筹疫情防控和经济社会发展", min_len=4)
    >>> idx.text[:4], idx.min_len
    ('统筹疫情', 4)
    """

    def __init__(self, text: str, min_len: int = 8) -> None:
        if int(min_len) < 1:
            raise ValueError(f"min_len must be >= 1; got {min_len!r}")
        self.text = text
        self.min_len = int(min_len)
        index: dict[str, list[int]] = {}
        k = self.min_len
        for j in range(len(text) - k + 1):
            index.setdefault(text[j : j + k], []).append(j)
        self._index = index

    def find(self, a: str) -> list[tuple[int, int, int, int]]:
        """Greedy left-to-right maximal shared spans of ``a`` with the text."""
        b, k, index = self.text, self.min_len, self._index
        spans = []
        i, na, nb = 0, len(a), len(b)
        while i <= na - k:
            hits = index.get(a[i : i + k])
            if not hits:
                i += 1
                continue
            best_len, best_j = 0, -1
            for j in hits:
                L = k
                while i + L < na and j + L < nb and a[i + L] == b[j + L]:
                    L += 1
                if L > best_len:
                    best_len, best_j = L, j
            spans.append((i, i + best_len, best_j, best_j + best_len))
            i += best_len
        return spans


def shared_spans(a: str, b: str | SpanIndex, min_len: int = 8) -> pd.DataFrame:
    """Maximal shared character spans of a local text ``a`` and a reference ``b``.

    Scanning ``a`` from the left, at each position the longest substring of
    at least ``min_len`` characters that also occurs in ``b`` is taken (its
    first occurrence in ``b`` when several are equally long), and scanning
    resumes after it. Spans are non-overlapping in ``a``; in ``b`` they may
    come in any order (reuse need not keep the reference's order). Seeds are
    found through a hash index of ``b``'s ``min_len``-grams, so the cost is
    about linear in ``len(a)``; build a :class:`SpanIndex` once to scan many
    passages against one long reference (its own ``min_len`` is used; a
    different explicit ``min_len`` is an error).

    Returns
    -------
    DataFrame with ``start_a``, ``end_a``, ``start_b``, ``end_b`` (Python
    slice offsets), ``length`` and ``text``.

    Examples
    --------
    >>> shared_spans("我市坚持外防输入、内防反弹不放松", "坚持外防输入、内防反弹总策略", min_len=6)
       start_a  end_a  start_b  end_b  length         text
    0        2     13        0     11      11  坚持外防输入、内防反弹
    """
    idx = b if isinstance(b, SpanIndex) else SpanIndex(b, min_len)
    if isinstance(b, SpanIndex) and b.min_len != int(min_len) and min_len != 8:
        raise ValueError(f"the SpanIndex was built with min_len={b.min_len}, not {min_len}")
    spans = idx.find(a)
    df = pd.DataFrame(spans, columns=["start_a", "end_a", "start_b", "end_b"], dtype=np.int64)
    df["length"] = (df["end_a"] - df["start_a"]).astype(np.int64)
    df["text"] = pd.array([a[s:e] for s, e in zip(df["start_a"], df["end_a"])], dtype="string")
    return df
