#!/usr/bin/env python
"""Benchmark: Wordfish recovery and speed; optionally the n-gram reuse measurement.

Prints

1. recovery on data simulated from the model (``--reps`` replications of 40
   documents x 300 words): correlation of estimated and true positions,
   after aligning the sign the slope of estimate on truth and the signed
   outward error where |theta| > 1 (the mean error is 0 by construction,
   both being standardised), the mean absolute error, and the
   coverage of the 95% intervals (conditional observed-information SEs, and
   with ``--bootstrap`` the parametric bootstrap);
2. the fit time, iterations and convergence for a panel-sized matrix
   (1,000 documents x 5,000 words), with its recovery figures;
3. with ``--reuse``: the share of provincial reports' character n-grams
   (2021-2022) found in the national report of the same year and, as a chance
   baseline, of the other years 2016-2024, for n = 2..6 (the measurement
   behind the default n in ``discourse.analysis.reuse``).

No independent Wordfish implementation can be run here: R (quanteda,
austin) is not installed, and the PyPI package named ``wordfish`` is an
unrelated term-relationship tool. The tests instead compare the fit with a
joint maximum-likelihood fit by L-BFGS (``tests/test_scaling.py``).

Usage::

    python benchmarks/bench_scaling.py
    python benchmarks/bench_scaling.py --reps 20 --bootstrap --reuse
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from discourse import config
from discourse.analysis.scaling import Wordfish, simulate_wordfish


def recovery(est: np.ndarray, se: np.ndarray, truth: np.ndarray) -> dict:
    sign = np.sign(np.corrcoef(est, truth)[0, 1])
    th = est * sign
    ext = np.abs(truth) > 1
    return {
        "corr": float(np.corrcoef(th, truth)[0, 1]),
        # both are standardised, so the mean error is 0 by construction; the
        # bias that matters is in scale: the slope of estimate on truth, and
        # the signed error outward at the extremes (< 0: shrunk to the centre)
        "slope": float(np.polyfit(truth, th, 1)[0]),
        "bias": float(np.mean(((th - truth) * np.sign(truth))[ext])),
        "mae": float(np.mean(np.abs(th - truth))),
        "coverage": float(np.mean(np.abs(th - truth) <= 1.959964 * se)),
    }


def simulated(reps: int, bootstrap: bool) -> None:
    rows = []
    for seed in range(reps):
        sim = simulate_wordfish(40, 300, random_state=config.RANDOM_STATE + seed)
        t0 = time.perf_counter()
        wf = Wordfish(max_iter=2000).fit(sim["counts"])
        r = recovery(wf.theta_, wf.theta_se_, sim["theta"])
        r.update(method="hessian", seconds=time.perf_counter() - t0, n_iter=wf.n_iter_,
                 converged=wf.converged_)
        rows.append(r)
        if bootstrap:
            t0 = time.perf_counter()
            wb = Wordfish(max_iter=2000, se_method="bootstrap", n_boot=100,
                          random_state=config.RANDOM_STATE).fit(sim["counts"])
            r = recovery(wb.theta_, wb.theta_se_, sim["theta"])
            r.update(method="bootstrap", seconds=time.perf_counter() - t0, n_iter=wb.n_iter_,
                     converged=wb.converged_)
            rows.append(r)
    df = pd.DataFrame(rows)
    print(f"Recovery, {reps} simulations of 40 documents x 300 words (95% intervals):")
    summ = df.groupby("method").agg(
        corr_mean=("corr", "mean"), corr_min=("corr", "min"), slope=("slope", "mean"),
        bias_extremes=("bias", "mean"),
        mae=("mae", "mean"), coverage=("coverage", "mean"), converged=("converged", "mean"),
        iters_median=("n_iter", "median"), seconds=("seconds", "mean"))
    print(summ.round(4).to_string())
    n = reps * 40
    print(f"  coverage is over {n} intervals (binomial sd at 95%: {np.sqrt(0.95 * 0.05 / n):.3f})\n")


def panel_size() -> None:
    sim = simulate_wordfish(1000, 5000, random_state=config.RANDOM_STATE)
    Y = sim["counts"]
    t0 = time.perf_counter()
    wf = Wordfish().fit(Y)
    sec = time.perf_counter() - t0
    r = recovery(wf.theta_, wf.theta_se_, sim["theta"])
    print(f"Panel-sized fit: {Y.shape[0]} documents x {Y.shape[1]} words, {int(Y.sum()):,} tokens")
    print(f"  time {sec:.1f} s, iterations {wf.n_iter_}, converged {wf.converged_}")
    print("  corr {corr:.4f}, slope {slope:.4f}, bias at |theta|>1 {bias:+.4f}, MAE {mae:.4f}, "
          "coverage {coverage:.3f}\n".format(**r))


def reuse_measurement() -> None:
    from discourse.analysis.reuse import chance_baseline, reuse_share

    root = config.GOV_REPORTS_DIR
    if not (root / "manifest.csv").exists():
        print(f"--reuse: corpus not found at {root}; skipped")
        return
    man = pd.read_csv(root / "manifest.csv")
    man["year"] = pd.to_numeric(man["year"], errors="coerce")
    nat = man[(man.level == "national") & man.year.between(2016, 2024)].copy()
    prov = man[(man.level == "province") & man.year.isin([2021, 2022])].copy()
    for d in (nat, prov):
        d["text"] = [(root / p).read_text(encoding="utf-8") for p in d["path"]]
    prov["doc_id"] = prov["path"]
    print(f"Reuse: {len(prov)} provincial reports (2021-2022) vs {len(nat)} national reports (2016-2024)")
    print("   n  same-year  other-years  ratio  seconds")
    for n in (2, 3, 4, 5, 6):
        t0 = time.perf_counter()
        s = reuse_share(prov, nat, n=n, by="year")["share"].mean()
        c = chance_baseline(prov, nat, n=n, by="year")["share"].mean()
        print(f"  {n:2d}  {s:9.3f}  {c:11.3f}  {s / c:5.2f}  {time.perf_counter() - t0:7.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--bootstrap", action="store_true")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--no-panel", action="store_true", help="skip the 1,000 x 5,000 fit")
    args = ap.parse_args()
    simulated(args.reps, args.bootstrap)
    if not args.no_panel:
        panel_size()
    if args.reuse:
        reuse_measurement()


if __name__ == "__main__":
    main()
