"""Streaming TF-IDF + MiniBatchNMF over batches, and the on-disk token store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from discourse.analysis.streaming import StreamingTfidfVectorizer, fit_minibatch_nmf, stream_group_shares
from discourse.segment.store import TokenStore


def _docs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(60)]
    p = 1 / np.arange(1, 61) ** 1.1
    p /= p.sum()
    return [list(rng.choice(vocab, size=rng.integers(0, 25), p=p)) for _ in range(n)]


def _batches(docs, sizes=(37, 100, 1, 0, 162)):
    out, a = [], 0
    for s in sizes:
        out.append(docs[a:a + s])
        a += s
    assert a == len(docs)
    return out


@pytest.mark.parametrize("min_df,max_df", [(2, 0.8), (0.05, 1.0), (1, 50), (3, 0.5)])
def test_vectorizer_matches_sklearn_fitted_at_once(min_df, max_df):
    docs = _docs()
    ref = TfidfVectorizer(analyzer=lambda t: t, min_df=min_df, max_df=max_df)
    X_ref = ref.fit_transform(docs)
    vec = StreamingTfidfVectorizer(min_df=min_df, max_df=max_df).fit(_batches(docs))
    assert vec.get_feature_names_out().tolist() == ref.get_feature_names_out().tolist()
    np.testing.assert_allclose(vec.idf_, ref.idf_)
    X = np.vstack([vec.transform(b).toarray() for b in _batches(docs)])
    np.testing.assert_allclose(X, X_ref.toarray(), atol=1e-12)


def test_vectorizer_partial_fit_equals_fit_and_fit_resets():
    docs = _docs()
    a = StreamingTfidfVectorizer(min_df=2)
    for b in _batches(docs):
        a.partial_fit(b)
    b = StreamingTfidfVectorizer(min_df=2).fit([docs[:10]]).fit(_batches(docs))  # second fit starts again
    assert a.n_documents_ == b.n_documents_ == len(docs)
    assert a.vocabulary_ == b.vocabulary_


def test_vectorizer_errors_are_clear():
    with pytest.raises(TypeError, match="token lists"):
        StreamingTfidfVectorizer().partial_fit(["核酸 检测"])
    with pytest.raises(ValueError, match="no units seen"):
        StreamingTfidfVectorizer().get_feature_names_out()
    with pytest.raises(ValueError, match="no term is left"):
        StreamingTfidfVectorizer(min_df=3).fit([[["a"], ["b"], ["a", "b"], ["c"]]])
    with pytest.raises(ValueError, match="min_df"):
        StreamingTfidfVectorizer(min_df=-1).fit([[["a"]]])


def _planted(n_per=120, seed=3):
    """Units from three topics with disjoint vocabularies."""
    rng = np.random.default_rng(seed)
    docs, topic = [], []
    for k in range(3):
        vocab = [f"t{k}_{i}" for i in range(15)]
        for _ in range(n_per):
            docs.append(list(rng.choice(vocab, size=12)))
            topic.append(k)
    order = rng.permutation(len(docs))
    return [docs[i] for i in order], np.array(topic)[order]


def test_minibatch_nmf_recovers_planted_topics_and_is_deterministic():
    docs, topic = _planted()
    vec = StreamingTfidfVectorizer().fit([docs])
    parts = [vec.transform(docs[a:a + 90]) for a in range(0, len(docs), 90)]
    m1 = fit_minibatch_nmf(lambda: iter(parts), n_components=3, n_epochs=5, batch_size=64, random_state=7)
    m2 = fit_minibatch_nmf(lambda: iter(parts), n_components=3, n_epochs=5, batch_size=64, random_state=7)
    np.testing.assert_array_equal(m1.components_, m2.components_)
    terms = vec.get_feature_names_out()
    # each fitted topic's top terms come from one planted topic, and all three are found
    owners = {str(terms[j]).split("_")[0] for j in m1.components_.argmax(axis=1)}
    assert owners == {"t0", "t1", "t2"}
    W = np.vstack([m1.transform(p) for p in parts])
    found = W.argmax(axis=1)
    agree = pd.crosstab(found, topic).max(axis=1).sum() / len(topic)
    assert agree > 0.95


def test_minibatch_nmf_needs_rows():
    with pytest.raises(ValueError, match="no rows"):
        fit_minibatch_nmf(lambda: iter([]), n_components=2)
    with pytest.raises(ValueError, match="n_epochs"):
        fit_minibatch_nmf(lambda: iter([]), n_components=2, n_epochs=0)


def test_group_shares_equal_the_in_memory_table():
    docs, _topic = _planted(n_per=40)
    units = pd.DataFrame({"level": np.tile(["a", "b", "c"], 40), "year": np.repeat([2020, 2021], 60),
                          "n": [len(d) for d in docs]})
    vec = StreamingTfidfVectorizer().fit([docs])
    X = vec.transform(docs)
    model = NMF(n_components=3, init="nndsvda", random_state=0, max_iter=400).fit(X)
    parts = [(units.iloc[a:a + 25], X[a:a + 25]) for a in range(0, len(docs), 25)]
    got = stream_group_shares(parts, model, by=["level", "year"], weight="n")
    W = model.transform(X)
    P = W / W.sum(axis=1, keepdims=True)
    ref = pd.DataFrame(P * units["n"].to_numpy()[:, None], columns=["T01", "T02", "T03"])
    ref[["level", "year"]] = units[["level", "year"]]
    ref["w"] = units["n"]
    ref = ref.groupby(["level", "year"]).sum()
    for row in got.itertuples():
        r = ref.loc[(row.level, row.year)]
        assert row.weight == r["w"]
        np.testing.assert_allclose([row.T01, row.T02, row.T03], r[["T01", "T02", "T03"]].to_numpy() / r["w"])
    assert got["n_units"].sum() == len(docs)


def test_token_store_round_trip_order_and_atomic(tmp_path):
    store = TokenStore(tmp_path / "store")
    assert store.parts() == [] and list(store.read()) == []
    frames = {i: pd.DataFrame({"doc_id": [f"d{i}", f"e{i}"], "year": [2020 + i, 2021], "tokens": [["核酸", "检测"], []]})
              for i in (0, 2, 10)}
    for i in (10, 0, 2):
        store.write(i, frames[i])
    (store.folder / ".part-00003.parquet.tmp-abc").write_bytes(b"half")  # a crashed writer's leftover
    assert [p.name for p in store.parts()] == ["part-00000.parquet", "part-00002.parquet", "part-00010.parquet"]
    back = list(store.read())
    for got, i in zip(back, (0, 2, 10)):
        pd.testing.assert_frame_equal(got, frames[i])
    assert store.n_units() == 6


def test_token_store_errors_name_the_part(tmp_path):
    store = TokenStore(tmp_path)
    with pytest.raises(TypeError, match="part 4, row 1"):
        store.write(4, pd.DataFrame({"tokens": [["a"], "a b"]}))
    with pytest.raises(KeyError, match="no 'tokens' column"):
        store.write(0, pd.DataFrame({"x": [1]}))
    store.part_path(1).write_bytes(b"not parquet")
    with pytest.raises(OSError, match="part-00001.parquet"):
        list(store.read())
