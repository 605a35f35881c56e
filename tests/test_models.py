"""Count models on data simulated from known rate ratios; shrinkage by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from discourse.analysis.models import (
    RateModel,
    marshall_prior,
    predicted_rates,
    rate_model,
    shrunken_deviations,
)

YEAR_LOG_RR = {2020: 0.0, 2021: 0.5, 2022: -0.3, 2023: 0.2}
CITY_LOG_RR = 0.25


def simulate(seed: int, n_prov: int = 20, per_prov: int = 4, nb_alpha: float | None = None):
    """Places nested in provinces, 4 years, exposures 300-4,000 tokens, place effects."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_prov):
        for j in range(per_prov):
            place = f"p{p:02d}{j}"
            level = "city" if j == 0 else "prefecture"
            u = rng.normal(0, 0.3)
            for y, b in YEAR_LOG_RR.items():
                tokens = int(rng.integers(300, 4000))
                mu = tokens / 1000 * np.exp(1.0 + b + CITY_LOG_RR * (level == "city") + u)
                if nb_alpha is None:
                    n = rng.poisson(mu)
                else:
                    r = 1 / nb_alpha
                    n = rng.negative_binomial(r, r / (r + mu))
                rows.append((place, f"v{p:02d}", level, y, tokens, n))
    return pd.DataFrame(rows, columns=["place", "province", "level", "year", "tokens", "n"])


KW = dict(count="n", exposure="tokens", cluster="province")


def _row(t: pd.DataFrame, term: str) -> pd.Series:
    return t.set_index("term").loc[term]


def test_poisson_fe_recovers_rate_ratios_with_sensible_coverage():
    covered, est = [], []
    for s in range(50):
        t = rate_model(simulate(s), terms=["C(year)"], fixed_effects="place", **KW)
        r = _row(t, "C(year)[T.2022]")
        est.append(r.estimate)
        covered.append(r.rr_low <= math.exp(YEAR_LOG_RR[2022]) <= r.rr_high)
    assert abs(np.mean(est) - YEAR_LOG_RR[2022]) < 0.02
    # 50 simulations: 95% coverage gives 44-50 covered with probability ~0.96
    assert 0.86 <= np.mean(covered) <= 1.0
    assert t.columns.tolist()[:7] == ["term", "estimate", "std_error", "rate_ratio", "rr_low",
                                      "rr_high", "p_value"]
    assert (t.n_clusters == 20).all() and (t.family == "poisson").all()
    assert (t.rate_ratio == np.exp(t.estimate)).all()


def test_pyfixest_and_statsmodels_agree():
    df = simulate(123)
    for kw in (dict(terms=["C(year)"], fixed_effects="place"),
               dict(terms=["C(year)", "C(level)"])):
        a = rate_model(df, backend="pyfixest", **kw, **KW)
        b = rate_model(df, backend="statsmodels", **kw, **KW)
        assert a.term.tolist() == b.term.tolist()
        np.testing.assert_allclose(a.estimate, b.estimate, atol=1e-6)
        np.testing.assert_allclose(a.std_error, b.std_error, rtol=1e-4)
        assert (a.n_obs == b.n_obs).all()


def test_statsmodels_cluster_errors_against_the_sandwich_by_hand():
    df = simulate(7)
    t = rate_model(df, terms=["C(year)", "C(level)"], backend="statsmodels", **KW)
    # independent: statsmodels' own cluster sandwich with its default correction
    # G/(G-1) (N-1)/(N-K) equals fixest's when no fixed effects are absorbed
    X = pd.get_dummies(df[["year", "level"]].astype(str), drop_first=True).astype(float)
    X.insert(0, "const", 1.0)
    X = X[["const", "year_2021", "year_2022", "year_2023", "level_prefecture"]]
    res = sm.GLM(df.n, X, family=sm.families.Poisson(), offset=np.log(df.tokens)).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(df.province)[0]})
    np.testing.assert_allclose(t.estimate, res.params.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(t.std_error, res.bse.to_numpy(), rtol=1e-8)


def test_negative_binomial_matches_statsmodels_ml_and_recovers_alpha():
    df = simulate(5, n_prov=30, nb_alpha=0.5)
    m = RateModel(terms=["C(year)"], family="negbin", **KW).fit(df)
    X = pd.get_dummies(df.year.astype(str), drop_first=True).astype(float)
    X.insert(0, "const", 1.0)
    ref = sm.NegativeBinomial(df.n.to_numpy(float), X.to_numpy(), offset=np.log(df.tokens),
                              loglike_method="nb2").fit(disp=0, maxiter=200)
    np.testing.assert_allclose(m.coef_.to_numpy(), ref.params[:-1], atol=1e-4)
    assert m.dispersion_ == pytest.approx(ref.params[-1], rel=1e-3)
    # place effects (sd 0.3) add to the NB2 variance: alpha is at least the simulated 0.5
    assert 0.4 < m.dispersion_ < 0.9
    fe = rate_model(df, terms=["C(year)"], fixed_effects="place", family="negbin", **KW)
    r = _row(fe, "C(year)[T.2021]")
    assert abs(r.estimate - YEAR_LOG_RR[2021]) < 3 * r.std_error
    assert (fe.dispersion > 0).all() and (fe.backend == "statsmodels").all()


def test_refusals_and_bad_input():
    df = simulate(1)
    with pytest.raises(ValueError, match="fewer than min_clusters"):
        rate_model(df[df.province.isin(["v00", "v01", "v02"])], terms=["C(year)"], **KW)
    with pytest.raises(ValueError, match="absorbed"):
        rate_model(df, terms=["C(year)", "C(level)"], fixed_effects="place", **KW)
    with pytest.raises(ValueError, match="pyfixest has no negative-binomial"):
        rate_model(df, terms=["C(year)"], family="negbin", backend="pyfixest", **KW)
    bad = df.copy()
    bad.loc[3, "tokens"] = 0
    with pytest.raises(ValueError, match="'tokens' must be positive.*index 3"):
        rate_model(bad, terms=["C(year)"], **KW)
    bad = df.copy()
    bad["n"] = bad.n.astype(float)
    bad.loc[5, "n"] = np.nan
    with pytest.raises(ValueError, match="'n' has 1 missing"):
        rate_model(bad, terms=["C(year)"], **KW)
    with pytest.raises(KeyError, match="colour"):
        rate_model(df, terms=["C(colour)"], **KW)


def test_fixed_effect_groups_without_information_are_dropped():
    df = simulate(2)
    df.loc[df.place == "p000", "n"] = 0  # all-zero place: its effect is -inf
    extra = pd.DataFrame([("lonely", "v00", "city", 2021, 1000, 9)], columns=df.columns)
    m = RateModel(terms=["C(year)"], fixed_effects="place", backend="statsmodels", **KW)
    m.fit(pd.concat([df, extra], ignore_index=True))
    assert m.n_dropped_ == 5 and m.n_obs_ == len(df) - 4
    p = RateModel(terms=["C(year)"], fixed_effects="place", **KW).fit(pd.concat([df, extra]))
    np.testing.assert_allclose(m.coef_, p.coef_, atol=1e-6)


def test_predicted_rates_by_hand():
    df = simulate(3)
    m = RateModel(terms=["C(year)", "C(level)"], reference={"level": "prefecture"}, **KW).fit(df)
    assert "C(level)[T.city]" in m.coef_.index
    grid = pd.DataFrame({"year": [2020, 2022], "level": ["prefecture", "city"]})
    p = predicted_rates(m, grid, per=1000)
    b = m.coef_
    hand = 1000 * np.exp([b["Intercept"], b["Intercept"] + b["C(year)[T.2022]"] + b["C(level)[T.city]"]])
    np.testing.assert_allclose(p.rate, hand, rtol=1e-10)
    assert (p.rate_low < p.rate).all() and (p.rate < p.rate_high).all()
    # the reference cell's interval is the intercept's
    se0 = math.sqrt(m.cov_.loc["Intercept", "Intercept"])
    assert p.rate_high[0] / p.rate[0] == pytest.approx(math.exp(m._quantile() * se0))
    fe = RateModel(terms=["C(year)"], fixed_effects="place", **KW).fit(df)
    with pytest.raises(ValueError, match="backend='statsmodels'"):
        predicted_rates(fe, grid)
    fes = RateModel(terms=["C(year)"], fixed_effects="place", backend="statsmodels", **KW).fit(df)
    q = predicted_rates(fes, pd.DataFrame({"year": [2021], "place": ["p051"]}))
    sub = df[df.place == "p051"]
    # a place's fitted rates reproduce its total count (Poisson score equation for its effect)
    g = predicted_rates(fes, sub[["year", "place"]], per=1)
    assert (g.rate * sub.tokens.to_numpy()).sum() == pytest.approx(sub.n.sum(), rel=1e-6)
    assert np.isfinite(q.rate_low).all()


# -- shrinkage ----------------------------------------------------------------
FIVE = pd.DataFrame({
    "place": ["A", "B", "C", "D", "E"],
    "n": [3, 40, 70, 25, 55],
    "expected": [0.5, 50.0, 60.0, 30.0, 45.0],
    "tokens": [200, 20000, 24000, 12000, 18000],
})


def test_marshall_estimator_by_hand_on_five_places():
    O = [3, 40, 70, 25, 55]
    E = [0.5, 50.0, 60.0, 30.0, 45.0]
    m = sum(O) / sum(E)  # 193 / 185.5
    r = [o / e for o, e in zip(O, E)]
    s2 = sum(e * (ri - m) ** 2 for e, ri in zip(E, r)) / sum(E)
    A = s2 - m / (sum(E) / 5)
    assert A > 0
    shrunk = [m + A / (A + m / e) * (ri - m) for e, ri in zip(E, r)]
    assert marshall_prior(O, E) == pytest.approx((m, A))
    s = shrunken_deviations(FIVE, count="n", exposure="tokens", group="place",
                            expected="expected").set_index("place").loc[list("ABCDE")]
    np.testing.assert_allclose(s.rr_raw, r)
    np.testing.assert_allclose(s.rr_shrunk, shrunk, rtol=1e-12)
    np.testing.assert_allclose(s.weight, [A / (A + m / e) for e in E])
    # posterior Gamma(m^2/A + O, m/A + E): mean equals the linear shrinkage
    from scipy import stats
    lo = stats.gamma.ppf(0.025, m * m / A + 3, scale=1 / (m / A + 0.5))
    assert s.rr_shrunk_low["A"] == pytest.approx(lo)
    # the place with tiny exposure and the extreme raw rate is shrunk most
    assert s.rr_raw.idxmax() == "A" and s.weight.idxmin() == "A"
    assert (s.rr_raw - s.rr_shrunk).abs().idxmax() == "A"
    # exact Poisson interval for the raw ratio of B
    assert s.rr_raw_low["B"] == pytest.approx(stats.chi2.ppf(0.025, 80) / 2 / 50)


def test_small_place_does_not_top_the_shrunken_list():
    df = simulate(11)
    tiny = pd.DataFrame([("tiny", "v00", "prefecture", 2022, 40, 2)], columns=df.columns)
    df = pd.concat([df, tiny], ignore_index=True)
    s = shrunken_deviations(df, count="n", exposure="tokens", group="place",
                            terms=["C(year)", "C(level)"])
    raw_rank = s.sort_values("rr_raw", ascending=False).place.tolist()
    assert raw_rank[0] == "tiny"  # 2 hits in 40 tokens: raw rate ratio ~ 18
    assert s.place.iloc[0] != "tiny"
    t = s.set_index("place").loc["tiny"]
    assert t.weight < 0.2 and t.rr_shrunk < t.rr_raw / 5
    # expected counts from the year + level model add up to the observed total
    assert s.expected.sum() == pytest.approx(s["count"].sum(), rel=1e-8)


def test_no_extra_poisson_variation_shrinks_everything_to_the_mean():
    df = pd.DataFrame({"g": list("abcd"), "n": [10, 20, 30, 40], "e": [10.0, 20.0, 30.0, 40.0],
                       "x": 1})
    s = shrunken_deviations(df, count="n", exposure="x", group="g", expected="e")
    assert (s.prior_var == 0).all() and np.allclose(s.rr_shrunk, 1.0) and (s.weight == 0).all()
