"""Benchmark: the whole gov-work-reports corpus end to end, with the memory slope.

raw → cleaned (``work_report`` profile) → paragraphs → tokens (both cores,
cold: no token cache) → TF-IDF + NMF (k = 20) → per-group tables (token
counts and topic shares by level × year). For each stage it prints the wall
time, the CPU time (this process and its worker processes) and the peak RSS
so far. The pipeline runs in a fresh child process on 25 %, 50 % and 100 %
of the reports (seeded samples), so each peak is that run's own; the slope
(MB of peak RSS per million characters) says whether memory stays flat as
the corpus grows.

``--model minibatch`` fits scikit-learn's ``MiniBatchNMF`` (mini-batches of
paragraphs; the option when the TF-IDF matrix and the NMF factors do not fit
in memory), ``--model nmf`` the batch ``NMF`` (coordinate descent).
Targets (issue 14): ≤ 10 min on 2 cores and ≤ 4 GB peak for the whole corpus.

``--stream`` runs the bounded-memory pipeline instead (:func:`child_stream`):
batches of reports go through cleaning, paragraphs and segmentation into a
:class:`~discourse.segment.store.TokenStore`, and TF-IDF and MiniBatchNMF
are fitted from the store part by part
(:mod:`discourse.analysis.streaming`).

Run: ``.venv/bin/python benchmarks/bench_end_to_end.py [--fractions 0.25,0.5,1] [--model nmf] [--stream]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from discourse import config


def _cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def _peak_mb() -> float:
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


class _Clock:
    """Stage timer: wall and CPU time since the previous mark, and the peak RSS so far."""

    def __init__(self) -> None:
        self.stages: list[dict] = []
        self._t, self._c = time.perf_counter(), _cpu()

    def mark(self, name: str, **extra) -> None:
        t, c = time.perf_counter(), _cpu()
        self.stages.append({"stage": name, "wall": t - self._t, "cpu": c - self._c, "peak_mb": _peak_mb(), **extra})
        self._t, self._c = t, c


def _sample_manifest(fraction: float) -> pd.DataFrame:
    """The corpus manifest (a seeded sample of *fraction* of it), with absolute paths and ``doc_id``."""
    root = config.GOV_REPORTS_DIR
    m = pd.read_csv(root / "manifest.csv", dtype=str, keep_default_na=False)
    if fraction < 1:
        m = m.sample(frac=fraction, random_state=config.RANDOM_STATE).sort_values("path")
    m = m.reset_index(drop=True)
    m.insert(0, "doc_id", m["path"])
    m["path"] = [str(root / p) for p in m["path"]]
    return m


def child(fraction: float, model: str, out: Path) -> None:
    """The pipeline on a seeded sample of the reports; figures as JSON in *out*."""
    from sklearn.decomposition import NMF, MiniBatchNMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    from discourse.cleaning import clean_corpus
    from discourse.ingest.corpus import load_corpus
    from discourse.ingest.units import split_paragraphs
    from discourse.segment import Tokenizer, tokenize_units

    root = config.GOV_REPORTS_DIR
    clock = _Clock()
    stages, mark = clock.stages, clock.mark
    m = _sample_manifest(fraction)
    with tempfile.TemporaryDirectory() as tmp:
        m.to_csv(Path(tmp) / "manifest.csv", index=False)
        docs = load_corpus(Path(tmp) / "manifest.csv", {"event_date": "meeting_date"}, root=root,
                           allow_outside_root=True, warn_unlisted=False, date_range=(None, None))
    n_chars = int(docs["text"].str.len().sum())
    mark("load", n_docs=len(docs), n_chars=n_chars)
    cleaned = clean_corpus(docs, profile="work_report").documents
    del docs
    mark("clean")
    paragraphs = split_paragraphs(cleaned[["doc_id", "clean_text"]])
    meta = cleaned[["doc_id", "level", "year"]].astype({"doc_id": "string"})
    del cleaned
    mark("units", n_units=len(paragraphs))
    paragraphs = tokenize_units(paragraphs, Tokenizer(), n_jobs=2, cache=False)
    paragraphs = paragraphs.drop(columns=["text"])
    mark("tokens", n_tokens=int(paragraphs["tokens"].map(len).sum()))
    vec = TfidfVectorizer(analyzer=lambda toks: toks, min_df=5, max_df=0.5, dtype=np.float32)
    X = vec.fit_transform(paragraphs["tokens"])
    mark("tfidf", shape=list(X.shape), nnz=int(X.nnz))
    if model == "minibatch":
        est = MiniBatchNMF(n_components=20, init="nndsvda", batch_size=4096, max_iter=20, random_state=config.RANDOM_STATE)
    else:
        est = NMF(n_components=20, init="nndsvda", max_iter=200, random_state=config.RANDOM_STATE)
    W = est.fit_transform(X)
    mark(f"nmf_k20_{model}", n_iter=int(est.n_iter_))
    paragraphs["n_tokens"] = paragraphs["tokens"].map(len)
    paragraphs["topic"] = W.argmax(axis=1)
    units = paragraphs[["doc_id", "n_tokens", "topic"]].merge(meta, on="doc_id", how="left", validate="many_to_one")
    counts = units.groupby(["level", "year"], observed=True)["n_tokens"].agg(["size", "sum"])
    shares = pd.crosstab([units["level"], units["year"]], units["topic"], values=units["n_tokens"], aggfunc="sum",
                         normalize="index")
    mark("group_tables", n_cells=int(counts.shape[0]), shares_shape=list(shares.shape))
    out.write_text(json.dumps({"fraction": fraction, "stages": stages}), encoding="utf-8")


def child_stream(fraction: float, out: Path, *, batch_docs: int, n_epochs: int) -> None:
    """The same pipeline in bounded memory: document batches to a token store, then streaming TF-IDF + MiniBatchNMF.

    Each batch of *batch_docs* reports is loaded, cleaned, split into
    paragraphs and segmented (both cores), written as one part of a
    :class:`~discourse.segment.store.TokenStore` and counted by the
    :class:`~discourse.analysis.streaming.StreamingTfidfVectorizer`; no
    stage holds more than one batch of texts or tokens. The topic model is
    fitted by ``partial_fit`` over the parts (*n_epochs* passes), and the
    per-group tables are added up part by part.
    """
    from discourse.analysis.streaming import StreamingTfidfVectorizer, fit_minibatch_nmf, stream_group_shares
    from discourse.cleaning import clean_corpus
    from discourse.ingest.corpus import load_corpus
    from discourse.ingest.units import split_paragraphs
    from discourse.segment import Tokenizer, tokenize_units
    from discourse.segment.store import TokenStore

    root = config.GOV_REPORTS_DIR
    clock = _Clock()
    stages, mark = clock.stages, clock.mark
    m = _sample_manifest(fraction)
    tok = Tokenizer()
    vec = StreamingTfidfVectorizer(min_df=5, max_df=0.5, dtype=np.float32)
    n_chars = n_units = n_tokens = 0
    with tempfile.TemporaryDirectory() as tmp:
        store = TokenStore(Path(tmp) / "tokens")
        for i, a in enumerate(range(0, len(m), batch_docs)):
            part_manifest = Path(tmp) / "part.csv"
            m.iloc[a:a + batch_docs].to_csv(part_manifest, index=False)
            docs = load_corpus(part_manifest, {"event_date": "meeting_date"}, root=root,
                               allow_outside_root=True, warn_unlisted=False, date_range=(None, None))
            n_chars += int(docs["text"].str.len().sum())
            cleaned = clean_corpus(docs, profile="work_report").documents
            meta = cleaned[["doc_id", "level", "year"]].astype({"doc_id": "string"})
            paragraphs = split_paragraphs(cleaned[["doc_id", "clean_text"]])
            del docs, cleaned
            paragraphs = tokenize_units(paragraphs, tok, n_jobs=2, cache=False)
            units = paragraphs[["doc_id", "tokens"]].merge(meta, on="doc_id", how="left", validate="many_to_one")
            units["n_tokens"] = units["tokens"].map(len)
            del paragraphs
            n_units += len(units)
            n_tokens += int(units["n_tokens"].sum())
            vec.partial_fit(units["tokens"])
            store.write(i, units[["doc_id", "level", "year", "n_tokens", "tokens"]])
            del units
        stages.append({"stage": "load", "wall": 0.0, "cpu": 0.0, "peak_mb": _peak_mb(), "n_docs": len(m), "n_chars": n_chars})
        mark("batches_to_store", n_parts=len(store.parts()), n_units=n_units, n_tokens=n_tokens)
        terms = vec.get_feature_names_out()
        mark("tfidf_vocabulary", n_terms=len(terms))

        def matrices():
            for part in store.read(columns=["tokens"]):
                yield vec.transform(part["tokens"])

        est = fit_minibatch_nmf(matrices, n_components=20, n_epochs=n_epochs, batch_size=4096,
                                random_state=config.RANDOM_STATE)
        mark(f"minibatch_nmf_k20_{n_epochs}_epochs", n_steps=int(est.n_steps_))
        shares = stream_group_shares(((p, vec.transform(p["tokens"])) for p in store.read()), est,
                                     by=["level", "year"], weight="n_tokens")
        mark("group_tables", n_cells=len(shares))
    out.write_text(json.dumps({"fraction": fraction, "stages": stages}), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fractions", default="0.25,0.5,1", help="comma-separated shares of the reports")
    ap.add_argument("--model", choices=("nmf", "minibatch"), default="nmf")
    ap.add_argument("--stream", action="store_true",
                    help="bounded memory: document batches to a token store, streaming TF-IDF + MiniBatchNMF")
    ap.add_argument("--batch-docs", type=int, default=150, help="reports per batch with --stream")
    ap.add_argument("--epochs", type=int, default=5, help="passes of MiniBatchNMF over the store with --stream")
    ap.add_argument("--child", type=float, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        if args.stream:
            child_stream(args.child, args.out, batch_docs=args.batch_docs, n_epochs=args.epochs)
        else:
            child(args.child, args.model, args.out)
        return
    if not config.GOV_REPORTS_DIR.is_dir():
        sys.exit(f"gov-work-reports corpus not found at {config.GOV_REPORTS_DIR} (set DISCOURSE_GOV_REPORTS_DIR)")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in sorted(float(x) for x in args.fractions.split(",")):
            out = Path(tmp) / f"{f}.json"
            cmd = [sys.executable, __file__, "--child", str(f), "--model", args.model, "--out", str(out)]
            if args.stream:
                cmd += ["--stream", "--batch-docs", str(args.batch_docs), "--epochs", str(args.epochs)]
            subprocess.run(cmd, check=True)
            runs.append(json.loads(out.read_text(encoding="utf-8")))
    mode = (f"streaming: batches of {args.batch_docs} reports, MiniBatchNMF {args.epochs} epochs" if args.stream
            else f"in memory, model {args.model}")
    print(f"end to end on gov-work-reports, {os.cpu_count()} cores, {mode} (k = 20)")
    for r in runs:
        first = r["stages"][0]
        wall = sum(s["wall"] for s in r["stages"])
        cpu = sum(s["cpu"] for s in r["stages"])
        peak = max(s["peak_mb"] for s in r["stages"])
        print(f"\n{r['fraction']:.0%} of the corpus: {first['n_docs']:,} reports, {first['n_chars']:,} characters")
        for s in r["stages"]:
            extra = {k: v for k, v in s.items() if k not in ("stage", "wall", "cpu", "peak_mb")}
            print(f"  {s['stage']:<16} wall {s['wall']:7.1f} s  cpu {s['cpu']:7.1f} s  peak RSS {s['peak_mb']:7,.0f} MB  "
                  + " ".join(f"{k}={v}" for k, v in extra.items()))
        print(f"  {'total':<16} wall {wall:7.1f} s  cpu {cpu:7.1f} s  peak RSS {peak:7,.0f} MB "
              f"(targets: ≤ 600 s, ≤ 4,096 MB)")
    if len(runs) >= 2:
        xs = [r["stages"][0]["n_chars"] / 1e6 for r in runs]
        ys = [max(s["peak_mb"] for s in r["stages"]) for r in runs]
        slope = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
        print("\nmemory as the corpus grows: peak RSS " + ", ".join(f"{y:,.0f} MB at {x:.1f} M chars" for x, y in zip(xs, ys))
              + f"; slope {slope:.1f} MB per million characters (first to last)")


if __name__ == "__main__":
    main()
