"""Benchmark: topic-prevalence refits and count models on panel-sized simulated data.

The panel study has about 1,000 reports, 10,000 COVID paragraphs and 300
places in 31 provinces. This script simulates data of that size (no corpus
needed) and prints the time of each stage, on one core (BLAS and OpenMP
limited to one thread):

* ``topic_prevalence``: reference TF-IDF + NMF fit (k = 10, ``init="nndsvda"``)
  and ``--refits`` refits on documents resampled within years (target: 50
  refits in at most 60 s);
* the choice of k (``choose_k(..., return_selector=True)``: k in 6, 8, 10,
  12, 3 restarts, 2 folds, NPMI, held-out error, stability, 1,000 bootstrap
  draws) on the simulated paragraphs, or with ``--kchoice panel`` on the
  panel study's 5,443 paragraphs exactly as notebook ``panel/05-topics``
  runs it (``panel_topics.fit_topics(study, n_restarts=3, n_folds=2)``;
  target: at most 20 s; set ``DISCOURSE_OUT_DIR`` so that opening the study
  writes nothing in the repository). ``--old`` also times the path the
  selector replaced (every fit vectorising its own token lists, NPMI
  counted text by text) and checks that both give the same scores;
* ``rate_model``: Poisson with place fixed effects and CRV1 errors by
  province, by pyfixest and by statsmodels; negative binomial with place
  effects; Poisson with year and level contrasts; ``predicted_rates``;
  ``shrunken_deviations``.

Usage::

    .venv/bin/python benchmarks/bench_models.py
    .venv/bin/python benchmarks/bench_models.py --refits 20 --docs 500
    DISCOURSE_OUT_DIR=/tmp/bench .venv/bin/python benchmarks/bench_models.py --kchoice panel --old

Measured on the panel (one thread, on the shared two-core machine, 2026-12):
``fit_topics(study, n_restarts=3, n_folds=2)`` took 80.8 s before the
selector reused its matrices (load average about 5) and 13.2-13.9 s after
(load about 2; 24.9 s once at load 5); the old path re-timed by ``--old``
at load 2: 48.5 s. Scores, summary and chosen model identical.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


def simulate_units(n_docs: int, paras: int, k: int, vocab: int, seed: int) -> pd.DataFrame:
    """Paragraphs from an LDA-like generator: k topics over a Zipfian background."""
    rng = np.random.default_rng(seed)
    words = np.array([f"词{i:05d}" for i in range(vocab)], dtype=object)
    background = 1.0 / np.arange(1, vocab + 1)
    background /= background.sum()
    topics = []
    for _ in range(k):
        p = 0.3 * background.copy()
        block = rng.choice(vocab, 60, replace=False)
        p[block] += 0.7 * rng.dirichlet(np.ones(60))
        topics.append(np.cumsum(p / p.sum()))
    rows = []
    for d in range(n_docs):
        year = 2020 + d % 5
        mix = rng.dirichlet(np.full(k, 0.3))
        for j in range(paras):
            n = int(rng.choice([3, 5, 20, 40, 60, 80]))
            z = rng.choice(k, n, p=mix)
            u = rng.random(n)
            toks = [words[min(np.searchsorted(topics[t], x), vocab - 1)] for t, x in zip(z, u)]
            rows.append({"doc_id": f"d{d:04d}", "para_id": f"d{d:04d}:p{j:03d}", "year": year,
                         "tokens": toks})
    return pd.DataFrame(rows)


def simulate_reports(n_places: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    prov = rng.integers(0, 31, n_places)
    level = rng.choice(["province", "city", "prefecture"], n_places, p=[0.1, 0.15, 0.75])
    rows = []
    for p in range(n_places):
        u = rng.normal(0, 0.4)
        for y in (2020, 2021, 2022, 2023):
            tokens = int(rng.integers(200, 5000))
            mu = tokens / 1000 * np.exp(1 + 0.5 * (y == 2021) - 0.3 * (y == 2022)
                                        + 0.2 * (level[p] == "city") + u)
            rows.append((f"p{p:03d}", f"v{prov[p]:02d}", level[p], y, tokens,
                         rng.negative_binomial(5, 5 / (5 + mu))))
    return pd.DataFrame(rows, columns=["place", "province", "level", "year", "tokens", "count"])


def old_path_scores(sel, units_tokens):
    """The selector's scores recomputed as before it reused its matrices.

    Every (k, seed) model is fitted on its token lists (vectorising them
    again), NPMI is counted text by text (``_window_counts``) and the
    held-out error fits a model per fold on the fold's token lists.
    """
    from sklearn.model_selection import KFold

    from discourse.analysis.coherence import _npmi_from_counts, _top_lists, _window_counts, heldout_error
    from discourse.analysis.topics import TopicModel
    from discourse.analysis.vocab import TokenFilter, token_lists

    params = sel._params()
    flt = TokenFilter(params.get("stop_words"))
    texts = [flt(t) for t in token_lists(units_tokens)]
    rng = np.random.default_rng(sel.random_state)
    seeds = rng.integers(0, 2**31 - 1, size=sel.n_restarts)
    folds = list(KFold(n_splits=sel.n_folds, shuffle=True, random_state=int(rng.integers(2**31 - 1)))
                 .split(np.arange(len(texts)))) if sel.n_folds else []
    rows = []
    for k in sel.ks:
        for r, seed in enumerate(seeds):
            tm = TopicModel(n_components=k, random_state=int(seed), **params).fit(texts)
            terms = _top_lists(tm, sel.n_top)
            vocab = {w: i for i, w in enumerate(sorted({w for t in terms for w in t}))}
            coh = float(np.mean(_npmi_from_counts(terms, vocab, *_window_counts(texts, vocab, sel.window,
                                                                                  True))))
            errs = [heldout_error(TopicModel(n_components=k, random_state=int(seed), **params),
                                  [texts[i] for i in tr], [texts[i] for i in te]) for tr, te in folds]
            rows.append((k, r, coh, float(np.mean(errs)) if errs else float("nan")))
    return pd.DataFrame(rows, columns=["k", "restart", "coherence", "heldout_error"])


def bench_kchoice(source: str, units: pd.DataFrame, old: bool) -> None:
    import warnings

    from discourse.analysis.coherence import choose_k

    if source == "panel":
        from discourse.study import open_study, panel_topics

        study = open_study("panel.toml")
        units = panel_topics.topic_units(study)
        label = f"k choice on the panel ({len(units)} paragraphs): k 6-12, 3 restarts, 2 folds"
        fit = timed(label, lambda: panel_topics.fit_topics(study, n_restarts=3, n_folds=2, units=units))
        sel = fit.selector
    else:
        label = f"k choice, simulated ({len(units)} paragraphs): k 6-12, 3 restarts, 2 folds"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sel = timed(label, lambda: choose_k(units, ks=[6, 8, 10, 12], n_restarts=3, n_folds=2,
                                                min_df=2, return_selector=True))
    print(f"  chosen k = {sel.k_}; {len(sel.scores_)} scored fits, "
          f"{len(sel.scores_) * (1 + sel.n_folds)} NMF fits")
    if old:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = timed("  the same scores, one vectorisation per fit, NPMI text by text",
                        lambda: old_path_scores(sel, units))
        new = sel.scores_[["k", "restart", "coherence", "heldout_error"]].reset_index(drop=True)
        same = new.equals(ref)
        print(f"  identical scores: {same}")
        if not same:
            raise SystemExit("the selector's scores differ from the one-by-one fits")


def timed(label: str, fn):
    t = time.perf_counter()
    out = fn()
    print(f"{label:<62s} {time.perf_counter() - t:7.2f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--paras", type=int, default=10)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--vocab", type=int, default=8000)
    ap.add_argument("--refits", type=int, default=50)
    ap.add_argument("--places", type=int, default=300)
    ap.add_argument("--kchoice", choices=["simulated", "panel", "none"], default="simulated",
                    help="data for the k-choice timing (panel: the bundled panel study)")
    ap.add_argument("--old", action="store_true",
                    help="also time the one-fit-one-vectorisation path and compare the scores")
    args = ap.parse_args()

    from discourse.analysis.models import (
        RateModel,
        predicted_rates,
        rate_model,
        shrunken_deviations,
    )
    from discourse.analysis.topics import TopicModel, topic_prevalence

    with threadpool_limits(limits=1):
        units = timed("simulate units", lambda: simulate_units(args.docs, args.paras, args.k,
                                                                args.vocab, 0))
        n_tok = int(units.tokens.map(len).sum())
        print(f"  {args.docs} documents, {len(units)} paragraphs, {n_tok} tokens, k={args.k}")
        model = TopicModel(n_components=args.k, min_df=2, max_iter=200)
        ref = timed("reference fit (TF-IDF + NMF, nndsvda)", lambda: model.fit(units))
        print(f"  NMF iterations: {ref.model_.n_iter_}")
        tab = timed(f"topic_prevalence by year, {args.refits} refits",
                    lambda: topic_prevalence(units, ref, "year", n_refits=args.refits))
        print(f"  median match similarity per topic: "
              f"{tab.drop_duplicates('topic').match_similarity.round(2).tolist()}")
        if args.kchoice != "none":
            bench_kchoice(args.kchoice, units, args.old)

        reports = simulate_reports(args.places, 1)
        print(f"  {len(reports)} reports, {args.places} places, "
              f"{reports.province.nunique()} provinces")
        kw = dict(count="count", exposure="tokens", cluster="province")
        timed("Poisson, place FE, CRV1 province (pyfixest)",
              lambda: rate_model(reports, terms=["C(year)"], fixed_effects="place",
                                 backend="pyfixest", **kw))
        timed("Poisson, place FE, CRV1 province (statsmodels)",
              lambda: rate_model(reports, terms=["C(year)"], fixed_effects="place",
                                 backend="statsmodels", **kw))
        timed("negative binomial, place FE, CRV1 province (statsmodels)",
              lambda: rate_model(reports, terms=["C(year)"], fixed_effects="place",
                                 family="negbin", **kw))
        m = timed("Poisson, year x level, CRV1 province (pyfixest)",
                  lambda: RateModel(terms=["C(year) * C(level)"], **kw).fit(reports))
        grid = pd.MultiIndex.from_product([[2020, 2021, 2022, 2023],
                                           ["province", "city", "prefecture"]],
                                          names=["year", "level"]).to_frame(index=False)
        timed("predicted_rates on 12 year x level cells", lambda: predicted_rates(m, grid))
        timed("shrunken_deviations by place (expected: year + level)",
              lambda: shrunken_deviations(reports, count="count", exposure="tokens",
                                          group="place", terms=["C(year)", "C(level)"]))


if __name__ == "__main__":
    main()
