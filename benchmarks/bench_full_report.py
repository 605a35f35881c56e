#!/usr/bin/env python
"""The full report of the panel study on the whole gov-work-reports corpus (2,974 reports, 52 M characters).

The configured panel study (``panel.toml``: every notebook, figures, HTML)
is pointed at the corpus's own manifest of full texts: all 2,974 reports of
every year from 1954 to 2026 and every level, 52 M characters. The date
range is widened to the whole corpus, so every report goes through
ingest, cleaning (``work_report``), paragraphs, passage selection (the
``[units]`` rule) and segmentation; the notebooks then run on the passages
the rule selects, of every year (the 2003 SARS passages included).

Prints the time of each stage as the runner measured it, the total, the
peak memory of this process and of its children (the notebook kernels and
segmentation workers), and the size of the largest table a notebook
showed, so that a step that grows quadratically in documents would show.
Results go to a temporary folder (``--out`` to keep them); the bundled
results are never touched.

Usage: ``python benchmarks/bench_full_report.py [--out DIR] [--cold]``
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The corpus manifest's columns, mapped to the study's fields.
COLUMNS = {
    "doc_id": "path",
    "path": "path",
    "city_zh": "place",
    "title": "title",
    "event_date": "meeting_date",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="keep the results in this folder (default: a temporary one)")
    parser.add_argument("--cold", action="store_true", help="empty token and preparation caches")
    args = parser.parse_args(argv)

    from discourse import config
    from discourse.study.run import run_study
    from discourse.study.settings import load_config

    manifest = config.GOV_REPORTS_DIR / "manifest.csv"
    if not manifest.is_file():
        raise SystemExit(f"gov-work-reports corpus not found at {config.GOV_REPORTS_DIR} (set DISCOURSE_GOV_REPORTS_DIR)")
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench-full-report-"))
    if args.cold:
        os.environ["DISCOURSE_INTERIM_DIR"] = tempfile.mkdtemp(prefix="bench-full-report-interim-")
    cfg = load_config(ROOT / "panel.toml").with_overrides(manifest=manifest, columns=COLUMNS)
    cfg = dataclasses.replace(
        cfg,
        corpus=dataclasses.replace(cfg.corpus, date_range=("1949-10-01", "2026-12-31"), total_chars="chars"),
    )
    log = io.StringIO()
    t0 = time.perf_counter()
    try:
        with contextlib.redirect_stderr(log):
            run_study(cfg, out=out)
    except Exception:
        sys.stderr.write(log.getvalue()[-4000:])
        raise
    total = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"panel study on the whole gov-work-reports corpus into {out} "
          f"({'cold' if args.cold else 'warm'} caches, {os.cpu_count()} cores)")
    for line in log.getvalue().splitlines():
        m = re.search(r": (prepared \d+ documents|[\w-]+\.ipynb ran) in ([\d.]+) s", line)
        if m:
            print(f"  {m.group(1):40s} {float(m.group(2)):7.1f} s")
    print(f"  {'total (with rendering and publishing)':40s} {total:7.1f} s")
    print(f"  peak RSS: this process {own:,.0f} MB, largest child (kernel or worker) {kids:,.0f} MB")
    tables = sorted((out / "data" / "processed").rglob("tables/*.csv")) if (out / "data").is_dir() else []
    if not tables:
        tables = sorted(out.rglob("tables/*.csv"))
    if tables:
        sizes = []
        for t in tables:
            with open(t, encoding="utf-8") as fh:
                sizes.append((sum(1 for _ in fh) - 1, t.name))
        n, name = max(sizes)
        print(f"  {len(tables)} tables written; the largest has {n:,} rows ({name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
