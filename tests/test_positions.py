"""Wordfish on a handful of texts (discourse.study.positions), on texts simulated from the model."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from discourse.analysis.scaling import simulate_wordfish
from discourse.study.positions import positions_note, text_positions


def _texts(n_docs=5, n_words=300, seed=4):
    sim = simulate_wordfish(n_docs, n_words, random_state=seed)
    labels = [f"T{i}" for i in range(n_docs)]
    # two units per text, so the pooling by label is exercised
    rows = []
    for lb, row in zip(labels, sim["counts"]):
        toks = [f"w{j}" for j, c in enumerate(row) for _ in range(int(c))]
        rows += [(lb, toks[: len(toks) // 2]), (lb, toks[len(toks) // 2:])]
    units = pd.DataFrame(rows, columns=["label", "tokens"])
    # the latest text is the one with the highest true theta, the earliest the lowest
    rank = np.argsort(np.argsort(sim["theta"]))
    dates = pd.to_datetime([f"202{r}-06-01" for r in rank])
    docs = pd.DataFrame({"label": labels, "place": ["甲", "乙", "丙", pd.NA, pd.NA][:n_docs], "date": dates})
    return units, docs, pd.Series(sim["theta"], index=labels)


@pytest.fixture(scope="module")
def fitted():
    units, docs, truth = _texts()
    return text_positions(units, docs, min_df=2, n_boot=50, random_state=1), truth, units


def test_positions_follow_the_simulated_ones_with_the_date_direction(fitted):
    pos, truth, _ = fitted
    p = pos.set_index("label")
    assert np.corrcoef(p["theta"], truth[p.index])[0, 1] > 0.9  # the direction rule makes it positive
    assert p.loc[pos.attrs["high"], "theta"] > p.loc[pos.attrs["low"], "theta"]
    assert pos.attrs["high"] == truth.idxmax() and pos.attrs["low"] == truth.idxmin()
    assert list(pos["theta"]) == sorted(pos["theta"])
    assert (pos["theta_se_boot"] > 0).all() and (pos["theta_se"] > 0).all()
    assert np.allclose(pos["upper"] - pos["theta"], 1.96 * pos["theta_se_boot"])


def test_counts_and_the_exact_length_test_against_a_direct_computation(fitted):
    pos, _, units = fitted
    n_tok = units.groupby("label")["tokens"].agg(lambda s: sum(len(x) for x in s))
    assert (pos.set_index("label")["n_tokens"].sort_index() == n_tok.sort_index()).all()
    theta, counted = pos["theta"].to_numpy(), pos["n_counted"].to_numpy()
    obs = stats.spearmanr(theta, counted).statistic
    perms = [stats.spearmanr(theta, np.array(p)).statistic for p in itertools.permutations(counted)]
    p_exact = np.mean(np.abs(perms) >= abs(obs) - 1e-12)
    assert pos.attrs["rho_length"] == pytest.approx(obs)
    assert pos.attrs["p_length"] == pytest.approx(p_exact)


def test_note_states_the_fitted_numbers(fitted):
    pos, _, _ = fitted
    note = positions_note(pos)
    lo, hi = pos["lower"].to_numpy(), pos["upper"].to_numpy()
    overlap = sum(lo[i] <= hi[j] and lo[j] <= hi[i] for i in range(5) for j in range(i + 1, 5))
    assert f"{overlap} of the 10 pairs" in note
    assert f"5 texts and {pos.attrs['n_words']} words" in note
    assert "all 120 orderings" in note
    assert "Each of the 3 named places has one text (and 2 texts have no place)" in note
    ratios = pos["theta_se_boot"] / pos["theta_se"]
    assert f"between {ratios.min():.1f} and {ratios.max():.1f} times the conditional" in note


def test_too_few_texts_or_words_raise_clearly():
    units, docs, _ = _texts()
    two = units[units["label"].isin(["T0", "T1"])]
    with pytest.raises(ValueError, match="at least 3 texts"):
        text_positions(two, docs)
    disjoint = pd.DataFrame({"label": list("abc"), "tokens": [["甲"], ["乙"], ["丙"]]})
    with pytest.raises(ValueError, match="fewer than 2 words"):
        text_positions(disjoint, pd.DataFrame({"label": list("abc"), "date": pd.NaT}))


def test_date_correlation_is_exact_over_the_dated_texts(fitted):
    pos, truth, _ = fitted
    # dates were built in the order of the true theta, so a recovered order gives rho = 1 and the floor p = 2/5!
    days = pd.to_datetime(pos["date"]).map(pd.Timestamp.toordinal).to_numpy(dtype=float)
    assert pos.attrs["rho_date"] == pytest.approx(stats.spearmanr(pos["theta"], days).statistic)
    assert pos.attrs["n_dated"] == 5
    if pos.attrs["rho_date"] == pytest.approx(1.0):
        assert pos.attrs["p_date"] == pytest.approx(2 / 120)
    assert "the smallest p possible is 0.017" in positions_note(pos)


def test_spearman_p_is_exact_for_few_texts_and_sampled_for_more():
    from scipy import stats

    from discourse.study.positions import EXACT_MAX_TEXTS, _exact_spearman, _p_basis

    x5 = np.arange(5.0)
    rho, p = _exact_spearman(x5, x5)
    assert rho == pytest.approx(1.0) and p == pytest.approx(2 / 120)  # only the identity and its reverse are as extreme
    x12 = np.arange(12.0)  # 12! orderings: never enumerated (that ran out of memory)
    y12 = x12 + np.array([0, 3, -1, 2, 0, 1, -2, 0, 1, -1, 2, 0], dtype=float)
    rho, p = _exact_spearman(x12, y12, random_state=3)
    assert rho == pytest.approx(stats.spearmanr(x12, y12).statistic)
    assert 0 < p < 0.01 and p == _exact_spearman(x12, y12, random_state=3)[1]  # seeded
    assert "exact p" in _p_basis(EXACT_MAX_TEXTS) and "9,999 seeded random orderings of 12" in _p_basis(12)
