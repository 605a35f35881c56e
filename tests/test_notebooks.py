"""The notebooks stay thin and readable, and every figure is documented.

nbval (``pytest --nbval notebooks``) checks the notebooks' outputs; these
tests check their shape: a question first, findings last, no logic in cells,
and a figures/README.md entry for every figure a notebook saves.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from discourse import config

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"))
MAX_LINES = 15
SAVED = re.compile(r'save_figure\(fig,\s*"([^"]+)"\)')


def test_notebooks_exist_in_order():
    names = [p.stem for p in NOTEBOOKS]
    assert len(names) >= 6, names
    assert [n[:2] for n in names] == [f"{i:02d}" for i in range(1, len(names) + 1)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin_and_framed(path):
    nb = nbformat.read(path, as_version=4)
    first, last = nb.cells[0], nb.cells[-1]
    assert first.cell_type == "markdown" and "**Question.**" in first.source
    assert last.cell_type == "markdown" and last.source.startswith("## Findings")
    assert "PLACEHOLDER" not in last.source and len(last.source) > 400
    params = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1 and "manifest = None" in params[0].source
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = [ln for ln in cell.source.splitlines() if ln.strip()]
        assert len(lines) <= MAX_LINES, f"{path.name}: a cell of {len(lines)} lines belongs in the library"
        assert not re.search(r"^\s*(def|class|lambda)\b", cell.source, re.M), f"{path.name}: logic in a cell"
        assert not any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        assert not any(o.get("name") == "stderr" for o in cell.get("outputs", [])), f"{path.name}: stderr output"


def test_every_saved_figure_is_documented_and_present():
    readme = (config.PROJ_ROOT / "figures" / "README.md").read_text(encoding="utf-8")
    saved = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for name in SAVED.findall(cell.source):
                saved[name] = path.stem
    assert saved
    for name, stem in saved.items():
        for ext in ("png", "svg"):
            assert (config.PROJ_ROOT / "figures" / f"{name}.{ext}").is_file(), f"{name}.{ext} missing: run make report"
        assert f"`{name}`" in readme, f"figures/README.md does not describe {name}"
        assert stem in readme
    on_disk = {p.stem for p in (config.PROJ_ROOT / "figures").glob("*.png")}
    assert on_disk == set(saved), f"figures with no notebook: {sorted(on_disk - set(saved))}"
