"""Benchmark: TF-IDF + NMF (k=20) on every paragraph of the government work reports.

Reads the Markdown files of ``discourse.config.GOV_REPORTS_DIR`` (listed in
its ``manifest.csv``), drops the YAML front matter, splits each body on blank
lines into paragraphs, tokenises them with ``rjieba.cut`` in a process pool
(``--tokenizer project`` uses the project tokenizer instead,
``discourse.segment.tokenize_units`` with its default stop words, uncached), then fits
:class:`discourse.analysis.topics.TopicModel` (sparse TF-IDF, NMF) and prints the time
of each stage and the peak resident memory of the main process and of the
pool workers. Target: peak memory under 4 GB.

Tokens are interned in the main process (one string object per distinct
token), so the token lists cost one pointer per token.

Usage::

    .venv/bin/python benchmarks/bench_topics.py            # all paragraphs
    .venv/bin/python benchmarks/bench_topics.py --limit 20000
"""

from __future__ import annotations

import argparse
import csv
import re
import resource
import sys
import time
from multiprocessing import Pool

from discourse import config

FRONT_MATTER_RE = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
BLANK_LINES_RE = re.compile(r"\n[ \t\u3000]*\n")


def paragraphs_of(text: str) -> list[str]:
    """Body paragraphs of one Markdown file (front matter dropped)."""
    body = FRONT_MATTER_RE.sub("", text.replace("\r\n", "\n"), count=1)
    return [p.strip() for p in BLANK_LINES_RE.split(body) if p.strip()]


def read_paragraphs(limit: int | None) -> list[str]:
    root = config.GOV_REPORTS_DIR
    with open(root / "manifest.csv", encoding="utf-8", newline="") as fh:
        paths = sorted(row["path"] for row in csv.DictReader(fh))
    out: list[str] = []
    for rel in paths:
        out.extend(paragraphs_of((root / rel).read_text(encoding="utf-8")))
        if limit is not None and len(out) >= limit:
            return out[:limit]
    return out


def _cut_chunk(paras: list[str]) -> list[list[str]]:
    import rjieba

    return [rjieba.cut(p) for p in paras]


def tokenize(paras: list[str], jobs: int, chunk: int = 2000) -> list[list[str]]:
    chunks = [paras[i : i + chunk] for i in range(0, len(paras), chunk)]
    canon: dict[str, str] = {}
    out: list[list[str]] = []
    with Pool(jobs) as pool:
        for toks_chunk in pool.imap(_cut_chunk, chunks):
            for toks in toks_chunk:
                out.append([canon.setdefault(t, t) for t in toks])
    return out


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # ru_maxrss is in KiB on Linux


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="use only the first N paragraphs")
    ap.add_argument("--k", type=int, default=20, help="number of topics (default 20)")
    ap.add_argument("--jobs", type=int, default=2, help="tokeniser processes (default 2)")
    ap.add_argument("--min-df", type=int, default=5)
    ap.add_argument("--max-df", type=float, default=0.5)
    ap.add_argument("--tokenizer", choices=["rjieba", "project"], default="rjieba")
    ap.add_argument("--no-stopwords", action="store_true",
                    help="keep function words (default: drop stopwordsiso's Chinese list)")
    args = ap.parse_args(argv)

    if not config.GOV_REPORTS_DIR.is_dir():
        print(f"corpus folder not found: {config.GOV_REPORTS_DIR}", file=sys.stderr)
        return 2

    from sklearn.feature_extraction.text import TfidfVectorizer

    from discourse.analysis.topics import TopicModel
    from discourse.analysis.vocab import TokenFilter

    t0 = time.perf_counter()
    paras = read_paragraphs(args.limit)
    t_read = time.perf_counter() - t0
    n_chars = sum(map(len, paras))

    t0 = time.perf_counter()
    if args.tokenizer == "project":
        import pandas as pd

        from discourse.segment import Tokenizer, tokenize_units

        units = tokenize_units(
            pd.DataFrame({"text": paras}), Tokenizer(), n_jobs=args.jobs, cache=False
        )
        tokens = units["tokens"].tolist()
    else:
        tokens = tokenize(paras, args.jobs)
    t_tok = time.perf_counter() - t0
    del paras
    n_tokens = sum(map(len, tokens))
    mem_after_tok = _peak_mb(resource.RUSAGE_SELF)

    stop: frozenset[str] = frozenset()
    if not args.no_stopwords:
        import stopwordsiso

        stop = frozenset(stopwordsiso.stopwords("zh"))

    # TF-IDF alone (the same vectorizer TopicModel builds), then the whole model.
    t0 = time.perf_counter()
    vec = TfidfVectorizer(analyzer=TokenFilter(stop), lowercase=False,
                          min_df=args.min_df, max_df=args.max_df)
    M = vec.fit_transform(tokens)
    t_tfidf = time.perf_counter() - t0
    shape, nnz, kind = M.shape, M.nnz, type(M).__name__
    del M, vec
    t0 = time.perf_counter()
    tm = TopicModel(n_components=args.k, min_df=args.min_df, max_df=args.max_df, stop_words=stop)
    tm.fit(tokens)
    t_fit_total = time.perf_counter() - t0

    peak_main = _peak_mb(resource.RUSAGE_SELF)
    peak_children = _peak_mb(resource.RUSAGE_CHILDREN)
    print(f"corpus            {config.GOV_REPORTS_DIR}")
    print(f"paragraphs        {len(tokens):,}  ({n_chars:,} characters, {n_tokens:,} tokens)")
    print(f"matrix            {shape[0]:,} x {shape[1]:,} sparse, {nnz:,} non-zeros "
          f"(min_df={args.min_df}, max_df={args.max_df}, {len(stop)} stop words), {kind}")
    print(f"read + split      {t_read:8.1f} s")
    print(f"tokenise          {t_tok:8.1f} s  ({args.tokenizer}, {args.jobs} processes)")
    print(f"TF-IDF            {t_tfidf:8.1f} s")
    print(f"TF-IDF + NMF k={args.k:<3d}{t_fit_total:8.1f} s  "
          f"({tm.model_.n_iter_} iterations, reconstruction error {tm.reconstruction_err_:.2f})")
    print(f"peak RSS main     {peak_main:8.0f} MB  (after tokenising: {mem_after_tok:.0f} MB)")
    print(f"peak RSS worker   {peak_children:8.0f} MB  (largest pool process)")
    print(f"under 4 GB        {'yes' if max(peak_main, peak_children) < 4096 else 'NO'}")
    print("topics:")
    for label, prev in zip(tm.labels_, tm.prevalence_):
        print(f"  {label:<40s} prevalence {prev:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
