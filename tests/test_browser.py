"""Open the rendered HTML reports in headless Chromium (Debian's ``chromium``).

Each page is loaded from disk over the Chrome DevTools protocol (a small client
on ``websocket-client``) and checked: every ``<img>`` loaded
(``naturalWidth > 0``), Chinese text is on the page, the console logged no
error, no script raised, no dialog opened. A screenshot of each page is saved
to ``reports/screenshots/`` for a human to look at.

The fixture reports (``tests/data/report/``, rendered into a temporary folder)
are always checked; the study's own reports in ``reports/`` are checked too
when ``make report`` has produced them. ``scripts/ensure_chromium.sh``
(run by ``make test``) installs Chromium when it is missing.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from discourse import config

pytestmark = pytest.mark.browser

websocket = pytest.importorskip("websocket", reason="websocket-client is in requirements.lock")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FIXTURES = Path(__file__).parent / "data" / "report"
SCREENSHOTS = Path(config.REPORTS_DIR) / "screenshots"
CJK = re.compile(r"[\u4e00-\u9fff]")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--remote-debugging-port=0",
]
PAGE_CHECK_JS = """
(() => {
  const imgs = Array.from(document.images);
  return {
    n_images: imgs.length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.outerHTML.slice(0, 120)),
    text: document.body ? document.body.innerText : "",
    n_scripts: document.scripts.length,
    script_text: Array.from(document.scripts).map(s => s.textContent).join("\\n"),
    onerror_attrs: Array.from(document.querySelectorAll("[onerror]")).length,
    height: Math.max(document.body.scrollHeight, document.documentElement.scrollHeight),
    bad_alt: imgs.filter(i => !(i.alt && i.alt.trim().length >= 10) || /No description/.test(i.alt))
                 .map(i => i.outerHTML.slice(0, 120)),
    overflow_px: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
})()
"""


class DevTools:
    """Minimal Chrome DevTools protocol client for one page."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self._id = 0
        self.events: list[dict] = []
        self.dialogs: list[str] = []

    def _recv(self) -> dict:
        msg = json.loads(self.ws.recv())
        if msg.get("method") == "Page.javascriptDialogOpening":
            self.dialogs.append(msg["params"].get("message", ""))
            self._send("Page.handleJavaScriptDialog", {"accept": True})
        return msg

    def _send(self, method: str, params: dict | None = None) -> int:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params or {}}))
        return self._id

    def call(self, method: str, **params) -> dict:
        want = self._send(method, params)
        while True:
            msg = self._recv()
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 60.0) -> dict:
        for i, msg in enumerate(self.events):
            if msg["method"] == event:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self._recv()
            if msg.get("method") == event:
                return msg
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(f"no {event} within {timeout} s")

    def drain(self, seconds: float = 0.3) -> None:
        self.ws.settimeout(seconds)
        try:
            while True:
                msg = self._recv()
                if "method" in msg:
                    self.events.append(msg)
        except websocket.WebSocketTimeoutException:
            pass
        finally:
            self.ws.settimeout(60)

    def close(self) -> None:
        self.ws.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh (make test does)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
        client = DevTools(pages[0]["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            client.call(f"{domain}.enable")
        # the network is off: a page that needs anything from outside its folder fails to load it
        client.call("Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=-1,
                    uploadThroughput=-1)
        client.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
        yield client
        client.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def open_page(client: DevTools, path: Path, screenshot: Path) -> dict:
    """Load a page, run the checks, save a screenshot; return what was found."""
    client.events.clear()
    client.dialogs.clear()
    client.call("Page.navigate", url=path.resolve().as_uri())
    client.wait_for("Page.loadEventFired")
    client.drain(0.5)
    info = client.call("Runtime.evaluate", expression=PAGE_CHECK_JS, returnByValue=True)["result"]["value"]
    errors = []
    for msg in client.events:
        m, p = msg["method"], msg["params"]
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif m == "Runtime.exceptionThrown":
            errors.append("exception: " + p["exceptionDetails"].get("text", "") + " " +
                          str(p["exceptionDetails"].get("exception", {}).get("description", "")))
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            errors.append("log: " + p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
    info["errors"] = errors
    info["dialogs"] = list(client.dialogs)
    height = min(int(info.get("height") or 900), 6000)
    shot = client.call(
        "Page.captureScreenshot", format="png", captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1},
    )
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    info["screenshot"] = screenshot
    return info


def assert_page_ok(info: dict, path: Path) -> None:
    assert not info["broken"], f"{path}: images that did not load: {info['broken']}"
    assert CJK.search(info["text"]), f"{path}: no Chinese text on the page"
    assert not info["errors"], f"{path}: console errors: {info['errors']}"
    assert not info["dialogs"], f"{path}: a script opened a dialog: {info['dialogs']}"
    assert info["screenshot"].stat().st_size > 1000, f"{path}: empty screenshot"
    assert not info["bad_alt"], f"{path}: images without a real alt text: {info['bad_alt']}"
    assert info["overflow_px"] <= 1, f"{path}: the page body overflows sideways by {info['overflow_px']} px"


# -- the fixture reports (always checked) ---------------------------------------------
@pytest.fixture(scope="module")
def fixture_reports(tmp_path_factory):
    from discourse.report import run_report

    out = tmp_path_factory.mktemp("fixture-report")
    # copy so that the hostile notebook reads its corpus from its own folder
    work = out / "src"
    shutil.copytree(FIXTURES, work)
    main = run_report(notebooks=str(work / "*.ipynb"), out_dir=out / "main")
    hostile = run_report(notebooks=str(work / "hostile" / "*.ipynb"), out_dir=out / "hostile")
    return main, hostile


def test_fixture_report_pages_load(browser, fixture_reports):
    main, _ = fixture_reports
    pages = [main.reader_html[0], main.code_html[0], main.index]
    for page in pages:
        name = "fixture-" + ("code-" if page.parent.name == "code" else "") + page.stem
        info = open_page(browser, page, SCREENSHOTS / f"{name}.png")
        assert_page_ok(info, page)
    reader = open_page(browser, main.reader_html[0], SCREENSHOTS / "fixture-00-fixture.png")
    assert reader["n_images"] >= 1, "the fixture's figure is missing from the reader's version"
    assert "动态清零" in reader["text"] and "dynamic zero-COVID" in reader["text"]
    assert "plot_keyness" not in reader["text"], "the reader's version shows code"
    code = open_page(browser, main.code_html[0], SCREENSHOTS / "fixture-code-00-fixture.png")
    assert "plot_keyness" in code["text"], "the full version lacks the code"


def test_hostile_corpus_text_runs_nothing(browser, fixture_reports):
    _, hostile = fixture_reports
    page = hostile.reader_html[0]
    info = open_page(browser, page, SCREENSHOTS / "fixture-hostile.png")
    assert_page_ok(info, page)
    assert "<script>alert(1)</script>" in info["text"], "the script tag is not shown as text"
    assert "<img src=x onerror=alert(1)>" in info["text"], "the img tag is not shown as text"
    assert info["onerror_attrs"] == 0
    assert "alert(1)" not in info["script_text"]


# -- the study's reports (when make report has produced them) -------------------------
def _study_pages() -> list:
    root = Path(config.REPORTS_DIR)
    pages = (sorted(root.glob("*/*.html")) + sorted(root.glob("*/code/*.html"))) if root.is_dir() else []
    pages = [p for p in pages if not p.parent.name.endswith("-failed") and not p.parent.parent.name.endswith("-failed")]
    if not pages:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no reports in {root} yet (run make report)"))]
    return [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in pages]


@pytest.mark.parametrize("page", _study_pages())
def test_study_report_loads(browser, page):
    study = page.parent.parent.name if page.parent.name == "code" else page.parent.name
    name = study + "-" + ("code-" if page.parent.name == "code" else "") + page.stem
    info = open_page(browser, page, SCREENSHOTS / f"{name}.png")
    assert_page_ok(info, page)
    # every figure the notebook saves must also be shown in its report
    notebook = Path(config.NOTEBOOKS_DIR) / study / f"{page.stem}.ipynb"
    if page.name != "index.html" and notebook.is_file():
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                   for c in cells if c["cell_type"] == "code"]
        # figures saved directly (save_figure) or through the display API (figure(...))
        saved = sum(len(re.findall(r"\bsave_figure\(|(?<![\w.])figure\(", src)) for src in sources)
        assert info["n_images"] >= saved, (
            f"{page}: the notebook saves {saved} figure(s) but the page shows {info['n_images']}; "
            "end each figure cell with `fig` (or display(fig)) so the figure is in the report"
        )


def _evaluate(client: DevTools, js: str):
    return client.call("Runtime.evaluate", expression=js, returnByValue=True)["result"].get("value")


def _type_into(client: DevTools, selector: str, text: str) -> None:
    _evaluate(client, f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); e.value = '';"
                      " e.dispatchEvent(new Event('input')); })()")
    if text:
        client.call("Input.insertText", text=text)
    client.drain(0.3)


def _page_or_skip(rel: str) -> Path:
    page = Path(config.REPORTS_DIR) / rel
    if not page.is_file():
        pytest.skip(f"{page} not rendered yet (run the study)")
    return page


def test_study_table_search_filters_rows(browser):
    page = _page_or_skip("seeds/02-vocabulary.html")
    info = open_page(browser, page, SCREENSHOTS / "seeds-02-search.png")
    assert_page_ok(info, page)
    sel = ".discourse-table[data-dt-interactive]"
    n_all = _evaluate(browser, f"document.querySelector('{sel}').querySelectorAll('tbody tr').length")
    _type_into(browser, f"{sel} input.dt-search", "防控")
    rows = _evaluate(browser, f"Array.from(document.querySelector('{sel}').querySelectorAll('tbody tr'))"
                              ".filter(r => !r.hidden).map(r => r.textContent)")
    assert 0 < len(rows) < n_all and all("防控" in r for r in rows)


@pytest.mark.parametrize("rel, term", [("seeds/02-vocabulary.html", None), ("panel/03-vocabulary-positions.html", None)])
def test_study_explorer_finds_a_term_and_shows_its_lines(browser, rel, term):
    page = _page_or_skip(rel)
    info = open_page(browser, page, SCREENSHOTS / (rel.replace("/", "-").replace(".html", "") + "-explorer.png"))
    assert_page_ok(info, page)
    data = _evaluate(browser, "JSON.parse(document.querySelector('.discourse-explorer .dx-data').textContent)")
    # the most distinctive term that has concordance lines in the page
    k = next(i for i, lines in enumerate(data["conc"]) if lines)
    term = data["terms"][k][0]
    _type_into(browser, ".discourse-explorer input.dx-search", term)
    n_lines = _evaluate(browser, "document.querySelectorAll('.discourse-explorer .dx-line').length")
    kw = _evaluate(browser, "document.querySelector('.discourse-explorer .dx-line .dx-kw').textContent")
    assert n_lines == len(data["conc"][k]) and kw == term


def test_topic_browser_shows_passages(browser):
    page = _page_or_skip("seeds/03-topics.html")
    info = open_page(browser, page, SCREENSHOTS / "seeds-03-topics-browser.png")
    assert_page_ok(info, page)
    _evaluate(browser, "document.querySelectorAll('.discourse-topics .dx-tlist button')[1].click()")
    browser.drain(0.2)
    view = _evaluate(browser, "document.querySelector('.discourse-topics .dx-tview').textContent")
    assert CJK.search(view) and "%" in view
