"""Wordfish recovers simulated positions; Wordscores reproduces LBG (2003)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.optimize import minimize

from discourse.analysis.scaling import Wordfish, Wordscores, poles_table, simulate_wordfish


def _aligned(est, truth):
    return est * np.sign(np.corrcoef(est, truth)[0, 1])


@pytest.fixture(scope="module")
def sims():
    return [simulate_wordfish(40, 300, random_state=seed) for seed in range(5)]


def test_recovers_simulated_positions(sims):
    covered, n = 0, 0
    for sim in sims:
        wf = Wordfish(max_iter=2000).fit(sim["counts"])
        assert wf.converged_ and 1 <= wf.n_iter_ < wf.max_iter
        th = _aligned(wf.theta_, sim["theta"])
        assert np.corrcoef(th, sim["theta"])[0, 1] > 0.95
        # the mean error is 0 by construction (both standardised): check the
        # scale instead, slope of estimate on truth and outward error at the ends
        assert np.polyfit(sim["theta"], th, 1)[0] == pytest.approx(1, abs=0.05)
        ext = np.abs(sim["theta"]) > 1
        assert abs(np.mean(((th - sim["theta"]) * np.sign(sim["theta"]))[ext])) < 0.05
        assert np.mean(np.abs(th - sim["theta"])) < 0.15
        covered += int(np.sum(np.abs(th - sim["theta"]) <= 1.96 * wf.theta_se_))
        n += len(th)
        # the standardisation holds exactly
        assert wf.theta_.mean() == pytest.approx(0, abs=1e-10)
        assert wf.theta_.std(ddof=1) == pytest.approx(1)
        assert wf.alpha_[0] == 0
    # 200 intervals: conditional SEs ignore word-parameter uncertainty, so
    # allow coverage in [0.90, 0.99] (binomial sd at 95% is 1.5 points).
    assert 0.90 <= covered / n <= 0.99


def test_agrees_with_joint_maximum_likelihood():
    # Independent computation: with flat priors, maximise the Poisson
    # likelihood over all parameters at once (L-BFGS), then standardise.
    sim = simulate_wordfish(30, 150, random_state=11)
    Y = sim["counts"].astype(float)
    n, k = Y.shape
    wf = Wordfish(priors=(np.inf,) * 4, tol=1e-12, dir=(0, 1)).fit(Y)

    def negll(p):
        a, t, ps, b = p[:n], p[n : 2 * n], p[2 * n : 2 * n + k], p[2 * n + k :]
        eta = a[:, None] + ps[None, :] + t[:, None] * b[None, :]
        lam = np.exp(eta)
        R = Y - lam
        return -(Y * eta - lam).sum(), np.r_[-R.sum(1), -(R @ b), -R.sum(0), -(R.T @ t)]

    rng = np.random.default_rng(5)
    p0 = np.r_[np.zeros(n), rng.standard_normal(n), np.log(Y.mean(0)), 0.01 * rng.standard_normal(k)]
    res = minimize(negll, p0, jac=True, method="L-BFGS-B",
                   options={"maxiter": 20000, "maxfun": 40000, "ftol": 1e-15, "gtol": 1e-9})
    t = res.x[n : 2 * n]
    t = (t - t.mean()) / t.std(ddof=1)
    t = t * np.sign(t[1] - t[0])
    np.testing.assert_allclose(wf.theta_, t, atol=1e-3)


def test_direction_option():
    sim = simulate_wordfish(20, 150, random_state=3)
    lo, hi = int(np.argmin(sim["theta"])), int(np.argmax(sim["theta"]))
    a = Wordfish(dir=(lo, hi)).fit(sim["counts"])
    b = Wordfish(dir=(hi, lo)).fit(sim["counts"])
    assert a.theta_[lo] < a.theta_[hi] and b.theta_[hi] < b.theta_[lo]
    np.testing.assert_allclose(a.theta_, -b.theta_, atol=1e-8)
    np.testing.assert_allclose(a.beta_, -b.beta_, atol=1e-8)
    # by document name on a DataFrame
    df = pd.DataFrame(sim["counts"], index=[f"d{i}" for i in range(20)],
                      columns=[f"w{j}" for j in range(sim["counts"].shape[1])])
    c = Wordfish(dir=(f"d{hi}", f"d{lo}")).fit(df)
    np.testing.assert_allclose(c.theta_, b.theta_, atol=1e-8)
    with pytest.raises(ValueError, match="not a document name"):
        Wordfish(dir=("nope", "d1")).fit(df)


def test_transform_recovers_held_out_positions():
    sim = simulate_wordfish(60, 300, random_state=7)
    Y, truth = sim["counts"], sim["theta"]
    lo, hi = int(np.argmin(truth[:45])), int(np.argmax(truth[:45]))
    wf = Wordfish(dir=(lo, hi)).fit(Y[:45])
    new = wf.transform(Y[45:])[:, 0]
    assert np.corrcoef(new, truth[45:])[0, 1] > 0.95
    # training documents scored again land where the fit put them
    np.testing.assert_allclose(wf.transform(Y[:45])[:, 0], wf.theta_, atol=5e-4)
    pos = wf.positions(Y[45:])
    assert list(pos.columns) == ["doc", "theta", "se", "lower", "upper", "alpha"]
    assert (pos["se"] > 0).all() and (pos["lower"] < pos["theta"]).all()


def test_refit_on_permuted_words_gives_same_theta():
    sim = simulate_wordfish(25, 200, random_state=4)
    Y = sim["counts"]
    perm = np.random.default_rng(0).permutation(Y.shape[1])
    wf = Wordfish(dir=(0, 1))
    th1 = wf.fit(Y).theta_.copy()
    beta1 = wf.beta_.copy()
    th2 = wf.fit(Y[:, perm]).theta_  # same estimator object: state rebuilt
    np.testing.assert_allclose(th1, th2, atol=1e-6)
    np.testing.assert_allclose(wf.beta_, beta1[perm], atol=1e-5)
    assert wf.n_features_in_ == Y.shape[1] and len(wf.get_feature_names_out()) == Y.shape[1]


def test_sparse_input_feature_names_and_dataframe_alignment():
    sim = simulate_wordfish(15, 80, random_state=5)
    Y = sim["counts"]
    words = [f"w{j}" for j in range(Y.shape[1])]
    a = Wordfish().fit(sparse.csr_matrix(Y), feature_names=words)
    assert list(a.get_feature_names_out()) == words
    df = pd.DataFrame(Y, columns=words)
    # new documents given with shuffled columns are matched by name
    shuffled = df.iloc[:3, ::-1]
    np.testing.assert_allclose(a.transform(shuffled), a.transform(Y[:3]), atol=1e-10)


def test_bootstrap_standard_errors():
    sim = simulate_wordfish(30, 200, random_state=8)
    wf = Wordfish(se_method="bootstrap", n_boot=40, random_state=0).fit(sim["counts"])
    assert wf.theta_boot_.shape == (40, 30)
    ratio = wf.theta_se_ / wf.theta_hessian_se_
    assert 0.6 < np.median(ratio) < 1.6  # the same order as the analytic SEs
    again = Wordfish(se_method="bootstrap", n_boot=40, random_state=0).fit(sim["counts"])
    np.testing.assert_array_equal(wf.theta_se_, again.theta_se_)  # seeded


def test_convergence_reported_honestly():
    sim = simulate_wordfish(20, 100, random_state=9)
    wf = Wordfish(max_iter=1, tol=1e-14).fit(sim["counts"])
    assert wf.n_iter_ == 1 and not wf.converged_
    assert len(wf.loglik_) == 2 and len(wf.logpost_) == 2


def test_bad_input_is_named():
    Y = np.array([[1, 2, 0], [0, 3, 0], [2, 0, 0], [1, 1, 0]])
    with pytest.raises(ValueError, match="never occur: w2"):
        Wordfish().fit(Y, feature_names=["w0", "w1", "w2"])
    with pytest.raises(ValueError, match="without any counts"):
        Wordfish().fit(np.array([[1, 2], [0, 0], [2, 1]]))
    with pytest.raises(ValueError, match="negative count at row 0, column 1"):
        Wordfish().fit(np.array([[1, -2], [0, 1], [2, 1]]))
    with pytest.raises(ValueError, match="priors"):
        Wordfish(priors=(1, 2)).fit(np.ones((3, 3)))


def test_poles_table():
    sim = simulate_wordfish(30, 120, random_state=10)
    words = [f"w{j}" for j in range(sim["counts"].shape[1])]
    wf = Wordfish().fit(sim["counts"], feature_names=words)
    t = poles_table(wf, n=5)
    assert len(t) == 10 and list(t.columns) == ["word", "beta", "psi", "pole", "rank"]
    beta = pd.Series(wf.beta_, index=words)
    assert set(t.loc[t.pole == "positive", "word"]) == set(beta.nlargest(5).index)
    assert set(t.loc[t.pole == "negative", "word"]) == set(beta.nsmallest(5).index)
    assert t["beta"].is_monotonic_increasing


# --------------------------------------------------------------------------
# Wordscores: the worked example of Laver, Benoit & Garry (2003)
# --------------------------------------------------------------------------

# LBG (2003, Figure 1): 37 words A..ZK; each reference text has 1,000 tokens
# with the same bell-shaped profile, shifted by five words from R1 to R5; the
# virgin text V1 has the profile starting at word H. (The same counts are
# quanteda's data_dfm_lbgexample and austin's lbg data.)
_SHAPE = [2, 3, 10, 22, 45, 78, 115, 146, 158, 146, 115, 78, 45, 22, 10, 3, 2]
_WORDS = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + [f"Z{chr(c)}" for c in range(ord("A"), ord("K") + 1)]


@pytest.fixture
def lbg() -> pd.DataFrame:
    rows = [np.r_[np.zeros(o), _SHAPE, np.zeros(20 - o)] for o in (0, 5, 10, 15, 20, 7)]
    return pd.DataFrame(rows, index=["R1", "R2", "R3", "R4", "R5", "V1"], columns=_WORDS)


def test_wordscores_reproduces_lbg_2003(lbg):
    ws = Wordscores().fit(lbg, [-1.5, -0.75, 0, 0.75, 1.5, np.nan])
    assert len(ws.wordscores_) == 37
    # word A occurs only in R1: its score is R1's
    assert ws.wordscores_["A"] == pytest.approx(-1.5)
    # hand value: word F has counts 78 (R1) and 2 (R2): (78*-1.5 + 2*-0.75)/80
    assert ws.wordscores_["F"] == pytest.approx((78 * -1.5 + 2 * -0.75) / 80)
    v1 = ws.scores(lbg.loc[["V1"]], rescaling="none").iloc[0]
    # published: raw -0.45 (LBG 2003; austin prints -0.448, SE 0.0119)
    assert v1.raw == pytest.approx(-0.448, abs=5e-4)
    assert v1.raw_se == pytest.approx(0.0119, abs=1e-4)
    assert v1.n_scored == 1000
    # rescaled over all six texts as quanteda does: LBG -0.53, MV -0.51
    all6 = ws.scores(lbg, rescaling="lbg").set_index("doc")
    assert all6.loc["V1", "score"] == pytest.approx(-0.53, abs=0.005)
    mv = ws.scores(lbg, rescaling="mv").set_index("doc")
    assert mv.loc["V1", "score"] == pytest.approx(-0.51, abs=0.001)
    assert mv.loc["R1", "score"] == pytest.approx(-1.5) and mv.loc["R5", "score"] == pytest.approx(1.5)


def test_wordscores_input_checks(lbg):
    with pytest.raises(ValueError, match="two reference texts"):
        Wordscores().fit(lbg, [1, np.nan, np.nan, np.nan, np.nan, np.nan])
    ws = Wordscores().fit(lbg.iloc[:5], [-1.5, -0.75, 0, 0.75, 1.5])
    with pytest.raises(ValueError, match="rescaling"):
        ws.scores(lbg, rescaling="bogus")
