"""The factorial multiverse: grid, whole-category stopping, the rule, and a small run on the bundled study."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from discourse.study import open_study
from discourse.study.robustness import (SPEC_COLUMNS, Specification, robust_findings, run_multiverse,
                                        specification_grid, stop_category)


def test_grid_is_full_factorial_with_baseline_first():
    grid = specification_grid()
    assert len(grid) == 2 * 2 * 2 * 2 * 2 * 3 and grid[0] == Specification()
    assert len({(s.lexicon, s.compounds, s.stopwords, s.directives, s.unit, s.k_offset) for s in grid}) == 96
    with pytest.raises(ValueError, match="directives"):
        specification_grid(directives=("kept", "half"))


def test_stop_category_removes_the_whole_codebook_category():
    study = open_study()
    cb = study.codebook
    words = set(cb.loc[cb["category"] == "directive", "term"])
    out = stop_category(study.paragraphs, cb)
    left = {t for toks in out["tokens"] for t in toks}
    assert not (left & words)
    before = sum(t in words for toks in study.paragraphs["tokens"] for t in toks)
    removed = sum(map(len, study.paragraphs["tokens"])) - sum(map(len, out["tokens"]))
    assert removed == before and before > 0
    # more than 要 alone (the old "directives stopped" variant)
    n_yao = sum(t == "要" for toks in study.paragraphs["tokens"] for t in toks)
    assert before > n_yao


def _table(holds, base_holds=True, p=0.01):
    n = len(holds)
    return pd.DataFrame({"finding": "f", "is_baseline": [True] + [False] * n, "applicable": True,
                         "by_construction": False, "value": [1.0] + [1.0] * n, "low": np.nan, "high": np.nan,
                         "p_value": [p] + [0.01] * n, "p_floor": 0.001, "holds": [base_holds] + list(holds)})


def test_rule_needs_baseline_and_share():
    assert robust_findings(_table([True] * 8 + [False] * 2))["robust"].item()       # 80%
    assert not robust_findings(_table([True] * 7 + [False] * 3))["robust"].item()   # 70%
    r = robust_findings(_table([True] * 10, base_holds=False, p=0.2))
    assert not r["robust"].item() and "baseline" in r["reason"].item()
    t = _table([False] * 5)
    t.loc[1:, "applicable"] = False
    assert robust_findings(t)["n_cells"].item() == 0


def test_small_multiverse_on_the_study():
    study = open_study()
    grid = [Specification(), Specification(directives="stopped"), Specification(k_offset=1),
            Specification(stopwords=False)]
    t = run_multiverse(study, k=3, grid=grid, similarity_permutations=49, similarity_splits=20)
    assert list(t.columns) == list(SPEC_COLUMNS)
    key = t[(t.finding == "period_key_term") & t.is_baseline].iloc[0]
    # 3 against 2 documents: C(5, 3) = 10 relabellings, two-sided floor 0.2, so the finding cannot hold
    assert key["p_floor"] == pytest.approx(2 / math.comb(5, 3)) and key["p_value"] >= key["p_floor"]
    assert not key["holds"]
    gap = t[t.finding == "directive_gap"].set_index("spec_id")
    assert not gap.loc[Specification(directives="stopped").spec_id, "applicable"]
    assert gap.loc[Specification(k_offset=1).spec_id, "by_construction"]
    assert t.loc[(t.finding == "topic_agreement") & t.is_baseline, "by_construction"].item()
    rob = robust_findings(t)
    assert not rob.set_index("finding").loc["period_key_term", "robust"]
    with pytest.raises(ValueError, match="baseline"):
        run_multiverse(study, k=3, grid=grid[1:])
