"""TopicModel on planted topics, topic shares and the topic table."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from discourse.analysis.topics import (
    TopicModel,
    aggregate_topic_shares,
    topic_prevalence,
    topic_shares,
    topic_table,
)

TESTING = ["核酸", "检测", "筛查", "采样", "阳性", "防"]  # "防": one-character word kept
VACCINE = ["疫苗", "接种", "加强针", "老年人", "免疫"]


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    """Two planted topics: testing in 9 paragraphs, vaccination in 5.

    doc a (city A): 6 testing + 1 vaccine; doc b (city B): 3 testing + 4 vaccine;
    plus one paragraph that holds only a placeholder and punctuation.
    """
    rng = random.Random(1)
    rows = []
    plan = {"a": ["T"] * 6 + ["V"], "b": ["T"] * 3 + ["V"] * 4}
    for doc, kinds in plan.items():
        for i, kind in enumerate(kinds, start=1):
            vocab = TESTING if kind == "T" else VACCINE
            toks = rng.sample(vocab, 4) + ["〔NUM〕", "，"]
            rows.append({"doc_id": doc, "para_id": f"{doc}:p{i:03d}", "city_en": doc.upper(),
                         "kind": kind, "text": "".join(toks), "tokens": toks})
    rows.append({"doc_id": "b", "para_id": "b:p008", "city_en": "B", "kind": "-",
                 "text": "〔XX〕。", "tokens": ["〔XX〕", "。"]})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_recovers_planted_topics_in_prevalence_order(units, method):
    tm = TopicModel(n_components=2, method=method).fit(units)
    top = tm.top_terms(4)
    t1 = set(top[top.topic == "T01"].term)
    t2 = set(top[top.topic == "T02"].term)
    # the testing topic is the more prevalent (9 of 14 paragraphs) -> T01
    assert t1 <= set(TESTING) and t2 <= set(VACCINE)
    assert tm.prevalence_[0] > tm.prevalence_[1]
    assert tm.labels_[0].startswith("T01: ") and tm.labels_[0].count(" / ") == 2
    dt = tm.transform(units)
    dominant = np.where(dt.sum(1) > 0, dt.argmax(1), -1)
    expected = units.kind.map({"T": 0, "V": 1, "-": -1}).to_numpy()
    assert (dominant == expected).all()


def test_vocabulary_excludes_placeholders_keeps_one_character_words(units):
    tm = TopicModel(n_components=2).fit(units)
    terms = set(tm.terms_)
    assert "防" in terms
    assert not any(t.startswith("〔") for t in terms)
    assert "，" not in terms and "。" not in terms


def test_rows_are_proportions_and_empty_units_are_zero(units):
    tm = TopicModel(n_components=2)
    dt = tm.fit_transform(units)
    sums = dt.sum(axis=1)
    empty = units.kind.eq("-").to_numpy()
    assert np.allclose(sums[~empty], 1.0) and np.allclose(sums[empty], 0.0)
    assert np.allclose(dt, tm.transform(units), atol=1e-3)  # NMF re-solves W in transform
    raw = TopicModel(n_components=2, normalize=False).fit(units).transform(units)
    assert not np.allclose(raw.sum(1)[~empty], 1.0)


def test_deterministic_and_sklearn_conventions(units):
    a = TopicModel(n_components=2).fit(units)
    b = TopicModel(n_components=2).fit(units["tokens"].tolist())
    assert np.array_equal(a.components_, b.components_) and a.labels_ == b.labels_
    assert a.get_feature_names_out().tolist() == ["T01", "T02"]
    c = clone(a)
    assert c.get_params() == a.get_params() and not hasattr(c, "model_")
    d = pickle.loads(pickle.dumps(a))
    assert np.allclose(d.transform(units), a.transform(units))
    assert a.doc_topic_frame(units).columns.tolist() == ["T01", "T02"]


def test_validation_errors(units):
    with pytest.raises(ValueError, match="method"):
        TopicModel(method="plsa").fit(units)
    with pytest.raises(ValueError, match="n_components"):
        TopicModel(n_components=50).fit(units)
    with pytest.raises(TypeError, match="str"):
        TopicModel(n_components=2).fit(["核酸 检测", "疫苗 接种"])


def test_aggregate_topic_shares_by_hand():
    units = pd.DataFrame({"doc_id": ["a", "a", "a", "b"], "city_en": ["X", "X", "X", "Y"]})
    dt = np.array([[1.0, 0.0], [0.25, 0.75], [0.0, 0.0], [0.5, 0.5]])
    t = aggregate_topic_shares(dt, units, "doc_id")
    # the all-zero (empty) unit is left out: a = mean of rows 0 and 1
    assert t.share.tolist() == [0.625, 0.375, 0.5, 0.5]
    assert t.n_units.tolist() == [2, 2, 1, 1]
    frame = pd.DataFrame(dt, columns=["T01", "T02"])
    t2 = aggregate_topic_shares(frame, units, ["city_en", "doc_id"])
    assert list(t2.columns) == ["city_en", "doc_id", "topic", "share", "n_units"]
    with pytest.raises(ValueError, match="rows"):
        aggregate_topic_shares(dt[:2], units)


def test_topic_shares_bootstrap(units):
    tm = TopicModel(n_components=2).fit(units)
    dt = tm.transform(units)
    t = topic_shares(dt, units, "city_en", n_boot=300)
    assert list(t.columns) == ["city_en", "topic", "share", "ci_low", "ci_high", "n_units"]
    assert (t.ci_low <= t.share + 1e-12).all() and (t.share <= t.ci_high + 1e-12).all()
    assert t.groupby("city_en").share.sum().tolist() == pytest.approx([1.0, 1.0])
    assert t.set_index(["city_en", "topic"]).n_units.loc[("B", "T01")] == 7
    assert t.equals(topic_shares(dt, units, "city_en", n_boot=300))
    # identical units -> zero-width interval; a single unit -> NaN bounds
    one = pd.DataFrame({"g": ["x", "x", "x", "y"]})
    same = np.array([[0.2, 0.8]] * 3 + [[1.0, 0.0]])
    s = topic_shares(same, one, "g", n_boot=100).set_index(["g", "topic"])
    assert s.loc[("x", "T01"), "ci_low"] == pytest.approx(0.2)
    assert s.loc[("x", "T01"), "ci_high"] == pytest.approx(0.2)
    assert np.isnan(s.loc[("y", "T01"), "ci_low"])


def test_topic_table(units):
    tm = TopicModel(n_components=2).fit(units)
    glosses = {"核酸": "nucleic acid", "疫苗": "vaccine"}
    tab = topic_table(tm, units, glosses=glosses.get, n_terms=5, n_examples=2)
    assert tab.topic.tolist() == ["T01", "T02"]
    assert tab.label.tolist() == tm.labels_
    assert tab.prevalence.sum() == pytest.approx(1.0)
    assert tab.n_dominant.tolist() == [9, 5]
    assert len(tab.terms[0].split(" / ")) == 5 and len(tab.glosses[0].split(" / ")) == 5
    assert "nucleic acid" in tab.glosses[0] or "?" in tab.glosses[0]
    ids = tab.example_ids[1].split("; ")
    assert len(ids) == 2 and all(units.set_index("para_id").loc[i, "kind"] == "V" for i in ids)
    assert tab.example_texts[1].count("\n") == 1
    assert topic_table(tm, units).glosses.isna().all()


@pytest.mark.corpus
def test_runs_on_real_work_reports():
    """The analysis functions on ~40 real reports from 2020-2022 (a few thousand paragraphs)."""
    from discourse import config

    root = config.GOV_REPORTS_DIR
    if not root.is_dir():
        pytest.skip(f"corpus folder absent: {root}")
    import re

    import rjieba
    import stopwordsiso

    from discourse.analysis.features import codebook_from_terms, discourse_features
    from discourse.analysis.keyness import group_keyness

    manifest = pd.read_csv(root / "manifest.csv")
    pick = (manifest[manifest.year.isin([2020, 2022]) & (manifest.n_yiqingfangkong > 0)]
            .sort_values("path").groupby("year").head(20))
    rows = []
    for r in pick.itertuples():
        text = (root / r.path).read_text(encoding="utf-8")
        body = re.sub(r"\A---\n.*?\n---\n", "", text, count=1, flags=re.DOTALL)
        for i, p in enumerate(x.strip() for x in re.split(r"\n\s*\n", body)):
            if p:
                rows.append({"doc_id": r.path, "para_id": f"{r.path}:p{i:03d}", "year": r.year,
                             "text": p, "tokens": rjieba.cut(p)})
    units = pd.DataFrame(rows)
    assert len(units) > 1000
    stop = frozenset(stopwordsiso.stopwords("zh"))
    tm = TopicModel(n_components=10, min_df=3, max_df=0.5, stop_words=stop).fit(units)
    top = tm.top_terms(15)
    assert top.groupby("topic").term.apply(lambda t: "疫情" in set(t)).any()
    shares = topic_shares(tm.transform(units), units, "year", n_boot=200)
    assert shares.groupby("year").share.sum().tolist() == pytest.approx([1.0, 1.0])
    key = group_keyness(units, "year", 2022, min_freq=20, stop_words=stop)
    assert key.significant.any() and (key.p_adjusted >= key.p_value).all()
    feats = discourse_features(units, codebook=codebook_from_terms([("要", "must", "obligation")]))
    enum = feats[feats.feature == "enum_item"]["count"]
    assert enum.sum() > 0 and len(enum) == pick.shape[0]


# -- token weighting and topic_prevalence ---------------------------------------
def test_weighted_shares_by_hand():
    # short units all topic 2, long units all topic 1
    units = pd.DataFrame({"g": ["x"] * 4,
                          "tokens": [["a"] * 80, ["b"] * 2, ["a"] * 40, ["b", "，"]]})
    dt = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    plain = aggregate_topic_shares(dt, units, "g")
    assert plain.share.tolist() == [0.5, 0.5]
    w = aggregate_topic_shares(dt, units, "g", weight="tokens")  # words: 80, 2, 40, 1
    assert w.share.tolist() == pytest.approx([120 / 123, 3 / 123])
    col = aggregate_topic_shares(dt, units.assign(n=[1, 1, 1, 7]), "g", weight="n")
    assert col.share.tolist() == pytest.approx([0.2, 0.8])
    t = topic_shares(dt, units, "g", weight="tokens", n_boot=200)
    assert (t.ci_low <= t.share).all() and (t.share <= t.ci_high).all()
    # the default stays the unweighted mean
    assert topic_shares(dt, units, "g", n_boot=50).share.tolist() == [0.5, 0.5]
    with pytest.raises(KeyError, match="weight"):
        aggregate_topic_shares(dt, units, "g", weight="nope")


@pytest.fixture(scope="module")
def doc_units() -> pd.DataFrame:
    """24 documents (12 per year), 4 paragraphs each; year 2021 leans to vaccines.

    Paragraph lengths vary (2 to 12 words) so that weighting matters, and
    one group ("z") has only 3 documents.
    """
    rng = random.Random(3)
    rows = []
    for d in range(24):
        year = 2020 + d % 2
        grp = "z" if d < 3 else ("a" if d % 2 else "b")
        for j in range(4):
            kind = "V" if (year == 2021 and j < 3) or (year == 2020 and j == 0) else "T"
            n = 2 if j == 3 else 12
            vocab = VACCINE if kind == "V" else TESTING
            toks = [rng.choice(vocab) for _ in range(n)]
            rows.append({"doc_id": f"d{d:02d}", "para_id": f"d{d:02d}:p{j}", "year": year,
                         "grp": grp, "kind": kind, "tokens": toks})
    return pd.DataFrame(rows)


def test_topic_prevalence_estimate_is_the_token_weighted_reference_share(doc_units):
    ref = TopicModel(n_components=2).fit(doc_units)
    tab = topic_prevalence(doc_units, ref, "year", n_refits=20)
    theta = ref.transform(doc_units)
    vocab = set(ref.terms_)
    n = np.array([sum(t in vocab for t in toks) for toks in doc_units.tokens], dtype=float)
    for year in (2020, 2021):
        m = (doc_units.year == year).to_numpy()
        hand = (n[m, None] * theta[m]).sum(0) / n[m].sum()
        got = tab[tab.year == year].share.to_numpy()
        np.testing.assert_allclose(got, hand, rtol=1e-10)
    assert tab.n_docs.tolist() == [12] * 4 and tab.n_units.tolist() == [48] * 4
    assert (tab.ci_low <= tab.share + 1e-9).all() and (tab.share <= tab.ci_high + 1e-9).all()
    assert tab.note.isna().all() and (tab.n_refits == 20).all()
    # planted topics reappear in every refit
    assert (tab.match_similarity > 0.9).all() and tab.stable.all()
    assert tab.equals(topic_prevalence(doc_units, ref, "year", n_refits=20))


def test_topic_prevalence_refits_and_small_groups(doc_units):
    tab, reps = topic_prevalence(doc_units, TopicModel(n_components=2), "grp", n_refits=15,
                                 return_replicates=True)
    z = tab[tab.grp == "z"]
    assert (z.n_docs == 3).all() and z.ci_low.isna().all()
    assert z.note.str.contains("fewer than min_docs=5").all()
    assert tab[tab.grp != "z"].ci_low.notna().all()
    assert reps.shape[0] == 15 * 3 * 2 and reps.refit.nunique() == 15
    # the refits differ from each other (documents were resampled and the model refitted)
    assert reps[(reps.grp == "a") & (reps.topic == "T01")].share.nunique() > 1
    # an unweighted variant exists and differs: short paragraphs are all testing
    unw = topic_prevalence(doc_units, TopicModel(n_components=2), "year", n_refits=0, weight=None)
    wtd = topic_prevalence(doc_units, TopicModel(n_components=2), "year", n_refits=0)
    assert not np.allclose(unw.share, wtd.share)
    assert (unw.note == "no refits requested").all()


def test_hungarian_cosine_matching_recovers_a_permutation():
    from discourse.analysis.topics import _cosine_matched

    rng = np.random.default_rng(0)
    H = rng.random((4, 6))
    perm = np.array([2, 0, 3, 1])
    terms = list("abcdef")
    # the new fit lists its terms in another order and has one extra term
    new_terms = terms[::-1] + ["g"]
    H_new = np.hstack([H[perm][:, ::-1], np.zeros((4, 1))])
    cols, sim = _cosine_matched(H, terms, H_new, new_terms)
    assert (perm[cols] == np.arange(4)).all()
    np.testing.assert_allclose(sim, 1.0)


@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_fit_vectorized_is_the_same_fit_as_fit(units, method):
    tm = TopicModel(n_components=2, method=method, min_df=1, stop_words=["防"], random_state=4)
    vec = tm.make_vectorizer()
    M = vec.fit_transform(units.tokens.tolist())
    a = clone(tm).fit_vectorized(M, vec)
    b = clone(tm).fit(units)
    np.testing.assert_array_equal(a.components_, b.components_)
    assert a.labels_ == b.labels_ and list(a.terms_) == list(b.terms_)
    assert a.reconstruction_err_ == b.reconstruction_err_
    np.testing.assert_array_equal(a.transform(units), b.transform(units))
    # CSC input is accepted (converted), a wrong or unfitted vectorizer is not
    c = clone(tm).fit_vectorized(M.tocsc(), vec)
    np.testing.assert_array_equal(c.components_, b.components_)
    with pytest.raises(ValueError, match="make_vectorizer"):
        clone(tm).set_params(min_df=2).fit_vectorized(M, vec)
    with pytest.raises(ValueError, match="not fitted"):
        clone(tm).fit_vectorized(M, tm.make_vectorizer())
    with pytest.raises(ValueError, match="sparse"):
        clone(tm).fit_vectorized(M.toarray(), vec)


def test_prevalence_replicates_carry_the_refit_token_totals(doc_units):
    tab, reps = topic_prevalence(doc_units, TopicModel(n_components=2), ["year", "grp"], n_refits=6,
                                 return_replicates=True)
    # every document has 38 words, all in any refit's vocabulary, and documents are
    # resampled within cells: each refit's total is 38 x the cell's documents
    docs = doc_units.groupby(["year", "grp"]).doc_id.nunique()
    want = reps.apply(lambda r: 38.0 * docs[(r.year, r.grp)], axis=1)
    np.testing.assert_array_equal(reps.n_tokens.to_numpy(), want.to_numpy())
    assert list(reps.columns) == ["refit", "year", "grp", "topic", "share", "similarity", "n_tokens"]
    # the default table is unchanged by asking for the replicates
    pd.testing.assert_frame_equal(tab, topic_prevalence(doc_units, TopicModel(n_components=2),
                                                        ["year", "grp"], n_refits=6))


def test_prevalence_margins_from_one_set_of_refits(doc_units):
    from discourse.analysis.topics import prevalence_margins

    model = TopicModel(n_components=2)
    tab, reps = topic_prevalence(doc_units, model, ["year", "grp"], n_refits=8, return_replicates=True)
    ref = model.fit(doc_units)
    theta = ref.transform(doc_units)
    vocab = set(ref.terms_)
    n = np.array([sum(t in vocab for t in toks) for toks in doc_units.tokens], dtype=float)
    for by in ("year", "grp"):
        m = prevalence_margins(tab, reps, by)
        for level, g in m.groupby(by):
            rows = (doc_units[by] == level).to_numpy()
            hand = (n[rows, None] * theta[rows]).sum(0) / n[rows].sum()  # the pooled units' share
            np.testing.assert_allclose(g.share.to_numpy(), hand, rtol=1e-12)
            assert (g.n_tokens == n[rows].sum()).all() and (g.n_refits == 8).all()
        assert ((m.ci_low <= m.share + 1e-9) & (m.share <= m.ci_high + 1e-9)).all()
    overall = prevalence_margins(tab, reps, [])
    np.testing.assert_allclose(overall.share.to_numpy(), (n[:, None] * theta).sum(0) / n.sum(), rtol=1e-12)
    # cells that map one to one onto years resample exactly as the years do: the margins'
    # refit intervals are then those of topic_prevalence by year
    units = doc_units.assign(era=np.where(doc_units.year == 2020, "early", "late"))
    t2, r2 = topic_prevalence(units, model, ["year", "era"], n_refits=8, return_replicates=True)
    direct = topic_prevalence(units, model, "year", n_refits=8)
    m = prevalence_margins(t2, r2, "year")
    for col in ("share", "ci_low", "ci_high"):
        np.testing.assert_allclose(m[col].to_numpy(), direct[col].to_numpy(), rtol=1e-12)
    with pytest.raises(KeyError, match="return_replicates"):
        prevalence_margins(tab, reps.drop(columns="n_tokens"), "year")
