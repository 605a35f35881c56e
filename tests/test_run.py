"""Runs are all or nothing: staged, locked, recorded; a failed run never destroys a good one."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import nbformat
import pytest

from discourse import config
from discourse.__main__ import main
from discourse.report import ReportError
from discourse.study.run import BUNDLED_PROSE_TAG, run_lock, run_study

MANIFEST = (config.PROJ_ROOT / "data" / "corpus.csv").as_posix()
SECOND = config.PROJ_ROOT / "tests" / "data" / "second_corpus" / "reports.csv"
SECOND_COLUMNS = "doc_id=编号,text=正文,city_zh=城市,province_zh=省份,event_date=日期,event_date_precision=精度"


def _notebook(path: Path, code: str, prose: str = "") -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [nbformat.v4.new_markdown_cell("# A fixture"),
             nbformat.v4.new_code_cell('config_path = None'),
             nbformat.v4.new_code_cell(code)]
    cells[1].metadata["tags"] = ["parameters"]
    if prose:
        c = nbformat.v4.new_markdown_cell(prose)
        c.metadata["tags"] = [BUNDLED_PROSE_TAG]
        cells.append(c)
    for i, c in enumerate(cells):
        c["id"] = f"cell-{i}"
    nb.cells = cells
    nbformat.write(nb, str(path))


def _study(tmp_path: Path, *, fail: bool = False, name: str = "fixture") -> Path:
    nbdir = tmp_path / "nb"
    nbdir.mkdir(exist_ok=True)
    _notebook(nbdir / "01-a.ipynb", textwrap.dedent("""\
        from discourse.study import open_study
        import matplotlib.pyplot as plt
        study = open_study(config_path)
        fig, ax = plt.subplots()
        ax.bar(range(len(study.documents)), study.documents["n_tokens"])
        study.save_figure(fig, "01_tokens")
        print(len(study.documents), "documents")"""), prose="The five bundled texts: a sentence written for them.")
    _notebook(nbdir / "02-b.ipynb", "raise RuntimeError('this notebook fails')" if fail else "print('ok')")
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(f'[study]\nname = "{name}"\nnotebooks = "nb"\n\n[corpus]\nmanifest = "{MANIFEST}"\n', encoding="utf-8")
    return cfg


def test_a_run_publishes_its_study_folders_and_record(tmp_path):
    out = tmp_path / "out"
    run = run_study(_study(tmp_path), out=out)
    for folder in ("figures/fixture", "reports/fixture", "data/processed/fixture", "notebooks/fixture"):
        assert (out / folder).is_dir(), folder
    assert (out / "figures/fixture/01_tokens.png").is_file()
    record = json.loads((out / "reports/fixture/run.json").read_text(encoding="utf-8"))
    assert record["n_documents"] == 5 and record["manifest"] == "corpus.csv" and len(record["manifest_sha256"]) == 64
    assert (out / "reports/index.html").is_file() and "fixture" in (out / "reports/index.html").read_text(encoding="utf-8")
    assert not (out / ".staging").exists()
    assert run.notebooks and all(p.is_file() for p in run.notebooks)


def test_prose_of_the_bundled_corpus_is_left_out_of_another_study(tmp_path):
    out = tmp_path / "out"
    run_study(_study(tmp_path), out=out)
    html = (out / "reports/fixture/01-a.html").read_text(encoding="utf-8")
    assert "5 documents" in html and "written for them" not in html
    nb = nbformat.read(out / "notebooks/fixture/01-a.ipynb", as_version=4)
    assert not any(BUNDLED_PROSE_TAG in c.metadata.get("tags", []) for c in nb.cells)


def test_a_failed_run_keeps_the_last_good_results(tmp_path):
    out = tmp_path / "out"
    run_study(_study(tmp_path), out=out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and "interim" not in p.parts}
    with pytest.raises(ReportError, match=r"02-b\.ipynb failed in cell .*this notebook fails"):
        run_study(_study(tmp_path, fail=True), out=out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and "interim" not in p.parts
             and "fixture-failed" not in p.parts}
    assert after == before
    failed = (out / "reports/fixture-failed/index.html").read_text(encoding="utf-8")
    assert "this notebook fails" in failed and "01-a.html" in failed
    assert (out / "reports/fixture-failed/01-a.html").is_file()
    assert not (out / ".staging").exists()


def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    with run_lock(out):
        with pytest.raises(ReportError, match="another run is writing to"):
            run_study(_study(tmp_path), out=out)


def test_reruns_are_byte_identical(tmp_path):
    out = tmp_path / "out"
    cfg = _study(tmp_path)
    run_study(cfg, out=out)
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and "interim" not in p.parts}
    run_study(cfg, out=out)
    second = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and "interim" not in p.parts}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_out_must_be_a_folder_and_other_corpora_need_one(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ReportError, match="is a file"):
        run_study(_study(tmp_path), out=f)
    with pytest.raises(ReportError, match="--out is required"):
        run_study(_study(tmp_path))


def test_cli_errors_come_before_any_notebook_as_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[study]\nname = "x"\nnotebooks = "."\n\n[corpus]\nmanifest = "m.csv"\ncolumn = {}\n', encoding="utf-8")
    assert main(["report", "--config", str(bad), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "unknown key [corpus] column" in err and "did you mean 'columns'" in err and "Traceback" not in err
    assert main(["report", "--columns", "citi_zh=城市", "--manifest", str(SECOND), "--out", str(tmp_path / "o")]) == 1
    assert "COLUMNS='city_zh=城市'" in capsys.readouterr().err
    assert not (tmp_path / "o" / "reports").exists()


@pytest.fixture(scope="module")
def second_corpus_run(tmp_path_factory):
    """The bundled five-text study's configuration run on another corpus (texts in a CSV column)."""
    out = tmp_path_factory.mktemp("second")
    code = main(["report", "--manifest", str(SECOND), "--columns", SECOND_COLUMNS, "--out", str(out)])
    assert code == 0
    return out


def _bundled_sentences() -> list[str]:
    sentences = []
    for path in sorted((config.NOTEBOOKS_DIR / "seeds").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if BUNDLED_PROSE_TAG in cell.metadata.get("tags", []):
                for s in re.split(r"(?<=[.!?。])\s+", cell.source):
                    s = re.sub(r"[*_`#\[\]()]", "", s).strip()
                    if len(s) > 40:
                        sentences.append(s[:60])
    return sentences


def test_no_sentence_written_for_the_bundled_corpus_reaches_another_corpus(second_corpus_run):
    sentences = _bundled_sentences()
    assert len(sentences) > 30
    pages = sorted((second_corpus_run / "reports").rglob("*.html"))
    assert len(pages) >= 13
    for page in pages:
        text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
        text = re.sub(r"[*_`#\[\]()]", "", text)
        found = [s for s in sentences if s in text]
        assert not found, f"{page.name}: {found[:2]}"


def test_another_corpus_gets_one_row_per_document_and_says_what_was_run(second_corpus_run):
    docs = json.loads((second_corpus_run / "reports/seeds/run.json").read_text(encoding="utf-8"))
    assert docs["n_documents"] == 12 and docs["bundled_corpus"] is False and docs["manifest"] == "reports.csv"
    page = (second_corpus_run / "reports/seeds/01-corpus.html").read_text(encoding="utf-8")
    assert "12 documents" in page and "reports.csv" in page
    findings = re.sub(r"<[^>]+>", "", (second_corpus_run / "reports/seeds/02-vocabulary.html").read_text(encoding="utf-8"))
    # the findings are generated from this corpus's numbers: they name its documents, not the bundled ones
    assert "Findings" in findings and "Hami" not in findings and "Jiyuan" not in findings


def _edge_corpus(tmp_path: Path, kind: str) -> Path:
    import pandas as pd

    raw = pd.read_csv(SECOND)
    if kind == "one":
        df = raw.head(1)
    elif kind == "two":
        df = raw.iloc[[0, 3]]
    else:  # undated, and labels that matplotlib would read as mathtext
        df = raw.head(4).assign(日期="", 精度="", 标签=["$x$ 一", "$y$ 二", "a$b$c", "$$"])
    p = tmp_path / f"{kind}.csv"
    df.to_csv(p, index=False)
    return p


@pytest.mark.parametrize("kind", ["one", "two", "undated"])
def test_small_and_odd_corpora_run_to_the_end_and_say_what_they_skip(tmp_path, kind):
    """1 document, 2 documents, no dates and '$' in labels: every notebook runs; unsupported analyses are skipped."""
    manifest = _edge_corpus(tmp_path, kind)
    columns = SECOND_COLUMNS + (",label=标签" if kind == "undated" else "")
    out = tmp_path / "out"
    code = main(["report", "--manifest", str(manifest), "--columns", columns, "--out", str(out)])
    assert code == 0
    pages = sorted((out / "reports" / "seeds").glob("0*.html"))
    assert [p.stem for p in pages] == [p.stem for p in sorted((config.NOTEBOOKS_DIR / "seeds").glob("0*.ipynb"))]
    text = " ".join(p.read_text(encoding="utf-8") for p in pages)
    assert "Skipped:" in text
    plain = re.sub(r"<[^>]+>", "", text)
    assert "Traceback" not in plain and not re.search(r"\b[A-Z]\w*Error\b", plain)


@pytest.mark.corpus
def test_the_panel_study_runs_unchanged_on_a_researchers_own_work_reports(tmp_path):
    """Full work reports (Markdown files, no province, no passages): the panel configuration selects and runs."""
    import csv
    import shutil

    src = config.GOV_REPORTS_DIR
    if not (src / "manifest.csv").is_file():
        pytest.skip(f"the gov-work-reports corpus is not at {src}")
    rows = list(csv.DictReader((src / "manifest.csv").open(encoding="utf-8")))
    by_place: dict[str, list[dict]] = {}
    for r in rows:
        if "其他地市" in r["path"] and r["year"] in ("2021", "2022", "2023"):
            by_place.setdefault(r["place"], []).append(r)
    places = [p for p, rs in sorted(by_place.items()) if len(rs) == 3][:14]
    (tmp_path / "texts").mkdir()
    with (tmp_path / "reports.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "file", "city", "level", "year"])
        for p in places:
            for r in by_place[p]:
                name = f"texts/{len(list((tmp_path / 'texts').iterdir())):03d}.md"
                shutil.copyfile(src / r["path"], tmp_path / name)
                w.writerow([f"{p}-{r['year']}", name, p, "prefecture", r["year"]])
    out = tmp_path / "out"
    code = main(["report", "--config", str(config.PROJ_ROOT / "panel.toml"), "--manifest", str(tmp_path / "reports.csv"),
                 "--columns", "doc_id=id,path=file,city_zh=city", "--out", str(out)])
    assert code == 0
    record = json.loads((out / "reports/panel/run.json").read_text(encoding="utf-8"))
    assert record["n_documents"] == 3 * len(places) and record["bundled_corpus"] is False
    pages = sorted((out / "reports/panel").glob("0*.html"))
    assert len(pages) == len(sorted((config.NOTEBOOKS_DIR / "panel").glob("0*.ipynb")))
