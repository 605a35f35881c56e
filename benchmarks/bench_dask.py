"""Benchmark: the corpus stages on Dask, 1 against 2 local workers, on the gov-work-reports corpus.

Runs :func:`discourse.study.scale.dask_corpus_stages` (clean with the
``work_report`` profile → paragraphs → tokens, cold: no token cache) on a
local ``distributed`` cluster of 1 and then of 2 worker processes (one thread
each) and prints, for each, the wall time of the stages (the cluster's start
apart), the time per million characters, and the speed-up from 1 to 2 workers
(goal ≥ 1.7×). From the 1-worker throughput it projects the time for a
5 G-character corpus on N workers, assuming the time is linear in characters,
each worker keeps the throughput measured here, and I/O (reading texts,
writing partitions to a shared filesystem) is not the limit.

Run: ``.venv/bin/python benchmarks/bench_dask.py [--sample N] [--partition-size 100]``
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from discourse import config


def gov_config(folder: Path, sample: int | None, partition_size: int):
    """A study configuration for the corpus (a seeded sample of it) with ``[scale] backend = "dask"``."""
    from discourse.study.settings import load_config

    root = config.GOV_REPORTS_DIR
    if not root.is_dir():
        sys.exit(f"gov-work-reports corpus not found at {root} (set DISCOURSE_GOV_REPORTS_DIR)")
    m = pd.read_csv(root / "manifest.csv", dtype=str, keep_default_na=False)
    if sample:
        m = m.sample(n=min(sample, len(m)), random_state=config.RANDOM_STATE).sort_values("path")
    m = m.reset_index(drop=True)
    m.insert(0, "doc_id", m["path"])
    m["path"] = [str(root / p) for p in m["path"]]
    m.to_csv(folder / "manifest.csv", index=False)
    proj = config.PROJ_ROOT
    (folder / "study.toml").write_text(f"""
[study]
name = "bench-dask"
notebooks = "{proj / 'notebooks' / 'seeds'}"
[corpus]
manifest = "{folder / 'manifest.csv'}"
root = "{root}"
allow_outside_root = true
profile = "work_report"
date_range = ["1949-10-01", "2030-12-31"]
columns = {{ doc_id = "doc_id", path = "path", title = "title", event_date = "meeting_date" }}
[compare]
place = ["place"]
time = "date"
time_bins = "year"
label = ""
groups = ["level"]
[codebook]
codebook = "{proj / 'src/discourse/resources/codebook.tsv'}"
lexicon = "{proj / 'src/discourse/resources/lexicon.tsv'}"
milestones = "{proj / 'data/milestones.csv'}"
[scale]
backend = "dask"
partition_size = {partition_size}
""", encoding="utf-8")
    return load_config(folder / "study.toml")


def run(cfg, docs: pd.DataFrame, n_workers: int, folder: Path) -> dict[str, float]:
    from distributed import Client, LocalCluster

    from discourse.study.scale import dask_corpus_stages

    t0 = time.perf_counter()
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            client.wait_for_workers(n_workers)
            t1 = time.perf_counter()
            cpu0 = sum(client.run(lambda: sum(os.times()[:2])).values())
            stages = dask_corpus_stages(cfg, docs, client=client, root=folder / f"w{n_workers}", progress=True)
            t2 = time.perf_counter()
            cpu1 = sum(client.run(lambda: sum(os.times()[:2])).values())
    return {"start": t1 - t0, "wall": t2 - t1, "worker_cpu": cpu1 - cpu0, "n_units": len(stages.paragraphs),
            "n_tokens": int(stages.paragraphs["tokens"].map(len).sum())}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=None, help="a seeded random sample of N reports")
    ap.add_argument("--partition-size", type=int, default=100)
    args = ap.parse_args(argv)
    prep = importlib.import_module("discourse.study.prepare")
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        folder = Path(tmp)
        cfg = gov_config(folder, args.sample, args.partition_size)
        t = time.perf_counter()
        docs = prep.load_documents(cfg)
        t_load = time.perf_counter() - t
        n_chars = int(docs["text"].str.len().sum())
        print(f"gov-work-reports: {len(docs):,} reports, {n_chars:,} characters (load {t_load:.1f} s); "
              f"{os.cpu_count()} cores; partitions of {args.partition_size} documents")
        res = {}
        for n in (1, 2):
            res[n] = r = run(cfg, docs, n, folder)
            print(f"{n} worker{'s' if n > 1 else ' '}: stages {r['wall']:7.1f} s (cluster start {r['start']:.1f} s), "
                  f"worker CPU {r['worker_cpu']:7.1f} s, {r['wall'] / (n_chars / 1e6):6.2f} s per million characters; "
                  f"{r['n_units']:,} paragraphs, {r['n_tokens']:,} tokens", flush=True)
        assert res[1]["n_tokens"] == res[2]["n_tokens"]
        speedup = res[1]["wall"] / res[2]["wall"]
        per_m = res[1]["wall"] / (n_chars / 1e6)
        print(f"speed-up 1 → 2 workers: {speedup:.2f}× (goal ≥ 1.7×; parallel efficiency {speedup / 2:.0%}); "
              f"load average after the runs {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
              "(other processes on the machine take cores from the workers)")
        cpu_m = res[1]["worker_cpu"] / (n_chars / 1e6)
        print(f"worker CPU per million characters: {cpu_m:.2f} s (1 worker), "
              f"{res[2]['worker_cpu'] / (n_chars / 1e6):.2f} s (2 workers, summed)")
        print(f"time per million characters: {per_m:.2f} s on 1 worker, {res[2]['wall'] / (n_chars / 1e6):.2f} s on 2")
        print("projection for 5 G characters (5,000 M), assuming time linear in characters, each worker at the "
              "1-worker throughput measured here, I/O not limiting:")
        for n in (1, 2, 8, 32, 128):
            print(f"  {n:4d} workers: {5000 * per_m / n / 3600:7.2f} h by wall time, "
                  f"{5000 * cpu_m / n / 3600:7.2f} h by worker CPU time (a dedicated core per worker)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"client peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
