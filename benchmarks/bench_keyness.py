"""Time document-level permutation keyness on a panel-sized matrix (prints seconds).

1,000 synthetic documents of 300 tokens from a Zipf vocabulary of 20,000 terms,
two groups of 500, 999 Monte-Carlo relabellings, every term with total
frequency >= 1 tested. Run: ``.venv/bin/python benchmarks/bench_keyness.py``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from discourse.analysis.grouping import group_counts
from discourse.analysis.keyness import permutation_keyness


def main(n_docs: int = 1000, n_terms: int = 20_000, doc_len: int = 300, n_resamples: int = 999):
    rng = np.random.default_rng(0)
    p = 1.0 / np.arange(1, n_terms + 1)
    p /= p.sum()
    vocab = np.array([f"t{i:05d}" for i in range(n_terms)], dtype=object)
    units = pd.DataFrame({
        "doc_id": [f"d{i:04d}" for i in range(n_docs)],
        "group": np.where(np.arange(n_docs) < n_docs // 2, "a", "b"),
        "tokens": [list(vocab[rng.choice(n_terms, doc_len, p=p)]) for _ in range(n_docs)],
    })
    t0 = time.perf_counter()
    X, _, terms = group_counts(units, "doc_id")
    t1 = time.perf_counter()
    res = permutation_keyness(units, "group", "a", min_freq=1, n_resamples=n_resamples)
    t2 = time.perf_counter()
    print(f"documents={n_docs} terms_tested={len(res)} vocabulary={len(terms)} nnz={X.nnz} "
          f"relabellings={n_resamples}")
    print(f"count matrix: {t1 - t0:.1f} s; permutation keyness (incl. counting): {t2 - t1:.1f} s")


if __name__ == "__main__":
    main()
