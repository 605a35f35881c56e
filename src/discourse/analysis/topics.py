"""Topic models over pre-tokenised units: TF-IDF + NMF (default) or counts + LDA.

The modelling unit is whatever rows are passed: paragraphs in the notebooks,
sentences or whole documents as options. Topic proportions per unit are
aggregated back to documents, cities or dates with
:func:`aggregate_topic_shares` (point estimates) or
:func:`topic_shares` (with bootstrap confidence intervals that resample the
units inside each group, in the spirit of stm's ``estimateEffect``).

Topics are put in a deterministic order (by prevalence in the fitted data,
ties broken by their first top term) and labelled ``"T01: 核酸 / 检测 / 隔离"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import NMF, LatentDirichletAllocation
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

    def _fit(self, X) -> np.ndarray:
        self._validate()
        docs = token_lists(X)
        self.vectorizer_ = self._make_vectorizer()
        M = self.vectorizer_.fit_transform(docs)
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
    by = [by] if isinstance(by, str) else list(by)
    missing = [b for b in by if b not in units.columns]
    if missing:
        raise KeyError(f"units table has no column(s) {missing}")
    keys = units[by].reset_index(drop=True)
    grouped = keys.groupby(by, sort=True, dropna=False, observed=True).indices
    return by, grouped


def aggregate_topic_shares(
    doc_topic,
    units: pd.DataFrame,
    by: str | Sequence[str] = "doc_id",
    *,
    topics: Sequence[str] | None = None,
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
    return topic_shares(doc_topic, units, by, topics=topics, n_boot=0)


def topic_shares(
    doc_topic,
    units: pd.DataFrame,
    by: str | Sequence[str] = "doc_id",
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: int | None = RANDOM_STATE,
    topics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Topic shares per group with percentile bootstrap confidence intervals.

    The share of topic *t* in a group is the mean proportion of *t* over the
    group's units (paragraphs by default). Its uncertainty comes from
    resampling the units *within* the group with replacement (``n_boot``
    resamples, percentile interval; :func:`discourse.analysis.stats.bootstrap_ci`),
    in the spirit of stm's ``estimateEffect`` (which propagates uncertainty
    through a regression of topic proportions on covariates; here the
    covariate is the group itself). Units without vocabulary are left out.
    A group with fewer than two units gets NaN bounds.

    Parameters
    ----------
    doc_topic, units, by, topics
        As in :func:`aggregate_topic_shares`.
    n_boot : int, default 1000
        Bootstrap resamples; 0 gives point estimates only (NaN bounds).
    ci : float, default 0.95
    random_state : int

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
    by, groups = _groups(units, by)
    rows = []
    rng = np.random.default_rng(random_state)
    for key, idx in groups.items():
        key = key if isinstance(key, tuple) else (key,)
        sub = M[idx]
        sub = sub[sub.sum(axis=1) > 0]
        n = sub.shape[0]
        share = sub.mean(axis=0) if n else np.full(M.shape[1], np.nan)
        if n_boot:
            lo, hi = bootstrap_ci(sub, n_boot=n_boot, ci=ci, random_state=rng)
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


__all__ = ["TopicModel", "aggregate_topic_shares", "topic_shares", "topic_table"]
