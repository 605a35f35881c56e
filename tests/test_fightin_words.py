"""Fightin' Words against the formulas of Monroe, Colaresi & Quinn (2008), computed here.

The expected values are computed in this file with plain Python loops and
``fractions.Fraction`` for the prior and the counts (eq. 16 log-odds, eq. 20
variance, eq. 22 z), not with the module's helpers.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd
import pytest

from discourse.analysis.fightin_words import fightin_words, group_fightin_words

A = {"清零": 12, "核酸": 7, "工作": 30, "会议": 1}
B = {"清零": 1, "核酸": 9, "工作": 55, "疫苗": 6}


def _paper(a, b, prior_counts, alpha0):
    """Eqs. 16, 20, 22 with α_w = α0 · y_w^bg / n^bg (exact fractions for α)."""
    words = sorted(set(a) | set(b))
    n_bg = sum(Fraction(prior_counts.get(w, 0)) for w in words)
    alpha = {w: Fraction(alpha0) * Fraction(prior_counts.get(w, 0)) / n_bg for w in words}
    a0 = sum(alpha.values())
    na, nb = sum(a.values()), sum(b.values())
    out = {}
    for w in words:
        ya, yb, aw = Fraction(a.get(w, 0)), Fraction(b.get(w, 0)), alpha[w]
        delta = (math.log(ya + aw) - math.log(na + a0 - ya - aw)
                 - (math.log(yb + aw) - math.log(nb + a0 - yb - aw)))
        var = float(1 / (ya + aw) + 1 / (yb + aw))
        out[w] = (float(aw), delta, var, delta / math.sqrt(var))
    return out


@pytest.mark.parametrize("alpha0", [None, 10, 500])
def test_informative_prior_from_the_corpus(alpha0):
    t = fightin_words(A, B, prior="corpus", alpha0=alpha0).set_index("term")
    corpus = {w: A.get(w, 0) + B.get(w, 0) for w in set(A) | set(B)}
    ref = _paper(A, B, corpus, alpha0 if alpha0 is not None else sum(corpus.values()))
    for w, (aw, delta, var, z) in ref.items():
        assert t.loc[w, "alpha"] == pytest.approx(aw)
        assert t.loc[w, "delta"] == pytest.approx(delta, rel=1e-12)
        assert t.loc[w, "var"] == pytest.approx(var, rel=1e-12)
        assert t.loc[w, "z"] == pytest.approx(z, rel=1e-12)


def test_uninformative_prior_special_case():
    # every word the same α_w = 0.01 (Monroe et al.'s section 3.5.1), α0 = 0.01 · V
    words = sorted(set(A) | set(B))
    t = fightin_words(A, B, prior="uniform", alpha0=0.01 * len(words)).set_index("term")
    ref = _paper(A, B, {w: 1 for w in words}, Fraction(1, 100) * len(words))
    for w, (aw, delta, var, z) in ref.items():
        assert t.loc[w, "alpha"] == pytest.approx(0.01)
        assert t.loc[w, "z"] == pytest.approx(z, rel=1e-12)


def test_background_counts_and_ordering():
    bg = {"清零": 100, "核酸": 400, "工作": 2000, "会议": 300, "疫苗": 200}
    t = fightin_words(A, B, prior=bg, alpha0=50)
    ref = _paper(A, B, bg, 50)
    assert t.set_index("term").z.to_dict() == pytest.approx({w: v[3] for w, v in ref.items()})
    assert t.z.is_monotonic_decreasing and t.term.iloc[0] == "清零"
    assert t.direction.iloc[0] == "a" and t.direction.iloc[-1] == "b"
    assert (t.count_a.sum(), t.n_a.iloc[0]) == (50, 50)


def test_group_version_uses_all_units_as_the_background():
    units = pd.DataFrame({"city": ["x", "y", "z"],
                          "tokens": [["清零"] * 3 + ["工作"], ["工作"] * 4, ["清零", "核酸", "，"]]})
    t = group_fightin_words(units, "city", "x", reference="y").set_index("term")
    # background: all three cities, 清零 4, 工作 5, 核酸 1 of 10; words of x and y only
    ref = _paper({"清零": 3, "工作": 1}, {"工作": 4}, {"清零": 4, "工作": 5}, 9)
    assert t.z.to_dict() == pytest.approx({w: v[3] for w, v in ref.items()})
    assert t.attrs["prior"] == "corpus (all units)"


def test_bad_input():
    with pytest.raises(ValueError, match="prior must be"):
        fightin_words(A, B, prior="flat")
    with pytest.raises(ValueError, match="empty group"):
        fightin_words({}, B)
    with pytest.raises(ValueError, match="negative"):
        fightin_words({"x": -1}, B)
