"""Command line: ``python -m discourse report [--config FILE] [--out DIR] [--manifest PATH] [--columns MAP]``.

Examples
--------
Run every bundled study (notebooks executed in place, figures in
``figures/<study>/``, HTML in ``reports/<study>/``)::

    python -m discourse report

Run one study, configured by a TOML file, into a folder of its own::

    python -m discourse report --config my-study.toml --out results

Run the bundled study's configuration on another corpus (shortcuts for the
configuration's ``[corpus] manifest`` and ``[corpus.columns]``)::

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
            raise ValueError(
                f"--columns: {item!r} is not of the form canonical_field=manifest_column "
                "(e.g. COLUMNS='doc_id=file,city_zh=地区')"
            )
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
            "Run studies: check the configuration and corpus, prepare the tables once, execute each "
            "study's notebooks with papermill and render them to HTML (a reader's version without code "
            "and a full version) with an index. A run is all or nothing: results are replaced only when "
            "every notebook succeeded. Without --config every bundled study runs in place."
        ),
    )
    rep.add_argument(
        "--config", metavar="FILE", action="append",
        help="study configuration (TOML); may be given more than once; default: every bundled study",
    )
    rep.add_argument("--manifest", metavar="PATH", help="corpus manifest overriding the configuration's [corpus] manifest")
    rep.add_argument("--out", metavar="DIR", help="output folder (required for any corpus but the bundled ones)")
    rep.add_argument("--columns", metavar="MAP", help="column mapping, e.g. 'doc_id=file,path=file,city_zh=地区'")
    rep.add_argument("--no-html", action="store_true", help="execute only, do not render HTML")
    rep.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="time allowed per cell")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m discourse`` and the ``discourse`` script; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "report":
        from discourse.report import ReportError
        from discourse.study.run import run_all
        from discourse.study.settings import ConfigError

        try:
            columns = parse_columns(args.columns)
            configs = args.config
            if configs is None and (args.manifest or columns):
                from discourse.study.settings import bundled_configs

                configs = bundled_configs()[:1]
            runs = run_all(
                configs, out=args.out, manifest=args.manifest, columns=columns,
                html=not args.no_html, timeout=args.timeout,
            )
        except (ReportError, ConfigError, ValueError) as exc:
            print(f"discourse report: error: {exc}", file=sys.stderr)
            return 1
        for run in runs:
            for path in run.notebooks:
                print(f"executed  {path}")
            if run.index is not None:
                print(f"reports   {run.index}")
        return 0
    return 2  # pragma: no cover (argparse requires a command)


if __name__ == "__main__":
    sys.exit(main())
