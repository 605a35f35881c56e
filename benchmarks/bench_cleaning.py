"""Benchmark: the cleaning pipeline a researcher runs, on the gov-work-reports corpus.

Measures what a user of the library runs: the library's own loader
(``discourse.ingest.corpus.load_corpus`` on the corpus manifest: path checks,
decoding, dates) and ``discourse.cleaning.clean_corpus`` with the
``work_report`` profile and all its rules (plus the input rules every profile
runs). Prints the reports and characters, the time and throughput (characters
per second, one process) of loading, of cleaning and of both, then per level of
government the share of characters deleted, replaced and moved to metadata, the
characters per rule, the quarantine, and how often the meeting date, meeting
and speaker were recovered (and agree with the manifest).

Usage::

    python benchmarks/bench_cleaning.py                # whole corpus (~52 M characters)
    python benchmarks/bench_cleaning.py --sample 300   # a seeded random sample
    python benchmarks/bench_cleaning.py --sample 300 --profile   # + cProfile top functions
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import psutil

from discourse import config
from discourse.cleaning import audit_summary, clean_corpus
from discourse.ingest.corpus import load_corpus


def sample_manifest(sample: int | None, folder: Path) -> Path:
    """The corpus manifest (or a seeded sample of it) with a ``doc_id`` column."""
    root = config.GOV_REPORTS_DIR
    if not root.is_dir():
        sys.exit(f"gov-work-reports corpus not found at {root} (set DISCOURSE_GOV_REPORTS_DIR)")
    m = pd.read_csv(root / "manifest.csv", dtype=str, keep_default_na=False)
    if sample:
        m = m.sample(n=min(sample, len(m)), random_state=config.RANDOM_STATE).sort_values("path")
    m = m.reset_index(drop=True)
    m.insert(0, "doc_id", m["path"])
    m["path"] = [str(root / p) for p in m["path"]]  # the manifest is written outside the corpus folder
    out = folder / "manifest.csv"
    m.to_csv(out, index=False)
    return out


def run(manifest: Path) -> tuple[pd.DataFrame, object, float, float]:
    t0 = time.perf_counter()
    docs = load_corpus(manifest, {"event_date": "meeting_date"}, root=config.GOV_REPORTS_DIR,
                       allow_outside_root=True, warn_unlisted=False, date_range=(None, None))
    t1 = time.perf_counter()
    res = clean_corpus(docs, profile="work_report")
    t2 = time.perf_counter()
    return docs, res, t1 - t0, t2 - t1


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=None, help="a seeded random sample of N reports")
    ap.add_argument("--profile", action="store_true", help="run under cProfile and print the top functions")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        manifest = sample_manifest(args.sample, Path(tmp))
        proc = psutil.Process()
        rss0 = proc.memory_info().rss
        cpu0 = time.process_time()
        prof = cProfile.Profile() if args.profile else None
        if prof:
            prof.enable()
        docs, res, t_load, t_clean = run(manifest)
        if prof:
            prof.disable()
        cpu = time.process_time() - cpu0
        rss1 = proc.memory_info().rss

    d = res.documents
    n_raw = int(docs["text"].str.len().sum())
    n_clean = int(d["n_chars_clean"].sum())
    print(f"gov-work-reports: {len(docs)} reports, {n_raw:,} characters; profile work_report, "
          f"{res.audit['rule'].nunique()} rules made edits")
    print(f"load_corpus : {t_load:7.1f} s  {n_raw / t_load:>12,.0f} characters/s")
    print(f"clean_corpus: {t_clean:7.1f} s  {n_raw / t_clean:>12,.0f} characters/s")
    print(f"both        : {t_load + t_clean:7.1f} s  {n_raw / (t_load + t_clean):>12,.0f} characters/s "
          f"(1 process; CPU {cpu:.1f} s = {n_raw / cpu:,.0f} characters per CPU-second; "
          f"RSS +{(rss1 - rss0) / 2**20:,.0f} MiB)"
          + ("  [under cProfile: slower than normal]" if prof else ""))
    print(f"quarantined: {len(res.quarantine)}")
    if len(res.quarantine):
        print(res.quarantine.to_string(index=False, max_colwidth=80))
    print()

    raw = d.set_index("doc_id")["n_chars_raw"]
    s = audit_summary(res.audit, by=("doc_id",), n_chars_raw=raw).set_index("doc_id")
    per = d[["doc_id", "level", "n_chars_raw", "n_chars_clean"]].join(
        s[["chars_deleted", "chars_replaced", "chars_moved"]], on="doc_id").fillna(0)
    by = per.groupby("level", observed=True)[["n_chars_raw", "n_chars_clean", "chars_deleted", "chars_replaced",
                                              "chars_moved"]].sum()
    by.loc["ALL"] = by.sum()
    by.insert(0, "reports", per.groupby("level", observed=True).size().reindex(by.index).fillna(len(per)).astype(int))
    for k in ("deleted", "replaced", "moved"):
        by[f"share_{k}"] = by[f"chars_{k}"] / by["n_chars_raw"]
    with pd.option_context("display.width", 200, "display.float_format", "{:.2%}".format):
        print("Characters deleted, replaced (normalisation, script) and moved to metadata, per level")
        print(by[["reports", "n_chars_raw", "n_chars_clean", "share_deleted", "share_replaced", "share_moved"]]
              .to_string(formatters={"n_chars_raw": "{:,.0f}".format, "n_chars_clean": "{:,.0f}".format}))
        print()
        rules = audit_summary(res.audit, by=("rule",))
        rules["share_of_raw"] = rules["net_removed"] / n_raw
        print("Per rule (net = removed - inserted)")
        print(rules[["step", "rule", "n_edits", "chars_deleted", "chars_replaced", "chars_moved", "share_of_raw"]]
              .to_string(index=False))
    print()
    meta = res.metadata
    for field in ("event_date", "meeting", "speaker_name", "title"):
        sub = meta[meta["field"] == field]
        found = int(sub["extracted"].notna().sum())
        both = int(sub["agrees"].notna().sum())
        agree = int(sub["agrees"].fillna(False).sum())
        print(f"metadata {field:<12}: extracted for {found:,}/{len(d):,} reports; agrees with manifest {agree:,}/{both:,}")
    basis = meta[meta["field"] == "event_date_basis"]["extracted"].value_counts()
    print("event_date basis:", ", ".join(f"{k} {v:,}" for k, v in basis.items()))

    if prof:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(20)
        print(out.getvalue())


if __name__ == "__main__":
    main()
