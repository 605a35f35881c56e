"""The notebooks stay thin and readable, and every figure is documented.

nbval (``pytest --nbval notebooks``) checks the notebooks' outputs; these
tests check their shape: a question first, findings last, no logic in cells,
and a figures/README.md entry for every figure a notebook saves.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from discourse import config

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("*/[0-9][0-9]-*.ipynb"))
STUDIES = sorted({p.parent.name for p in NOTEBOOKS})
MAX_LINES = 15
SAVED = re.compile(r'(?:save_figure|figure)\(fig,\s*"([^"]+)"')


def test_notebooks_exist_in_order():
    assert STUDIES == ["panel", "seeds"], STUDIES
    for study in STUDIES:
        names = [p.stem for p in NOTEBOOKS if p.parent.name == study]
        assert len(names) >= 3, names
        assert [n[:2] for n in names] == [f"{i:02d}" for i in range(1, len(names) + 1)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin_and_framed(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert any(c.cell_type == "markdown" and "**Question.**" in c.source for c in nb.cells[:6])
    params = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1 and "config_path = " in params[0].source
    # the only parameter is the configuration file
    assert [ln.split("=")[0].strip() for ln in params[0].source.splitlines() if "=" in ln] == ["config_path"]
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = [ln for ln in cell.source.splitlines() if ln.strip()]
        assert len(lines) <= MAX_LINES, f"{path.name}: a cell of {len(lines)} lines belongs in the library"
        assert not re.search(r"^\s*(def|class|lambda)\b", cell.source, re.M), f"{path.name}: logic in a cell"
        assert not any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        assert not any(o.get("name") == "stderr" for o in cell.get("outputs", [])), f"{path.name}: stderr output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_notebook_has_findings(path):
    """Findings are generated from the numbers the notebook computed (a findings call in a cell), for any corpus."""
    nb = nbformat.read(path, as_version=4)
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    if path.parent.name == "seeds":
        n = path.stem[:2]
        assert any(f"findings_{n}(" in s for s in sources), f"{path.name}: no findings_{n}(...) cell"
    elif path.stem != "03-vocabulary-positions":
        assert any("findings_markdown(" in s for s in sources)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## Findings (bundled corpus)"):
            raise AssertionError(f"{path.name}: hand-typed findings")


def test_bundled_prose_is_tagged():
    """Markdown naming the bundled texts must carry the bundled-prose tag (left out of other corpora)."""
    names = re.compile(r"\b(Hami|Jiyuan|Changzhi|XX-1|XX-2)\b|five texts|Five texts")
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown" and names.search(cell.source):
                assert "bundled-prose" in cell.metadata.get("tags", []), f"{path.name}: {cell.source[:80]!r}"


def _saved_figures() -> dict[tuple[str, str], str]:
    """(study, figure name) -> notebook, from the figure records the display API stores in each executed notebook."""
    saved = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for name in SAVED.findall(cell.source):
                saved[(path.parent.name, name)] = path.stem
            for out in cell.get("outputs", []):
                rec = out.get("metadata", {}).get("discourse", {})
                if rec.get("kind") == "figure":
                    for _, f in rec.get("files", []):
                        if f.endswith(".png"):
                            saved[(path.parent.name, Path(f).stem)] = path.stem
    return saved


def test_every_saved_figure_is_documented_and_present():
    readme = (config.PROJ_ROOT / "figures" / "README.md").read_text(encoding="utf-8")
    saved = _saved_figures()
    assert saved
    for (study, name), stem in saved.items():
        for ext in ("png", "svg"):
            f = config.PROJ_ROOT / "figures" / study / f"{name}.{ext}"
            assert f.is_file(), f"{f} missing: run make report"
        assert f"`{study}/{name}`" in readme, f"figures/README.md does not describe {study}/{name}"
        assert stem in readme
    on_disk = {(p.parent.name, p.stem) for p in (config.PROJ_ROOT / "figures").glob("*/*.png")}
    assert on_disk == set(saved), f"figures with no notebook: {sorted(on_disk - set(saved))}"
