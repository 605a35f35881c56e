"""Cosine similarity on TF-IDF and average-linkage clustering."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import linkage
from sklearn.metrics.pairwise import cosine_similarity

from discourse.analysis.similarity import (
    cluster_documents,
    cluster_linkage,
    document_similarity,
    tfidf_matrix,
)


@pytest.fixture
def units() -> pd.DataFrame:
    # d1 and d2 share their vocabulary, d3 and d4 theirs; paragraphs joined per doc
    rows = [
        ("d2", ["核酸", "检测", "筛查"]), ("d1", ["核酸", "检测"]), ("d1", ["筛查", "〔NUM〕"]),
        ("d3", ["疫苗", "接种"]), ("d4", ["疫苗", "接种", "老年人"]), ("d3", ["老年人", "核酸"]),
    ]
    return pd.DataFrame(rows, columns=["doc_id", "tokens"])


def test_square_matrix_properties(units):
    S = document_similarity(units)
    assert S.index.tolist() == ["d1", "d2", "d3", "d4"] == S.columns.tolist()
    assert np.allclose(S, S.T) and np.allclose(np.diag(S), 1.0)
    assert S.loc["d1", "d2"] == pytest.approx(1.0)  # same bag of words
    assert S.loc["d2", "d4"] == pytest.approx(0.0)  # no shared word
    X, labels, _ = tfidf_matrix(units)
    assert S.to_numpy() == pytest.approx(cosine_similarity(X))


def test_tidy_form(units):
    t = document_similarity(units, form="tidy")
    assert list(t.columns) == ["a", "b", "similarity"] and len(t) == 6
    assert (t.a < t.b).all() and t.similarity.is_monotonic_decreasing
    assert tuple(t.iloc[0][["a", "b"]]) == ("d1", "d2")


def test_linkage_is_scipy_average_cosine(units):
    S = document_similarity(units)
    X, _, _ = tfidf_matrix(units)
    ours = cluster_linkage(S)
    ref = linkage(X.toarray(), method="average", metric="cosine")
    assert np.sort(ours[:, 2]) == pytest.approx(np.sort(ref[:, 2]), abs=1e-12)


def test_clusters_and_deterministic_order(units):
    c = cluster_documents(document_similarity(units), n_clusters=2)
    assert list(c.columns) == ["doc_id", "order", "cluster"]
    groups = c.groupby("cluster").doc_id.apply(frozenset).tolist()
    assert set(groups) == {frozenset({"d1", "d2"}), frozenset({"d3", "d4"})}
    shuffled = units.sample(frac=1.0, random_state=3)
    assert cluster_documents(document_similarity(shuffled), n_clusters=2).equals(c)
    assert cluster_documents(document_similarity(units)).cluster.nunique() == 4


def test_bad_form(units):
    with pytest.raises(ValueError, match="form"):
        document_similarity(units, form="long")


# --- similarity against its noise ------------------------------------------------------

from discourse.analysis.similarity import similarity_null, split_half_similarity


def _synthetic(seed=0, n_units=12, length=25):
    """Texts A and B drawn from one word distribution, C from another."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i:02d}" for i in range(40)]
    p1 = rng.dirichlet(np.full(40, 0.5))
    p2 = rng.dirichlet(np.full(40, 0.5))
    rows = []
    for doc, p in (("A", p1), ("B", p1), ("C", p2)):
        for u in range(n_units):
            rows.append({"doc_id": doc, "tokens": list(rng.choice(vocab, length, p=p))})
    return pd.DataFrame(rows)


def test_similarity_null_separates_same_and_different_sources():
    units = _synthetic()
    r = similarity_null(units, n_permutations=199, n_splits=50).set_index(["a", "b"])
    same, diff = r.loc[("A", "B")], r.loc[("A", "C")]
    assert not same.differs and same.null_low <= same.similarity <= same.null_high
    assert diff.differs and diff.similarity < diff.null_low
    assert diff.p_value == pytest.approx(1 / 200)  # below every permuted value
    assert r.loc[("B", "C")].differs
    # length-matched: halves of A vs halves of B look like halves of A vs A; C does not
    assert abs(same.half_mean - same.within_a) < 0.1
    assert diff.half_mean < diff.within_a - 0.1
    # observed values are document_similarity's
    sq = document_similarity(units)
    assert same.similarity == pytest.approx(sq.loc["A", "B"])
    assert diff.similarity == pytest.approx(sq.loc["A", "C"])


def test_split_half_baseline_by_hand():
    # two units with the same tokens: every split gives identical halves -> similarity 1
    units = pd.DataFrame({"doc_id": ["a", "a", "b"], "tokens": [["x", "y"], ["x", "y"], ["z"]]})
    t = split_half_similarity(units, n_splits=10).set_index("doc_id")
    assert t.loc["a", "within_mean"] == pytest.approx(1.0)
    assert t.loc["a", "n_units"] == 2 and np.isnan(t.loc["b", "within_mean"])
    a = split_half_similarity(_synthetic(), n_splits=30, random_state=4)
    b = split_half_similarity(_synthetic(), n_splits=30, random_state=4)
    pd.testing.assert_frame_equal(a, b)
