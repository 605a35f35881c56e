"""c-TF-IDF: hand-computed weights and the scikit-learn extension contract."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfTransformer

from discourse.analysis.ctfidf import ClassTfidfTransformer, class_tfidf_terms

# classes x terms; f = [3, 4, 1, 4]; class sizes 6 and 6 -> A = 6
X = np.array([[3, 2, 1, 0], [0, 2, 0, 4]])


def test_is_a_tfidf_transformer():
    assert issubclass(ClassTfidfTransformer, TfidfTransformer)
    ct = ClassTfidfTransformer(bm25_weighting=True)
    assert clone(ct).get_params() == ct.get_params()


def test_weights_by_hand():
    W = ClassTfidfTransformer().fit_transform(X).toarray()
    A = 6.0
    idf = [math.log(1 + A / f) for f in (3, 4, 1, 4)]
    expected = np.array([[3 / 6 * idf[0], 2 / 6 * idf[1], 1 / 6 * idf[2], 0],
                         [0, 2 / 6 * idf[1], 0, 4 / 6 * idf[3]]])
    assert W == pytest.approx(expected)
    assert ClassTfidfTransformer().fit(X).avg_words_per_class_ == 6.0


def test_options_by_hand():
    A = 6.0
    bm = ClassTfidfTransformer(bm25_weighting=True).fit(X)
    assert bm.idf_[0] == pytest.approx(math.log(1 + (A - 3 + 0.5) / (3 + 0.5)))
    W = ClassTfidfTransformer(reduce_frequent_words=True).fit_transform(X).toarray()
    assert W[0, 0] == pytest.approx(math.sqrt(3 / 6) * math.log(1 + A / 3))
    W = ClassTfidfTransformer(norm="l2").fit_transform(X).toarray()
    assert np.linalg.norm(W, axis=1) == pytest.approx([1.0, 1.0])
    tf = ClassTfidfTransformer(use_idf=False).fit_transform(X).toarray()
    assert tf == pytest.approx(X / 6.0)


def test_absent_term_gets_zero_idf():
    ct = ClassTfidfTransformer().fit(np.array([[1, 0], [2, 0]]))
    assert ct.idf_[1] == 0.0 and np.isfinite(ct.idf_).all()


def test_class_tfidf_terms_by_group():
    units = pd.DataFrame({
        "period": ["2020", "2020", "2022", "2022"],
        "tokens": [["常态化", "防控", "〔NUM〕"], ["常态化", "监测"], ["优化", "防控"], ["优化", "二十条"]],
    })
    t = class_tfidf_terms(units, "period", n_terms=2)
    assert list(t.columns) == ["period", "rank", "term", "score", "freq", "class_words"]
    assert t[t["rank"] == 1][["period", "term"]].values.tolist() == [["2020", "常态化"], ["2022", "优化"]]
    assert "〔NUM〕" not in set(t.term)
    assert t.class_words.tolist() == [4, 4, 4, 4]
    # rank 2 ties (监测 / 防控 in 2020) are broken by the term
    assert t[(t.period == "2020") & (t["rank"] == 2)].term.item() == "监测"
