"""The apparatus of the rendered reports: numbering, files, links, alt text, contents, references, limits."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from discourse import config
from discourse.report import ReportError, render_html, write_study_list
from discourse.report import apparatus as ap
from discourse.study import display

HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)>'


class FakeStudy:
    """What the display API needs from a study: a processed folder and save_figure."""

    def __init__(self, root: Path) -> None:
        self.processed_dir = root / "data" / "processed" / "demo"
        self.figures_dir = root / "figures" / "demo"

    def save_figure(self, fig, name):
        from discourse.plotting import save_figure

        return save_figure(fig, name, self.figures_dir)


@pytest.fixture
def out_root(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "OUT_DIR", tmp_path)
    display.reset_numbering()
    return tmp_path


def _outputs_of(frames):
    """Call the display API outside a kernel and build the outputs it would have displayed."""
    outs = []
    for html_text, meta in frames:
        outs.append(nbformat.v4.new_output("display_data", data={"text/html": html_text, "text/plain": "x"},
                                           metadata={"discourse": meta}))
    return outs


def _capture(monkeypatch):
    frames = []
    monkeypatch.setattr(display, "_emit", lambda h, t, m: frames.append((h, m)))
    return frames


def test_tables_and_figures_are_numbered_in_order_and_write_their_files(out_root, monkeypatch):
    from matplotlib.figure import Figure

    frames = _capture(monkeypatch)
    study = FakeStudy(out_root)
    t1 = display.show(pd.DataFrame({"a": [1]}), caption="first", csv="t_one", study=study)
    fig = Figure()
    fig.add_subplot().plot([0, 1], [0, 1])
    f1 = display.figure(fig, "f_one", caption="a line", alt="A straight line from 0 to 1.", study=study)
    t2 = display.show(pd.DataFrame({"a": [2]}), caption="second", study=study)
    assert (t1.number, f1.number, t2.number) == (1, 1, 2)
    csv = study.processed_dir / "tables" / "t_one.csv"
    assert csv.read_text(encoding="utf-8") == "a\n1\n"
    assert (study.figures_dir / "f_one.png").is_file() and (study.figures_dir / "f_one.svg").is_file()
    # the figure is shown as the saved PNG, at half its pixel size, with alt text and file links
    html_fig = frames[1][0]
    w = int(re.search(r'width="(\d+)"', html_fig).group(1))
    png = (study.figures_dir / "f_one.png").read_bytes()
    assert w * 2 == pytest.approx(display._png_size(png)[0], abs=1)
    assert 'alt="A straight line from 0 to 1."' in html_fig and 'href="data/figures/f_one.svg"' in html_fig
    assert frames[0][1]["files"] == [["data/tables/t_one.csv", "data/processed/demo/tables/t_one.csv"]]


def test_figure_requires_alt_text(out_root):
    from matplotlib.figure import Figure

    with pytest.raises(ValueError, match="alt="):
        display.figure(Figure(), "x", caption="c", alt="", study=FakeStudy(out_root))


def test_names_are_masked_in_display_and_csv(out_root, monkeypatch):
    frames = _capture(monkeypatch)
    study = FakeStudy(out_root)
    df = pd.DataFrame({"field": ["reporter", "title"], "value": ["刘晓荣、梁栋", "杨勤荣主持召开会议"]})
    t = display.show(df, caption="meta", csv="meta", study=study, mask=["刘晓荣", "梁栋", "杨勤荣"])
    shown = " ".join(t.display["value"])
    assert "刘晓荣" not in shown and "杨勤荣" not in shown and shown.count(display.NAME_MASK) == 3
    assert "梁栋" not in (study.processed_dir / "tables" / "meta.csv").read_text(encoding="utf-8")
    assert "刘晓荣" not in frames[0][0]


def _notebook(tmp_path: Path, stem: str, frames, markdown: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown), nbformat.v4.new_code_cell("show(...)")]
    nb.cells[1].outputs = _outputs_of(frames)
    folder = tmp_path / "nbs"
    folder.mkdir(exist_ok=True)
    path = folder / f"{stem}.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_rendered_pages_have_the_apparatus_and_valid_links(out_root, monkeypatch):
    frames = _capture(monkeypatch)
    study = FakeStudy(out_root)
    display.show(pd.DataFrame({"term": [HOSTILE], "n": [3]}), caption="Terms " + HOSTILE, csv="terms",
                 study=study, long=True)
    md = "# 01 · Demo\n\nKeyness by G² with Benjamini–Hochberg adjustment.\n\n## Section one\n\ntext"
    first = _notebook(out_root, "01-demo", frames, md)
    second = _notebook(out_root, "02-next", [], "# 02 · Next\n\nNothing cited.")
    reports = out_root / "reports" / "demo"
    run = {"software": "discourse 9", "run_date": "2026-12-01", "manifest": "m.csv", "manifest_sha256": "ab" * 32,
           "n_documents": 12}
    reader, code = render_html(first, reports, run_info=run)
    page = reader.read_text(encoding="utf-8")
    # navigation, contents, run box, references
    assert 'href="../index.html"' in page and 'href="index.html"' in page and 'href="02-next.html"' in page
    assert 'href="#Section-one"' in page
    assert "<dd>discourse 9</dd>" in page and "<dd>12</dd>" in page and "<dd>2026-12-01</dd>" in page
    assert "Rayson, P., &amp; Garside" in page and "Benjamini, Y." in page and "Monroe" not in page
    # the hostile text is escaped everywhere
    assert "<script>alert(1)" not in page and "onerror=alert" not in page.replace("onerror=alert(2)&gt;", "")
    # every linked data file exists, from both versions
    for html_path in (reader, code):
        text = html_path.read_text(encoding="utf-8")
        hrefs = re.findall(r'href="((?:\.\./)?data/[^"#]+)"', text)
        assert hrefs, html_path
        for href in hrefs:
            assert (html_path.parent / href).resolve().is_file(), (html_path, href)
    second_page = render_html(second, reports)[0].read_text(encoding="utf-8")
    assert 'rel="prev" href="01-demo.html"' in second_page and "References" not in second_page
    rec = json.loads((reports / "data" / "01-demo.contents.json").read_text(encoding="utf-8"))
    assert rec["tables"][0]["number"] == 1


def test_default_alt_text_is_replaced(out_root):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("fig = plot_x(data)\nfig")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), cell]
    path = out_root / "n" / "01-x.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, str(path))
    page = render_html(path, out_root / "reports" / "s")[0].read_text(encoding="utf-8")
    assert ap.NBCONVERT_DEFAULT_ALT not in page
    assert re.search(r'<img[^>]+alt="Undescribed image 1 of this page', page)


def test_page_size_limit_is_enforced(out_root, monkeypatch):
    frames = _capture(monkeypatch)
    display.show(pd.DataFrame({"t": ["x" * 200] * 500}), caption="big", long=True, study=FakeStudy(out_root))
    path = _notebook(out_root, "01-big", frames, "# Big")
    with pytest.raises(ReportError, match="page-size limit"):
        render_html(path, out_root / "reports" / "s", max_bytes=50_000)


def test_root_index_has_the_glossary(tmp_path):
    page = write_study_list([{"study": "seeds", "title": "T"}], tmp_path, title="All").read_text(encoding="utf-8")
    for term in ("疫情防控", "常态化", "动态清零", "新十条", "二十条", "乙类乙管", "外防输入、内防反弹",
                 "NPMI", "G²", "log-ratio", "regularised log-odds", "Wordfish"):
        assert f">{term}</th>" in page, term


def test_reference_patterns_find_each_method_once():
    refs = ap.read_references()
    assert refs["key"].is_unique
    for key, text in [("monroe2008", "Monroe et al. 2008"), ("slapin2008", "Wordfish positions"),
                      ("roder2015", "NPMI coherence"), ("grootendorst2022", "c-TF-IDF"),
                      ("phipson2010", "Phipson & Smyth"), ("cameron2008", "cluster-robust intervals")]:
        assert key in {r["key"] for r in ap.cited_references(text)}, key
    assert ap.cited_references("Nothing about methods here.") == []


@pytest.mark.parametrize("study", ["seeds", "panel"])
def test_committed_reports_stay_under_the_page_limit_and_offline(study):
    from discourse.report.runner import MAX_PAGE_BYTES

    folder = Path(config.PROJ_ROOT) / "reports" / study
    pages = sorted(folder.glob("*.html")) + sorted(folder.glob("code/*.html"))
    if not pages:
        pytest.skip(f"no reports in {folder}")
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert len(text.encode("utf-8")) <= MAX_PAGE_BYTES, page
        assert not re.search(r"<script[^>]+src=|<link[^>]+stylesheet", text), page
        assert ap.NBCONVERT_DEFAULT_ALT not in text, page
        for img in re.findall(r"<img\b[^>]*>", text):
            assert re.search(r'alt="[^"]{10,}"', img), (page, img[:80])
