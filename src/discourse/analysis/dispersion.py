"""How evenly a term is spread over the parts (documents) of a corpus.

A term that occurs 13 times may occur in one document or in all of them; a
frequency without its dispersion hides the difference. For a term of total
frequency *f* over *n* parts of sizes ``s_i`` (as shares of the corpus,
``Σ s_i = 1``) with frequencies ``v_i`` in the parts:

* **range**: the number of parts that contain the term (``n_parts_with``)
  and its share of the parts (``share_parts_with``).
* **DP** (Gries 2008, "Dispersions and adjusted frequencies in corpora",
  *International Journal of Corpus Linguistics* 13(4): 403-437, p. 415):
  ``DP = ½ Σ_i |v_i / f - s_i|``: 0 when the term is spread exactly as the
  parts' sizes, approaching 1 when it is concentrated in one small part.
* **DP_norm** (Lijffijt & Gries 2012, "Correction to Stefan Th. Gries'
  'Dispersions and adjusted frequencies in corpora'", *IJCL* 17(1):
  147-149): ``DP / (1 - min_i s_i)``, so the maximum is 1 whatever the part
  sizes.

DP is NaN for a term that does not occur (``f = 0``). Computed on sparse
matrices without densifying: ``Σ_i |v_i/f - s_i| = 1 + Σ_{v_i>0} (|v_i/f - s_i| - s_i)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from discourse.analysis.grouping import group_counts


def gries_dp(counts, part_sizes=None) -> tuple[np.ndarray, np.ndarray]:
    """Gries' DP and DP_norm of every column of a part × term count matrix.

    Parameters
    ----------
    counts : array-like or sparse, shape (n_parts, n_terms)
        Frequency of each term (column) in each part (row).
    part_sizes : array-like of shape (n_parts,), optional
        Size of each part in tokens; default the row sums of *counts*
        (correct only when *counts* holds every token of the parts).

    Returns
    -------
    (dp, dp_norm)
        Arrays of shape (n_terms,); NaN for terms with zero frequency.

    Examples
    --------
    Gries' (2008) worked example: parts of 9, 10, 10, 10 and 11 words, the
    term occurring 1, 2, 3, 4 and 5 times.

    >>> dp, dpn = gries_dp([[1], [2], [3], [4], [5]], part_sizes=[9, 10, 10, 10, 11])
    >>> round(float(dp[0]), 2), round(float(dpn[0]), 4)
    (0.18, 0.2195)
    """
    X = sp.csc_array(counts, dtype=np.float64) if sp.issparse(counts) else sp.csc_array(
        np.atleast_2d(np.asarray(counts, dtype=np.float64)))
    n_parts, n_terms = X.shape
    if part_sizes is None:
        sizes = np.asarray(X.sum(axis=1)).ravel()
    else:
        sizes = np.asarray(part_sizes, dtype=np.float64).ravel()
        if sizes.shape[0] != n_parts:
            raise ValueError(f"{sizes.shape[0]} part sizes for {n_parts} parts")
    if (sizes < 0).any():
        raise ValueError("part sizes must be non-negative")
    total = sizes.sum()
    if total <= 0:
        raise ValueError("the parts are empty (total size 0)")
    s = sizes / total
    f = np.asarray(X.sum(axis=0)).ravel()
    # per non-zero entry: |v/f - s| - s ; column sums via the CSC structure
    cols = np.repeat(np.arange(n_terms), np.diff(X.indptr))
    rows = X.indices
    with np.errstate(divide="ignore", invalid="ignore"):
        contrib = np.abs(X.data / f[cols] - s[rows]) - s[rows]
    acc = np.zeros(n_terms)
    np.add.at(acc, cols, contrib)
    dp = 0.5 * (1.0 + acc)
    dp[f == 0] = np.nan
    dp = np.clip(dp, 0.0, 1.0, where=~np.isnan(dp), out=dp)
    smin = s.min() if n_parts else np.nan
    dp_norm = dp / (1.0 - smin) if smin < 1 else np.full_like(dp, np.nan)
    return dp, dp_norm


def dispersion_table(
    units: pd.DataFrame,
    *,
    part: str = "doc_id",
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
    terms: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Frequency, range and DP of every term over the parts of a corpus.

    Parameters
    ----------
    units : DataFrame
        Units with a token column and the *part* column (units of one part
        are pooled: paragraphs of a document).
    part : str, default "doc_id"
        Column defining the parts.
    terms : sequence of str, optional
        Report only these terms (others still count in the part sizes).

    Returns
    -------
    DataFrame
        ``term, freq, n_parts, n_parts_with, share_parts_with, dp, dp_norm``
        sorted by term. Part sizes are the parts' word counts.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["a", "b"],
    ...                       "tokens": [["清零", "清零", "防控"], ["防控", "工作"]]})
    >>> t = dispersion_table(units)
    >>> t[["term", "freq", "n_parts_with", "dp"]].round(2).values.tolist()
    [['工作', 1, 1, 0.6], ['清零', 2, 1, 0.4], ['防控', 2, 2, 0.1]]
    """
    X, keys, vocab = group_counts(units, part, tokens_col=tokens_col, stop_words=stop_words)
    sizes = np.asarray(X.sum(axis=1)).ravel()
    if terms is not None:
        index = {t: j for j, t in enumerate(vocab)}
        sel = [index.get(t, -1) for t in terms]
        X = sp.csc_array(X)
        cols = [X[:, [j]] if j >= 0 else sp.csc_array((X.shape[0], 1)) for j in sel]
        X = sp.hstack(cols, format="csc") if cols else sp.csc_array((X.shape[0], 0))
        vocab = np.asarray(list(terms), dtype=object)
    dp, dpn = gries_dp(X, sizes)
    Xc = sp.csc_array(X)
    freq = np.asarray(Xc.sum(axis=0)).ravel()
    with_ = np.asarray((Xc > 0).sum(axis=0)).ravel()
    out = pd.DataFrame({
        "term": pd.Series(vocab, dtype="string"),
        "freq": freq.astype(np.int64),
        "n_parts": np.full(len(vocab), len(keys), dtype=np.int64),
        "n_parts_with": with_.astype(np.int64),
        "share_parts_with": with_ / max(len(keys), 1),
        "dp": dp,
        "dp_norm": dpn,
    })
    if terms is None:
        out = out.sort_values("term", kind="stable").reset_index(drop=True)
    return out


__all__ = ["gries_dp", "dispersion_table"]
