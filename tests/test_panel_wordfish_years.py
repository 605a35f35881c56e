"""Wordfish per year on a small study-like panel simulated from the model (known positions)."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from discourse.analysis.scaling import simulate_wordfish
from discourse.plotting.panels import plot_positions_facets
from discourse.study import panel


def _year(year: int, n_docs: int, seed: int, national: bool = True):
    """Reports of one year drawn from Wordfish; the national report (if any) is the one with the highest true θ."""
    sim = simulate_wordfish(n_docs, 120, random_state=seed)
    theta = sim["theta"]
    order = np.argsort(-theta)  # row order: highest true theta first
    counts = sim["counts"][order]
    theta = theta[order]
    levels = (["national"] if national else ["province"]) + ["province"] * 3 + ["prefecture"] * (n_docs - 4)
    # doc ids not in theta order, so the direction rule cannot lean on the row order
    ids = [f"{year}-{(7 * i) % n_docs:03d}" for i in range(n_docs)]
    docs = pd.DataFrame({"doc_id": ids, "label": [f"L{i}" for i in ids], "place": [f"P{i}" for i in range(n_docs)],
                         "province_zh": [f"省{i % 6}" for i in range(n_docs)], "level": levels, "year": year,
                         # n_tokens follows the true theta (a known correlate); report length does not
                         "n_tokens": (1000 + 100 * theta).round().astype(int),
                         "n_total_chars": 5000,
                         "date": pd.Timestamp(f"{year}-01-15")})
    tokens = [[f"w{j}" for j, c in enumerate(row) for _ in range(int(c))] for row in counts]
    paras = pd.DataFrame({"doc_id": ids, "tokens": tokens})
    return docs, paras, pd.Series(theta, index=ids)


def _study(specs):
    parts = [_year(*s) for s in specs]
    docs = pd.concat([p[0] for p in parts], ignore_index=True)
    paras = pd.concat([p[1] for p in parts], ignore_index=True)
    truth = pd.concat([p[2] for p in parts])
    cfg = types.SimpleNamespace(stats=types.SimpleNamespace(min_docs=5, seed=3))
    return types.SimpleNamespace(documents=docs, paragraphs=paras, config=cfg), truth


@pytest.fixture(scope="module")
def fitted():
    study, truth = _study([(2021, 40, 1), (2022, 30, 2, False), (2023, 4, 3)])
    return study, truth, panel.wordfish_by_year(study, min_df=2)


def test_each_year_recovers_the_simulated_positions_with_the_stated_direction(fitted):
    _, truth, res = fitted
    for year in (2021, 2022):
        pos = res.positions[res.positions["year"] == year].set_index("doc_id")
        r = np.corrcoef(pos["theta"], truth[pos.index])[0, 1]
        # direction: the high anchor (national report, or the longest passage) has the highest true
        # theta by construction, so the recovered theta must correlate POSITIVELY with the truth
        assert r > 0.9, (year, r)
        hi = pos.index[pos["anchor"] == "high"][0]
        lo = pos.index[pos["anchor"] == "low"][0]
        assert pos.loc[hi, "theta"] > pos.loc[lo, "theta"]
        assert abs(pos["theta"].mean()) < 1e-6 and abs(pos["theta"].std(ddof=1) - 1) < 1e-6
        assert (pos["theta_se"] > 0).all()
        assert np.allclose(pos["upper"] - pos["lower"], 2 * 1.96 * pos["theta_se"])
    yrs = res.years.set_index("year")
    assert yrs.loc[2021, "high_anchor"] == "L2021-000"  # the national report
    # 2022 has no national report: the anchor is the report with the most passage tokens
    paras = fitted[0].paragraphs
    n_tok = paras.set_index("doc_id")["tokens"].map(len)
    longest = n_tok[[i for i in n_tok.index if i.startswith("2022")]].idxmax()
    assert yrs.loc[2022, "high_anchor"] == f"L{longest}"


def test_a_small_year_is_skipped_with_its_reason(fitted):
    _, _, res = fitted
    row = res.years.set_index("year").loc[2023]
    assert row["status"] == "skipped" and row["n_fitted"] == 0
    assert "min_docs = 5" in row["reason"] and "4 report" in row["reason"]
    assert 2023 not in set(res.positions["year"])
    assert set(res.years["year"]) == {2021, 2022, 2023}


def test_correlations_per_year_against_an_independent_computation(fitted):
    _, truth, res = fitted
    cor = res.correlations.set_index(["year", "with"])
    pos = res.positions[res.positions["year"] == 2021]
    rho = stats.spearmanr(pos["theta"], pos["n_tokens"]).statistic  # log is monotone: same Spearman ρ
    assert cor.loc[(2021, "log passage tokens"), "spearman_rho"] == pytest.approx(rho)
    assert cor.loc[(2021, "log passage tokens"), "spearman_rho"] > 0.8  # n_tokens was built from the true θ
    assert cor.loc[(2021, "log passage tokens"), "n_reports"] == 40
    # report length and meeting date are constant: no correlation, and the note says why
    for what in ("log report characters", "meeting date (day of the year)"):
        assert np.isnan(cor.loc[(2021, what), "spearman_rho"])
        assert "same value" in cor.loc[(2021, what), "note"]
    lv = pos["level"].map({lv: i for i, lv in enumerate(panel.LEVELS)})
    assert cor.loc[(2021, "level (national → prefecture)"), "spearman_rho"] == pytest.approx(
        stats.spearmanr(pos["theta"], lv).statistic)


def test_poles_per_year_are_the_extreme_word_weights(fitted):
    _, _, res = fitted
    pol = res.poles[res.poles["year"] == 2021]
    assert set(pol["pole"]) == {"negative", "positive"}
    assert len(pol) == 30
    neg = pol[pol["pole"] == "negative"]["beta"]
    posb = pol[pol["pole"] == "positive"]["beta"]
    assert neg.max() < posb.min()


def test_fits_do_not_depend_on_row_order():
    study, _ = _study([(2021, 25, 5)])
    a = panel.wordfish_by_year(study, min_df=2).positions.set_index("doc_id")["theta"]
    shuffled = types.SimpleNamespace(documents=study.documents.sample(frac=1, random_state=0),
                                     paragraphs=study.paragraphs.sample(frac=1, random_state=1), config=study.config)
    b = panel.wordfish_by_year(shuffled, min_df=2).positions.set_index("doc_id")["theta"]
    assert np.allclose(a.sort_index(), b.sort_index(), atol=1e-6)


def test_wordfish_positions_is_the_same_fit_and_raises_for_a_skipped_year(fitted):
    study, _, res = fitted
    pos, poles, corr = panel.wordfish_positions(study, 2021, min_df=2)
    ref = res.positions[res.positions["year"] == 2021].set_index("doc_id")["theta"]
    assert np.allclose(pos.set_index("doc_id")["theta"].loc[ref.index], ref)
    with pytest.raises(ValueError, match="min_docs"):
        panel.wordfish_positions(study, 2023, min_df=2)


def test_note_is_generated_from_the_tables(fitted):
    _, _, res = fitted
    note = panel.wordfish_years_note(res)
    assert "**2023 not fitted:**" in note
    cor = res.correlations
    r = cor[(cor["with"] == "log passage tokens")]
    size = r["spearman_rho"].abs()
    assert f"|ρ| from {size.min():.2f} to {size.max():.2f}" in note
    assert "All 2 yearly fits converged." in note


def test_facet_plot_has_one_panel_per_year_and_counts_in_the_labels(fitted):
    _, _, res = fitted
    fig = plot_positions_facets(res.positions, position="theta", se="theta_se", facet="year", group="level",
                                group_order=panel.LEVELS, group_labels=panel.LEVEL_LABELS, ncols=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") or ax.get_title() for ax in visible] == ["2021", "2022"]
    labels = [t.get_text() for t in visible[0].get_yticklabels()]
    assert labels == ["State Council (1)", "provinces (3)", "other prefectures (36)"]
    # 2022 has no national report: its strip is there, empty, so panels line up
    assert [t.get_text() for t in visible[1].get_yticklabels()][0] == "State Council (0)"


def test_word_table_holds_every_fitted_word_and_the_poles_are_its_extremes(fitted):
    _, _, res = fitted
    w = res.words[res.words["year"] == 2021]
    assert w["word"].is_unique and len(w) == int(res.years.set_index("year").loc[2021, "n_words"])
    pol = res.poles[res.poles["year"] == 2021]
    assert set(pol.loc[pol["pole"] == "positive", "word"]) == set(w.nlargest(15, "beta")["word"])
    assert panel.fitted_year(res, 2022) == 2022 and panel.fitted_year(res, 2023) == 2022


def test_word_parameter_labels_stay_inside_the_axes():
    from discourse.plotting.panels import plot_word_parameters

    rng = np.random.default_rng(0)
    words = pd.DataFrame({"word": [f"w{i}" for i in range(300)], "beta": rng.normal(0, 0.5, 300),
                          "psi": rng.normal(-2, 1, 300)})
    fig = plot_word_parameters(words, gloss=lambda w: "a rather long English gloss", n_labels=8)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    texts = [a for a in ax.texts]
    assert len(texts) == 16
    xs = [a.xyann[0] for a in texts]
    assert all(lo < x < hi for x in xs)  # the label columns are inside, not over the ticks or the axis title
    assert lo < words["beta"].min() - 0.5 * (words["beta"].max() - words["beta"].min())
