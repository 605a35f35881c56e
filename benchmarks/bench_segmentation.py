#!/usr/bin/env python
"""Segmentation benchmark on the gov-work-reports corpus.

Prints, for the whole corpus (or the first ``--limit N`` reports):

* characters per second and peak memory of
  1. naive ``jieba.lcut`` in one process (dictionary loading included),
  2. the project tokenizer through ``tokenize_units`` with a cold cache
     (tokenizer set-up, worker start and cache writing included),
  3. the same call again with the cache warm;
* the token agreement between the ``rjieba`` and ``jieba`` backends of the
  project tokenizer: tokens aligned by character span, a token agrees when
  both backends emit the same output token over the same span.

Every variant runs in its own child process so that peak memories are
separate: "peak RSS" is the child's own maximum resident set size and
"worker peak" the largest one among its worker processes (workers run
concurrently, so the total is at most main + n_jobs x worker).

Each variant's clock (wall and CPU) starts after its libraries are imported
and stops when its tokens are in memory: dictionary loading is inside the
clock for every variant (jieba loads its dictionary on the first
``lcut``), tokenizer set-up, worker start, cache writing and reading back
for the project tokenizer. All ratios are against the naive run of the same
invocation.

The cold and warm variants run ``--repeat`` times (5 by default), each cold
run into a cache folder of its own and each warm run reading the cache its
cold run wrote; the table and the ratios use the median of the runs (wall
clock and CPU seconds each), and the range of each ratio over the runs is
printed beside it. This machine's speed varies by up to a third from one
minute to the next, which one run of a few seconds cannot average out. The
naive run (over two minutes) runs once.

Targets (issue 14): cold >= 20x naive wall-clock with all cores and >= 10x
naive per CPU-second, warm >= 100x, agreement >= 99.5 %.

Usage::

    python benchmarks/bench_segmentation.py            # whole corpus, minutes
    python benchmarks/bench_segmentation.py --limit 50 # quick run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def corpus_files(limit: int | None) -> list[Path]:
    from discourse.config import GOV_REPORTS_DIR

    if not GOV_REPORTS_DIR.is_dir():
        raise SystemExit(f"gov-work-reports corpus not found at {GOV_REPORTS_DIR}")
    import csv

    with open(GOV_REPORTS_DIR / "manifest.csv", encoding="utf-8", newline="") as fh:
        files = sorted(GOV_REPORTS_DIR / row["path"] for row in csv.DictReader(fh))
    return files[:limit] if limit else files


def load_texts(limit: int | None) -> list[str]:
    """Report bodies: the YAML front matter (between the first two '---') removed."""
    texts = []
    for f in corpus_files(limit):
        raw = f.read_text(encoding="utf-8")
        if raw.startswith("---"):
            parts = raw.split("---", 2)
            raw = parts[2] if len(parts) == 3 else raw
        texts.append(raw)
    return texts


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _peaks() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": own, "worker_peak_mb": kids}


_PAIR = []


def _agree_chunk(texts: list[str]) -> tuple[int, int, int]:
    from discourse.segment import Tokenizer

    if not _PAIR:  # one pair of tokenizers per worker process
        _PAIR.extend([Tokenizer(backend="rjieba"), Tokenizer(backend="jieba")])
    a, b = _PAIR
    n_ref = n_fast = n_same = 0
    for t in texts:
        fast = {(s.start, s.end, s.token) for s in a.spans(t) if s.token is not None}
        ref = {(s.start, s.end, s.token) for s in b.spans(t) if s.token is not None}
        n_ref += len(ref)
        n_fast += len(fast)
        n_same += len(ref & fast)
    return n_ref, n_fast, n_same


def child(variant: str, limit: int | None, cache_root: str, n_jobs: int | None) -> dict:
    texts = load_texts(limit)
    chars = sum(len(t) for t in texts)
    out: dict = {"variant": variant, "docs": len(texts), "chars": chars}
    if variant == "naive":
        import jieba

        jieba.setLogLevel(60)
        cpu0, t0 = _cpu(), time.perf_counter()
        n_tokens = sum(len(jieba.lcut(t)) for t in texts)
        out["seconds"] = time.perf_counter() - t0
        out["tokens"] = n_tokens
    elif variant in ("cold", "warm"):
        import pandas as pd

        from discourse.segment import Tokenizer, tokenize_units

        df = pd.DataFrame({"doc_id": [str(i) for i in range(len(texts))], "text": texts})
        cpu0, t0 = _cpu(), time.perf_counter()
        res = tokenize_units(df, Tokenizer(), n_jobs=n_jobs, cache=cache_root)
        out["seconds"] = time.perf_counter() - t0
        out["tokens"] = int(res["tokens"].map(len).sum())
    elif variant == "agreement":
        import concurrent.futures as cf

        from discourse.segment.cache import _chunk_bounds, available_cores

        n = n_jobs or available_cores()
        cpu0, t0 = _cpu(), time.perf_counter()
        with cf.ProcessPoolExecutor(max_workers=n) as ex:
            parts = list(ex.map(_agree_chunk, [texts[a:b] for a, b in _chunk_bounds([len(t) for t in texts], n * 8)]))
        out["seconds"] = time.perf_counter() - t0
        n_ref, n_fast, n_same = (sum(p[i] for p in parts) for i in range(3))
        out.update(n_ref=n_ref, n_fast=n_fast, n_same=n_same)
    else:
        raise SystemExit(f"unknown variant {variant!r}")
    out["cpu_seconds"] = _cpu() - cpu0
    out.update(_peaks())
    return out


def run_child(variant: str, args, cache_root: str) -> dict:
    cmd = [sys.executable, __file__, "--child", variant, "--cache-root", cache_root]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    if args.n_jobs:
        cmd += ["--n-jobs", str(args.n_jobs)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"variant {variant} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median_run(runs: list[dict]) -> dict:
    """One result whose seconds and CPU seconds are the medians of *runs* (memory: the largest)."""
    out = dict(runs[0])
    for field in ("seconds", "cpu_seconds"):
        out[field] = statistics.median(r[field] for r in runs)
    for field in ("peak_rss_mb", "worker_peak_mb"):
        out[field] = max(r[field] for r in runs)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=None, help="only the first N reports (sorted by path)")
    p.add_argument("--n-jobs", type=int, default=None, help="worker processes (default: all available cores)")
    p.add_argument("--repeat", type=int, default=5, help="runs of the cold and warm variants (median reported)")
    p.add_argument("--skip-agreement", action="store_true", help="do not measure backend agreement")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--cache-root", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child:
        print(json.dumps(child(args.child, args.limit, args.cache_root, args.n_jobs)))
        return 0

    from discourse.segment.cache import available_cores

    cache_root = tempfile.mkdtemp(prefix="bench-segmentation-")
    try:
        print(
            f"machine: {os.cpu_count()} cores, {available_cores()} available to this process; "
            f"n_jobs={args.n_jobs or available_cores()}",
            flush=True,
        )
        results = {"naive": run_child("naive", args, cache_root)}
        print(f"  ran naive: {results['naive']['seconds']:.1f} s", flush=True)
        runs: dict[str, list[dict]] = {"cold": [], "warm": []}
        for i in range(max(args.repeat, 1)):
            folder = os.path.join(cache_root, f"run{i}")  # cold: a cache of its own; warm: reads it
            for variant in ("cold", "warm"):
                runs[variant].append(r := run_child(variant, args, folder))
                print(f"  ran {variant} ({i + 1}): {r['seconds']:.2f} s, {r['cpu_seconds']:.1f} CPU-s", flush=True)
        for variant, rs in runs.items():
            results[variant] = median_run(rs)
        if not args.skip_agreement:
            results["agreement"] = r = run_child("agreement", args, cache_root)
            print(f"  ran agreement: {r['seconds']:.1f} s", flush=True)
    finally:
        shutil.rmtree(cache_root, ignore_errors=True)

    naive = results["naive"]
    print(f"\ncorpus: {naive['docs']} reports, {naive['chars']:,} characters\n")
    print(
        f"{'variant':<32}{'seconds':>9}{'chars/s':>12}{'x naive':>9}"
        f"{'CPU s':>8}{'chars/CPU s':>13}{'x naive':>9}{'peak RSS MB':>13}{'worker peak MB':>16}"
    )
    labels = {
        "naive": "naive jieba.lcut, one process",
        "cold": "project tokenizer, cold cache",
        "warm": "project tokenizer, warm cache",
    }
    base = naive["chars"] / naive["seconds"]
    base_cpu = naive["chars"] / naive["cpu_seconds"]
    for v in ("naive", "cold", "warm"):
        r = results[v]
        cps = r["chars"] / r["seconds"]
        cpu = r["chars"] / r["cpu_seconds"]
        print(
            f"{labels[v]:<32}{r['seconds']:>9.2f}{cps:>12,.0f}{cps / base:>9.1f}"
            f"{r['cpu_seconds']:>8.1f}{cpu:>13,.0f}{cpu / base_cpu:>9.1f}"
            f"{r['peak_rss_mb']:>13.0f}{r['worker_peak_mb']:>16.0f}"
        )
    cold, warm = results["cold"], results["warm"]
    ratio = {
        "cold, wall-clock": ("cold", "seconds", 20.0),
        "cold, per CPU-second": ("cold", "cpu_seconds", 10.0),
        "warm, wall-clock": ("warm", "seconds", 100.0),
    }
    print(
        f"\nratios to naive jieba.lcut measured in this run (issue 14 targets; median of {len(runs['cold'])} "
        "runs, range over the runs in brackets):"
    )
    for name, (variant, field, target) in ratio.items():
        value = naive[field] / results[variant][field]
        each = sorted(naive[field] / r[field] for r in runs[variant])
        print(
            f"  {name:<22}{value:>7.1f}x  [{each[0]:.1f}-{each[-1]:.1f}]   target >= {target:.0f}x   "
            f"{'met' if value >= target else 'NOT met'}"
        )
    print(
        "CPU s = user + system time of the variant's process and its workers; chars/CPU s does not\n"
        "depend on how much of the machine other users take while the benchmark runs."
    )
    if "agreement" in results:
        a = results["agreement"]
        print(
            f"\nbackend agreement (project tokenizer, rjieba vs jieba, aligned by character span): "
            f"{a['n_same'] / a['n_ref']:.4%} of jieba's {a['n_ref']:,} tokens, "
            f"{a['n_same'] / a['n_fast']:.4%} of rjieba's {a['n_fast']:,} tokens "
            f"({a['seconds']:.0f} s; target >= 99.5 %: {'met' if a['n_same'] / a['n_ref'] >= 0.995 else 'NOT met'})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
