"""Command line: ``python -m discourse report [--manifest PATH] [--out DIR] [--notebooks GLOB]``.

Examples
--------
Run the study on the bundled corpus (notebooks executed in place, figures in
``figures/``, HTML in ``reports/``)::

    python -m discourse report

Run it on another corpus, leaving the bundled results untouched::

    python -m discourse report --manifest my/manifest.csv --out results \\
        --columns 'doc_id=file,path=file,city_zh=地区'
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def parse_columns(text: str | None) -> dict[str, str] | None:
    """Parse ``"doc_id=file,city_zh=地区"`` into a column mapping.

    Examples
    --------
    >>> parse_columns("doc_id=file, city_zh=地区")
    {'doc_id': 'file', 'city_zh': '地区'}
    """
    if not text:
        return None
    mapping: dict[str, str] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"--columns: {item!r} is not of the form canonical_field=manifest_column")
        mapping[key.strip()] = value.strip()
    return mapping or None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m discourse",
        description="Comparative discourse analysis of Chinese local-government texts on COVID-19 prevention.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser(
        "report",
        help="execute the notebooks and render the HTML reports",
        description=(
            "Execute every notebook in notebooks/ (in name order) with papermill and render each "
            "to HTML twice (reader's version without code, full version with code) plus an index. "
            "Without --manifest/--out the bundled corpus is used and the notebooks are updated in "
            "place; with --manifest, everything is written under --out."
        ),
    )
    rep.add_argument("--manifest", metavar="PATH", help="corpus manifest (CSV/TSV); default: the bundled data/corpus.csv")
    rep.add_argument("--out", metavar="DIR", help="output folder (required with --manifest)")
    rep.add_argument("--notebooks", metavar="GLOB", help="notebooks to run (glob or folder); default: notebooks/*.ipynb")
    rep.add_argument("--columns", metavar="MAP", help="column mapping, e.g. 'doc_id=file,path=file,city_zh=地区'")
    rep.add_argument("--no-html", action="store_true", help="execute only, do not render HTML")
    rep.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="time allowed per cell")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m discourse`` and the ``discourse`` script; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "report":
        from discourse.report import ReportError, run_report

        try:
            result = run_report(
                manifest=args.manifest,
                out_dir=args.out,
                notebooks=args.notebooks,
                columns=parse_columns(args.columns),
                html=not args.no_html,
                timeout=args.timeout,
            )
        except (ReportError, ValueError) as exc:
            print(f"discourse report: error: {exc}", file=sys.stderr)
            return 1
        for path in result.notebooks:
            print(f"executed  {path}")
        if result.index is not None:
            print(f"reports   {result.index}")
        return 0
    return 2  # pragma: no cover (argparse requires a command)


if __name__ == "__main__":
    sys.exit(main())
