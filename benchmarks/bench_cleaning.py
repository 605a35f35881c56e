"""Benchmark: the cleaning pipeline on the gov-work-reports corpus.

Prints, per level of government (manifest column ``level``), the number of
reports, the characters before and after cleaning and the share removed
(overall and the median per report), the characters removed per rule, the
metadata agreement with the manifest (meeting date and meeting from the
``——date…会议上`` line) and the throughput in characters per second.

Usage::

    python benchmarks/bench_cleaning.py              # whole corpus (~52 M characters)
    python benchmarks/bench_cleaning.py --sample 300  # a random sample (seeded)
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd
import psutil

from discourse import config
from discourse.cleaning import audit_summary, clean_corpus
from discourse.ingest.dates import DateParseError, parse_date


def load_reports(sample: int | None) -> pd.DataFrame:
    root = config.GOV_REPORTS_DIR
    if not root.is_dir():
        sys.exit(f"gov-work-reports corpus not found at {root} (set DISCOURSE_GOV_REPORTS_DIR)")
    m = pd.read_csv(root / "manifest.csv", dtype=str, keep_default_na=False)
    if sample:
        m = m.sample(n=min(sample, len(m)), random_state=config.RANDOM_STATE).sort_values("path")
    m = m.reset_index(drop=True)

    def iso(s: str) -> object:
        try:
            ts, prec = parse_date(s.replace(" ", ""))
        except DateParseError:
            return pd.NaT
        return ts if prec == "day" else pd.NaT

    return pd.DataFrame({
        "doc_id": m["path"],
        "text": [(root / p).read_text(encoding="utf-8") for p in m["path"]],
        "title": m["title"].replace("", pd.NA),
        "level": m["level"],
        "event_date": pd.to_datetime(pd.Series([iso(s) for s in m["meeting_date"]]), errors="coerce"),
        "meeting": m["meeting"].replace("", pd.NA),
        "source_url": m["source_url"].replace("", pd.NA),
    })


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=None, help="clean a seeded random sample of N reports")
    args = ap.parse_args(argv)

    docs = load_reports(args.sample)
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    t0 = time.perf_counter()
    res = clean_corpus(docs)
    dt = time.perf_counter() - t0
    rss1 = proc.memory_info().rss

    d = res.documents
    n_raw, n_clean = int(d["n_chars_raw"].sum()), int(d["n_chars_clean"].sum())
    print(f"gov-work-reports: {len(d)} reports, {n_raw:,} characters")
    print(f"cleaning time: {dt:.1f} s; throughput: {n_raw / dt:,.0f} characters/s "
          f"(1 process); RSS +{(rss1 - rss0) / 2**20:,.0f} MiB")
    print()
    by = d.groupby("level", observed=True).agg(
        reports=("doc_id", "size"), chars_raw=("n_chars_raw", "sum"), chars_clean=("n_chars_clean", "sum"),
        median_share=("share_removed", "median"), max_share=("share_removed", "max"),
    )
    by["share_removed"] = 1 - by["chars_clean"] / by["chars_raw"]
    total = pd.DataFrame({"reports": [len(d)], "chars_raw": [n_raw], "chars_clean": [n_clean],
                          "median_share": [d["share_removed"].median()], "max_share": [d["share_removed"].max()],
                          "share_removed": [1 - n_clean / n_raw]}, index=["ALL"])
    table = pd.concat([by, total])[["reports", "chars_raw", "chars_clean", "share_removed", "median_share", "max_share"]]
    with pd.option_context("display.width", 160, "display.float_format", "{:.2%}".format):
        print("Share of characters removed, per level of government")
        print(table.to_string(formatters={"chars_raw": "{:,}".format, "chars_clean": "{:,}".format}))
        print()
        rules = audit_summary(res.audit, by=("rule",))
        rules["share_of_raw"] = rules["net_removed"] / n_raw
        print("Characters removed per rule (net = removed - inserted)")
        print(rules[["step", "rule", "n_edits", "chars_removed", "chars_inserted", "net_removed", "share_of_raw"]]
              .to_string(index=False))
        print()
        top = d.nlargest(5, "share_removed")[["doc_id", "n_chars_raw", "share_removed"]]
        print("Reports with the largest share removed")
        print(top.to_string(index=False))
    print()
    meta = res.metadata
    for field in ("event_date", "meeting", "title", "source_url"):
        sub = meta[meta["field"] == field]
        found = sub["extracted"].notna().sum()
        both = sub["agrees"].notna().sum()
        agree = int(sub["agrees"].fillna(False).sum())
        print(f"metadata {field:<10}: extracted for {found:,} reports; agrees with manifest {agree:,}/{both:,}")


if __name__ == "__main__":
    main()
