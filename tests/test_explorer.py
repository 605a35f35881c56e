"""Term explorer and topic browser: data round-trip, escaping, caps and the page-size budget."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

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


# -- in the browser: a rendered report page with a long table, the explorer and the topic browser
@pytest.fixture(scope="module")
def interactive_page(tmp_path_factory):
    """A notebook whose outputs are the three components, rendered by the project's nbconvert path."""
    import nbformat

    from discourse.report.runner import render_html
    from discourse.report.tables import show_table

    rows = pd.DataFrame({
        "term": ["隔离", "动态清零", "核酸检测"] * 20 + HOSTILE,
        "count": list(range(60)) + [1, 2, 3, 4],
        "p_value": [0.0001 * i for i in range(64)],
    })
    table = show_table(rows, caption="Terms (hostile rows at the end)", number=1)
    terms = pd.DataFrame({"term": ["隔离", "动态清零", "核酸检测", HOSTILE[0], HOSTILE[1]],
                          "gloss": ["isolation", "dynamic zero-COVID", "nucleic-acid testing", "", ""],
                          "count_a": [30, 2, 10, 1, 1], "count_b": [5, 20, 12, 1, 2],
                          "rate_a": [6.0, 0.4, 2.0, 0.2, 0.2], "rate_b": [1.0, 4.0, 2.4, 0.2, 0.4],
                          "statistic": [4.1, -3.9, -0.3, 0.0, -0.5]})
    conc = pd.DataFrame({"term": ["隔离"] * 60 + [HOSTILE[0]], "doc": [f"Hami 2020 #{i}" for i in range(61)],
                         "left": ["加强居家"] * 60 + [HOSTILE[1]], "keyword": ["隔离"] * 60 + [HOSTILE[0]],
                         "right": ["观察管理"] * 60 + [HOSTILE[2]]})
    explorer = term_explorer(terms, concordance=conc, group_a="2020", group_b="2022", max_lines=50)
    topics = topic_browser(
        pd.DataFrame({"topic": ["T01", "T01", "T02"], "term": ["核酸", "检测", "疫苗"], "weight": [0.9, 0.4, 0.8]}),
        pd.DataFrame({"topic": ["T01", "T02"], "doc": ["Hami", "Jiyuan"], "text": ["核酸检测全覆盖", HOSTILE[1]]}),
        pd.DataFrame({"city": ["Hami", "Jiyuan"] * 2, "topic": ["T01", "T01", "T02", "T02"],
                      "share": [0.4, 0.1, 0.2, 0.7], "ci_low": [0.3, 0.05, 0.1, 0.6], "ci_high": [0.5, 0.2, 0.3, 0.8]}),
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 疫情防控 interactive components")])
    for obj in (table, explorer, topics):
        cell = nbformat.v4.new_code_cell("x", execution_count=1)
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": obj.html, "text/plain": repr(obj)})]
        nb.cells.append(cell)
    out = tmp_path_factory.mktemp("interactive")
    path = out / "07-interactive.ipynb"
    nbformat.write(nb, str(path))
    reader, _ = render_html(path, out / "reports")  # runs check_inert_html on the page
    return reader


SHOT_DIR = Path("/tmp")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """Headless Chromium driven over CDP with the client of tests/test_browser.py."""
    tb = pytest.importorskip("test_browser", reason="tests/test_browser.py drives Chromium")
    if not (os.path.isfile(tb.CHROMIUM) and os.access(tb.CHROMIUM, os.X_OK)):
        pytest.fail(f"{tb.CHROMIUM} is missing: run scripts/ensure_chromium.sh (make test does)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen([tb.CHROMIUM, *tb.CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Chromium did not start (exit code {proc.poll()})")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as resp:
            pages = [t for t in json.load(resp) if t.get("type") == "page"]
        client = tb.DevTools(pages[0]["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            client.call(f"{domain}.enable")
        client.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
        # the network is off: a page that tried to fetch anything would fail and be seen
        client.call("Network.emulateNetworkConditions", offline=True, latency=0,
                    downloadThroughput=-1, uploadThroughput=-1)
        yield tb, client
        client.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.browser
def test_components_work_offline_in_chromium(chromium, interactive_page):
    tb, client = chromium
    info = tb.open_page(client, interactive_page, SHOT_DIR / "h13-interactive-loaded.png")
    assert not info["errors"], info["errors"]
    assert not info["dialogs"] and info["onerror_attrs"] == 0
    ev = lambda js: client.call("Runtime.evaluate", expression=js, returnByValue=True)["result"].get("value")  # noqa: E731

    def type_into(selector: str, text: str) -> None:
        ev(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); e.value = '';"
           " e.dispatchEvent(new Event('input')); })()")
        if text:
            client.call("Input.insertText", text=text)  # typed, as by a reader
        client.drain(0.2)

    # table: every row is in the page; searching filters them
    assert ev("document.querySelectorAll('.discourse-table tbody tr').length") == 64
    type_into(".discourse-table input.dt-search", "动态清零")
    visible = ev("Array.from(document.querySelectorAll('.discourse-table tbody tr')).filter(r => !r.hidden)"
                 ".map(r => r.cells[0].textContent)")
    assert visible == ["动态清零"] * 20
    assert ev("document.querySelector('.discourse-table .dt-status').textContent") == "20 of 64 rows"
    type_into(".discourse-table input.dt-search", "onerror")
    assert ev("Array.from(document.querySelectorAll('.discourse-table tbody tr')).filter(r => !r.hidden)"
              ".map(r => r.cells[0].textContent)") == [HOSTILE[0]]
    type_into(".discourse-table input.dt-search", "")
    # sorting a numeric column, twice: descending order of the counts
    ev("document.querySelectorAll('.discourse-table thead th')[1].click()")
    ev("document.querySelectorAll('.discourse-table thead th')[1].click()")
    counts = ev("Array.from(document.querySelectorAll('.discourse-table tbody tr')).map(r => r.cells[1].textContent)")
    assert counts[:3] == ["59", "58", "57"]
    # explorer: the search finds a term and shows its lines (capped at 50 of 60, said so)
    assert ev("document.querySelectorAll('.discourse-explorer svg circle').length") == 5
    type_into(".discourse-explorer input.dx-search", "隔离")
    assert ev("document.querySelectorAll('.discourse-explorer .dx-line').length") == 50
    assert ev("document.querySelector('.discourse-explorer .dx-line .dx-kw').textContent") == "隔离"
    assert "Showing 50 of 60 lines" in ev("document.querySelector('.dx-conc-count').textContent")
    assert ev("document.querySelectorAll('.discourse-explorer circle.dx-hit').length") == 1
    # searching by English gloss lists the term; the hostile term's lines come back as text
    type_into(".discourse-explorer input.dx-search", "zero-covid")
    assert "动态清零" in ev("document.querySelector('.discourse-explorer .dx-hits').textContent")
    type_into(".discourse-explorer input.dx-search", HOSTILE[0])
    line = ev("Array.from(document.querySelectorAll('.dx-line td')).map(td => td.textContent)")
    assert line == ["Hami 2020 #60", HOSTILE[1], HOSTILE[0], HOSTILE[2]]
    # hover on a point shows counts and gloss
    box = ev("(() => { const c = document.querySelector('.discourse-explorer circle'); c.scrollIntoView({block: 'center'});"
             " const r = c.getBoundingClientRect();"
             " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
    client.call("Input.dispatchMouseEvent", type="mouseMoved", x=box[0], y=box[1])
    client.drain(0.2)
    tip = ev("(() => { const t = document.querySelector('.dx-tip'); return t.hidden ? '' : t.textContent; })()")
    assert "per 1,000" in tip and "z (log-odds)" in tip
    type_into(".discourse-explorer input.dx-search", "隔离")
    # topic browser: choosing a topic shows its terms and passages (hostile passage as text)
    ev("document.querySelectorAll('.discourse-topics .dx-tlist button')[1].click()")
    view = ev("document.querySelector('.discourse-topics .dx-tview').textContent")
    assert "疫苗" in view and HOSTILE[1] in view and "70.0% [60.0%, 80.0%]" in view
    ev("document.querySelectorAll('.discourse-topics .dx-tlist button')[0].click()")
    # nothing ran that should not, nothing was fetched, the page does not overflow sideways
    client.drain(0.3)
    errors = [m for m in client.events if m["method"] in ("Runtime.exceptionThrown",)
              or (m["method"] == "Runtime.consoleAPICalled" and m["params"].get("type") == "error")]
    assert not errors, errors
    fetched = [m["params"]["request"]["url"] for m in client.events if m["method"] == "Network.requestWillBeSent"
               and not m["params"]["request"]["url"].startswith(("file:", "data:"))]
    assert not fetched, fetched
    assert not client.dialogs
    assert ev("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
    height = min(int(ev("document.documentElement.scrollHeight")), 6000)
    shot = client.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                       clip={"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1})
    import base64

    (SHOT_DIR / "h13-interactive.png").write_bytes(base64.b64decode(shot["data"]))
