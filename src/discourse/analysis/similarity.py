"""Document similarity (cosine on TF-IDF) and hierarchical clustering.

Units are joined per document (or any grouping column) into one bag of
words, weighted with scikit-learn's TF-IDF (l2-normalised rows, so the
cosine similarity is the dot product), and compared pairwise. Clustering is
scipy's average-linkage agglomerative clustering on the cosine distance
``1 - similarity``; the leaf order is made deterministic with
``optimal_ordering=True`` (Bar-Joseph et al. 2001), which depends only on
the distances and on the (sorted) label order.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, leaves_list, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer

from discourse.analysis.vocab import TokenFilter, token_lists


def _joined(units: pd.DataFrame, by: str, tokens_col: str):
    if by not in units.columns:
        raise KeyError(f"units table has no column {by!r}")
    toks = token_lists(units, tokens_col)
    keys = units[by].astype("string").to_numpy()
    if pd.isna(keys).any():
        raise ValueError(f"column {by!r} has missing values")
    labels = sorted(set(keys))
    docs: dict[str, list[str]] = {k: [] for k in labels}
    for k, t in zip(keys, toks):
        docs[k].extend(t)
    return labels, [docs[k] for k in labels]


def tfidf_matrix(
    units: pd.DataFrame,
    by: str = "doc_id",
    *,
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
    min_df: int | float = 1,
    max_df: int | float = 1.0,
    sublinear_tf: bool = True,
) -> tuple[sp.csr_matrix, list[str], np.ndarray]:
    """TF-IDF of the units joined per *by* (rows l2-normalised).

    Returns
    -------
    (X, labels, terms)
        Sparse matrix (groups × terms), the group labels in row order
        (sorted), and the vocabulary.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["b", "a"], "tokens": [["防控"], ["疫情", "防控"]]})
    >>> X, labels, terms = tfidf_matrix(units)
    >>> labels, terms.tolist()
    (['a', 'b'], ['疫情', '防控'])
    """
    labels, docs = _joined(units, by, tokens_col)
    vec = TfidfVectorizer(
        analyzer=TokenFilter(stop_words), lowercase=False, min_df=min_df, max_df=max_df,
        sublinear_tf=sublinear_tf,
    )
    X = vec.fit_transform(docs)
    return X, labels, vec.get_feature_names_out()


def document_similarity(
    units: pd.DataFrame,
    by: str = "doc_id",
    *,
    form: str = "square",
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
    min_df: int | float = 1,
    max_df: int | float = 1.0,
    sublinear_tf: bool = True,
) -> pd.DataFrame:
    """Cosine similarity of TF-IDF vectors between documents (or groups).

    Parameters
    ----------
    units : DataFrame
        Units (paragraphs, sentences or documents) with ``tokens`` and *by*.
    by : str, default "doc_id"
    form : {"square", "tidy"}
        ``"square"``: a symmetric DataFrame indexed and labelled by *by*
        (sorted). ``"tidy"``: one row per unordered pair ``a < b`` with
        columns ``a, b, similarity``.
    tokens_col, stop_words, min_df, max_df, sublinear_tf
        Vectorizer options (``sublinear_tf``: 1 + log tf, default True, so
        long documents do not dominate by repetition).

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["a", "b", "c"],
    ...     "tokens": [["核酸", "检测"], ["核酸", "检测"], ["疫苗"]]})
    >>> document_similarity(units).round(3).values.tolist()
    [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    X, labels, _ = tfidf_matrix(
        units, by, tokens_col=tokens_col, stop_words=stop_words, min_df=min_df,
        max_df=max_df, sublinear_tf=sublinear_tf,
    )
    S = np.asarray((X @ X.T).toarray(), dtype=float)
    np.clip(S, 0.0, 1.0, out=S)
    norms = np.asarray(X.multiply(X).sum(axis=1)).ravel()
    np.fill_diagonal(S, np.where(norms > 0, 1.0, 0.0))
    square = pd.DataFrame(S, index=pd.Index(labels, name=by), columns=pd.Index(labels, name=by))
    if form == "square":
        return square
    if form == "tidy":
        return similarity_pairs(square)
    raise ValueError(f"form must be 'square' or 'tidy', got {form!r}")


def similarity_pairs(square: pd.DataFrame) -> pd.DataFrame:
    """Square similarity matrix -> tidy ``a, b, similarity`` for ``a < b``.

    Sorted by similarity (descending), ties by ``a`` then ``b``.
    """
    labels = list(square.index)
    i, j = np.triu_indices(len(labels), k=1)
    out = pd.DataFrame(
        {
            "a": [labels[x] for x in i],
            "b": [labels[y] for y in j],
            "similarity": square.to_numpy()[i, j],
        }
    )
    return out.sort_values(["similarity", "a", "b"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


def cluster_linkage(square: pd.DataFrame, method: str = "average") -> np.ndarray:
    """scipy linkage matrix of ``1 - similarity`` (average linkage by default).

    Examples
    --------
    >>> import pandas as pd
    >>> sq = pd.DataFrame([[1, .9, .1], [.9, 1, .2], [.1, .2, 1]],
    ...                   index=list("abc"), columns=list("abc"))
    >>> cluster_linkage(sq)[:, 2].round(2).tolist()  # merge heights
    [0.1, 0.85]
    """
    D = 1.0 - square.to_numpy(dtype=float)
    D = (D + D.T) / 2.0
    np.fill_diagonal(D, 0.0)
    D = np.clip(D, 0.0, None)
    return linkage(squareform(D, checks=False), method=method, optimal_ordering=True)


def cluster_documents(
    square: pd.DataFrame, n_clusters: int | None = None, *, method: str = "average",
    threshold: float | None = None,
) -> pd.DataFrame:
    """Flat clusters and the dendrogram leaf order of a similarity matrix.

    Parameters
    ----------
    square : DataFrame
        Output of :func:`document_similarity` (``form="square"``).
    n_clusters : int, optional
        Cut the tree into this many clusters (``criterion="maxclust"``).
    threshold : float, optional
        Or cut at this cosine distance (``criterion="distance"``). With
        neither, every document is its own cluster.
    method : str
        scipy linkage method (default ``"average"``).

    Returns
    -------
    DataFrame
        ``<label>, order, cluster`` in leaf order (``order`` from 0): the
        deterministic order to draw heatmaps and dendrograms with.
        Cluster numbers follow the leaf order (first leaf in cluster 1).

    Examples
    --------
    >>> import pandas as pd
    >>> sq = pd.DataFrame([[1, .9, .1], [.9, 1, .2], [.1, .2, 1]],
    ...                   index=pd.Index(list("abc"), name="doc_id"), columns=list("abc"))
    >>> cluster_documents(sq, n_clusters=2).values.tolist()
    [['c', 0, 1], ['b', 1, 2], ['a', 2, 2]]
    """
    Z = cluster_linkage(square, method)
    labels = list(square.index)
    leaves = leaves_list(Z)
    if n_clusters is not None:
        raw = fcluster(Z, n_clusters, criterion="maxclust")
    elif threshold is not None:
        raw = fcluster(Z, threshold, criterion="distance")
    else:
        raw = np.arange(1, len(labels) + 1)
    renum: dict[int, int] = {}
    for leaf in leaves:
        renum.setdefault(int(raw[leaf]), len(renum) + 1)
    name = square.index.name or "label"
    return pd.DataFrame(
        {
            name: [labels[x] for x in leaves],
            "order": np.arange(len(leaves)),
            "cluster": [renum[int(raw[x])] for x in leaves],
        }
    )


__all__ = [
    "tfidf_matrix",
    "document_similarity",
    "similarity_pairs",
    "cluster_linkage",
    "cluster_documents",
]
