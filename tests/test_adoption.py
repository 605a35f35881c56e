"""First use and Kaplan-Meier adoption curves against hand-worked values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from discourse.analysis.adoption import adoption_curve, first_use


@pytest.fixture
def docs() -> pd.DataFrame:
    d = pd.DataFrame(
        {
            "place": ["A", "A", "A", "B", "B", "C", "D", "D", "E"],
            "level": ["prov", "prov", "prov", "city", "city", "city", "prov", "prov", "city"],
            "date": pd.to_datetime(
                ["2021-01-10", "2021-03-01", "2022-01-15", "2021-02-01", "2022-02-01",
                 "2020-12-01", "2021-01-05", "2021-02-20", "2021-01-20"]
            ),
            "text": ["常态化防控", "坚持动态清零", "动态清零不动摇", "经济发展", "乙类乙管",
                     "动态清零", "外防输入", "动态清零", "外防输入"],
        }
    )
    return d


def test_first_use_statuses(docs):
    rel = {"动态清零": "2021-01-01"}
    t = first_use(docs, unit="place", time="date", terms=["动态清零"], release=rel).set_index("unit")
    assert t.loc["A", "first_use"] == pd.Timestamp("2021-03-01")
    assert t.loc["A", "n_uses"] == 2 and t.loc["A", "n_docs"] == 3
    assert t.loc["A", "status"] == "adopted" and not t.loc["A", "used_before_release"]
    # B observed after release, never used: censored at its last text
    assert t.loc["B", "status"] == "censored" and t.loc["B", "last_obs"] == pd.Timestamp("2022-02-01")
    # C used it before the release, and was never observed after: still an adopter, flagged
    assert t.loc["C", "status"] == "adopted" and t.loc["C", "used_before_release"]
    assert t.loc["E", "status"] == "censored"
    # a term released after every text: nobody is observed after it
    t2 = first_use(docs, unit="place", time="date", terms=["乙类乙管"], release={"乙类乙管": "2023-01-08"})
    assert (t2.loc[t2.unit != "B", "status"] == "not_observed").all()
    assert t2.loc[t2.unit == "B", "status"].iloc[0] == "adopted"  # used before release


def test_first_use_from_count_columns(docs):
    d = docs.assign(k=docs["text"].str.count("外防输入"))
    t = first_use(d, unit="place", time="date", count_cols={"外防输入": "k"},
                  release={"外防输入": "2021-01-01"}).set_index("unit")
    assert set(t.index[t.status == "adopted"]) == {"D", "E"}
    with pytest.raises(ValueError, match="no count column"):
        first_use(d, unit="place", time="date", count_cols={"x": "nope"})
    with pytest.raises(ValueError, match="no column 'year'"):
        first_use(d, unit="place", time="year", terms=["x"])


def test_km_against_hand_computation():
    # durations 2, 3, 3+, 5, 8+ (+ = censored), a textbook Kaplan-Meier table:
    # S(2) = 4/5, S(3) = 4/5 * 3/4 = .6, S(5) = .6 * 1/2 = .3
    # Greenwood: Var S(t) = S(t)^2 * sum d / (n (n - d))
    tab = pd.DataFrame(
        {"term": "t", "unit": list("abcde"), "release": 0,
         "first_use": [2, 3, np.nan, 5, np.nan], "last_obs": [9, 9, 3, 9, 8],
         "status": ["adopted", "adopted", "censored", "adopted", "censored"]}
    )
    km = adoption_curve(tab)
    np.testing.assert_allclose(km["time"], [2, 3, 5])
    np.testing.assert_array_equal(km["n_at_risk"], [5, 4, 2])
    np.testing.assert_allclose(km["adopted"], [0.2, 0.4, 0.7])
    S = np.array([0.8, 0.6, 0.3])
    gw = np.cumsum([1 / (5 * 4), 1 / (4 * 3), 1 / (2 * 1)])
    np.testing.assert_allclose(km["se"], S * np.sqrt(gw))
    # log-log interval by hand at t = 3
    z = 1.959963984540054
    se_ll = S[1] * np.sqrt(gw[1]) / (S[1] * abs(np.log(S[1])))
    assert km["lower"].iloc[1] == pytest.approx(1 - S[1] ** np.exp(-z * se_ll))
    assert km["upper"].iloc[1] == pytest.approx(1 - S[1] ** np.exp(z * se_ll))
    assert (km["lower"] <= km["adopted"]).all() and (km["adopted"] <= km["upper"]).all()
    assert km[["n_units", "n_adopted", "n_censored"]].iloc[0].tolist() == [5, 3, 2]


def test_curve_by_group_excludes_unobserved_and_uses_days(docs):
    rel = {"动态清零": "2021-01-01"}
    t = first_use(docs, unit="place", time="date", terms=["动态清零"], release=rel)
    t = t.merge(docs.drop_duplicates("place")[["place", "level"]], left_on="unit", right_on="place")
    km = adoption_curve(t, by="level")
    prov = km[km.level == "prov"]
    # prov: A adopts on day 59 (2021-03-01), D on day 50 (2021-02-20): both adopt
    np.testing.assert_allclose(prov["time"], [50, 59])
    np.testing.assert_allclose(prov["adopted"], [0.5, 1.0])
    city = km[km.level == "city"]
    # city: C adopted before release (time 0), B and E censored -> 1/3 at day 0
    assert city["time"].tolist() == [0.0] and city["adopted"].iloc[0] == pytest.approx(1 / 3)
    assert city["n_units"].iloc[0] == 3


def test_group_without_adopters_and_missing_release():
    tab = pd.DataFrame({"term": "t", "unit": ["a", "b"], "release": 0, "first_use": [np.nan, np.nan],
                        "last_obs": [3, 4], "status": ["censored", "censored"]})
    km = adoption_curve(tab)
    assert km["adopted"].tolist() == [0.0] and km["n_units"].iloc[0] == 2
    with pytest.raises(ValueError, match="no release date"):
        adoption_curve(tab.assign(release=np.nan))
