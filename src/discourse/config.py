"""Project paths and global constants.

This is the one module that knows where things live. Every other module asks
it for a path instead of hard-coding one (the cookiecutter-data-science
convention): ``data/raw`` is immutable input, ``data/interim`` holds caches,
``data/processed`` holds final tables, ``figures/`` the figures and
``reports/`` the rendered HTML.

Paths can be redirected for a run on another corpus through environment
variables (``DISCOURSE_OUT_DIR``), which the report runner sets; the bundled
results are then left untouched.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the source checkout (``src/discourse/config.py`` -> parents[2]).
PROJ_ROOT: Path = Path(__file__).resolve().parents[2]

#: Package resources shipped inside the wheel (lexicon, stopwords, style).
RESOURCES_DIR: Path = Path(__file__).resolve().parent / "resources"

DATA_DIR: Path = PROJ_ROOT / "data"
RAW_DATA_DIR: Path = DATA_DIR / "raw"
MANIFEST_PATH: Path = DATA_DIR / "corpus.csv"
NOTEBOOKS_DIR: Path = PROJ_ROOT / "notebooks"

#: Where a run writes its outputs. Defaults to the project tree; the report
#: runner points it elsewhere for a researcher's own corpus.
OUT_DIR: Path = Path(os.environ.get("DISCOURSE_OUT_DIR", PROJ_ROOT)).resolve()
INTERIM_DATA_DIR: Path = Path(
    os.environ.get("DISCOURSE_INTERIM_DIR", OUT_DIR / "data" / "interim")
).resolve()
PROCESSED_DATA_DIR: Path = OUT_DIR / "data" / "processed"
FIGURES_DIR: Path = OUT_DIR / "figures"
REPORTS_DIR: Path = OUT_DIR / "reports"

#: The real corpus used for scale tests and benchmarks (never copied here).
GOV_REPORTS_DIR: Path = Path(
    os.environ.get(
        "DISCOURSE_GOV_REPORTS_DIR",
        PROJ_ROOT.parent / "shared" / "corpora" / "gov-work-reports",
    )
).resolve()

#: The one seed used wherever randomness enters (NMF init, bootstrap, ...).
RANDOM_STATE: int = 20201

__all__ = [
    "PROJ_ROOT",
    "RESOURCES_DIR",
    "DATA_DIR",
    "RAW_DATA_DIR",
    "MANIFEST_PATH",
    "NOTEBOOKS_DIR",
    "OUT_DIR",
    "INTERIM_DATA_DIR",
    "PROCESSED_DATA_DIR",
    "FIGURES_DIR",
    "REPORTS_DIR",
    "GOV_REPORTS_DIR",
    "RANDOM_STATE",
]
