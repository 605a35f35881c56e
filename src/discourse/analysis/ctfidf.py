"""Class-based TF-IDF (BERTopic's c-TF-IDF) for comparing groups of units.

All units of a class (a city, a period, a document) are joined into one
"class document"; a term's weight in class *c* is

    W(t, c) = tf(t, c) × log(1 + A / f(t))

where ``tf(t, c)`` is the term's frequency in the class divided by the
class's number of words, ``f(t)`` the term's frequency over all classes and
``A`` the average number of words per class (Grootendorst 2022, BERTopic's
``ClassTfidfTransformer``). BERTopic truncates A to an integer; here A is
kept exact. Options follow BERTopic: ``bm25_weighting`` replaces the idf by
``log(1 + (A - f(t) + 0.5) / (f(t) + 0.5))`` and ``reduce_frequent_words``
takes the square root of tf.

:class:`ClassTfidfTransformer` extends scikit-learn's
:class:`~sklearn.feature_extraction.text.TfidfTransformer`: it learns a
different ``idf_`` and feeds class-normalised frequencies to the parent's
``transform``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted, validate_data

from discourse.analysis.vocab import TokenFilter, token_lists


class ClassTfidfTransformer(TfidfTransformer):
    """c-TF-IDF over a class-by-term count matrix.

    Parameters
    ----------
    norm : {"l1", "l2"} or None, default None
        Optional row normalisation of the output (BERTopic: none).
    use_idf : bool, default True
        False returns the class term frequencies only.
    sublinear_tf : bool, default False
        Passed to the parent transform (``1 + log(tf)``); rarely useful here.
    bm25_weighting : bool, default False
    reduce_frequent_words : bool, default False

    Attributes
    ----------
    idf_ : ndarray of shape (n_features,)
        ``log(1 + A / f(t))`` (0 for a term absent from every class).
    avg_words_per_class_ : float
        A.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[2, 0, 2], [0, 4, 0]])
    >>> ct = ClassTfidfTransformer().fit(X)
    >>> ct.avg_words_per_class_
    4.0
    >>> np.round(ct.transform(X).toarray(), 4).tolist()
    [[0.5493, 0.0, 0.5493], [0.0, 0.6931, 0.0]]
    """

    def __init__(
        self,
        *,
        norm: str | None = None,
        use_idf: bool = True,
        sublinear_tf: bool = False,
        bm25_weighting: bool = False,
        reduce_frequent_words: bool = False,
    ) -> None:
        self.norm = norm
        self.use_idf = use_idf
        self.sublinear_tf = sublinear_tf
        self.bm25_weighting = bm25_weighting
        self.reduce_frequent_words = reduce_frequent_words

    # TfidfTransformer.fit reads smooth_idf; c-TF-IDF has no smoothing.
    smooth_idf = False

    def fit(self, X, y=None) -> ClassTfidfTransformer:
        """Learn ``idf_`` from a class-by-term count matrix."""
        if self.norm not in (None, "l1", "l2"):
            raise ValueError(f"norm must be None, 'l1' or 'l2', got {self.norm!r}")
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32])
        X = sp.csr_array(X)
        if X.data.size and X.data.min() < 0:
            raise ValueError("c-TF-IDF needs non-negative counts")
        f = np.asarray(X.sum(axis=0)).ravel().astype(np.float64)
        self.avg_words_per_class_ = float(np.asarray(X.sum(axis=1)).mean())
        A = self.avg_words_per_class_
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.bm25_weighting:
                idf = np.log1p((A - f + 0.5) / (f + 0.5))
            else:
                idf = np.log1p(A / f)
        idf[f == 0] = 0.0
        if self.use_idf:
            self.idf_ = idf.astype(X.dtype, copy=False)
        self.n_classes_ = X.shape[0]
        return self

    def transform(self, X, copy: bool = True):
        """c-TF-IDF of the rows (classes) of a count matrix (sparse out)."""
        check_is_fitted(self, "avg_words_per_class_")
        X = sp.csr_array(X, dtype=np.float64) if not sp.issparse(X) else X.astype(np.float64)
        X = normalize(X, norm="l1", axis=1, copy=copy)
        if self.reduce_frequent_words:
            X.data = np.sqrt(X.data)
        return super().transform(X, copy=False)


def _group_matrix(keys: pd.DataFrame, by: list[str]):
    """Group × unit indicator matrix and the sorted group keys (missing keys kept as a group)."""
    from discourse.analysis.grouping import group_indices

    groups, pos = group_indices(keys, by[0] if len(by) == 1 else by, dropna=False)
    codes = np.empty(len(keys), dtype=np.int64)
    for g, p in enumerate(pos):
        codes[p] = g
    G = sp.csr_array((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(len(groups), len(codes)))
    labels = pd.DataFrame([k if isinstance(k, tuple) else (k,) for k in groups], columns=by)
    return G, labels


def class_tfidf_terms(
    units: pd.DataFrame,
    by: str | Sequence[str],
    n_terms: int = 10,
    *,
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
    min_freq: int = 1,
    **transformer_params,
) -> pd.DataFrame:
    """Top c-TF-IDF terms of each group of units.

    Parameters
    ----------
    units : DataFrame
        Units with a ``tokens`` column and the group column(s).
    by : str or list of str
        Class definition, e.g. ``"city_en"`` or ``"period"``.
    n_terms : int, default 10
    tokens_col, stop_words
    min_freq : int, default 1
        Ignore terms with a total frequency below this.
    **transformer_params
        Passed to :class:`ClassTfidfTransformer`.

    Returns
    -------
    DataFrame
        ``*by, rank, term, score, freq, class_words``: ``freq`` is the
        term's count in the class, ``class_words`` the class's word count.
        Ranked by score, ties by term.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"period": ["2020", "2020", "2022"],
    ...     "tokens": [["常态化", "防控"], ["常态化", "防控"], ["优化", "防控"]]})
    >>> class_tfidf_terms(units, "period", n_terms=1)[["period", "term"]].values.tolist()
    [['2020', '常态化'], ['2022', '优化']]
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [b for b in by if b not in units.columns]
    if missing:
        raise KeyError(f"units table has no column(s) {missing}")
    cv = CountVectorizer(analyzer=TokenFilter(stop_words), lowercase=False)
    M = cv.fit_transform(token_lists(units, tokens_col))
    terms = cv.get_feature_names_out()
    G, labels = _group_matrix(units[by].reset_index(drop=True), by)
    C = sp.csr_array(G @ M)
    if min_freq > 1:
        keep = np.flatnonzero(np.asarray(C.sum(axis=0)).ravel() >= min_freq)
        C, terms = sp.csr_array(C[:, keep]), terms[keep]
    W = ClassTfidfTransformer(**transformer_params).fit_transform(C)
    W, C = sp.csr_array(W).toarray(), C.toarray()
    rows = []
    for g in range(W.shape[0]):
        w = W[g]
        idx = np.lexsort((terms.astype(str), -w))
        idx = [j for j in idx if C[g, j] > 0][:n_terms]
        key = labels.iloc[g].tolist()
        for r, j in enumerate(idx, start=1):
            rows.append([*key, r, str(terms[j]), float(w[j]), int(C[g, j]), int(C[g].sum())])
    return pd.DataFrame(rows, columns=[*by, "rank", "term", "score", "freq", "class_words"])


__all__ = ["ClassTfidfTransformer", "class_tfidf_terms"]
