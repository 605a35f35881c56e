"""Time a whole study run (prepare, every notebook, rendering) into a temporary folder.

Usage: ``python benchmarks/bench_report.py [--config panel.toml] [--cold]``

Prints the time of each stage as the runner measured it and the total, so the
issue's budget (the panel study in at most 3 minutes inside ``make report``) is
checked by a figure, not by a timed test. ``--cold`` uses an empty token cache.
The bundled results are not touched.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(Path(__file__).resolve().parents[1] / "panel.toml"))
    parser.add_argument("--cold", action="store_true", help="empty token and preparation caches")
    args = parser.parse_args(argv)

    from discourse.study.run import run_study

    out = Path(tempfile.mkdtemp(prefix="bench-report-"))
    if not args.cold:
        # reuse the project's caches (what make report sees on a second run)
        os.environ.setdefault("DISCOURSE_INTERIM_DIR", str(Path(__file__).resolve().parents[1] / "data" / "interim"))
    log = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(log):
        run_study(args.config, out=out)
    total = time.perf_counter() - t0
    lines = log.getvalue().splitlines()
    print(f"study {Path(args.config).name} into {out} ({'cold' if args.cold else 'warm'} caches, {os.cpu_count()} cores)")
    for line in lines:
        m = re.search(r": (prepared \d+ documents|[\w-]+\.ipynb ran) in ([\d.]+) s", line)
        if m:
            print(f"  {m.group(1):40s} {float(m.group(2)):7.1f} s")
    print(f"  {'total (with rendering and publishing)':40s} {total:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
