"""Term explorer and topic browser: data round-trip, escaping, caps and the page-size budget."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from discourse.report import check_inert_html
from discourse.report.explorer import PAGE_BUDGET_BYTES, term_explorer, topic_browser

HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>", "<!--<script>", "a&b\u2028c"]


def embedded(fragment_html: str) -> dict:
    m = re.search(r'<script type="application/json" class="dx-data">(.*?)</script>', fragment_html, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


def terms_frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.poisson(5, n), rng.poisson(5, n)
    return pd.DataFrame({
        "term": [f"词{i:04d}" for i in range(n)], "gloss": [f"gloss {i}" for i in range(n)],
        "count_a": a, "count_b": b, "rate_a": a / 10.0, "rate_b": b / 12.0,
        "statistic": np.linspace(-4, 4, n),
    })


def test_hostile_text_round_trips_and_stays_inert():
    terms = pd.DataFrame({"term": HOSTILE + ["隔离"], "gloss": HOSTILE[::-1] + ["isolation"],
                          "count_a": [1, 2, 3, 4, 9], "count_b": [4, 3, 2, 1, 2],
                          "rate_a": [0.5, 1, 1.5, 2, 4.5], "rate_b": [2, 1.5, 1, 0.5, 1],
                          "statistic": [-1.0, 0.5, 0.7, 2.1, 2.5]})
    conc = pd.DataFrame({"term": HOSTILE, "doc": HOSTILE, "left": HOSTILE, "keyword": HOSTILE, "right": HOSTILE})
    frag = term_explorer(terms, concordance=conc, group_a=HOSTILE[0], group_b="2022", title=HOSTILE[1])
    check_inert_html(frag.html)
    data = embedded(frag.html)
    got = {row[0]: row for row in data["terms"]}
    for i, h in enumerate(HOSTILE):
        assert got[h][1] == HOSTILE[::-1][i]  # gloss intact
        k = [row[0] for row in data["terms"]].index(h)
        assert data["conc"][k] == [[h, h, h, h]]
    assert data["labels"]["a"] == HOSTILE[0]
    # no raw markup from the data anywhere in the page
    assert frag.html.lower().count("</script") == 2  # the data block's and the project script's own ends
    assert "<img" not in frag.html and "<!--" not in frag.html
    assert "&lt;/script&gt;&lt;script&gt;" in frag.html  # the title, escaped as text


def test_concordance_is_capped_and_total_kept():
    terms = terms_frame(3)
    conc = pd.DataFrame({"term": ["词0001"] * 132, "doc": "d", "left": [f"l{i}" for i in range(132)],
                         "keyword": "词0001", "right": "r"})
    frag = term_explorer(terms, concordance=conc, group_a="A", group_b="B", max_lines=50)
    data = embedded(frag.html)
    k = [row[0] for row in data["terms"]].index("词0001")
    assert len(data["conc"][k]) == 50 and data["conc_total"][k] == 132
    assert [ln[1] for ln in data["conc"][k]] == [f"l{i}" for i in range(50)]  # in the given order
    assert "at most 50 lines per term" in frag.html


def test_most_distinctive_terms_kept_within_max_terms():
    terms = terms_frame(100)
    frag = term_explorer(terms, group_a="A", group_b="B", max_terms=10)
    data = embedded(frag.html)
    kept = {row[0] for row in data["terms"]}
    order = terms.assign(a=terms.statistic.abs()).sort_values("a", ascending=False, kind="mergesort")
    assert kept == set(order.term.head(10))
    assert frag.n_shown == 10 and frag.n_items == 100
    assert "10 most distinctive of 100 terms" in frag.html


def test_page_size_budget_is_enforced():
    terms = terms_frame(3000)
    conc = pd.DataFrame({"term": np.repeat(terms.term.to_numpy(), 5), "doc": "某市 2021-05",
                         "left": "疫情防控工作" * 5, "keyword": "词", "right": "常态化" * 8})
    budget = 300_000
    frag = term_explorer(terms, concordance=conc, group_a="A", group_b="B", max_terms=3000, max_bytes=budget)
    assert frag.n_bytes <= budget, frag.n_bytes
    assert 0 < frag.n_shown < 3000
    assert "page-size budget" in frag.html and f"{frag.n_shown:,} most distinctive of 3,000" in frag.html
    # with the defaults, the largest explorer fits well inside one page's limit
    full = term_explorer(terms, concordance=conc, group_a="A", group_b="B")
    assert len(full.html.encode()) < PAGE_BUDGET_BYTES / 2


def test_gloss_from_callable_or_mapping():
    terms = terms_frame(2).drop(columns="gloss")
    data = embedded(term_explorer(terms, group_a="A", group_b="B", gloss={"词0000": "zero"}).html)
    assert {r[0]: r[1] for r in data["terms"]} == {"词0000": "zero", "词0001": ""}
    data = embedded(term_explorer(terms, group_a="A", group_b="B", gloss=lambda t: t[-1]).html)
    assert {r[0]: r[1] for r in data["terms"]} == {"词0000": "0", "词0001": "1"}


def test_bad_input_names_the_field():
    with pytest.raises(KeyError, match="rate_b"):
        term_explorer(terms_frame(2).drop(columns="rate_b"), group_a="A", group_b="B")
    with pytest.raises(ValueError, match="duplicated"):
        term_explorer(pd.concat([terms_frame(2)] * 2), group_a="A", group_b="B")
    bad = terms_frame(2).assign(count_a=[-1, 2])
    with pytest.raises(ValueError, match="count_a"):
        term_explorer(bad, group_a="A", group_b="B")


def test_topic_browser_round_trip_and_escaping():
    top = pd.DataFrame({"topic": ["T01", "T01", "T02"], "label": ["a", "a", HOSTILE[1]],
                        "rank": [1, 2, 1], "term": ["核酸", HOSTILE[0], "疫苗"], "weight": [0.9, 0.5, 0.7]})
    passages = pd.DataFrame({"topic": ["T01", "T02", "T02"], "doc": ["Hami", HOSTILE[2], "x"],
                             "text": [HOSTILE[1], "疫苗接种" * 200, "short"], "weight": [1, 0.9, 0.5]})
    prev = pd.DataFrame({"city": ["Hami", "Jiyuan"] * 2, "topic": ["T01", "T01", "T02", "T02"],
                         "share": [0.4, 0.1, 0.6, 0.9], "ci_low": [0.3, np.nan, 0.5, 0.8],
                         "ci_high": [0.5, np.nan, 0.7, 1.0], "n_units": [10, 12, 10, 12]})
    frag = topic_browser(top, passages, prev, gloss={"核酸": "nucleic acid"}, max_chars=50)
    check_inert_html(frag.html)
    data = embedded(frag.html)
    t1, t2 = data["topics"]
    assert t1["terms"] == [["核酸", "nucleic acid", 0.9], [HOSTILE[0], "", 0.5]]
    assert t1["passages"] == [["Hami", HOSTILE[1]]]
    assert t2["label"] == HOSTILE[1] and len(t2["passages"][0][1]) == 50 and t2["passages"][0][1].endswith("…")
    assert t1["prev"] == [["Hami", 0.4, 0.3, 0.5, 10], ["Jiyuan", 0.1, None, None, 12]]
    assert data["group_name"] == "city"
    assert "<img" not in frag.html and frag.html.lower().count("</script") == 2


def test_topic_browser_needs_group_when_ambiguous():
    top = pd.DataFrame({"topic": ["T01"], "term": ["核酸"], "weight": [1.0]})
    prev = pd.DataFrame({"city": ["Hami"], "year": [2020], "topic": ["T01"], "share": [0.4]})
    with pytest.raises(ValueError, match="group="):
        topic_browser(top, prevalence=prev)
    assert embedded(topic_browser(top, prevalence=prev, group="year").html)["topics"][0]["prev"][0][0] == "2020"
