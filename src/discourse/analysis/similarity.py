"""Document similarity (cosine on TF-IDF) and hierarchical clustering.

Units are joined per document (or any grouping column) into one bag of
words, weighted with scikit-learn's TF-IDF (l2-normalised rows, so the
cosine similarity is the dot product), and compared pairwise. Clustering is
scipy's average-linkage agglomerative clustering on the cosine distance
``1 - similarity``; the leaf order is made deterministic with
``optimal_ordering=True`` (Bar-Joseph et al. 2001), which depends only on
the distances and on the (sorted) label order.

A similarity means little without the similarity that noise alone gives.
:func:`split_half_similarity` compares random halves of the same text (its
units split in two, repeatedly): the ceiling a text reaches against itself
at half its length. :func:`similarity_null` adds, for every pair of texts, a
permutation null (the units of the two texts pooled and dealt back at random
into two pseudo-texts of the original sizes: the similarity expected if both
texts were drawn from one source) and the length-matched between-text
similarity of random halves, to be read against the within-text halves. All
vectors use one TF-IDF weighting fitted on the observed texts, so the
observed values equal :func:`document_similarity`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, leaves_list, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

from discourse.analysis.grouping import group_indices, group_tokens, unit_counts
from discourse.analysis.vocab import TokenFilter
from discourse.config import RANDOM_STATE


def _keyed(units: pd.DataFrame, by: str) -> pd.DataFrame:
    if by not in units.columns:
        raise KeyError(f"units table has no column {by!r}")
    return units.assign(**{by: units[by].astype("string")})


def _joined(units: pd.DataFrame, by: str, tokens_col: str):
    keys, docs = group_tokens(_keyed(units, by), by, tokens_col=tokens_col)
    return [str(k) for k in keys], docs


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


class _Space:
    """Unit counts, their groups and one TF-IDF weighting fitted on the groups."""

    def __init__(self, units, by, tokens_col, stop_words, sublinear_tf):
        keyed = _keyed(units, by)
        keys, pos = group_indices(keyed, by)
        self.labels = [str(k) for k in keys]
        self.pos = pos
        self.U, self.terms = unit_counts(keyed, tokens_col=tokens_col, stop_words=stop_words)
        self.U = sp.csr_array(self.U, dtype=np.float64)
        G = sp.vstack([sp.csr_array(self.U[p, :].sum(axis=0).reshape(1, -1)) for p in pos])
        self.tf = TfidfTransformer(sublinear_tf=sublinear_tf).fit(G)

    def vectors(self, C) -> sp.csr_array:
        return sp.csr_array(self.tf.transform(sp.csr_array(C)))

    def pooled(self, Z: np.ndarray, rows: np.ndarray):
        """Counts of the pseudo-texts whose units (among *rows*) are the 1s of Z."""
        return sp.csr_array(sp.csr_array(Z) @ self.U[rows, :])


def _rowwise_cos(A: sp.csr_array, B: sp.csr_array) -> np.ndarray:
    return np.asarray(A.multiply(B).sum(axis=1)).ravel()


def _halves(n: int, k: int, rng) -> np.ndarray:
    """k random splits of n units: 0/1 matrix, floor(n/2) ones per row."""
    base = np.zeros(n)
    base[: n // 2] = 1.0
    return rng.permuted(np.tile(base, (k, 1)), axis=1)


def _interval(x: np.ndarray, ci: float) -> tuple[float, float, float]:
    if not len(x) or np.isnan(x).all():
        return np.nan, np.nan, np.nan
    a = (1 - ci) / 2
    return float(np.nanmean(x)), float(np.nanquantile(x, a)), float(np.nanquantile(x, 1 - a))


def split_half_similarity(
    units: pd.DataFrame,
    by: str = "doc_id",
    *,
    n_splits: int = 200,
    ci: float = 0.95,
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
    sublinear_tf: bool = True,
    random_state: int | np.random.Generator | None = RANDOM_STATE,
    _space: _Space | None = None,
) -> pd.DataFrame:
    """Similarity of random halves of each text: the within-text baseline.

    The units of each text are split at random into two halves of
    ``floor(n/2)`` and ``ceil(n/2)`` units, *n_splits* times; each half is
    weighted with the TF-IDF fitted on the whole texts and the two halves'
    cosine similarity is recorded.

    Returns
    -------
    DataFrame
        ``<by>, n_units, n_tokens, within_mean, within_low, within_high,
        n_splits``; NaN for a text of fewer than two units.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["a"] * 4 + ["b"],
    ...     "tokens": [["核酸", "检测"], ["核酸", "检测"], ["核酸"], ["检测"], ["疫苗"]]})
    >>> t = split_half_similarity(units, n_splits=20)
    >>> t[["doc_id", "n_units"]].values.tolist(), bool(t.within_mean.iloc[0] > 0.9)
    ([['a', 4], ['b', 1]], True)
    >>> bool(t.within_mean.isna().iloc[1])
    True
    """
    sp_ = _space or _Space(units, by, tokens_col, stop_words, sublinear_tf)
    rng = random_state if isinstance(random_state, np.random.Generator) else \
        np.random.default_rng(random_state)
    rows = []
    for label, p in zip(sp_.labels, sp_.pos):
        n = len(p)
        ntok = int(sp_.U[p, :].sum())
        if n < 2:
            rows.append((label, n, ntok, np.nan, np.nan, np.nan, 0))
            continue
        Z = _halves(n, n_splits, rng)
        A = sp_.vectors(sp_.pooled(Z, p))
        B = sp_.vectors(sp_.pooled(1.0 - Z, p))
        m, lo, hi = _interval(_rowwise_cos(A, B), ci)
        rows.append((label, n, ntok, m, lo, hi, n_splits))
    return pd.DataFrame(rows, columns=[by, "n_units", "n_tokens", "within_mean", "within_low",
                                       "within_high", "n_splits"])


def similarity_null(
    units: pd.DataFrame,
    by: str = "doc_id",
    *,
    n_permutations: int = 999,
    n_splits: int = 200,
    ci: float = 0.95,
    alpha: float = 0.05,
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
    sublinear_tf: bool = True,
    random_state: int | np.random.Generator | None = RANDOM_STATE,
) -> pd.DataFrame:
    """Pairwise similarity of texts beside its noise: permutation null and split halves.

    For each pair of texts *a*, *b* (``a < b``):

    * ``similarity``: cosine of the TF-IDF vectors of the whole texts
      (as :func:`document_similarity`);
    * permutation null: the units of *a* and *b* pooled and dealt at random
      into pseudo-texts of ``n_units_a`` and ``n_units_b`` units,
      *n_permutations* times; ``null_mean``, ``null_low``, ``null_high``
      (central *ci* range) and the one-sided ``p_value = (b + 1) /
      (n_permutations + 1)``, *b* the number of null similarities at or below
      the observed one (Phipson & Smyth 2010). ``differs`` is
      ``p_value < alpha``: the two texts are less alike than random
      reshuffles of their own units, i.e. they do not look like samples of
      one source;
    * length-matched comparison: ``half_mean``, ``half_low``, ``half_high``,
      the similarity of a random half of *a* with a random half of *b*
      (*n_splits* draws), to be read against ``within_a`` and ``within_b``,
      the mean split-half similarity of each text
      (:func:`split_half_similarity`).

    Returns
    -------
    DataFrame
        ``a, b, n_units_a, n_units_b, similarity, null_mean, null_low,
        null_high, p_value, differs, half_mean, half_low, half_high,
        within_a, within_b, n_permutations``, sorted by similarity
        (descending), ties by ``a`` then ``b``. A text of one unit gets NaN
        split-half columns.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": list("aaaabbbb"),
    ...     "tokens": [["核酸", "检测"], ["核酸"], ["检测", "核酸"], ["检测"],
    ...                ["疫苗", "接种"], ["疫苗"], ["接种"], ["接种", "疫苗"]]})
    >>> r = similarity_null(units, n_permutations=199, n_splits=20)
    >>> r[["a", "b", "similarity", "differs"]].values.tolist()
    [['a', 'b', 0.0, True]]
    """
    sp_ = _Space(units, by, tokens_col, stop_words, sublinear_tf)
    rng = random_state if isinstance(random_state, np.random.Generator) else \
        np.random.default_rng(random_state)
    within = split_half_similarity(units, by, n_splits=n_splits, ci=ci, random_state=rng,
                                   _space=sp_).set_index(by)["within_mean"]
    n = len(sp_.labels)
    full = sp_.vectors(sp.vstack([sp_.pooled(np.ones((1, len(p))), p) for p in sp_.pos]))
    rows = []
    for i in range(n):
        for j in range(i + 1, n):
            pa, pb = sp_.pos[i], sp_.pos[j]
            obs = float(_rowwise_cos(full[[i], :], full[[j], :])[0])
            pool = np.concatenate([pa, pb])
            base = np.zeros(len(pool))
            base[: len(pa)] = 1.0
            Z = rng.permuted(np.tile(base, (n_permutations, 1)), axis=1)
            null = _rowwise_cos(sp_.vectors(sp_.pooled(Z, pool)),
                                sp_.vectors(sp_.pooled(1.0 - Z, pool)))
            p = float((np.sum(null <= obs + 1e-12) + 1) / (n_permutations + 1))
            nm, nlo, nhi = _interval(null, ci)
            if len(pa) >= 2 and len(pb) >= 2:
                Za, Zb = _halves(len(pa), n_splits, rng), _halves(len(pb), n_splits, rng)
                half = _rowwise_cos(sp_.vectors(sp_.pooled(Za, pa)),
                                    sp_.vectors(sp_.pooled(Zb, pb)))
                hm, hlo, hhi = _interval(half, ci)
            else:
                hm = hlo = hhi = np.nan
            a, b = sp_.labels[i], sp_.labels[j]
            rows.append((a, b, len(pa), len(pb), obs, nm, nlo, nhi, p, p < alpha, hm, hlo, hhi,
                         float(within[a]), float(within[b]), n_permutations))
    cols = ["a", "b", "n_units_a", "n_units_b", "similarity", "null_mean", "null_low",
            "null_high", "p_value", "differs", "half_mean", "half_low", "half_high",
            "within_a", "within_b", "n_permutations"]
    out = pd.DataFrame(rows, columns=cols)
    out["similarity"] = out["similarity"].clip(0.0, 1.0)
    return out.sort_values(["similarity", "a", "b"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


__all__ = [
    "tfidf_matrix",
    "document_similarity",
    "similarity_pairs",
    "cluster_linkage",
    "cluster_documents",
    "split_half_similarity",
    "similarity_null",
]
