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
