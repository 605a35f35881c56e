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
