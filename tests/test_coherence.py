"""NPMI coherence against gensim, stability measures by hand, choose_k."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from discourse import config
from discourse.analysis.topics import TopicModel
from discourse.analysis.coherence import (
    EPSILON,
    KSelector,
    _one_se_choice,
    choose_k,
    heldout_error,
    npmi_coherence,
    rank_biased_overlap,
    topic_agreement,
)

gensim = pytest.importorskip("gensim", reason="gensim is the test-only reference for c_npmi")
from gensim.corpora import Dictionary  # noqa: E402
from gensim.models.coherencemodel import CoherenceModel  # noqa: E402


def _gensim_npmi(topics, texts, window):
    cm = CoherenceModel(topics=topics, texts=texts, dictionary=Dictionary(texts),
                        coherence="c_npmi", window_size=window, processes=1)
    return np.array(cm.get_coherence_per_topic())


@pytest.fixture(scope="module")
def real_texts():
    import jieba

    jieba.setLogLevel(60)
    raw = sorted(config.RAW_DATA_DIR.glob("*.txt"))[0].read_text(encoding="utf-8")
    texts = [[t for t in jieba.lcut(line) if t.strip()] for line in raw.splitlines() if line.strip()]
    return texts + [[], ["核酸"]]  # an empty text and one shorter than the window


def test_npmi_matches_gensim_on_real_text(real_texts):
    from collections import Counter

    freq = Counter(t for text in real_texts for t in text)
    common = [w for w, _ in freq.most_common(40)]
    topics = [common[0:8], common[8:16], common[16:24], common[::5][:6]]
    for window in (10, 5):
        ours = npmi_coherence(topics, real_texts, window=window)
        assert ours == pytest.approx(_gensim_npmi(topics, real_texts, window), abs=1e-10)


def test_npmi_matches_gensim_on_random_texts_with_repeats():
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(12)]
    for _ in range(15):
        texts = [[rng.choice(vocab) for _ in range(rng.randint(0, 30))] for _ in range(25)]
        texts.append(list(vocab))
        topics = [rng.sample(vocab, 5) for _ in range(3)]
        window = rng.choice([2, 3, 4, 10])
        assert npmi_coherence(topics, texts, window) == pytest.approx(
            _gensim_npmi(topics, texts, window), abs=1e-10)


def test_npmi_by_hand():
    # windows of size 2: [a b] [b c] | [a b] -> N=3; P(a)=2/3, P(b)=1, P(a,b)=2/3
    texts = [["a", "b", "c"], ["a", "b"]]
    pab = 2 / 3
    expected = math.log((pab + EPSILON) / (2 / 3 * 1)) / -math.log(pab + EPSILON)
    assert npmi_coherence([["a", "b"]], texts, window=2)[0] == pytest.approx(expected)
    # a and c never share a window: log(eps / (2/3 * 1/3)) / -log(eps)
    expected_ac = math.log(EPSILON / (2 / 9)) / -math.log(EPSILON)
    assert npmi_coherence([["a", "c"]], texts, window=2)[0] == pytest.approx(expected_ac)


def test_gensim_window_semantics_versus_true_windows():
    # text a b a c, window 3: windows [a b a] [b a c]. True membership: a in both.
    # gensim clears a's flag when the first a leaves, so it sees a in one window.
    texts = [["a", "b", "a", "c"]]
    true = npmi_coherence([["a", "c"]], texts, window=3, gensim_compatible=False)[0]
    gens = npmi_coherence([["a", "c"]], texts, window=3)[0]
    # true: P(a)=1, P(c)=1/2, P(a,c)=1/2 -> log(1) / -log(1/2) = 0
    assert true == pytest.approx(0.0, abs=1e-9)
    # gensim: P(a)=1/2, P(c)=1/2, P(a,c)=0
    assert gens == pytest.approx(math.log(EPSILON / 0.25) / -math.log(EPSILON))
    assert gens == pytest.approx(_gensim_npmi([["a", "c"]], texts, 3)[0], abs=1e-9)


def test_unknown_top_word_is_an_error():
    with pytest.raises(ValueError, match="never occur"):
        npmi_coherence([["a", "zzz"]], [["a", "b"]])


def test_rank_biased_overlap_by_hand():
    assert rank_biased_overlap(list("abc"), list("abc")) == pytest.approx(1.0)
    assert rank_biased_overlap(list("ab"), list("cd")) == 0.0
    # [a b] vs [b a], p = 0.5: X1 = 0, X2 = 2 -> 1 * 0.25 + (0.5/0.5) * (0 + 1 * 0.25) = 0.5
    assert rank_biased_overlap(["a", "b"], ["b", "a"], p=0.5) == pytest.approx(0.5)


def test_topic_agreement_uses_hungarian_matching():
    run = [["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]]
    assert topic_agreement(run, run[::-1]) == pytest.approx(1.0)
    assert topic_agreement(run, run[::-1], measure="rbo") == pytest.approx(1.0)
    # greedy would pair [a,b] with [a,x]? Hungarian maximises the total.
    a = [["a", "b"], ["c", "d"]]
    b = [["c", "d"], ["a", "x"]]
    assert topic_agreement(a, b) == pytest.approx((1 / 3 + 1) / 2)
    # runs of different k: each topic of the smaller run matched once
    assert topic_agreement(a, b[:1]) == pytest.approx(1.0)
    assert topic_agreement(a + [["y", "z"]], b) == pytest.approx((1 / 3 + 1) / 2)
    with pytest.raises(ValueError):
        topic_agreement(a, [])


def _planted(n=8):
    a = ["核酸", "检测", "筛查", "采样", "阳性"]
    b = ["疫苗", "接种", "加强针", "老年人", "免疫"]
    rng = random.Random(0)
    docs = [rng.sample(a, 4) for _ in range(n)] + [rng.sample(b, 4) for _ in range(n)]
    return docs


def test_choose_k_table():
    t = choose_k(_planted(), ks=[2, 3], n_restarts=3, n_top=5, n_boot=200)
    assert list(t.columns) == ["k", "coherence_mean", "coherence_sd", "stability_mean",
                               "stability_sd", "n_restarts", "n_unconverged", "coherence_se",
                               "heldout_error_mean", "heldout_error_sd", "n_restart_wins",
                               "win_freq", "chosen"]
    assert t.k.tolist() == [2, 3]
    # two planted topics of five words: every restart at k=2 finds the same two sets
    assert t.set_index("k").loc[2, "stability_mean"] == pytest.approx(1.0)
    assert t.set_index("k").loc[2, "coherence_mean"] > 0
    assert t.win_freq.sum() == pytest.approx(1.0) and t.chosen.sum() == 1
    assert t.n_restart_wins.sum() == 3
    assert t.equals(choose_k(_planted(), ks=[2, 3], n_restarts=3, n_top=5, n_boot=200))


def test_selector_reference_model_is_one_of_the_scored_fits():
    docs = _planted()
    sel = KSelector(ks=[1, 2, 3], n_restarts=4, n_top=5, n_boot=100).fit(docs)
    sc = sel.scores_
    assert sc.shape[0] == 12 and set(sc.columns) >= {"k", "restart", "seed", "coherence",
                                                    "heldout_error", "stability"}
    best = sc[(sc.k == sel.k_) & (sc.restart == sel.best_restart_)].iloc[0]
    assert best.coherence == sc[sc.k == sel.k_].coherence.max()
    fit = sel.best_fit_
    assert fit.n_components == sel.k_ and fit.random_state == best.seed and fit.init == "random"
    terms = fit.top_terms(5).groupby("topic").term.apply(list).tolist()
    assert float(np.mean(npmi_coherence(terms, docs))) == pytest.approx(best.coherence)
    # held-out error: two planted topics are reconstructed better by k=2 than by k=1
    e = sel.summary_.set_index("k").heldout_error_mean
    assert e[2] < 0.7 * e[1]


def test_one_se_rule_by_hand():
    ks = np.array([3, 4, 5, 6])
    means = np.array([0.10, 0.14, 0.15, 0.12])
    ses = np.array([0.01, 0.01, 0.02, 0.01])
    # best is k=5 (0.15, SE 0.02): k=4 (0.14 >= 0.13) is the smallest within one SE
    assert _one_se_choice(ks, means, ses, larger_better=True) == 4
    assert _one_se_choice(ks, means, np.zeros(4), larger_better=True) == 5
    # for an error, lower is better
    assert _one_se_choice(ks, np.array([0.5, 0.4, 0.39, 0.38]), np.full(4, 0.015),
                          larger_better=False) == 5


def test_heldout_error_by_hand():
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = _planted(n=10)
    train, test = docs[::2], docs[1::2]
    got = heldout_error(TopicModel(n_components=2, random_state=0), train, test)
    # independent: the same pipeline written with scikit-learn directly
    vec = TfidfVectorizer(analyzer=lambda t: t, lowercase=False)
    Xtr = vec.fit_transform(train)
    nmf = NMF(n_components=2, init="nndsvda", max_iter=500, random_state=0).fit(Xtr)
    Xte = vec.transform(test).toarray()
    W = nmf.transform(Xte)
    hand = np.linalg.norm(Xte - W @ nmf.components_) / np.linalg.norm(Xte)
    assert got == pytest.approx(hand, rel=1e-6)
    assert 0 <= got < 0.6
    with pytest.raises(ValueError, match="NMF"):
        heldout_error(TopicModel(n_components=2, method="lda"), train, test)


def test_vectorised_window_counts_equal_the_per_text_loop():
    # the sparse-matrix counts against the direct per-text implementation, in both
    # window semantics, with empty texts, texts shorter than the window, repeats
    # and a word that never occurs
    from discourse.analysis.coherence import _window_counts, _WindowCorpus

    rng = random.Random(11)
    for _ in range(60):
        vocab = [f"w{i}" for i in range(rng.randint(1, 12))]
        texts = [[rng.choice(vocab) for _ in range(rng.randint(0, 35))]
                 for _ in range(rng.randint(0, 10))]
        words = sorted(set(rng.sample(vocab, min(len(vocab), rng.randint(1, 6)))) | {"absent"})
        index = {w: i for i, w in enumerate(words)}
        for window in (1, 2, 3, 7, 40):
            corpus = _WindowCorpus(texts, window)
            for gensim_compatible in (True, False):
                occ, co, n = _window_counts(texts, index, window, gensim_compatible)
                occ2, co2, n2 = corpus.counts(words, gensim_compatible)
                assert n2 == n
                np.testing.assert_array_equal(occ2, occ)
                np.testing.assert_array_equal(co2, co)


def test_selector_scores_equal_the_fits_made_one_by_one():
    # the old path: every (k, seed) model fitted on its token lists, NPMI from the
    # per-text window counts, held-out error by heldout_error on each fold;
    # KSelector vectorises once per training set and must give the same table
    from sklearn.model_selection import KFold

    from discourse.analysis.coherence import _npmi_from_counts, _window_counts
    from discourse.analysis.vocab import TokenFilter

    words = ["核酸", "检测", "筛查", "采样", "阳性", "疫苗", "接种", "加强针", "老年人", "免疫",
             "复工", "复产", "企业", "稳岗"]
    rng = random.Random(5)
    docs = [rng.sample(words[i * 5:i * 5 + 5] or words, 4) + rng.sample(words, 3) + ["〔NUM〕", "，"]
            for i in (0, 1, 2) for _ in range(14)] + [[], ["核酸"]]
    params = {"min_df": 2, "stop_words": ["稳岗"]}
    sel = KSelector(ks=[2, 3], n_restarts=3, n_top=4, n_folds=2, n_boot=20, random_state=3,
                    model_params=params).fit(docs)
    flt = TokenFilter(params["stop_words"])
    texts = [flt(t) for t in docs]
    r = np.random.default_rng(3)
    seeds = r.integers(0, 2**31 - 1, size=3)
    folds = list(KFold(n_splits=2, shuffle=True, random_state=int(r.integers(2**31 - 1)))
                 .split(np.arange(len(texts))))
    kw = dict(init="random", max_iter=2000, **params)
    for k in (2, 3):
        for i, seed in enumerate(seeds):
            tm = TopicModel(n_components=k, random_state=int(seed), **kw).fit(texts)
            top = tm.top_terms(4)
            terms = [g.term.tolist() for _, g in top.groupby("topic", sort=True)]
            vocab = {w: j for j, w in enumerate(sorted({w for t in terms for w in t}))}
            coh = float(np.mean(_npmi_from_counts(terms, vocab, *_window_counts(texts, vocab, 10, True))))
            errs = []
            for tr, te in folds:  # the held-out error as first written: dense X - W H
                held = TopicModel(n_components=k, random_state=int(seed), **kw).fit([texts[j] for j in tr])
                X = held.vectorizer_.transform([texts[j] for j in te])
                R = X - held.model_.transform(X) @ held.model_.components_
                errs.append(float(np.linalg.norm(np.asarray(R)) / np.sqrt(X.multiply(X).sum())))
            err = float(np.mean(errs))
            row = sel.scores_[(sel.scores_.k == k) & (sel.scores_.restart == i)].iloc[0]
            assert row.seed == seed
            assert row.coherence == coh  # exactly: same fits, same counts
            assert row.heldout_error == err
            assert row.reconstruction_err == tm.reconstruction_err_
    best = TopicModel(n_components=sel.k_, random_state=int(seeds[sel.best_restart_]), **kw).fit(texts)
    np.testing.assert_array_equal(sel.best_fit_.components_, best.components_)
    # the reference model keeps the token filter: raw token lists are filtered as by fit
    np.testing.assert_array_equal(sel.best_fit_.transform(docs), best.transform(docs))
