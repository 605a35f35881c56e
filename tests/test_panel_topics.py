"""Panel topics on a small synthetic panel (not the bundled one): the reported model is a
scored fit, no interval below min_docs, keyness directions and counts, findings only
state numbers found in the tables."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from discourse.analysis.coherence import npmi_coherence
from discourse.analysis.vocab import TokenFilter
from discourse.study import panel_topics as pt
from discourse.study.compare import content_stop_words
from discourse.study.settings import StatsSettings, TopicSettings

THEMES = {
    "health": ["核酸", "检测", "隔离", "筛查", "医院", "救治"],
    "economy": ["企业", "复工", "复产", "投资", "消费", "增长"],
    "vaccine": ["疫苗", "接种", "加强", "老年人", "覆盖", "免疫"],
}
PROVINCES = [f"省{i}" for i in range(6)]


def _paragraph(rng, theme: str, level_word: str) -> list[str]:
    words = THEMES[theme]
    toks = list(rng.choice(words, size=14)) + [level_word, "疫情", "防控"]
    rng.shuffle(toks)
    return [str(t) for t in toks]


@pytest.fixture(scope="module")
def study():
    rng = np.random.default_rng(7)
    docs, paras = [], []
    for year in (2021, 2022):
        places = [("national", "全国", None)] + [(lv, f"{p}-{lv}{j}", p) for p in PROVINCES
                                                for lv, j in (("province", 0), ("prefecture", 1), ("prefecture", 2))]
        # one province has a third prefecture only in 2022: its level-year groups differ in size
        if year == 2022:
            places.append(("prefecture", f"{PROVINCES[0]}-prefecture3", PROVINCES[0]))
        for level, place, prov in places:
            doc_id = f"{level}-{place}-{year}"
            place_name = place if level != "province" else prov
            docs.append({"doc_id": doc_id, "level": level, "place": place_name, "province_zh": prov,
                         "year": year, "label": f"{place_name} {year}"})
            word = {"province": "全省", "prefecture": "全市", "national": "全国"}[level]
            themes = ["health", "economy", "vaccine"] if year == 2022 else ["health", "health", "economy"]
            for n, th in enumerate(themes, start=1):
                toks = _paragraph(rng, th, word)
                paras.append({"doc_id": doc_id, "para_no": n, "para_id": f"{doc_id}:p{n:03d}",
                              "text": "".join(toks), "tokens": toks})
    config = SimpleNamespace(topics=TopicSettings(k=(2, 3), restarts=2, rule="one_se", min_df=2, n_refits=6),
                             stats=StatsSettings(seed=11, n_permutations=199, min_docs=5, min_freq=3))
    return SimpleNamespace(documents=pd.DataFrame(docs), paragraphs=pd.DataFrame(paras), config=config)


@pytest.fixture(scope="module")
def fit(study):
    return pt.fit_topics(study, n_folds=2, n_boot=50)


def _texts(units):
    flt = TokenFilter(content_stop_words())
    return [flt(t) for t in units["tokens"]]


def _npmi_of(model, units, n_top):
    top = [g.term.tolist() for _, g in model.top_terms(n_top).groupby("topic", sort=True)]
    return float(np.mean(npmi_coherence(top, _texts(units))))


def test_units_carry_province_cluster(study):
    units = pt.topic_units(study)
    docs = study.documents.set_index("doc_id")
    expected = docs["province_zh"].fillna(docs["place"]).reindex(units["doc_id"]).to_numpy()
    assert (units["cluster"].to_numpy() == expected).all()
    # a province's report and its prefectures' reports share the cluster
    sub = units[units["cluster"] == PROVINCES[1]]
    assert set(sub["level"].astype(str)) == {"province", "prefecture"}


def test_reported_model_is_a_scored_fit(fit):
    sc = fit.selector.scores_
    row = sc[(sc["k"] == fit.k) & (sc["restart"] == fit.restart)]
    assert len(row) == 1 and int(row["seed"].iloc[0]) == fit.seed
    assert fit.model.n_components == fit.k and fit.model.random_state == fit.seed
    # its NPMI, recomputed independently, is the score recorded for that (k, restart) and the best at k
    assert _npmi_of(fit.model, fit.units, fit.selector.n_top) == pytest.approx(float(row["coherence"].iloc[0]), abs=1e-9)
    assert float(row["coherence"].iloc[0]) == pytest.approx(sc.loc[sc["k"] == fit.k, "coherence"].max())
    kt = pt.k_table(fit)
    assert kt.loc[kt["chosen"], "k"].tolist() == [fit.k]
    assert set(kt.columns) >= {"heldout_error_mean", "coherence_mean", "n_restart_wins", "win_freq"}
    assert kt["n_restart_wins"].sum() == fit.selector.n_restarts


def test_max_npmi_rule_recreates_the_scored_fit(study):
    f = pt.fit_topics(study, rule="max_npmi", n_folds=0, n_boot=20)
    summ = f.selector.summary_
    assert f.k == int(summ.loc[summ["coherence_mean"].idxmax(), "k"])
    sc = f.selector.scores_
    best = sc[sc["k"] == f.k]["coherence"].max()
    assert _npmi_of(f.model, f.units, f.selector.n_top) == pytest.approx(best, abs=1e-9)
    with pytest.raises(ValueError, match="rule"):
        pt.fit_topics(study, rule="elbow", n_folds=0, n_boot=5)


@pytest.mark.parametrize("min_docs", [5, 7])
def test_no_interval_below_min_docs(fit, study, min_docs):
    prev = pt.prevalence(fit, study=study, min_docs=min_docs, n_refits=6)
    docs = study.documents
    n_rep = docs.groupby(["year", "level"])["doc_id"].nunique()
    n_prov = docs.assign(c=docs["province_zh"].fillna(docs["place"])).groupby(["year", "level"])["c"].nunique()
    for _, r in prev.iterrows():
        key = (r["year"], str(r["level"]))
        assert r["n_reports"] == n_rep[key] and r["n_provinces"] == n_prov[key]
        small = n_rep[key] < min_docs or n_prov[key] < min_docs
        if small:
            assert np.isnan(r["ci_low"]) and np.isnan(r["ci_high"])
            assert "fewer than min_docs" in str(r["note"])
        else:
            assert np.isfinite(r["ci_low"]) and r["ci_low"] <= r["ci_high"]
    # the national report (1 a year) never has one; with min_docs=7 no group of 6 provinces has one
    assert prev.loc[prev["level"].astype(str) == "national", "ci_low"].isna().all()
    if min_docs == 7:
        assert prev.loc[prev["level"].astype(str) == "province", "ci_low"].isna().all()
        # prefectures: 12-13 reports but only 6 provinces, so the province count withholds the interval
        pref = prev[prev["level"].astype(str) == "prefecture"]
        assert (pref["n_reports"] >= 7).all() and pref["ci_low"].isna().all()
        assert pref["note"].str.contains("in 6 province").all()
    else:
        assert prev.loc[prev["level"].astype(str) == "prefecture", "ci_low"].notna().all()
    # shares of a group sum to one over topics (token-weighted proportions)
    sums = prev.groupby(["year", "level"], observed=True)["share"].sum()
    assert np.allclose(sums, 1.0)


def test_prevalence_share_is_token_weighted_by_hand(fit, study):
    prev = pt.prevalence(fit, study=study, n_refits=0)
    units = fit.units
    theta = fit.model.transform(units["tokens"].tolist())
    vocab = set(fit.model.terms_)
    n = np.array([sum(t in vocab for t in toks) for toks in units["tokens"]], dtype=float)
    mask = ((units["year"] == 2022) & (units["level"].astype(str) == "prefecture")).to_numpy()
    by_hand = (n[mask] @ theta[mask]) / n[mask].sum()
    got = prev[(prev["year"] == 2022) & (prev["level"].astype(str) == "prefecture")].sort_values("topic")["share"]
    assert np.allclose(got.to_numpy(), by_hand)


@pytest.fixture(scope="module")
def keyness(fit, study):
    return {f"{t} vs {r}": pt.level_keyness(study, t, r, units=fit.units, n=5) for t, r in (("prefecture", "province"),)}


def test_level_keyness_directions_and_counts(keyness, fit):
    k = keyness["prefecture vs province"]
    top_pref = k[k["over_used_in"] == "prefecture"].iloc[0]
    top_prov = k[k["over_used_in"] == "province"].iloc[0]
    assert top_pref["term"] == "全市" and top_pref["z"] > 0
    assert top_prov["term"] == "全省" and top_prov["z"] < 0
    u = fit.units.assign(level=fit.units["level"].astype(str))
    pref = u[u["level"] == "prefecture"]
    n_docs_with = pref[pref["tokens"].map(lambda t: "全市" in t)]["doc_id"].nunique()
    assert top_pref["docs_target"] == n_docs_with
    assert top_pref["n_docs_target"] == pref["doc_id"].nunique()
    assert top_pref["count_target"] == sum(t.count("全市") for t in pref["tokens"])
    # blocks are places: every place of the level, over both years
    assert top_pref["n_blocks_target"] == pref["place"].nunique()
    assert (k["p_perm_adjusted"] >= k["p_floor"] - 1e-12).all()


_NUM = re.compile(r"(?<![A-Za-z\d.])-?\d+(?:\.\d+)?")
#: Constants of the methods, not results (95% intervals, FDR level, matching threshold).
_METHOD_CONSTANTS = {"95", "0.05", "0.5"}


def _table_numbers(tables) -> set[str]:
    out: set[str] = set()
    for t in tables:
        for v in t.select_dtypes(include=["number", "bool"]).to_numpy().ravel().tolist():
            if v is None or (isinstance(v, float) and not np.isfinite(v)):
                continue
            v = float(v)
            for f in ("{:.0f}", "{:.1f}", "{:.2f}", "{:.3f}"):
                out.add(f.format(v))
                out.add(f.format(100 * v))
        for col in t.columns:  # years, k values and group keys given as labels
            if t[col].dtype == object or str(t[col].dtype) in ("string", "category"):
                for s in t[col].astype(str).unique():
                    out.update(_NUM.findall(str(s)))
    return out


def _unsupported(text: str, tables) -> list[str]:
    allowed = _table_numbers(tables) | _METHOD_CONSTANTS
    return [x for x in _NUM.findall(text) if x.lstrip("-") not in allowed and x not in allowed]


def test_findings_state_only_numbers_in_the_tables(fit, study, keyness):
    kt = pt.k_table(fit)
    topics = pt.topics_table(fit)
    prev = pt.prevalence(fit, study=study, n_refits=6)
    yearly = pt.yearly_terms(study, units=fit.units)
    text = pt.topic_findings(kt, topics, prev, yearly, keyness)
    attrs = pd.DataFrame([t.attrs for t in keyness.values()]).drop(columns=["target", "reference", "block"])
    tables = [kt, topics, prev, yearly, attrs, *keyness.values()]
    assert _unsupported(text, tables) == []
    assert f"k = {fit.k}" in text
    # the check can fail: a number typed into the text is caught
    assert _unsupported(text + " about 41.7% of reports", tables) == ["41.7"]
    md = pt.findings_markdown(kt, topics, prev, yearly, keyness)
    assert md.data == text


def test_topics_table_has_glosses_and_short_examples(fit):
    tab = pt.topics_table(fit, max_chars=20)
    assert len(tab) == fit.k
    for ex in tab["examples"]:
        for line in ex.split("\n"):
            body = line.split("] ", 1)[1]
            assert len(body) <= 20
    assert tab["glosses"].str.contains("/").all()


def test_level_comparisons_leave_out_an_untestable_comparison_and_say_why(study, fit):
    # every place its own stratum: no place can be relabelled, so no comparison can be tested
    units = fit.units.assign(cluster=fit.units["place"].astype(str))
    tables, why = pt.level_comparisons(study, units=units)
    assert tables == {}
    assert "holds places of only one of the two levels" in why and "prefecture" in why
