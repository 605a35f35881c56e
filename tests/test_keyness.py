"""Keyness statistics against reference values computed independently.

Reference values and their sources:

* Log-likelihood worked example from the Lancaster University corpus
  linguistics tutorial for Paul Rayson's log-likelihood wizard
  (http://ucrel.lancs.ac.uk/llwizard.html): a word occurring 52 times in a
  corpus of 50,000 tokens and 57 times in one of 75,000 tokens gives
  "Item O1 %1 O2 %2 LL / Word 52 0.10 57 0.08 + 2.65" (positive: more
  frequent in corpus 1; below 3.84, so not significant at p < 0.05).
* scipy.stats.power_divergence(lambda_="log-likelihood") on the two observed
  frequencies with Rayson & Garside's expected values gives the same two-cell
  G² by an implementation that is not the project's.
* scipy.stats.chi2_contingency on the 2x2 table [[a, b], [c-a, d-b]] gives
  Pearson's chi² with and without Yates' correction.
* Log Ratio examples from Hardie (2014, "Log Ratio - an informal
  introduction", CASS blog): doubling of relative frequency = 1, and the 0.5
  adjustment of a zero frequency, computed here by hand.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, false_discovery_control, power_divergence

from discourse.analysis.keyness import (
    chi_square,
    group_keyness,
    keyness,
    log_likelihood,
    log_ratio,
    term_counts,
)


def test_llwizard_worked_example():
    t = keyness({"word": 52}, {"word": 57}, target_size=50_000, reference_size=75_000, min_freq=1)
    row = t.iloc[0]
    assert round(row.g2, 2) == 2.65
    assert row.direction == "over"
    assert row.p_value > 0.05  # LL < 3.84
    assert row.rate_target == pytest.approx(52 / 50_000 * 1e6)
    assert round(row.rate_target / 1e4, 2) == 0.10 and round(row.rate_reference / 1e4, 2) == 0.08


@pytest.mark.parametrize("a,b,c,d", [(52, 57, 50_000, 75_000), (3, 40, 1_000, 2_000),
                                     (120, 7, 9_000, 30_000), (0, 12, 500, 800)])
def test_g2_matches_scipy_power_divergence(a, b, c, d):
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    ref = power_divergence([a, b], f_exp=[e1, e2], lambda_="log-likelihood").statistic
    assert float(log_likelihood(a, b, c, d)) == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("yates", [False, True])
@pytest.mark.parametrize("a,b,c,d", [(52, 57, 50_000, 75_000), (3, 40, 1_000, 2_000),
                                     (120, 7, 9_000, 30_000)])
def test_chi2_matches_scipy_chi2_contingency(a, b, c, d, yates):
    ref = chi2_contingency(np.array([[a, b], [c - a, d - b]]), correction=yates)[0]
    assert float(chi_square(a, b, c, d, yates=yates)) == pytest.approx(ref, rel=1e-10)


def test_log_ratio_by_hand():
    assert float(log_ratio(20, 10, 1_000, 1_000)) == pytest.approx(1.0)
    assert float(log_ratio(10, 20, 1_000, 2_000)) == pytest.approx(0.0)
    # zero adjusted to 0.5: log2((4/1000) / (0.5/1000)) = log2(8) = 3
    assert float(log_ratio(4, 0, 1_000, 1_000)) == pytest.approx(3.0)
    assert float(log_ratio(0, 4, 1_000, 1_000)) == pytest.approx(-3.0)


def test_table_signs_sizes_and_filtering():
    target = {"清零": 30, "工作": 50, "罕见": 1}
    reference = {"清零": 2, "工作": 200, "其他": 98}
    t = keyness(target, reference, min_freq=5)
    assert t.term.tolist() == ["清零", "工作", "其他"]  # 罕见 (1) filtered out
    assert set(t.size_target) == {81} and set(t.size_reference) == {300}  # before filtering
    assert t.set_index("term").loc["清零", "g2"] > 0 > t.set_index("term").loc["工作", "g2"]
    assert t.direction.tolist() == ["over", "under", "under"]
    assert (np.sign(t.log_ratio) == np.sign(t.g2)).all()
    assert t.p_adjusted.tolist() == pytest.approx(false_discovery_control(t.p_value.to_numpy()))


def test_chi2_measure_and_bonferroni():
    t = keyness({"a": 30, "b": 10}, {"a": 10, "b": 30}, measure="chi2", correction="bonferroni",
                min_freq=1, test="asymptotic")
    assert t.p_value.tolist() == pytest.approx(
        [chi2_contingency(np.array([[30, 10], [10, 30]]), correction=False)[1]] * 2)
    assert t.p_adjusted.tolist() == pytest.approx(np.minimum(1, t.p_value * 2).tolist())
    assert t.attrs["measure"] == "chi2"
    assert t.term.tolist() == ["a", "b"]


def test_per_thousand_rates():
    t = keyness({"x": 5}, {"x": 5}, per=1000, target_size=1_000, reference_size=2_000, min_freq=1)
    assert (t.rate_target.iloc[0], t.rate_reference.iloc[0]) == (5.0, 2.5)


def test_group_keyness_drops_placeholders_and_uses_the_rest():
    units = pd.DataFrame({
        "city_en": ["A", "A", "B", "C"],
        "tokens": [["清零", "〔XX〕", "，"], ["清零", "工作"], ["工作"], ["工作", "工作"]],
    })
    t = group_keyness(units, "city_en", "A", min_freq=1).set_index("term")
    assert "〔XX〕" not in t.index and "，" not in t.index
    assert t.loc["清零", "freq_target"] == 2 and t.loc["工作", "freq_reference"] == 3
    assert t.loc["清零", "size_target"] == 3 and t.loc["清零", "size_reference"] == 3
    only_b = group_keyness(units, "city_en", "A", reference="B", min_freq=1).set_index("term")
    assert only_b.loc["工作", "freq_reference"] == 1
    with pytest.raises(ValueError, match="no units"):
        group_keyness(units, "city_en", "Z")


def test_term_counts():
    assert term_counts([["要", "要", "〔NUM〕"], ["防"]]) == {"要": 2, "防": 1}


def test_bad_input():
    with pytest.raises(ValueError, match="measure"):
        keyness({"a": 1}, {"a": 1}, measure="mi")
    with pytest.raises(ValueError, match="empty corpus"):
        keyness({}, {"a": 1})
    assert math.isclose(float(log_likelihood(0, 0, 10, 10)), 0.0)


# --- exact tests, intervals, dispersion and document-level permutation ------------------

from itertools import combinations

from scipy.stats import binomtest, fisher_exact, permutation_test
from statsmodels.stats.multitest import multipletests

from discourse.analysis.keyness import (
    fisher_exact_terms,
    log_ratio_ci,
    permutation_keyness,
    segmentation_check,
    substring_keyness,
)


def test_fisher_matches_scipy_on_small_and_large_tables():
    rng = np.random.default_rng(7)
    a = rng.integers(0, 12, 60)
    b = rng.integers(0, 12, 60)
    c, d = 700, 1900
    got = fisher_exact_terms(a, b, c, d)
    ref = [fisher_exact([[x, y], [c - x, d - y]]).pvalue for x, y in zip(a, b)]
    assert got == pytest.approx(ref, rel=1e-9, abs=1e-12)
    # the 3-vs-0 case of the audit: tiny expected counts, far from significant
    assert fisher_exact_terms([3], [0], 800, 1600)[0] == pytest.approx(
        fisher_exact([[3, 0], [797, 1600]]).pvalue)


def test_log_ratio_ci_is_the_clopper_pearson_interval_transformed():
    for a, b, c, d in [(7, 2, 1000, 3000), (3, 0, 500, 900), (0, 5, 800, 800), (40, 35, 9000, 7000)]:
        lo, hi = log_ratio_ci(a, b, c, d)
        if a + b:
            pi = binomtest(a, a + b).proportion_ci(0.95, method="exact")
            exp_lo = -np.inf if pi.low == 0 else math.log2(pi.low / (1 - pi.low) * d / c)
            exp_hi = np.inf if pi.high == 1 else math.log2(pi.high / (1 - pi.high) * d / c)
            assert float(lo) == pytest.approx(exp_lo) and float(hi) == pytest.approx(exp_hi)
    assert np.isinf(log_ratio_ci(3, 0, 500, 900)[1])


def test_log_ratio_ci_covers_the_true_ratio():
    # simulation with known truth: Poisson counts with rate ratio 2 (log2 = 1)
    rng = np.random.default_rng(11)
    a = rng.poisson(20 * 2, 2000)
    b = rng.poisson(20, 2000)
    lo, hi = log_ratio_ci(a, b, 1000, 1000)
    cover = np.mean((lo <= 1) & (1 <= hi))
    assert 0.94 <= cover <= 0.995  # exact intervals are conservative


def test_keyness_reports_fisher_and_corrects_the_chosen_p():
    t = keyness({"清零": 3, "工作": 40, "防控": 9}, {"清零": 0, "工作": 90, "防控": 8}, min_freq=1)
    ref = {term: fisher_exact([[x, y], [52 - x, 98 - y]]).pvalue
           for term, x, y in [("清零", 3, 0), ("工作", 40, 90), ("防控", 9, 8)]}
    assert t.set_index("term").p_fisher.to_dict() == pytest.approx(ref)
    assert (t.p_value == t.p_fisher).all() and t.attrs["test"] == "fisher"
    assert t.p_adjusted.tolist() == pytest.approx(multipletests(t.p_value, method="fdr_bh")[1])
    asym = keyness({"清零": 3, "工作": 40, "防控": 9}, {"清零": 0, "工作": 90, "防控": 8},
                   min_freq=1, test="asymptotic")
    assert (asym.p_value == asym.p_asymptotic).all()
    row = t.set_index("term").loc["清零"]
    assert row.expected_min == pytest.approx(3 * 52 / 150)
    assert row.log_ratio_low < row.log_ratio < row.log_ratio_high == np.inf
    with pytest.raises(ValueError, match="test must be"):
        keyness({"a": 1}, {"a": 1}, test="exact")


@pytest.fixture
def five_texts() -> pd.DataFrame:
    # 5 documents, 2 paragraphs each; documents a, b in period "p1"; c, d, e in "p2".
    rows = []
    toks = {
        "a": [["封控", "封控", "工作"], ["封控", "核酸"]],
        "b": [["封控", "工作", "工作"], ["核酸"]],
        "c": [["工作", "核酸"], ["工作", "工作", "核酸"]],
        "d": [["封控", "工作"], ["核酸", "核酸", "工作"]],
        "e": [["工作"], ["工作", "核酸", "核酸"]],
    }
    city = {"a": "X", "b": "X", "c": "Y", "d": "Z", "e": "Z"}
    for doc, paras in toks.items():
        for i, t in enumerate(paras):
            rows.append({"doc_id": doc, "para_no": i + 1, "city": city[doc],
                         "period": "p1" if doc in "ab" else "p2", "tokens": t})
    return pd.DataFrame(rows)


def test_group_keyness_dispersion_by_hand(five_texts):
    k = group_keyness(five_texts, "period", "p1", min_freq=1).set_index("term")
    # 封控 in p1: a 3, b 1 (docs of 5 and 4 words) -> both docs; in p2 only d (1 of 5 words)
    assert (k.loc["封控", "docs_target"], k.loc["封控", "n_docs_target"]) == (2, 2)
    assert (k.loc["封控", "docs_reference"], k.loc["封控", "n_docs_reference"]) == (1, 3)
    s = np.array([5, 4]) / 9
    v = np.array([3, 1]) / 4
    assert k.loc["封控", "dp_target"] == pytest.approx(0.5 * np.abs(v - s).sum())
    assert k.loc["封控", "dp_norm_target"] == pytest.approx(0.5 * np.abs(v - s).sum() / (1 - 4 / 9))
    assert k.loc["封控", "docs_share_reference"] == pytest.approx(1 / 3)
    assert k.attrs["dispersion_unit"] == "doc_id"


def _log_ratio_plain(x_counts, x_sizes, y_counts, y_sizes):
    a, b = sum(x_counts), sum(y_counts)
    a, b = (a or 0.5), (b or 0.5)
    return math.log2((a / sum(x_sizes)) / (b / sum(y_sizes)))


def test_permutation_keyness_matches_scipy_over_documents(five_texts):
    r = permutation_keyness(five_texts, "period", "p1", min_freq=1).set_index("term")
    docs = five_texts.groupby("doc_id")["tokens"].sum()
    sizes = docs.map(len)
    for term in ["封控", "核酸", "工作"]:
        counts = docs.map(lambda t: t.count(term))
        x = np.array([0, 1])  # positions of a, b
        y = np.array([2, 3, 4])

        def stat(xi, yi):
            return _log_ratio_plain(counts.iloc[list(xi)], sizes.iloc[list(xi)],
                                    counts.iloc[list(yi)], sizes.iloc[list(yi)])

        obs = stat(x, y)
        dist = []
        for comb in combinations(range(5), 2):
            rest = [i for i in range(5) if i not in comb]
            dist.append(stat(comb, rest))
        dist = np.array(dist)
        p_ge, p_le = np.mean(dist >= obs - 1e-12), np.mean(dist <= obs + 1e-12)
        assert r.loc[term, "observed"] == pytest.approx(obs)
        assert r.loc[term, "p_value"] == pytest.approx(min(1.0, 2 * min(p_ge, p_le)))
    assert r.exact.all() and (r.n_relabelings == 10).all() and (r.p_floor == 0.2).all()
    # rate_diff: the difference of mean per-document rates, as scipy's exact permutation test
    rd = permutation_keyness(five_texts, "period", "p1", min_freq=1, statistic="rate_diff",
                             per=1000).set_index("term")
    rate = (docs.map(lambda t: t.count("核酸")) / sizes * 1000).to_numpy()
    ref = permutation_test((rate[:2], rate[2:]), lambda u, v: np.mean(u) - np.mean(v),
                           permutation_type="independent", n_resamples=10_000)
    assert rd.loc["核酸", "observed"] == pytest.approx(rate[:2].mean() - rate[2:].mean())
    assert rd.loc["核酸", "p_value"] == pytest.approx(ref.pvalue)


def test_permutation_keyness_moves_clusters_together(five_texts):
    # cities X (a, b) / Y (c) / Z (d, e): 3 clusters, target X -> C(3, 1) = 3 relabellings
    r = permutation_keyness(five_texts, "period", "p1", cluster="city", min_freq=1)
    assert (r.n_relabelings == 3).all() and (r.n_blocks_target == 1).all()
    assert r.unit.iloc[0] == "city" and r.p_floor.iloc[0] == pytest.approx(2 / 3)
    bad = five_texts.assign(city=five_texts["doc_id"].map({"a": "X", "b": "Y", "c": "Y",
                                                             "d": "Z", "e": "Z"}))
    with pytest.raises(ValueError, match="both groups"):
        permutation_keyness(bad, "period", "p1", cluster="city", min_freq=1)


def test_permutation_keyness_monte_carlo_floor_and_fdr():
    rng = np.random.default_rng(5)
    rows = []
    for i in range(40):  # 20 + 20 documents: C(40, 20) relabellings -> Monte Carlo
        g = "t" if i < 20 else "r"
        toks = list(rng.choice(["工作", "防控", "会议"], 30))
        toks += ["封控"] * (5 if g == "t" else 0)  # perfectly separated term
        rows.append({"doc_id": f"d{i:02d}", "g": g, "tokens": toks})
    units = pd.DataFrame(rows)
    r = permutation_keyness(units, "g", "t", n_resamples=199, random_state=3).set_index("term")
    assert not r.exact.any() and (r.n_resamples == 199).all()
    assert r.loc["封控", "p_value"] == pytest.approx(2 / 200)  # (0 + 1) / (199 + 1), two-sided
    assert r.loc["封控", "p_floor"] == pytest.approx(2 / 200)
    assert r.p_adjusted.tolist() == pytest.approx(multipletests(r.p_value, method="fdr_bh")[1])
    again = permutation_keyness(units, "g", "t", n_resamples=199, random_state=3).set_index("term")
    pd.testing.assert_frame_equal(r, again)
    with pytest.raises(ValueError, match="both the target and the reference"):
        permutation_keyness(units.assign(doc_id="same"), "g", "t")


def test_group_keyness_with_permutation_columns(five_texts):
    k = group_keyness(five_texts, "period", "p1", min_freq=1, permutation=True)
    assert {"p_perm", "p_perm_adjusted", "significant_perm", "p_floor", "n_relabelings"} <= set(k)
    ref = permutation_keyness(five_texts, "period", "p1", min_freq=1).set_index("term")
    assert k.set_index("term").p_perm.to_dict() == pytest.approx(ref.p_value.to_dict())


def test_substring_counts_reverse_a_tokenizer_artefact():
    # the audit's case: 隔离 as a token only in the target, but the reference has it
    # inside 居家隔离 and 隔离点, which the segmenter keeps as single tokens
    units = pd.DataFrame({
        "doc_id": ["t1", "t2", "r1", "r2"],
        "g": ["t", "t", "r", "r"],
        "text": ["加强隔离管理", "做好隔离工作", "实行居家隔离", "设立隔离点和居家隔离"],
        "tokens": [["加强", "隔离", "管理"], ["做好", "隔离", "工作"], ["实行", "居家隔离"],
                   ["设立", "隔离点", "和", "居家隔离"]],
    })
    tok = group_keyness(units, "g", "t", min_freq=1, correction=None)
    sub = substring_keyness(units, "g", "t", ["隔离"], correction=None)
    row = sub.set_index("term").loc["隔离"]
    assert (row.freq_target, row.freq_reference) == (2, 3)
    assert (row.size_target, row.size_reference) == (12, 16)  # characters of each group
    assert row.log_ratio == pytest.approx(math.log2((2 / 12) / (3 / 16)))
    assert row.n_relabelings == 6  # C(4, 2) documents
    chk = segmentation_check(tok.assign(significant=True), sub).set_index("term")
    assert bool(chk.loc["隔离", "direction_changed"]) and bool(chk.loc["隔离", "depends_on_segmentation"])
    assert tok.set_index("term").loc["隔离", "freq_reference"] == 0


def _stratified_fixture():
    """Nine reports of seven places in two provinces; levels 'pref' (target) and 'prov'.

    Province A: places a1 (prov), a2, a3 (pref), a4 (prov); province B: b1 (prov),
    b2 (pref), b3 (prov). Places a2 and b1 have two reports each.
    """
    plan = [("a1", "A", "prov", ["防控"] * 3 + ["工作"] * 2),
            ("a2", "A", "pref", ["核酸"] * 2 + ["工作"]),
            ("a2", "A", "pref", ["核酸", "防控", "工作", "工作"]),
            ("a3", "A", "pref", ["核酸"] * 3 + ["防控"]),
            ("a4", "A", "prov", ["工作"] * 4 + ["防控"]),
            ("b1", "B", "prov", ["防控", "工作"]),
            ("b1", "B", "prov", ["防控"] * 2 + ["核酸"]),
            ("b2", "B", "pref", ["核酸"] * 4 + ["工作"]),
            ("b3", "B", "prov", ["工作", "防控", "防控"])]
    rows = [{"doc_id": f"r{i}", "place": pl, "province": pv, "level": lv, "tokens": toks}
            for i, (pl, pv, lv, toks) in enumerate(plan)]
    return pd.DataFrame(rows)


def _plain_stratified_p(units, block, strata, term):
    """Two-sided p by enumerating every labelling of the blocks that keeps each stratum's count."""
    blocks = sorted(units[block].unique())
    stratum = {b: units.loc[units[block] == b, strata].iloc[0] for b in blocks}
    observed = {b: units.loc[units[block] == b, "level"].iloc[0] == "pref" for b in blocks}
    count = {b: sum(t.count(term) for t in units.loc[units[block] == b, "tokens"]) for b in blocks}
    size = {b: sum(len(t) for t in units.loc[units[block] == b, "tokens"]) for b in blocks}

    def stat(lab):
        x = [b for b in blocks if lab[b]]
        y = [b for b in blocks if not lab[b]]
        return _log_ratio_plain([count[b] for b in x], [size[b] for b in x],
                                [count[b] for b in y], [size[b] for b in y])

    want = {s: sum(observed[b] for b in blocks if stratum[b] == s) for s in set(stratum.values())}
    dist = []
    for bits in itertools.product([False, True], repeat=len(blocks)):
        lab = dict(zip(blocks, bits))
        have = {s: sum(lab[b] for b in blocks if stratum[b] == s) for s in want}
        if have == want:
            dist.append(stat(lab))
    obs = stat(observed)
    dist = np.array(dist)
    p = min(1.0, 2 * min(np.mean(dist >= obs - 1e-12), np.mean(dist <= obs + 1e-12)))
    return p, len(dist), obs


@pytest.mark.parametrize("block", ["doc_id", "place"])
def test_stratified_permutation_matches_a_plain_enumeration(block):
    units = _stratified_fixture()
    cluster = None if block == "doc_id" else "place"
    r = permutation_keyness(units, "level", "pref", cluster=cluster, strata="province",
                            min_freq=1).set_index("term")
    for term in ["核酸", "防控", "工作"]:
        p, n, obs = _plain_stratified_p(units, block, "province", term)
        assert r.loc[term, "observed"] == pytest.approx(obs)
        assert r.loc[term, "p_value"] == pytest.approx(p)
        assert r.loc[term, "n_relabelings"] == n
        assert r.loc[term, "p_floor"] == pytest.approx(min(1.0, 2 / n))
    # by hand: reports A 5 (3 pref), B 4 (1 pref) -> C(5,3) C(4,1) = 40;
    # places A 4 (2 pref), B 3 (1 pref) -> C(4,2) C(3,1) = 18
    assert r.n_relabelings.iloc[0] == (40 if block == "doc_id" else 18) and r.exact.all()
    assert r.attrs["strata"] == "province" and r.attrs["n_strata"] == 2
    # unstratified, the same design has more relabellings: C(9,4) = 126 / C(7,3) = 35
    free = permutation_keyness(units, "level", "pref", cluster=cluster, min_freq=1)
    assert free.n_relabelings.iloc[0] == (126 if block == "doc_id" else 35)


def test_stratified_monte_carlo_approximates_the_exact_test_and_keeps_the_strata():
    from discourse.analysis.keyness import _stratified_relabelings

    units = _stratified_fixture()
    exact = permutation_keyness(units, "level", "pref", cluster="place", strata="province",
                                min_freq=1).set_index("term")
    mc = permutation_keyness(units, "level", "pref", cluster="place", strata="province",
                             min_freq=1, max_exact=10, n_resamples=4000,
                             random_state=1).set_index("term")
    assert not mc.exact.any() and (mc.n_relabelings == 18).all() and (mc.n_resamples == 4000).all()
    assert mc.p_floor.iloc[0] == pytest.approx(2 / 4001)
    np.testing.assert_allclose(mc.p_value, exact.p_value, atol=0.04)
    # every drawn relabelling keeps each stratum's number of target blocks
    stratum = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
    block_t = np.array([1, 1, 0, 0, 1, 0, 0, 1, 1], dtype=bool)  # stratum 2: all target
    Z, is_exact, n = _stratified_relabelings(stratum, block_t, 500, 10, np.random.default_rng(0))
    assert not is_exact and n == math.comb(4, 2) * math.comb(3, 1)
    for s in range(3):
        assert (Z[:, stratum == s].sum(axis=1) == block_t[stratum == s].sum()).all()
    assert (Z[:, stratum == 2] == 1).all()
    assert len({tuple(z) for z in Z}) == 18  # 500 draws reach all 18 labellings
    Ze, is_exact, n = _stratified_relabelings(stratum, block_t, 500, 10_000, np.random.default_rng(0))
    assert is_exact and len({tuple(z) for z in Ze}) == len(Ze) == 18


def test_one_stratum_is_the_unstratified_test():
    units = _stratified_fixture().assign(everywhere="all")
    for kw in ({}, {"max_exact": 5, "n_resamples": 300}):
        a = permutation_keyness(units, "level", "pref", strata="everywhere", min_freq=1, **kw)
        b = permutation_keyness(units, "level", "pref", min_freq=1, **kw)
        pd.testing.assert_frame_equal(a, b)


def test_stratified_permutation_errors_and_group_keyness():
    units = _stratified_fixture()
    with pytest.raises(ValueError, match="several 'province' strata"):  # place a2 in A and B
        permutation_keyness(units.assign(province=["A", "A", "B"] + ["A"] * 6), "level", "pref",
                            cluster="place", strata="province", min_freq=1)
    split = units.copy()  # report r0's two paragraphs in two provinces
    split.loc[1, ["doc_id", "place", "level", "province"]] = ["r0", "a1", "prov", "B"]
    with pytest.raises(ValueError, match=r"documents \['r0'\] lie in several"):
        permutation_keyness(split, "level", "pref", strata="province", min_freq=1)
    with pytest.raises(ValueError, match="missing values"):
        permutation_keyness(units.assign(province=[None] + ["A"] * 8), "level", "pref",
                            strata="province", min_freq=1)
    with pytest.raises(KeyError, match="strata column"):
        permutation_keyness(units, "level", "pref", strata="nope", min_freq=1)
    with pytest.raises(ValueError, match="no relabelling within strata"):  # each province one level
        permutation_keyness(units.assign(province=units.level), "level", "pref",
                            strata="province", min_freq=1)
    with pytest.raises(ValueError, match="permutation=True"):
        group_keyness(units, "level", "pref", strata="province", min_freq=1)
    k = group_keyness(units, "level", "pref", min_freq=1, permutation=True, cluster="place",
                      strata="province")
    ref = permutation_keyness(units, "level", "pref", min_freq=1, cluster="place",
                              strata="province", terms=k.term.tolist())
    np.testing.assert_array_equal(k.p_perm.to_numpy(), ref.p_value.to_numpy())
    assert (k.n_relabelings == 18).all() and k.attrs["permutation_strata"] == "province"
