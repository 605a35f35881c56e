"""Topic models over pre-tokenised units: TF-IDF + NMF (default) or counts + LDA.

The modelling unit is whatever rows are passed: paragraphs in the notebooks,
sentences or whole documents as options. Topic proportions per unit are
aggregated back to documents, cities or dates with
:func:`aggregate_topic_shares` (point estimates),
:func:`topic_shares` (bootstrap intervals that resample the units inside each
group with the fitted model held fixed) or :func:`topic_prevalence`
(token-weighted shares with intervals that refit the model on resampled
documents, so that they include the model's own uncertainty).

Topics are put in a deterministic order (by prevalence in the fitted data,
ties broken by their first top term) and labelled ``"T01: 核酸 / 检测 / 隔离"``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.decomposition import NMF, LatentDirichletAllocation
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from discourse.config import RANDOM_STATE
from discourse.analysis.stats import bootstrap_ci
from discourse.analysis.vocab import TokenFilter, token_lists

_METHODS = ("nmf", "lda")


def _normalize_rows(W: np.ndarray) -> np.ndarray:
    """Rows scaled to sum to one; all-zero rows (empty units) stay zero."""
    s = W.sum(axis=1, keepdims=True)
    out = np.zeros_like(W, dtype=np.float64)
    np.divide(W, s, out=out, where=s > 0)
    return out


class TopicModel(TransformerMixin, BaseEstimator):
    """Topic model over token lists: TF-IDF + NMF, or counts + LDA.

    Parameters
    ----------
    n_components : int, default 10
        Number of topics *k*.
    method : {"nmf", "lda"}, default "nmf"
        ``"nmf"``: scikit-learn :class:`~sklearn.decomposition.NMF` (Frobenius
        loss, coordinate descent) on an l2-normalised TF-IDF matrix.
        ``"lda"``: :class:`~sklearn.decomposition.LatentDirichletAllocation`
        (batch variational Bayes) on raw counts.
    min_df, max_df : int or float
        Document-frequency limits passed to the vectorizer (over units).
    max_features : int, optional
        Keep only the most frequent terms.
    stop_words : iterable of str, optional
        Extra tokens to drop. Placeholders and punctuation are always dropped
        (:class:`discourse.analysis.vocab.TokenFilter`).
    init : str, default "nndsvda"
        NMF initialisation. ``"nndsvd"``/``"nndsvda"`` are deterministic given
        the data and ``random_state``; ``"random"`` is used for restarts when
        measuring stability (:func:`discourse.analysis.coherence.choose_k`).
    max_iter : int, optional
        Iterations; default 500 for NMF, 100 for LDA.
    alpha_W, l1_ratio : float
        NMF regularisation (none by default).
    normalize : bool, default True
        When True, :meth:`transform` returns topic *proportions* (rows sum to
        one; a unit with no vocabulary gets an all-zero row). When False it
        returns the raw NMF weights / LDA proportions.
    random_state : int, default ``discourse.config.RANDOM_STATE``

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer or CountVectorizer
    model_ : NMF or LatentDirichletAllocation
    terms_ : ndarray of str
        Vocabulary, in column order of :attr:`components_`.
    components_ : ndarray of shape (n_components, n_terms)
        Topic-term weights, rows in the model's topic order.
    order_ : ndarray of int
        Position of each reported topic in the underlying model's components.
    prevalence_ : ndarray of shape (n_components,)
        Mean topic proportion over the non-empty fitted units.
    topic_ids_ : list of str
        ``"T01"``, ``"T02"`` ...
    labels_ : list of str
        ``"T01: term / term / term"`` (top three terms).
    reconstruction_err_ : float or None
        NMF reconstruction error (None for LDA).

    Examples
    --------
    >>> docs = [["核酸", "检测"], ["核酸", "检测", "筛查"], ["疫苗", "接种"],
    ...         ["疫苗", "接种", "加强"], ["核酸", "筛查"], ["接种", "疫苗"]]
    >>> tm = TopicModel(n_components=2).fit(docs)
    >>> tm.labels_[0].split(":")[0], len(tm.labels_)
    ('T01', 2)
    >>> tm.transform(docs).shape
    (6, 2)
    """

    def __init__(
        self,
        *,
        n_components: int = 10,
        method: str = "nmf",
        min_df: int | float = 1,
        max_df: int | float = 1.0,
        max_features: int | None = None,
        stop_words: Iterable[str] | None = None,
        init: str = "nndsvda",
        max_iter: int | None = None,
        alpha_W: float = 0.0,
        l1_ratio: float = 0.0,
        normalize: bool = True,
        random_state: int | None = RANDOM_STATE,
    ) -> None:
        self.n_components = n_components
        self.method = method
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.stop_words = stop_words
        self.init = init
        self.max_iter = max_iter
        self.alpha_W = alpha_W
        self.l1_ratio = l1_ratio
        self.normalize = normalize
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------
    def _make_vectorizer(self):
        common = dict(
            analyzer=TokenFilter(self.stop_words),
            min_df=self.min_df,
            max_df=self.max_df,
            max_features=self.max_features,
            lowercase=False,
        )
        if self.method == "nmf":
            return TfidfVectorizer(**common, dtype=np.float64)
        return CountVectorizer(**common)

    def _make_model(self):
        if self.method == "nmf":
            return NMF(
                n_components=self.n_components,
                init=self.init,
                max_iter=500 if self.max_iter is None else self.max_iter,
                alpha_W=self.alpha_W,
                l1_ratio=self.l1_ratio,
                random_state=self.random_state,
            )
        return LatentDirichletAllocation(
            n_components=self.n_components,
            learning_method="batch",
            max_iter=100 if self.max_iter is None else self.max_iter,
            random_state=self.random_state,
        )

    def _validate(self) -> None:
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}, got {self.method!r}")
        if not isinstance(self.n_components, (int, np.integer)) or self.n_components < 1:
            raise ValueError(f"n_components must be a positive int, got {self.n_components!r}")

    def fit(self, X, y=None) -> TopicModel:
        """Fit on token lists (or a units table with a ``tokens`` column)."""
        self._fit(X)
        return self

    def fit_transform(self, X, y=None) -> np.ndarray:
        """Fit and return the unit-topic matrix of *X* (see :meth:`transform`)."""
        return self._fit(X)

    def make_vectorizer(self):
        """The unfitted vectorizer :meth:`fit` uses (TF-IDF for NMF, counts for LDA).

        With :meth:`fit_vectorized`, one document-term matrix can serve
        many fits (several k, several seeds) on the same units.
        """
        return self._make_vectorizer()

    def fit_vectorized(self, M, vectorizer) -> TopicModel:
        """Fit on a document-term matrix already computed by *vectorizer*.

        ``fit_vectorized(vec.fit_transform(docs), vec)`` with ``vec =
        self.make_vectorizer()`` gives the same fitted model as
        ``fit(docs)`` (same vocabulary, same matrix, same NMF or LDA fit,
        to the last bit); computing ``M`` once saves the vectorisation when
        the same units are fitted many times. *vectorizer* becomes
        :attr:`vectorizer_` (it is used, not copied: do not refit it).

        Parameters
        ----------
        M : sparse matrix of shape (n_units, n_terms)
            The output of ``vectorizer.fit_transform`` (or ``transform``).
        vectorizer : TfidfVectorizer or CountVectorizer
            Fitted, with the parameters of :meth:`make_vectorizer`.

        Examples
        --------
        >>> docs = [["核酸", "检测"], ["疫苗", "接种"], ["核酸", "筛查"], ["接种", "疫苗"]]
        >>> tm = TopicModel(n_components=2)
        >>> vec = tm.make_vectorizer()
        >>> M = vec.fit_transform(docs)
        >>> a = tm.fit_vectorized(M, vec).components_
        >>> bool((a == TopicModel(n_components=2).fit(docs).components_).all())
        True
        """
        self._validate()
        expected = self._make_vectorizer()
        if type(vectorizer) is not type(expected) or vectorizer.get_params() != expected.get_params():
            raise ValueError(
                f"vectorizer {vectorizer!r} is not the one this model uses "
                f"({expected!r}); build it with make_vectorizer()"
            )
        vocab = getattr(vectorizer, "vocabulary_", None)
        if vocab is None:
            raise ValueError("vectorizer is not fitted; call its fit_transform on the units first")
        if not sp.issparse(M) or M.ndim != 2 or M.shape[1] != len(vocab):
            raise ValueError(
                f"M must be a sparse (n_units, {len(vocab)}) matrix from the vectorizer, got "
                f"{type(M).__name__} of shape {getattr(M, 'shape', None)}"
            )
        if M.format != "csr":
            M = sp.csr_matrix(M)
        self._fit_matrix(M, vectorizer)
        return self

    def _fit(self, X) -> np.ndarray:
        self._validate()
        docs = token_lists(X)
        vectorizer = self._make_vectorizer()
        M = vectorizer.fit_transform(docs)
        return self._fit_matrix(M, vectorizer)

    def _fit_matrix(self, M, vectorizer) -> np.ndarray:
        self.vectorizer_ = vectorizer
        n_terms = M.shape[1]
        if self.n_components > min(M.shape):
            raise ValueError(
                f"n_components={self.n_components} exceeds min(n_units, n_terms)="
                f"{min(M.shape)} after min_df/max_df filtering"
            )
        self.model_ = self._make_model()
        W = self.model_.fit_transform(M)
        W[np.diff(M.indptr) == 0] = 0.0  # no vocabulary: no topic (LDA would give the prior)
        self.terms_ = np.asarray(self.vectorizer_.get_feature_names_out(), dtype=object)
        H = np.asarray(self.model_.components_, dtype=np.float64)
        if self.method == "lda":
            H = H / H.sum(axis=1, keepdims=True)  # topic-word distributions
        shares = _normalize_rows(W)
        nonempty = shares.sum(axis=1) > 0
        prev = shares[nonempty].mean(axis=0) if nonempty.any() else np.zeros(W.shape[1])
        first_term = [self.terms_[np.argsort(-h, kind="stable")[0]] for h in H]
        order = sorted(range(W.shape[1]), key=lambda j: (-round(float(prev[j]), 12), first_term[j]))
        self.order_ = np.asarray(order, dtype=int)
        self.components_ = H[self.order_]
        self.prevalence_ = prev[self.order_]
        self.n_terms_ = n_terms
        self.topic_ids_ = [f"T{i + 1:02d}" for i in range(self.n_components)]
        self.labels_ = [
            f"{tid}: " + " / ".join(self._top_term_names(i, 3))
            for i, tid in enumerate(self.topic_ids_)
        ]
        self.reconstruction_err_ = (
            float(self.model_.reconstruction_err_) if self.method == "nmf" else None
        )
        W = W[:, self.order_]
        return _normalize_rows(W) if self.normalize else W

    # -- using -----------------------------------------------------------
    def transform(self, X) -> np.ndarray:
        """Return the unit-topic matrix, columns in :attr:`topic_ids_` order.

        Rows are proportions summing to one when ``normalize=True``; units
        without any vocabulary term get a row of zeros.
        """
        check_is_fitted(self, "model_")
        M = self.vectorizer_.transform(token_lists(X))
        W = self.model_.transform(M)[:, self.order_]
        W[np.diff(M.indptr) == 0] = 0.0
        return _normalize_rows(W) if self.normalize else W

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns of :meth:`transform`: ``T01``, ``T02`` ...

        The vocabulary (input terms) is :attr:`terms_`.
        """
        check_is_fitted(self, "model_")
        return np.asarray(self.topic_ids_, dtype=object)

    def _top_term_names(self, i: int, n: int) -> list[str]:
        h = self.components_[i]
        idx = np.lexsort((self.terms_.astype(str), -h))[:n]
        return [str(self.terms_[j]) for j in idx]

    def top_terms(self, n_terms: int = 10) -> pd.DataFrame:
        """Tidy table of the top terms: ``topic, label, rank, term, weight``.

        Terms are ordered by weight, ties by the term itself. Weights are the
        NMF components (or LDA topic-word probabilities).
        """
        check_is_fitted(self, "model_")
        rows = []
        for i, tid in enumerate(self.topic_ids_):
            h = self.components_[i]
            idx = np.lexsort((self.terms_.astype(str), -h))[:n_terms]
            for r, j in enumerate(idx, start=1):
                rows.append((tid, self.labels_[i], r, str(self.terms_[j]), float(h[j])))
        return pd.DataFrame(rows, columns=["topic", "label", "rank", "term", "weight"])

    def doc_topic_frame(self, X, index: Sequence[str] | None = None) -> pd.DataFrame:
        """:meth:`transform` as a DataFrame with one column per topic id."""
        return pd.DataFrame(self.transform(X), columns=self.topic_ids_, index=index)


# -- aggregation ----------------------------------------------------------
def _id_column(units: pd.DataFrame) -> str:
    for col in ("sent_id", "para_id", "doc_id"):
        if col in units.columns:
            return col
    raise KeyError("units table needs an id column: sent_id, para_id or doc_id")


def _as_matrix(doc_topic, units: pd.DataFrame, topics: Sequence[str] | None):
    if isinstance(doc_topic, pd.DataFrame):
        names = list(doc_topic.columns)
        M = doc_topic.to_numpy(dtype=np.float64)
    else:
        M = np.asarray(doc_topic, dtype=np.float64)
        if M.ndim != 2:
            raise ValueError(f"doc_topic must be 2-D, got shape {M.shape}")
        names = list(topics) if topics is not None else [f"T{i + 1:02d}" for i in range(M.shape[1])]
    if M.shape[0] != len(units):
        raise ValueError(
            f"doc_topic has {M.shape[0]} rows but units has {len(units)}; "
            "pass the same units in the same order"
        )
    if len(names) != M.shape[1]:
        raise ValueError(f"{len(names)} topic names for {M.shape[1]} columns")
    return M, names


def _groups(units: pd.DataFrame, by: str | Sequence[str]):
    """(group columns, {key: row positions}), missing keys kept as a group (the one grouping helper)."""
    from discourse.analysis.grouping import group_indices

    by = [by] if isinstance(by, str) else list(by)
    keys, pos = group_indices(units, by[0] if len(by) == 1 else by, dropna=False)
    return by, dict(zip(keys, pos))


def aggregate_topic_shares(
    doc_topic,
    units: pd.DataFrame,
    by: str | Sequence[str] = "doc_id",
    *,
    topics: Sequence[str] | None = None,
    weight=None,
) -> pd.DataFrame:
    """Mean topic proportion of the units in each group (no uncertainty).

    Units whose row is all zeros (no vocabulary) are left out of the mean;
    ``n_units`` counts the units used.

    Parameters
    ----------
    doc_topic : ndarray or DataFrame of shape (n_units, n_topics)
        Output of :meth:`TopicModel.transform` for *units*.
    units : DataFrame
        The modelling units in the same order, with the ``by`` columns.
    by : str or list of str
        Group columns, e.g. ``"doc_id"``, ``"city_en"``, ``["city_en", "date"]``.
    topics : list of str, optional
        Column names when *doc_topic* is an array (default ``T01``...).
    weight : None, "tokens", str or array-like, optional
        None (default): the unweighted mean over units. ``"tokens"``: each
        unit weighs its number of words (``len`` of the
        :class:`~discourse.analysis.vocab.TokenFilter`-ed ``tokens`` column),
        ``Σ n·θ / Σ n``, so a three-word heading does not count like an
        80-word paragraph. A column name or an array of per-unit weights
        works the same way.

    Returns
    -------
    DataFrame
        ``*by, topic, share, n_units`` sorted by group then topic.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["a", "a", "b"]})
    >>> aggregate_topic_shares(np.array([[1., 0.], [0., 1.], [1., 0.]]), units)
      doc_id topic  share  n_units
    0      a   T01    0.5        2
    1      a   T02    0.5        2
    2      b   T01    1.0        1
    3      b   T02    0.0        1
    """
    return topic_shares(doc_topic, units, by, topics=topics, n_boot=0, weight=weight)


def topic_shares(
    doc_topic,
    units: pd.DataFrame,
    by: str | Sequence[str] = "doc_id",
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: int | None = RANDOM_STATE,
    topics: Sequence[str] | None = None,
    weight=None,
) -> pd.DataFrame:
    """Topic shares per group with percentile bootstrap confidence intervals.

    The share of topic *t* in a group is the mean proportion of *t* over the
    group's units (paragraphs by default), weighted by *weight* when given.
    Its uncertainty comes from resampling the units *within* the group with
    replacement (``n_boot`` resamples, percentile interval;
    :func:`discourse.analysis.stats.bootstrap_ci` when unweighted). The fitted
    model is held fixed and units are resampled, not documents: the interval
    ignores the model's uncertainty and treats paragraphs of one document as
    independent. For intervals that refit the model on resampled documents
    use :func:`topic_prevalence`. Units without vocabulary are left out.
    A group with fewer than two units gets NaN bounds.

    Parameters
    ----------
    doc_topic, units, by, topics
        As in :func:`aggregate_topic_shares`.
    n_boot : int, default 1000
        Bootstrap resamples; 0 gives point estimates only (NaN bounds).
    ci : float, default 0.95
    random_state : int
    weight : None, "tokens", str or array-like, optional
        As in :func:`aggregate_topic_shares` (default None: unweighted).

    Returns
    -------
    DataFrame
        ``*by, topic, share, ci_low, ci_high, n_units`` (only ``share`` and
        ``n_units`` when ``n_boot=0``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> units = pd.DataFrame({"city_en": ["A", "A", "A", "B", "B"]})
    >>> dt = np.array([[1., 0.], [0.5, 0.5], [0., 1.], [1., 0.], [1., 0.]])
    >>> t = topic_shares(dt, units, "city_en", n_boot=200)
    >>> t[["city_en", "topic", "share", "n_units"]].round(2).values.tolist()[:2]
    [['A', 'T01', 0.5, 3], ['A', 'T02', 0.5, 3]]
    >>> bool((t.ci_low <= t.share).all() and (t.share <= t.ci_high).all())
    True
    """
    M, names = _as_matrix(doc_topic, units, topics)
    w_all = _unit_weights(units, weight)
    by, groups = _groups(units, by)
    rows = []
    rng = np.random.default_rng(random_state)
    for key, idx in groups.items():
        key = key if isinstance(key, tuple) else (key,)
        sub = M[idx]
        keep = sub.sum(axis=1) > 0
        sub = sub[keep]
        n = sub.shape[0]
        if w_all is None:
            share = sub.mean(axis=0) if n else np.full(M.shape[1], np.nan)
            if n_boot:
                lo, hi = bootstrap_ci(sub, n_boot=n_boot, ci=ci, random_state=rng)
        else:
            w = w_all[idx][keep]
            share = _weighted_share(sub, w)
            if n_boot:
                lo, hi = _weighted_bootstrap(sub, w, n_boot, ci, rng)
        for j, name in enumerate(names):
            row = [*key, name, float(share[j])]
            if n_boot:
                row += [float(lo[j]), float(hi[j])]
            rows.append(row + [n])
    cols = [*by, "topic", "share"] + (["ci_low", "ci_high"] if n_boot else []) + ["n_units"]
    out = pd.DataFrame(rows, columns=cols)
    for b in by:
        if isinstance(units[b].dtype, pd.CategoricalDtype):
            out[b] = out[b].astype(units[b].dtype)
    return out


def _unit_weights(units: pd.DataFrame, weight) -> np.ndarray | None:
    """Per-unit weights: None, ``"tokens"`` (words per unit), a column or an array."""
    if weight is None:
        return None
    if isinstance(weight, str):
        if weight == "tokens":
            flt = TokenFilter()
            w = np.array([len(flt(t)) for t in token_lists(units)], dtype=np.float64)
        elif weight in units.columns:
            w = pd.to_numeric(units[weight], errors="raise").to_numpy(dtype=np.float64)
        else:
            raise KeyError(f"weight {weight!r} is neither 'tokens' nor a column of the units table")
    else:
        w = np.asarray(weight, dtype=np.float64)
        if w.shape != (len(units),):
            raise ValueError(f"weight has shape {w.shape}, expected ({len(units)},)")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite and non-negative")
    return w


def _weighted_share(sub: np.ndarray, w: np.ndarray) -> np.ndarray:
    total = w.sum()
    if sub.shape[0] == 0 or total <= 0:
        return np.full(sub.shape[1], np.nan)
    return (w @ sub) / total


def _weighted_bootstrap(sub, w, n_boot, ci, rng):
    k = sub.shape[1]
    n = sub.shape[0]
    if n < 2:
        return np.full(k, np.nan), np.full(k, np.nan)
    reps = np.empty((n_boot, k))
    for b in range(n_boot):
        i = rng.integers(0, n, size=n)
        reps[b] = _weighted_share(sub[i], w[i])
    a = (1 - ci) / 2
    return np.nanquantile(reps, a, axis=0), np.nanquantile(reps, 1 - a, axis=0)


def _cosine_matched(H_ref: np.ndarray, terms_ref, H_new: np.ndarray, terms_new):
    """Hungarian matching of new topics to reference topics on term-weight cosine.

    Cosines are taken in the union vocabulary (a term missing from one fit
    has weight 0 there). Returns ``cols`` (new topic matched to each
    reference topic) and the matched similarities.
    """
    pos = {t: i for i, t in enumerate(terms_ref)}
    j_new = np.array([k for k, t in enumerate(terms_new) if t in pos], dtype=int)
    j_ref = np.array([pos[terms_new[k]] for k in j_new], dtype=int)
    dots = H_ref[:, j_ref] @ H_new[:, j_new].T
    norms = np.linalg.norm(H_ref, axis=1)[:, None] * np.linalg.norm(H_new, axis=1)[None, :]
    S = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
    rows, cols = linear_sum_assignment(S, maximize=True)
    order = np.argsort(rows)
    return cols[order], S[rows[order], cols[order]]


def _group_shares(theta: np.ndarray, w: np.ndarray, codes: np.ndarray, n_groups: int):
    """Σ w θ / Σ w per group over units with a non-empty θ row."""
    w = w * (theta.sum(axis=1) > 0)
    den = np.bincount(codes, weights=w, minlength=n_groups)
    num = np.stack([np.bincount(codes, weights=w * theta[:, t], minlength=n_groups)
                    for t in range(theta.shape[1])], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den[:, None]


def topic_prevalence(
    units: pd.DataFrame,
    model,
    by: str | Sequence[str],
    *,
    weight: str | None = "tokens",
    n_refits: int = 50,
    cluster: str = "doc_id",
    min_docs: int = 5,
    ci: float = 0.95,
    min_similarity: float = 0.5,
    tokens_col: str = "tokens",
    random_state: int | None = RANDOM_STATE,
    return_replicates: bool = False,
):
    """Topic prevalence per group with intervals that refit the topic model.

    **Estimate.** The reference model's share of topic *t* in group *g*:
    ``Σ_u n_u θ_ut / Σ_u n_u`` over the group's units with some vocabulary,
    where ``θ_u`` is the unit's topic proportions and ``n_u`` its number of
    tokens in the model's vocabulary (``weight="tokens"``; a column name
    gives other weights, ``None`` the unweighted mean of :func:`topic_shares`).

    **Interval.** ``n_refits`` times: draw documents (the *cluster* column)
    with replacement, within each group when the groups are constant within
    documents (so each group keeps its number of documents; otherwise from
    all documents); refit a clone of the model on the units of the drawn
    documents; match its topics to the reference topics by the Hungarian
    algorithm (:func:`scipy.optimize.linear_sum_assignment`) on the cosine
    similarity of their topic-term weights; recompute the group shares with
    the refit's θ and weights. The interval is the percentile interval of
    those shares. It therefore includes the sampling of documents and the
    instability of the fitted topics (a topic that comes out differently
    each time widens its own interval), not only the sampling of paragraphs
    under a fixed model as :func:`topic_shares` does.

    What this is not: stm's ``estimateEffect`` with the "method of
    composition" (Roberts, Stewart & Tingley 2019, "stm: An R package for
    structural topic models", J. Statistical Software 91(2), section 3.5)
    draws θ from the variational posterior of *one* fitted model and
    regresses each draw on covariates, propagating the uncertainty of θ
    given the topics. Here the topics themselves are re-estimated (NMF has
    no posterior to sample from), matched, and the documents resampled: a
    bootstrap approximation that captures between-fit variation and
    document sampling, but not the within-fit uncertainty of θ, and whose
    matching can pair a topic that did not reappear with its closest
    stand-in. ``match_similarity`` reports how well each topic reappears;
    topics with a median below ``min_similarity`` are flagged unstable and
    their intervals should be read as the spread of different topics.

    Parameters
    ----------
    units : DataFrame
        Modelling units with *tokens_col*, the *by* columns and *cluster*.
    model : TopicModel or callable
        A fitted :class:`TopicModel` (the reference; fitted on *units*), an
        unfitted one (fitted on *units* here), or a factory
        ``f(random_state) -> unfitted TopicModel``. Refits use
        :func:`sklearn.base.clone` (or the factory) with the same
        parameters; with the default ``init="nndsvda"`` they are
        deterministic given the resample.
    by : str or list of str
        Group columns (e.g. ``"year"``, ``["year", "level"]``).
    weight : "tokens", str or None, default "tokens"
    n_refits : int, default 50
    cluster : str, default "doc_id"
        The resampled unit (documents; a place column for place-level claims).
    min_docs : int, default 5
        Groups with fewer distinct clusters get no interval (NaN bounds and
        a ``note`` saying why): a percentile interval from so few documents
        has too few distinct resamples to mean anything.
    ci : float, default 0.95
    min_similarity : float, default 0.5
        Median matched cosine below which a topic is flagged ``stable=False``.
    tokens_col : str, default "tokens"
    random_state : int
    return_replicates : bool, default False
        Also return the long table of refit shares (``refit, *by, topic,
        share, similarity, n_tokens``): ``n_tokens`` is the refit's total
        weight of the group's resampled units with some vocabulary (their
        tokens in the refit's vocabulary with ``weight="tokens"``), the
        denominator of its share, so that coarser margins (by year alone,
        by level alone) can be formed from the same refits
        (:func:`prevalence_margins`).

    Returns
    -------
    DataFrame
        ``*by, topic, label, share, ci_low, ci_high, n_docs, n_units,
        n_tokens, match_similarity, stable, n_refits, note`` sorted by group
        then topic; ``note`` is NA or the reason for a missing interval.
        With ``return_replicates=True`` a tuple (table, replicates).

    Examples
    --------
    >>> import pandas as pd
    >>> a, b = ["核酸", "检测", "筛查"], ["疫苗", "接种", "加强"]
    >>> rows = [{"doc_id": f"d{i}", "year": 2020 + i % 2, "tokens": (a if j % 2 else b) * (1 + j)}
    ...         for i in range(12) for j in range(3)]
    >>> units = pd.DataFrame(rows)
    >>> tab = topic_prevalence(units, TopicModel(n_components=2), "year", n_refits=5)
    >>> tab[["year", "topic", "n_docs"]].values.tolist()[:2]
    [[2020, 'T01', 6], [2020, 'T02', 6]]
    >>> bool((tab.ci_low <= tab.share + 1e-9).all())
    True
    """
    if not isinstance(units, pd.DataFrame):
        raise TypeError("units must be a DataFrame with tokens, group and cluster columns")
    if cluster not in units.columns:
        raise KeyError(f"units table has no cluster column {cluster!r}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci}")
    if n_refits < 0:
        raise ValueError(f"n_refits must be >= 0, got {n_refits}")
    docs = list(token_lists(units, tokens_col))
    by_cols, groups = _groups(units, by)
    keys = list(groups)
    codes = np.empty(len(units), dtype=np.int64)
    for g, key in enumerate(keys):
        codes[groups[key]] = g
    G = len(keys)

    # reference model
    if isinstance(model, BaseEstimator):
        if hasattr(model, "model_"):
            ref = model
        else:
            ref = clone(model).fit(docs)

        def make(seed):
            return clone(ref).set_params(random_state=int(seed))
    elif callable(model):
        ref = model(random_state).fit(docs)
        make = model
    else:
        raise TypeError(f"model must be a TopicModel or a factory, got {type(model).__name__}")

    # token counts over the full vocabulary once; any fit's vocabulary is a subset
    counter = CountVectorizer(analyzer=ref.vectorizer_.analyzer, lowercase=False)
    C = counter.fit_transform(docs).tocsc()
    full_pos = {t: i for i, t in enumerate(counter.get_feature_names_out())}

    def vocab_tokens(rows, terms) -> np.ndarray:
        cols = [full_pos[t] for t in terms if t in full_pos]
        return np.asarray(C[:, cols].sum(axis=1)).ravel()[rows] if len(rows) else np.zeros(0)

    all_rows = np.arange(len(units))
    if weight == "tokens":
        w_ref = vocab_tokens(all_rows, ref.terms_).astype(np.float64)
    else:
        w_ref = _unit_weights(units, weight)
        if w_ref is None:
            w_ref = np.ones(len(units))
    theta_ref = _normalize_rows(ref.transform(docs))
    estimate = _group_shares(theta_ref, w_ref, codes, G)
    nonempty = theta_ref.sum(axis=1) > 0

    clusters = units[cluster].astype(str).to_numpy()
    n_docs = np.array([len(set(clusters[groups[k]])) for k in keys])
    n_units = np.bincount(codes, weights=nonempty.astype(float), minlength=G).astype(int)
    n_tok = np.bincount(codes, weights=w_ref * nonempty, minlength=G)

    # resampling plan: clusters within strata (groups) when groups are doc-level
    cl_codes, cl_names = pd.factorize(clusters, sort=True)
    rows_of = pd.Series(np.arange(len(units))).groupby(cl_codes).apply(np.asarray).to_dict()
    per_cluster_groups = pd.Series(codes).groupby(cl_codes).nunique()
    stratified = bool((per_cluster_groups <= 1).all())
    if stratified:
        strata = [np.unique(cl_codes[groups[k]]) for k in keys]
    else:
        strata = [np.arange(len(cl_names))]

    rng = np.random.default_rng(random_state)
    seeds = rng.integers(0, 2**31 - 1, size=n_refits)
    K = ref.n_components
    reps = np.full((n_refits, G, K), np.nan)
    totals = np.zeros((n_refits, G))
    sims = np.full((n_refits, K), np.nan)
    for r in range(n_refits):
        drawn = np.concatenate([st[rng.integers(0, len(st), size=len(st))] for st in strata])
        idx = np.concatenate([rows_of[c] for c in drawn])
        sub_docs = [docs[i] for i in idx]
        fit = make(seeds[r])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            W = _normalize_rows(fit.fit_transform(sub_docs))
        cols, sim = _cosine_matched(ref.components_, list(ref.terms_), fit.components_,
                                    list(fit.terms_))
        sims[r] = sim
        theta = W[:, cols]
        if weight == "tokens":
            w = vocab_tokens(idx, fit.terms_).astype(np.float64)
        else:
            w = w_ref[idx]
        reps[r] = _group_shares(theta, w, codes[idx], G)
        totals[r] = np.bincount(codes[idx], weights=w * (theta.sum(axis=1) > 0), minlength=G)

    a = (1 - ci) / 2
    med_sim = np.nanmedian(sims, axis=0) if n_refits else np.full(K, np.nan)
    rows = []
    for g, key in enumerate(keys):
        key = key if isinstance(key, tuple) else (key,)
        enough = n_docs[g] >= min_docs
        for t in range(K):
            vals = reps[:, g, t]
            vals = vals[np.isfinite(vals)]
            if not n_refits:
                lo = hi = np.nan
                note = "no refits requested"
            elif not enough:
                lo = hi = np.nan
                note = f"no interval: {n_docs[g]} {cluster} value(s), fewer than min_docs={min_docs}"
            elif len(vals) < 2:
                lo = hi = np.nan
                note = "no interval: the group had no vocabulary in the refits"
            else:
                lo, hi = np.quantile(vals, a), np.quantile(vals, 1 - a)
                note = pd.NA
            rows.append([*key, ref.topic_ids_[t], ref.labels_[t], float(estimate[g, t]),
                         float(lo), float(hi), int(n_docs[g]), int(n_units[g]), float(n_tok[g]),
                         float(med_sim[t]), bool(med_sim[t] >= min_similarity), int(len(vals)), note])
    # the topic's label column is "topic_label" when the groups are themselves called "label"
    label_col = "topic_label" if "label" in by_cols else "label"
    cols_out = [*by_cols, "topic", label_col, "share", "ci_low", "ci_high", "n_docs", "n_units",
                "n_tokens", "match_similarity", "stable", "n_refits", "note"]
    out = pd.DataFrame(rows, columns=cols_out)
    out["note"] = out["note"].astype("string")
    for b in by_cols:
        if isinstance(units[b].dtype, pd.CategoricalDtype):
            out[b] = out[b].astype(units[b].dtype)
    if not return_replicates:
        return out
    rep_rows = []
    for r in range(n_refits):
        for g, key in enumerate(keys):
            key = key if isinstance(key, tuple) else (key,)
            for t in range(K):
                rep_rows.append([r, *key, ref.topic_ids_[t], float(reps[r, g, t]), float(sims[r, t]),
                                 float(totals[r, g])])
    replicates = pd.DataFrame(rep_rows, columns=["refit", *by_cols, "topic", "share", "similarity",
                                                 "n_tokens"])
    for b in by_cols:
        if isinstance(units[b].dtype, pd.CategoricalDtype):
            replicates[b] = replicates[b].astype(units[b].dtype)
    return out, replicates


def prevalence_margins(
    table: pd.DataFrame,
    replicates: pd.DataFrame,
    by: str | Sequence[str],
    *,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Topic prevalence over coarser groups, from the cells and refits of one :func:`topic_prevalence`.

    With ``table, replicates = topic_prevalence(units, model, ["year",
    "level"], return_replicates=True)``, ``prevalence_margins(table,
    replicates, "year")`` gives the shares by year from the *same* refits:
    the margin's share is ``Σ_cells share · n_tokens / Σ_cells n_tokens``
    (the token-weighted share of the pooled cells, equal to fitting the
    margin directly with the reference model), computed for the reference
    (from *table*) and for every refit (from *replicates*); the interval is
    the percentile interval over refits. Margins and cells thus share one
    resampling and one set of matched topics, instead of refitting the
    model once per margin.

    Parameters
    ----------
    table, replicates : DataFrame
        The two outputs of :func:`topic_prevalence` with
        ``return_replicates=True``.
    by : str or list of str
        Some of the table's group columns (an empty list: all cells pooled).
    ci : float, default 0.95

    Returns
    -------
    DataFrame
        ``*by, topic, label, share, ci_low, ci_high, n_units, n_tokens,
        match_similarity, stable, n_refits, note``. There is no
        ``n_docs``: a cluster can lie in several cells (a province in
        several levels), so the cells' counts do not add up to the
        margin's; count the margin's clusters from the units when needed.

    Examples
    --------
    >>> import pandas as pd
    >>> a, b = ["核酸", "检测", "筛查"], ["疫苗", "接种", "加强"]
    >>> rows = [{"doc_id": f"d{i}", "year": 2020 + i % 2, "level": "AB"[i % 3 == 0],
    ...          "tokens": (a if j % 2 else b) * (1 + j)} for i in range(12) for j in range(3)]
    >>> units = pd.DataFrame(rows)
    >>> tab, reps = topic_prevalence(units, TopicModel(n_components=2), ["year", "level"],
    ...                              n_refits=5, return_replicates=True)
    >>> m = prevalence_margins(tab, reps, "year")
    >>> direct = topic_prevalence(units, TopicModel(n_components=2), "year", n_refits=0)
    >>> bool(((m.share - direct.share).abs() < 1e-12).all())
    True
    """
    by = [by] if isinstance(by, str) else list(by)
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci}")
    for name, t, need in (("table", table, ["topic", "label", "share", "n_units", "n_tokens",
                                            "match_similarity", "stable"]),
                          ("replicates", replicates, ["refit", "topic", "share", "n_tokens"])):
        miss = [c for c in [*by, *need] if c not in t.columns]
        if miss:
            raise KeyError(f"{name} lacks column(s) {miss}; pass the outputs of topic_prevalence("
                           f"..., return_replicates=True) grouped by a superset of {by}")
    keys = [*by, "topic"]

    def pooled(t: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
        ok = np.isfinite(t["share"].to_numpy(float)) & (t["n_tokens"].to_numpy(float) > 0)
        d = t.loc[ok, [*extra, *keys]].assign(_num=(t["share"] * t["n_tokens"])[ok],
                                              _den=t["n_tokens"][ok])
        g = d.groupby([*extra, *keys], sort=True, observed=True, dropna=False)[["_num", "_den"]].sum()
        return (g["_num"] / g["_den"]).rename("share").reset_index()

    est = pooled(table, [])
    sizes = table.groupby(keys, sort=True, observed=True, dropna=False).agg(
        label=("label", "first"), n_units=("n_units", "sum"), n_tokens=("n_tokens", "sum"),
        match_similarity=("match_similarity", "first"), stable=("stable", "first")).reset_index()
    out = sizes.merge(est, on=keys, how="left")
    rep = pooled(replicates, ["refit"])
    a = (1 - ci) / 2
    q = rep.groupby(keys, sort=True, observed=True, dropna=False)["share"].agg(
        ci_low=lambda v: np.quantile(v, a) if len(v) >= 2 else np.nan,
        ci_high=lambda v: np.quantile(v, 1 - a) if len(v) >= 2 else np.nan,
        n_refits="size").reset_index()
    out = out.merge(q, on=keys, how="left")
    out["n_refits"] = out["n_refits"].fillna(0).astype(int)
    out["note"] = pd.Series(np.where(out["n_refits"] >= 2, None,
                                     "no interval: fewer than two refits with vocabulary in the margin"),
                            dtype="string")
    cols = [*by, "topic", "label", "share", "ci_low", "ci_high", "n_units", "n_tokens",
            "match_similarity", "stable", "n_refits", "note"]
    return out[cols].sort_values(keys, kind="mergesort").reset_index(drop=True)


# -- topic table ----------------------------------------------------------
def topic_table(
    model: TopicModel,
    units: pd.DataFrame,
    *,
    glosses: Callable[[str], str | None] | None = None,
    n_terms: int = 10,
    n_examples: int = 2,
    text_col: str = "text",
    id_col: str | None = None,
    tokens_col: str = "tokens",
) -> pd.DataFrame:
    """One row per topic: label, prevalence, top terms, glosses, examples.

    Parameters
    ----------
    model : fitted TopicModel
    units : DataFrame
        Units with ``tokens`` and ``text`` columns (usually those the model
        was fitted on); the representative units are the ones with the
        highest proportion of the topic (ties: first in table order).
    glosses : callable, optional
        ``term -> English gloss`` (or None when unknown). Default: no glosses.
    n_terms, n_examples : int
    text_col, id_col, tokens_col : str
        ``id_col`` defaults to the first of ``sent_id``, ``para_id``, ``doc_id``.

    Returns
    -------
    DataFrame
        ``topic, label, prevalence, n_dominant, terms, weights, glosses,
        example_ids, example_texts``; ``terms`` and ``glosses`` are joined
        with " / ", ``weights`` rounded to 3 decimals and joined with " / ",
        ``example_ids`` with "; " and ``example_texts`` with "\\n".
        ``n_dominant`` counts the units whose largest proportion is this topic.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"para_id": ["a:p001", "a:p002", "b:p001", "b:p002"],
    ...     "text": ["核酸检测", "疫苗接种", "核酸筛查", "接种疫苗"],
    ...     "tokens": [["核酸", "检测"], ["疫苗", "接种"], ["核酸", "筛查"], ["接种", "疫苗"]]})
    >>> tm = TopicModel(n_components=2).fit(units)
    >>> tab = topic_table(tm, units, n_terms=2, n_examples=1)
    >>> tab.columns.tolist()[:4]
    ['topic', 'label', 'prevalence', 'n_dominant']
    """
    check_is_fitted(model, "model_")
    id_col = id_col or _id_column(units)
    dt = model.transform(token_lists(units, tokens_col))
    nonempty = dt.sum(axis=1) > 0
    dominant = np.where(nonempty, dt.argmax(axis=1), -1)
    top = model.top_terms(n_terms)
    ids = units[id_col].astype(str).to_numpy()
    texts = units[text_col].astype(str).to_numpy() if text_col in units.columns else None
    rows = []
    for i, tid in enumerate(model.topic_ids_):
        t = top[top.topic == tid]
        terms = t.term.tolist()
        gl = ""
        if glosses is not None:
            gl = " / ".join(str(glosses(x) or "?") for x in terms)
        order = np.lexsort((np.arange(len(dt)), -dt[:, i]))
        order = [j for j in order if dt[j, i] > 0][:n_examples]
        rows.append(
            {
                "topic": tid,
                "label": model.labels_[i],
                "prevalence": float(model.prevalence_[i]),
                "n_dominant": int((dominant == i).sum()),
                "terms": " / ".join(terms),
                "weights": " / ".join(f"{w:.3f}" for w in t.weight),
                "glosses": gl if glosses is not None else pd.NA,
                "example_ids": "; ".join(ids[j] for j in order),
                "example_texts": "\n".join(texts[j] for j in order) if texts is not None else pd.NA,
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "TopicModel",
    "aggregate_topic_shares",
    "topic_shares",
    "topic_prevalence",
    "prevalence_margins",
    "topic_table",
]
