"""TF-IDF and NMF topics over token lists that arrive in batches (bounded memory).

For a corpus whose token lists or TF-IDF matrix do not fit in memory at
once, the three steps of the topic pipeline are done one batch of units at
a time, from a source that can be read more than once (for example a
:class:`discourse.segment.store.TokenStore`):

1. :class:`StreamingTfidfVectorizer` learns the vocabulary and the inverse
   document frequencies from document-frequency counts (one pass; memory
   grows with the number of distinct tokens, not with the corpus);
2. :func:`fit_minibatch_nmf` fits scikit-learn's
   :class:`~sklearn.decomposition.MiniBatchNMF` with ``partial_fit`` on
   mini-batches of rows, for a number of passes (epochs) over the batches;
3. :func:`stream_group_shares` transforms each batch and adds up the
   token-weighted topic shares per group, so the per-group table is exact
   without keeping the unit-by-topic matrix.

The vectorizer gives the same matrix as scikit-learn's
:class:`~sklearn.feature_extraction.text.TfidfVectorizer` fitted on all
units at once (same ``min_df``/``max_df`` rules, smoothed idf
``ln((1 + n) / (1 + df)) + 1``, l2 rows; tested), so the only difference
from the in-memory model is the mini-batch optimiser.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from numbers import Integral

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.decomposition import MiniBatchNMF
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from discourse.analysis.vocab import as_is
from discourse.config import RANDOM_STATE


class StreamingTfidfVectorizer(BaseEstimator):
    """TF-IDF over token lists, fitted from batches with :meth:`partial_fit`.

    Parameters
    ----------
    min_df : int or float, default 1
        Keep terms in at least this many units (an int) or this share of
        them (a float in [0, 1]), as in scikit-learn.
    max_df : int or float, default 1.0
        Drop terms in more than this many units (int) or this share (float).
    sublinear_tf : bool, default False
        ``1 + log(tf)`` instead of raw counts.
    norm : {"l2", "l1", None}, default "l2"
    dtype : numpy dtype, default numpy.float64

    Attributes
    ----------
    n_documents_ : int
        Units seen by :meth:`partial_fit` since the last :meth:`fit`.
    document_frequency_ : collections.Counter
        Units in which each token occurs.
    vocabulary_ : dict of str to int
        Kept terms (sorted) and their columns, computed from the counts.
    idf_ : numpy.ndarray

    Examples
    --------
    >>> batches = [[["核酸", "检测"], ["核酸", "筛查"]], [["疫苗", "接种"], ["核酸", "疫苗"]]]
    >>> vec = StreamingTfidfVectorizer(min_df=2).fit(batches)
    >>> vec.get_feature_names_out().tolist(), vec.n_documents_
    (['核酸', '疫苗'], 4)
    >>> vec.transform([["核酸", "核酸", "接种"]]).toarray().round(3).tolist()
    [[1.0, 0.0]]
    """

    def __init__(
        self,
        *,
        min_df: int | float = 1,
        max_df: int | float = 1.0,
        sublinear_tf: bool = False,
        norm: str | None = "l2",
        dtype=np.float64,
    ) -> None:
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf
        self.norm = norm
        self.dtype = dtype

    def _reset(self) -> None:
        self.n_documents_ = 0
        self.document_frequency_ = Counter()
        self.__dict__.pop("_fitted", None)

    def partial_fit(self, docs: Iterable[Sequence[str]], y=None) -> StreamingTfidfVectorizer:
        """Add the document frequencies of one batch of units (token lists)."""
        if not hasattr(self, "document_frequency_"):
            self._reset()
        docs = list(docs)
        for i, d in enumerate(docs):
            if isinstance(d, str):
                raise TypeError(f"unit {self.n_documents_ + i} of the batch is a str; pass token lists")
        self.document_frequency_.update(chain.from_iterable(map(set, docs)))
        self.n_documents_ += len(docs)
        self.__dict__.pop("_fitted", None)
        return self

    def fit(self, batches: Iterable[Iterable[Sequence[str]]], y=None) -> StreamingTfidfVectorizer:
        """Learn the vocabulary and idf from every batch (the counts are reset first)."""
        self._reset()
        for batch in batches:
            self.partial_fit(batch)
        self._finalise()
        return self

    def _limit(self, value, name: str) -> float:
        n = self.n_documents_
        if isinstance(value, Integral) and not isinstance(value, bool):
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
            return float(value)
        if isinstance(value, float) and 0.0 <= value <= 1.0:
            return value * n
        raise ValueError(f"{name} must be an int >= 0 or a float in [0, 1], got {value!r}")

    def _finalise(self) -> dict:
        fitted = self.__dict__.get("_fitted")
        if fitted is not None:
            return fitted
        if not getattr(self, "n_documents_", 0):
            raise ValueError("StreamingTfidfVectorizer: no units seen; call fit or partial_fit first")
        lo, hi = self._limit(self.min_df, "min_df"), self._limit(self.max_df, "max_df")
        if hi < lo:
            raise ValueError("max_df corresponds to fewer units than min_df")
        terms = sorted(t for t, c in self.document_frequency_.items() if lo <= c <= hi)
        if not terms:
            raise ValueError("no term is left after min_df/max_df; lower min_df or raise max_df")
        df = np.array([self.document_frequency_[t] for t in terms], dtype=np.float64)
        idf = np.log((1 + self.n_documents_) / (1 + df)) + 1.0
        counter = CountVectorizer(analyzer=as_is, vocabulary={t: i for i, t in enumerate(terms)}, dtype=self.dtype)
        tfidf = TfidfTransformer(norm=self.norm, sublinear_tf=self.sublinear_tf)
        tfidf.idf_ = idf
        fitted = {"terms": np.asarray(terms, dtype=object), "idf": idf, "counter": counter, "tfidf": tfidf}
        self.__dict__["_fitted"] = fitted
        return fitted

    @property
    def vocabulary_(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self._finalise()["terms"])}

    @property
    def idf_(self) -> np.ndarray:
        return self._finalise()["idf"]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The kept terms, in column order."""
        return self._finalise()["terms"].copy()

    def transform(self, docs: Iterable[Sequence[str]]) -> sparse.csr_matrix:
        """TF-IDF rows of a batch of units."""
        f = self._finalise()
        docs = list(docs)
        if not docs:
            return sparse.csr_matrix((0, len(f["terms"])), dtype=self.dtype)
        X = f["counter"].transform(docs)
        return f["tfidf"].transform(X).astype(self.dtype, copy=False).tocsr()


def _row_batches(X: sparse.spmatrix, batch_size: int, rng: np.random.Generator | None):
    order = np.arange(X.shape[0]) if rng is None else rng.permutation(X.shape[0])
    for a in range(0, X.shape[0], batch_size):
        yield X[order[a:a + batch_size]]


def fit_minibatch_nmf(
    batches: Callable[[], Iterable[sparse.spmatrix]],
    *,
    n_components: int,
    n_epochs: int = 5,
    batch_size: int = 4096,
    init: str = "nndsvda",
    beta_loss: str = "frobenius",
    random_state: int | None = RANDOM_STATE,
) -> MiniBatchNMF:
    """Fit :class:`~sklearn.decomposition.MiniBatchNMF` by ``partial_fit`` over batches of rows.

    Parameters
    ----------
    batches : callable returning an iterable of sparse matrices
        Called once per epoch; each matrix is a batch of TF-IDF rows (for
        example :meth:`StreamingTfidfVectorizer.transform` of one part of a
        token store). All have the same columns.
    n_components : int
    n_epochs : int, default 5
        Passes over all batches.
    batch_size : int, default 4096
        Rows per ``partial_fit`` step. The rows of each batch are shuffled
        (seeded) before they are cut into steps; the batches come in the
        order *batches* gives them, and only one is in memory at a time.
    init, beta_loss, random_state
        Passed to :class:`~sklearn.decomposition.MiniBatchNMF`; the
        initialisation is computed on the first step's rows.

    Returns
    -------
    sklearn.decomposition.MiniBatchNMF
        The fitted model (``components_``, ``n_steps_``).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> X = sp.random(200, 30, density=0.2, random_state=0, format="csr")
    >>> m = fit_minibatch_nmf(lambda: [X[:100], X[100:]], n_components=3, n_epochs=2, batch_size=50)
    >>> m.components_.shape, m.n_steps_
    ((3, 30), 8)
    """
    if n_epochs < 1:
        raise ValueError(f"n_epochs must be at least 1, got {n_epochs}")
    rng = np.random.default_rng(random_state)
    model = MiniBatchNMF(n_components=n_components, init=init, beta_loss=beta_loss,
                         batch_size=batch_size, random_state=random_state)
    for _epoch in range(n_epochs):
        for X in batches():  # one batch in memory at a time
            if X.shape[0] == 0:
                continue
            for step in _row_batches(sparse.csr_matrix(X), batch_size, rng):
                model.partial_fit(step)
    if not hasattr(model, "components_"):
        raise ValueError("fit_minibatch_nmf: the batches held no rows")
    return model


def stream_group_shares(
    batches: Iterable[tuple[pd.DataFrame, sparse.spmatrix]],
    model,
    *,
    by: str | Sequence[str],
    weight: str | None = None,
) -> pd.DataFrame:
    """Topic shares per group, added up batch by batch.

    Parameters
    ----------
    batches : iterable of (units, X)
        The units of a batch (a DataFrame with the *by* columns, and the
        *weight* column if given) and their TF-IDF rows, in the same order.
    model : fitted NMF or MiniBatchNMF
    by : str or list of str
        Group columns.
    weight : str, optional
        Column weighting each unit's topic proportions (e.g. its token
        count); each unit counts once when None.

    Returns
    -------
    pandas.DataFrame
        One row per group: the group columns, ``n_units``, ``weight`` (the
        sum of the weights of the units with at least one kept term) and
        ``T01`` … the weighted mean topic proportions (a unit with no kept
        term has no proportions and adds only to ``n_units``).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from sklearn.decomposition import NMF
    >>> X = sp.csr_matrix([[1.0, 0], [0, 1.0], [1.0, 0], [0, 0]])
    >>> m = NMF(n_components=2, init="nndsvda", random_state=0).fit(X)
    >>> units = pd.DataFrame({"g": ["a", "a", "b", "b"], "n": [2, 2, 3, 1]})
    >>> t = stream_group_shares([(units[:2], X[:2]), (units[2:], X[2:])], m, by="g", weight="n")
    >>> t[["g", "n_units", "weight"]].values.tolist()
    [['a', 2, 4.0], ['b', 2, 3.0]]
    """
    by = [by] if isinstance(by, str) else list(by)
    sums: dict[tuple, np.ndarray] = {}
    counts: dict[tuple, list[float]] = {}
    k = model.components_.shape[0]
    for units, X in batches:
        if len(units) != X.shape[0]:
            raise ValueError(f"a batch has {len(units)} units but {X.shape[0]} matrix rows")
        missing = [c for c in by + ([weight] if weight else []) if c not in units.columns]
        if missing:
            raise KeyError(f"stream_group_shares: columns {missing} not in the units")
        if len(units) == 0:
            continue
        W = model.transform(X)
        tot = W.sum(axis=1, keepdims=True)
        P = np.divide(W, tot, out=np.zeros_like(W), where=tot > 0)
        w = units[weight].to_numpy(dtype=float) if weight else np.ones(len(units))
        has = (tot[:, 0] > 0).astype(float)
        keys = pd.MultiIndex.from_frame(units[by].astype(object)) if len(by) > 1 else pd.Index(units[by[0]].astype(object))
        codes, uniq = pd.factorize(keys, sort=False)
        contrib = np.zeros((len(uniq), k))
        np.add.at(contrib, codes, P * w[:, None])
        wsum = np.bincount(codes, weights=w * has, minlength=len(uniq))
        nsum = np.bincount(codes, minlength=len(uniq))
        for j, key in enumerate(uniq):
            key = key if isinstance(key, tuple) else (key,)
            sums[key] = sums.get(key, np.zeros(k)) + contrib[j]
            c = counts.setdefault(key, [0.0, 0.0])
            c[0] += nsum[j]
            c[1] += wsum[j]
    rows = []
    for key in sorted(sums, key=lambda t: tuple(str(x) for x in t)):
        n_units, wsum = counts[key]
        share = sums[key] / wsum if wsum > 0 else np.full(k, np.nan)
        rows.append({**dict(zip(by, key)), "n_units": int(n_units), "weight": float(wsum),
                     **{f"T{i + 1:02d}": float(s) for i, s in enumerate(share)}})
    return pd.DataFrame(rows)


__all__ = ["StreamingTfidfVectorizer", "fit_minibatch_nmf", "stream_group_shares"]
