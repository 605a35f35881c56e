"""The report runner and CLI: execution, byte-stable notebooks, HTML, index, escaping."""

from __future__ import annotations

import hashlib
import html.parser
import shutil
from pathlib import Path

import nbformat
import pytest

from discourse import config, report
from discourse.__main__ import main, parse_columns

FIXTURES = Path(__file__).parent / "data" / "report"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_notebook(path: Path, *sources: str, markdown: str = "# Test\n\nA test notebook.", params: str | None = None) -> Path:
    cells = [nbformat.v4.new_markdown_cell(markdown)]
    if params is not None:
        cell = nbformat.v4.new_code_cell(params)
        cell.metadata["tags"] = ["parameters"]
        cells.append(cell)
    cells += [nbformat.v4.new_code_cell(s) for s in sources]
    for i, c in enumerate(cells):
        c["id"] = f"cell-{i}"
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


class TagCollector(html.parser.HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def parse(path: Path) -> TagCollector:
    p = TagCollector()
    p.feed(path.read_text(encoding="utf-8"))
    return p


# -- the fixture through the whole runner ------------------------------------------------------
@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report-out")
    return report.run_report(notebooks=str(FIXTURES / "*.ipynb"), out_dir=out)


def test_runner_writes_notebook_html_and_index(fixture_run):
    r = fixture_run
    out = r.reports_dir.parent
    assert not r.bundled
    assert r.notebooks == [out / "notebooks" / "00-fixture.ipynb"]
    assert r.reader_html == [out / "reports" / "00-fixture.html"]
    assert r.code_html == [out / "reports" / "code" / "00-fixture.html"]
    assert r.index == out / "reports" / "index.html"
    nb = nbformat.read(str(r.notebooks[0]), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs), "the figure is not in the executed notebook"
    assert any("动态清零" in o.get("data", {}).get("text/html", "") for o in outputs)


def test_runner_leaves_the_source_notebook_untouched(fixture_run):
    src = nbformat.read(str(FIXTURES / "00-fixture.ipynb"), as_version=4)
    assert all(not c.get("outputs") for c in src.cells if c.cell_type == "code")


def test_executed_notebook_carries_no_timestamps(fixture_run):
    text = fixture_run.notebooks[0].read_text(encoding="utf-8")
    for word in ("papermill", "start_time", "end_time", "duration", "iopub"):
        assert word not in text.replace("injected-parameters", ""), word


def test_reader_version_hides_code_and_full_version_shows_it(fixture_run):
    reader = fixture_run.reader_html[0].read_text(encoding="utf-8")
    code = fixture_run.code_html[0].read_text(encoding="utf-8")
    assert "plot_keyness" not in reader
    assert "plot_keyness" in code
    for page in (reader, code):
        assert "疫情防控" in page and "data:image/png;base64," in page


def test_html_loads_nothing_from_the_network(fixture_run):
    for page in (*fixture_run.reader_html, *fixture_run.code_html, fixture_run.index):
        for tag, attrs in parse(page).tags:
            for key in ("src", "href"):
                value = attrs.get(key) or ""
                assert not value.startswith(("http:", "https:", "//")), f"{page.name}: <{tag} {key}={value}>"


def test_index_lists_each_report_with_a_summary(fixture_run):
    text = fixture_run.index.read_text(encoding="utf-8")
    assert 'href="00-fixture.html"' in text and 'href="code/00-fixture.html"' in text
    assert "Fixture report: 疫情防控 in a tiny notebook" in text
    assert "A one-cell notebook that the tests run through the report runner and open in Chromium." in text
    assert "It shows a table" not in text  # one sentence only


def test_parameters_and_output_folder_reach_the_kernel(tmp_path):
    nb = code_notebook(
        tmp_path / "nb" / "01-params.ipynb",
        "from discourse import config\nprint(manifest, out_dir, columns)\nprint(config.FIGURES_DIR)",
        params="manifest = None\nout_dir = None\ncolumns = None",
    )
    out = tmp_path / "out"
    r = report.run_report(manifest=config.MANIFEST_PATH, out_dir=out, notebooks=[nb],
                          columns={"doc_id": "file"}, html=False)
    executed = nbformat.read(str(r.notebooks[0]), as_version=4)
    text = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert f"{Path(config.MANIFEST_PATH).resolve()} {out.resolve()} {{'doc_id': 'file'}}" in text
    assert str(out.resolve() / "figures") in text
    assert r.index is None and not (out / "reports").exists()
    assert nbformat.read(str(nb), as_version=4).cells[1].outputs == []  # source untouched


def test_bundled_mode_rewrites_in_place_byte_stable(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "REPORTS_DIR", tmp_path / "reports")
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(FIXTURES / "00-fixture.ipynb", work)
    nb = work / "00-fixture.ipynb"
    first = report.run_report(notebooks=str(work / "*.ipynb"))
    assert first.bundled and first.notebooks == [nb.resolve()]
    executed = nbformat.read(str(nb), as_version=4)
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    hashes = {p: sha(p) for p in (nb, *first.reader_html, *first.code_html, first.index)}
    report.run_report(notebooks=str(work / "*.ipynb"))
    assert {p: sha(p) for p in hashes} == hashes


def test_failure_names_the_notebook_and_cell_and_writes_nothing(tmp_path):
    nb = code_notebook(tmp_path / "02-broken.ipynb", "x = 1", "raise ValueError('bad input 疫情')")
    before = sha(nb)
    with pytest.raises(report.ReportError) as err:
        report.run_report(notebooks=[nb])
    msg = str(err.value)
    assert "02-broken.ipynb" in msg and "cell 2" in msg and "ValueError" in msg and "bad input 疫情" in msg
    assert "raise ValueError" in msg
    assert sha(nb) == before


def test_another_manifest_needs_an_output_folder(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("doc_id,path\n", encoding="utf-8")
    with pytest.raises(report.ReportError, match="--out is required"):
        report.run_report(manifest=manifest, notebooks=str(FIXTURES / "*.ipynb"))
    with pytest.raises(report.ReportError, match="must not be the project folder"):
        report.run_report(manifest=manifest, out_dir=config.PROJ_ROOT, notebooks=str(FIXTURES / "*.ipynb"))
    with pytest.raises(report.ReportError, match="no notebooks match"):
        report.find_notebooks(str(tmp_path / "*.ipynb"))


# -- escaping ----------------------------------------------------------------------------------
def test_hostile_corpus_text_is_escaped(tmp_path):
    work = tmp_path / "hostile"
    shutil.copytree(FIXTURES / "hostile", work)
    r = report.run_report(notebooks=str(work / "*.ipynb"), out_dir=tmp_path / "out")
    for page in (r.reader_html[0], r.code_html[0]):
        text = page.read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
        assert "<script>alert(1)" not in text and "<img src=x" not in text
        found = parse(page)
        assert not any("alert(1)" in s for s in found.scripts), "corpus text inside a live <script>"
        for tag, attrs in found.tags:
            assert "onerror" not in attrs, f"live <{tag} onerror=...>"
            assert not any("alert(1)" in (v or "") for v in attrs.values()), f"<{tag} {attrs}>"


def test_index_escapes_titles_and_summaries(tmp_path):
    page = report.write_index([("01-x", "<script>alert(1)</script>", "a & b <img src=x onerror=alert(1)>")], tmp_path)
    text = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "a &amp; b &lt;img" in text
    assert not parse(page).scripts


# -- summaries, metadata, CLI ------------------------------------------------------------------------
def test_notebook_summary_prefers_metadata_and_strips_markup():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# 03 Topics\n\n**Which** themes does each [city](http://x) stress? Then more.")])
    assert report.notebook_summary(nb) == ("03 Topics", "Which themes does each city stress?")
    assert report.notebook_summary(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# 标题\n\n各市的防控话语有何不同？其后。")])) == ("标题", "各市的防控话语有何不同？")
    nb.metadata["discourse"] = {"summary": "Set by hand."}
    assert report.notebook_summary(nb)[1] == "Set by hand."


def test_strip_execution_metadata_keeps_outputs():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", execution_count=1, outputs=[
        nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1)])])
    nb.metadata["papermill"] = {"start_time": "2026-01-01"}
    nb.cells[0].metadata.update(papermill={"duration": 0.1}, execution={"iopub.status.busy": "t"}, tags=["keep"])
    out = report.strip_execution_metadata(nb)
    assert "papermill" not in out.metadata
    assert dict(out.cells[0].metadata) == {"tags": ["keep"]}
    assert out.cells[0].outputs[0]["data"]["text/plain"] == "1"


def test_parse_columns():
    assert parse_columns("doc_id=file, city_zh=地区") == {"doc_id": "file", "city_zh": "地区"}
    assert parse_columns("") is None
    with pytest.raises(ValueError, match="canonical_field=manifest_column"):
        parse_columns("doc_id")


def test_cli_reports_errors_with_exit_code(tmp_path, capsys):
    assert main(["report", "--manifest", str(tmp_path / "missing.csv"), "--out", str(tmp_path)]) == 1
    assert "manifest not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "--bogus"])


def test_cli_passes_its_arguments_to_the_runner(tmp_path, monkeypatch, capsys):
    from discourse.study import run as study_run

    seen = {}

    def fake_run_all(configs, **kwargs):
        seen.update(configs=configs, **kwargs)
        return []

    monkeypatch.setattr(study_run, "run_all", fake_run_all)
    code = main(["report", "--config", "a.toml", "--manifest", "m.csv", "--out", str(tmp_path),
                 "--columns", "doc_id=file", "--no-html"])
    assert code == 0
    assert seen["configs"] == ["a.toml"] and seen["manifest"] == "m.csv" and seen["out"] == str(tmp_path)
    assert seen["columns"] == {"doc_id": "file"} and seen["html"] is False


def test_unescaped_html_output_is_refused(tmp_path):
    """Corpus text pushed into IPython.display.HTML unescaped never reaches a page."""
    nb = code_notebook(
        tmp_path / "nb" / "03-unsafe.ipynb",
        "from IPython.display import HTML\nHTML('<p>疫情防控 <img src=x onerror=alert(1)></p>')",
    )
    with pytest.raises(report.ReportError, match="active markup.*onerror"):
        report.run_report(notebooks=[nb], out_dir=tmp_path / "out")
    assert not (tmp_path / "out" / "reports" / "03-unsafe.html").exists()


@pytest.mark.parametrize("markup", [
    "<script>alert(1)</script>", '<a href="javascript:alert(1)">x</a>', "<iframe src=x></iframe>",
    '<svg onload="alert(1)"></svg>', '<meta http-equiv="refresh" content="0;url=x">',
])
def test_check_inert_html_finds_active_markup(markup):
    with pytest.raises(report.ReportError, match="active markup"):
        report.check_inert_html(f"<p>text</p>{markup}")
    report.check_inert_html("<p>" + markup.replace("<", "&lt;").replace(">", "&gt;") + "</p>")
