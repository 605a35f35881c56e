"""Topics and vocabulary of the panel's COVID passages, across levels and years.

The study layer over the generic analysis modules, for the panel study
(:mod:`discourse.study.panel`): every function takes the prepared
:class:`~discourse.study.prepare.Study` (reports as documents, COVID
paragraphs as units) or the tables these functions return, and returns a
tidy table.

* :func:`fit_topics`: k for TF-IDF + NMF on the paragraphs, chosen by the
  configuration's rule over its k range and restarts
  (:class:`~discourse.analysis.coherence.KSelector`: mean NPMI, held-out
  reconstruction error, stability, how often each k wins); the reported
  model is one of the scored fits.
* :func:`k_table`, :func:`topics_table`: the choice of k and the topics
  (top terms with English glosses, representative passages shortened).
* :func:`prevalence`: token-weighted topic shares by year × level with
  95% intervals from refits of the model on reports resampled by province
  (:func:`~discourse.analysis.topics.topic_prevalence`, Hungarian-matched);
  no interval for a group with fewer than ``min_docs`` reports or provinces.
* :func:`yearly_terms`: topics over time as class-based TF-IDF per year.
* :func:`level_keyness`: one level against another by the regularised
  log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi &
  Quinn 2008) and a document-level permutation p-value in which whole
  places move together.
* :func:`topic_findings`: Markdown sentences generated from those tables.

Why places, not provinces, are the permutation blocks of the keyness test:
a province's own report and the reports of its cities lie in the same
province but in different levels, so level labels cannot be permuted
between whole provinces (no province is all prefecture or all province).
The block is the place (all of a place's reports, over the years, move
together), which respects the repeated reports of a place; the correlation
between places of one province is not modelled by that test.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from discourse.analysis.keyness import NoRelabellingError
from discourse.study.panel import LEVEL_LABELS, _panel_docs

#: The two level comparisons of the study: (target, reference).
LEVEL_COMPARISONS: tuple[tuple[str, str], ...] = (("prefecture", "province"), ("major_city", "province"))


def _gloss(term: str) -> str:
    from discourse.segment import gloss

    return gloss(str(term), missing="empty")


def _stop_words(stop_words: Iterable[str] | None) -> list[str]:
    from discourse.study.compare import content_stop_words

    return sorted(content_stop_words() if stop_words is None else set(stop_words))


def topic_units(study) -> pd.DataFrame:
    """The COVID paragraphs with the report's level, year, place and province cluster.

    Paragraphs of reports without a year are left out (``attrs["n_undated"]``
    counts them); ``level`` is ordered as in :data:`discourse.study.panel.LEVELS`.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "level": ["province", "prefecture"],
    ...     "place": ["湖北省", "荆门市"], "province_zh": ["湖北省", "湖北省"], "year": [2021, 2021]})
    >>> paras = pd.DataFrame({"doc_id": ["a", "b"], "para_id": ["a:p001", "b:p001"],
    ...     "text": ["疫情防控", "核酸检测"], "tokens": [["疫情", "防控"], ["核酸", "检测"]]})
    >>> topic_units(SimpleNamespace(documents=docs, paragraphs=paras))[["doc_id", "level", "cluster"]].values.tolist()
    [['a', 'province', '湖北省'], ['b', 'prefecture', '湖北省']]
    """
    docs = _panel_docs(study)
    meta = docs[["doc_id", "level", "year", "place", "cluster", "label"]].copy() if "label" in docs.columns \
        else docs[["doc_id", "level", "year", "place", "cluster"]].assign(label=docs["doc_id"].astype(str))
    meta["doc_id"] = meta["doc_id"].astype(str)
    paras = study.paragraphs.copy()
    paras["doc_id"] = paras["doc_id"].astype(str)
    paras = paras.drop(columns=[c for c in ("level", "year", "place", "cluster", "label") if c in paras.columns])
    units = paras.merge(meta, on="doc_id", how="left", validate="many_to_one")
    undated = units["year"].isna()
    units = units[~undated].reset_index(drop=True)
    units["year"] = units["year"].astype(int)
    units.attrs["n_undated"] = int(undated.sum())
    return units


@dataclass
class TopicFit:
    """The choice of k and the reported model.

    Attributes
    ----------
    selector : KSelector
        Every scored fit (``scores_``) and the per-k summary (``summary_``).
    model : TopicModel
        The reported model: the scored fit with the highest NPMI at ``k``.
    k, restart, seed : int
        Its number of topics, restart index and seed.
    rule : str
        ``"one_se"`` or ``"max_npmi"``.
    units : DataFrame
        The paragraphs it was fitted on (:func:`topic_units`).
    """

    selector: object
    model: object
    k: int
    restart: int
    seed: int
    rule: str
    units: pd.DataFrame


def fit_topics(
    study,
    *,
    ks: Sequence[int] | None = None,
    n_restarts: int | None = None,
    rule: str | None = None,
    n_folds: int = 3,
    n_boot: int = 1000,
    stop_words: Iterable[str] | None = None,
    units: pd.DataFrame | None = None,
) -> TopicFit:
    """Choose k for NMF topics of the passages and keep the scored best fit.

    ``ks``, ``n_restarts``, ``rule`` and ``min_df`` default to the study's
    ``[topics]`` settings, the seed to ``[stats] seed``. Every (k, restart)
    is fitted and scored by :class:`~discourse.analysis.coherence.KSelector`
    (NPMI over the paragraphs, held-out reconstruction error over
    ``n_folds`` folds, stability across restarts; bootstrap win
    frequencies of k over ``n_boot`` resamples of the restarts).

    ``rule="one_se"``: the smallest k whose mean NPMI is within one standard
    error of the best mean (the selector's choice; the model is its
    ``best_fit_``). ``rule="max_npmi"``: the k with the highest mean NPMI;
    the model is that k's highest-NPMI restart, re-created from its seed
    (the fit is deterministic given the seed) and checked to reproduce the
    scored NPMI.

    BLAS runs single-threaded here (:func:`threadpoolctl.threadpool_limits`):
    on a shared two-core machine threads only contend, and one thread keeps
    the floating-point sums in a fixed order.
    """
    from discourse.analysis.coherence import choose_k, npmi_coherence
    from discourse.analysis.topics import TopicModel
    from discourse.analysis.vocab import TokenFilter, token_lists

    cfg = study.config.topics
    ks = list(cfg.k if ks is None else ks)
    rule = cfg.rule if rule is None else rule
    if rule not in ("one_se", "max_npmi"):
        raise ValueError(f"[topics] rule must be 'one_se' or 'max_npmi', got {rule!r}")
    units = topic_units(study) if units is None else units
    stops = _stop_words(stop_words)
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")
        sel = choose_k(units, ks=ks, n_restarts=cfg.restarts if n_restarts is None else n_restarts,
                       n_folds=n_folds, n_boot=n_boot, random_state=study.config.stats.seed,
                       return_selector=True, min_df=cfg.min_df, stop_words=stops)
    if rule == "one_se":
        return TopicFit(sel, sel.best_fit_, sel.k_, sel.best_restart_,
                        int(sel.seeds_[sel.best_restart_]), rule, units)
    summ = sel.summary_
    k = int(summ.loc[summ["coherence_mean"].idxmax(), "k"])
    sc = sel.scores_[sel.scores_["k"] == k]
    row = sc.loc[sc["coherence"].idxmax()]
    model = TopicModel(n_components=k, random_state=int(row["seed"]), **sel._params())
    flt = TokenFilter(stops)
    texts = [flt(t) for t in token_lists(units)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(texts)
    top = [g.term.tolist() for _, g in model.top_terms(sel.n_top).groupby("topic", sort=True)]
    coh = float(np.mean(npmi_coherence(top, texts, window=sel.window)))
    if not math.isclose(coh, float(row["coherence"]), abs_tol=1e-9):
        raise RuntimeError(f"re-created fit (k={k}, seed={int(row['seed'])}) has NPMI {coh:.6f}, "
                           f"scored {float(row['coherence']):.6f}")
    return TopicFit(sel, model, k, int(row["restart"]), int(row["seed"]), rule, units)


def k_table(fit: TopicFit) -> pd.DataFrame:
    """One row per k: NPMI and held-out error (mean, SD over restarts), stability, wins, the choice.

    ``n_restart_wins`` counts the restarts whose own NPMI is highest at that
    k; ``win_freq`` the share of bootstrap resamples of the restarts in
    which the one-SE rule picks it; ``chosen`` marks the reported k (by the
    fit's rule).
    """
    s = fit.selector.summary_
    out = s[["k", "n_restarts", "coherence_mean", "coherence_sd", "heldout_error_mean", "heldout_error_sd",
             "stability_mean", "n_restart_wins", "win_freq", "n_unconverged"]].copy()
    out["chosen"] = out["k"] == fit.k
    out.attrs.update(rule=fit.rule, restart=fit.restart, seed=fit.seed)
    return out.reset_index(drop=True)


def _shorten(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def topic_labels(fit: TopicFit, *, n_terms: int = 3, sep: str = " / ", width: int = 44) -> dict[str, str]:
    """Bilingual label per topic id: ``"T01 防控 / 疫情\n(prevention and control / epidemic)"``.

    Each gloss is cut to its first sense (``?`` when the glossary has none)
    and the English line wrapped at *width* characters.
    """
    import re
    import textwrap

    top = fit.model.top_terms(n_terms)
    out = {}
    for tid, g in top.groupby("topic", sort=True):
        terms = g.term.tolist()
        # the first sense of each gloss, without its parenthesis, so that a panel title stays short
        gl = [re.sub(r"\s*\(.*?\)", "", (_gloss(t) or "?").split(";")[0]).strip() or "?" for t in terms]
        out[str(tid)] = f"{tid} {sep.join(terms)}\n" + textwrap.fill(f"({sep.join(gl)})", width=width)
    return out


def topics_table(fit: TopicFit, *, n_terms: int = 10, n_examples: int = 2, max_chars: int = 80) -> pd.DataFrame:
    """The topics: share, dominant paragraphs, top terms with glosses, representative passages.

    Representative passages are the paragraphs with the highest proportion
    of the topic (:func:`~discourse.analysis.topics.topic_table`), cut to
    ``max_chars`` characters and prefixed with the report's label.
    """
    from discourse.analysis.topics import topic_table

    units = fit.units
    tab = topic_table(fit.model, units, glosses=_gloss, n_terms=n_terms, n_examples=n_examples,
                      id_col="para_id")
    label_of = dict(zip(units["para_id"].astype(str), units["label"].astype(str)))
    text_of = dict(zip(units["para_id"].astype(str), units["text"].astype(str)))
    tab["examples"] = [
        "\n".join(f"[{label_of[i]}] {_shorten(text_of[i], max_chars)}" for i in ids.split("; ") if i)
        for ids in tab["example_ids"]
    ]
    tab["n_paragraphs"] = len(units)
    return tab[["topic", "terms", "glosses", "prevalence", "n_dominant", "n_paragraphs", "examples",
                "example_ids"]]


def prevalence(
    fit: TopicFit,
    *,
    by: Sequence[str] = ("year", "level"),
    n_refits: int | None = None,
    min_docs: int | None = None,
    random_state: int | None = None,
    study=None,
) -> pd.DataFrame:
    """Token-weighted topic shares by group, 95% intervals from refits on reports resampled by province.

    Calls :func:`~discourse.analysis.topics.topic_prevalence` with the
    fitted model, ``weight="tokens"`` and ``cluster="cluster"`` (the
    province of :func:`discourse.study.panel._panel_docs`; a province's own
    report and its cities' reports move together, the State Council is its
    own cluster). A group gets no interval when it has fewer than
    ``min_docs`` reports *or* fewer than ``min_docs`` provinces
    (``note`` says which). ``n_refits`` and ``min_docs`` default to the
    study's ``[topics] n_refits`` and ``[stats] min_docs`` (pass *study*),
    else 20 and 5.

    Returns
    -------
    DataFrame
        ``*by, topic, label, share, ci_low, ci_high, n_reports, n_provinces,
        n_units, n_tokens, match_similarity, stable, n_refits, note``.
    """
    from discourse.analysis.topics import topic_prevalence

    if study is not None:
        n_refits = study.config.topics.n_refits if n_refits is None else n_refits
        min_docs = study.config.stats.min_docs if min_docs is None else min_docs
        random_state = study.config.stats.seed if random_state is None else random_state
    n_refits = 20 if n_refits is None else int(n_refits)
    min_docs = 5 if min_docs is None else int(min_docs)
    by = list(by)
    units = fit.units
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")
        tab = topic_prevalence(units, fit.model, by, weight="tokens", n_refits=n_refits, cluster="cluster",
                               min_docs=min_docs, random_state=random_state)
    n_rep = units.groupby(by, observed=True)["doc_id"].nunique().rename("n_reports").reset_index()
    tab = tab.rename(columns={"n_docs": "n_provinces"}).merge(n_rep, on=by, how="left", validate="many_to_one")
    few = (tab["n_reports"] < min_docs) | (tab["n_provinces"] < min_docs)
    tab.loc[few, ["ci_low", "ci_high"]] = np.nan
    tab["note"] = tab["note"].astype("object")
    tab.loc[few, "note"] = [f"no interval: {r} report(s) in {p} province(s), fewer than min_docs={min_docs}"
                            for r, p in zip(tab.loc[few, "n_reports"], tab.loc[few, "n_provinces"])]
    tab["note"] = tab["note"].astype("string")
    cols = [*by, "topic", "label", "share", "ci_low", "ci_high", "n_reports", "n_provinces", "n_units",
            "n_tokens", "match_similarity", "stable", "n_refits", "note"]
    out = tab[cols].copy()
    out.attrs.update(min_docs=min_docs, n_refits=n_refits, cluster="province")
    return out


def _doc_frequency(units: pd.DataFrame, by: str, stop_words: Iterable[str]) -> pd.DataFrame:
    """Reports of each group containing each term (``by, term, n_docs_with``)."""
    ex = units[["doc_id", by, "tokens"]].explode("tokens").dropna(subset=["tokens"])
    ex = ex[~ex["tokens"].isin(set(stop_words))].drop_duplicates(["doc_id", "tokens"])
    return ex.groupby([by, "tokens"], observed=True).size().rename("n_docs_with").reset_index() \
        .rename(columns={"tokens": "term"})


def yearly_terms(study=None, *, units: pd.DataFrame | None = None, n_terms: int = 10,
                 stop_words: Iterable[str] | None = None, min_freq: int | None = None) -> pd.DataFrame:
    """Topics over time: the top class-based TF-IDF terms of each year's passages, glossed.

    All paragraphs of a year form one class document
    (:func:`~discourse.analysis.ctfidf.class_tfidf_terms`); ``freq`` is the
    term's count that year, ``n_docs_with`` the year's reports containing
    it, ``n_reports`` the year's reports.
    """
    from discourse.analysis.ctfidf import class_tfidf_terms

    units = topic_units(study) if units is None else units
    if min_freq is None:
        min_freq = study.config.stats.min_freq if study is not None else 5
    stops = _stop_words(stop_words)
    ct = class_tfidf_terms(units, "year", n_terms=n_terms, stop_words=stops, min_freq=min_freq)
    df = _doc_frequency(units, "year", stops)
    ct = ct.merge(df, on=["year", "term"], how="left")
    ct["n_reports"] = ct["year"].map(units.groupby("year")["doc_id"].nunique())
    ct.insert(ct.columns.get_loc("term") + 1, "gloss", ct["term"].map(_gloss))
    return ct


def level_keyness(
    study=None,
    target: str = "prefecture",
    reference: str = "province",
    *,
    units: pd.DataFrame | None = None,
    n: int = 10,
    stop_words: Iterable[str] | None = None,
    min_freq: int | None = None,
    n_resamples: int | None = None,
    block: str = "place",
    strata: str | None = "cluster",
    random_state: int | None = None,
) -> pd.DataFrame:
    """Words over-used by one level against another: regularised log-odds z and a place-level permutation p.

    ``z`` and ``delta`` are Monroe et al.'s (2008) regularised log-odds
    with the informative Dirichlet prior of the whole panel
    (:func:`~discourse.analysis.fightin_words.group_fightin_words`); the
    permutation p-value (:func:`~discourse.analysis.keyness.group_keyness`
    with ``permutation=True``) relabels whole places (*block*), all of a
    place's reports together, within *strata* (by default the province:
    a province's own report is relabelled only against its own cities, so
    provincial differences in vocabulary cannot pass for level differences),
    and is FDR-adjusted over every tested term (``p_perm_adjusted``). Dispersion: reports of each side containing the
    term and Gries' normalised DP (0 = even, 1 = in one report).

    Returns
    -------
    DataFrame
        The ``n`` terms with the largest and the ``n`` with the smallest z:
        ``over_used_in, term, gloss, z, delta, count_target,
        count_reference, rate_target, rate_reference (per 1,000 words),
        docs_target, n_docs_target, docs_reference, n_docs_reference,
        dp_norm_target, dp_norm_reference, p_perm, p_perm_adjusted,
        n_blocks_target, n_blocks_reference``; ``attrs`` hold the counts of
        tested and significant terms.
    """
    from discourse.analysis.fightin_words import group_fightin_words
    from discourse.analysis.keyness import group_keyness

    units = topic_units(study) if units is None else units
    if study is not None:
        min_freq = study.config.stats.min_freq if min_freq is None else min_freq
        n_resamples = study.config.stats.n_permutations if n_resamples is None else n_resamples
        random_state = study.config.stats.seed if random_state is None else random_state
    min_freq = 5 if min_freq is None else min_freq
    n_resamples = 999 if n_resamples is None else n_resamples
    stops = _stop_words(stop_words)
    units = units.assign(level=units["level"].astype(str))
    fw = group_fightin_words(units, "level", target, reference=reference, stop_words=stops, min_freq=min_freq)
    gk = group_keyness(units, "level", target, reference=reference, stop_words=stops, doc_col="doc_id",
                       permutation=True, cluster=block, n_resamples=n_resamples, min_freq=min_freq,
                       random_state=random_state,
                       **({"strata": strata} if strata is not None and strata in units.columns else {}))
    fw = fw.assign(term=fw["term"].astype(str))
    gk = gk.assign(term=gk["term"].astype(str))
    keep = ["term", "docs_target", "n_docs_target", "docs_reference", "n_docs_reference", "dp_norm_target",
            "dp_norm_reference", "p_perm", "p_perm_adjusted", "p_floor"]
    m = fw.merge(gk[keep], on="term", how="inner", validate="one_to_one")
    m = m.rename(columns={"count_a": "count_target", "count_b": "count_reference", "rate_a": "rate_target",
                          "rate_b": "rate_reference"})
    m = m.sort_values(["z", "term"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    top = m[m["z"] > 0].head(n).assign(over_used_in=target)
    bottom = m[m["z"] < 0].sort_values(["z", "term"], kind="mergesort").head(n).assign(over_used_in=reference)
    out = pd.concat([top, bottom], ignore_index=True)
    out["gloss"] = out["term"].map(_gloss)
    blocks = units[units["level"].isin([target, reference])].groupby("level")[block].nunique()
    out["n_blocks_target"] = int(blocks.get(target, 0))
    out["n_blocks_reference"] = int(blocks.get(reference, 0))
    cols = ["over_used_in", "term", "gloss", "z", "delta", "count_target", "count_reference", "rate_target",
            "rate_reference", "docs_target", "n_docs_target", "docs_reference", "n_docs_reference",
            "dp_norm_target", "dp_norm_reference", "p_perm", "p_perm_adjusted", "p_floor", "n_blocks_target",
            "n_blocks_reference"]
    out = out[cols]
    sig = m["p_perm_adjusted"] < 0.05
    out.attrs.update(target=target, reference=reference, block=block, strata=strata, n_terms_tested=int(len(m)),
                     n_significant=int(sig.sum()), n_significant_target=int((sig & (m["z"] > 0)).sum()),
                     n_significant_reference=int((sig & (m["z"] < 0)).sum()), n_resamples=int(n_resamples))
    return out


def level_comparisons(study, *, units: pd.DataFrame | None = None, min_docs: int | None = None):
    """:func:`level_keyness` for each of :data:`LEVEL_COMPARISONS` the corpus supports.

    Returns ``(tables, why)``: a dict ``"target vs reference" -> table`` and a
    sentence naming the comparisons left out (each level needs at least
    ``min_docs`` reports, default the configuration's ``[stats] min_docs``),
    or None.
    """
    units = topic_units(study) if units is None else units
    min_docs = study.config.stats.min_docs if min_docs is None else min_docs
    n_reports = units.groupby(units["level"].astype(str))["doc_id"].nunique()
    tables, left = {}, []
    for t, r in LEVEL_COMPARISONS:
        if n_reports.get(t, 0) >= min_docs and n_reports.get(r, 0) >= min_docs:
            try:
                tables[f"{t} vs {r}"] = level_keyness(study, t, r, units=units)
            except NoRelabellingError:
                left.append(f"{_level(t)} against {_level(r)} (each stratum of the permutation, a value of "
                            f"{getattr(getattr(study.config, 'compare', None), 'cluster', '') or 'the cluster column'}, "
                            "holds places of only one of "
                            "the two levels, so no place can be relabelled within its stratum)")
        else:
            left.append(f"{_level(t)} against {_level(r)} ({int(n_reports.get(t, 0))} and "
                        f"{int(n_reports.get(r, 0))} reports; at least {min_docs} each are needed)")
    return tables, ("no comparison of " + "; ".join(left)) if left else None


def keyness_view(tables: Mapping[str, pd.DataFrame], name: str, columns: Sequence[str]):
    """One comparison's table, or a skip note when the corpus does not support it."""
    from discourse.study.notebook import skip

    return tables[name][list(columns)] if name in tables else skip(f"the corpus does not support {name}")


def keyness_summary(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per comparison: terms tested and terms with FDR-adjusted place-permutation p < 0.05 per side."""
    rows = []
    for name, t in tables.items():
        a = t.attrs
        rows.append({"comparison": name, "target": a["target"], "reference": a["reference"],
                     "n_reports_target": int(t["n_docs_target"].iloc[0]) if len(t) else 0,
                     "n_reports_reference": int(t["n_docs_reference"].iloc[0]) if len(t) else 0,
                     "n_places_target": int(t["n_blocks_target"].iloc[0]) if len(t) else 0,
                     "n_places_reference": int(t["n_blocks_reference"].iloc[0]) if len(t) else 0,
                     "n_terms_tested": a["n_terms_tested"], "n_significant": a["n_significant"],
                     "n_significant_target": a["n_significant_target"],
                     "n_significant_reference": a["n_significant_reference"]})
    return pd.DataFrame(rows)


# -- findings ---------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _level(lv: object) -> str:
    return LEVEL_LABELS.get(str(lv), str(lv))


def _interval(r) -> str:
    if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"]):
        return f"[{_pct(r['ci_low'])}, {_pct(r['ci_high'])}]"
    return "(no interval: too few reports or provinces)"


def _terms_glossed(t: pd.DataFrame, n: int) -> str:
    parts = []
    for _, r in t.head(n).iterrows():
        g = f" “{r['gloss']}”" if isinstance(r.get("gloss"), str) and r["gloss"] and r["gloss"] != r["term"] else ""
        parts.append(f"{r['term']}{g}")
    return ", ".join(parts)


def topic_findings(
    ktab: pd.DataFrame,
    topics: pd.DataFrame,
    prev: pd.DataFrame,
    yearly: pd.DataFrame,
    keyness: Mapping[str, pd.DataFrame],
) -> str:
    """Findings as Markdown bullet points, every number taken from the tables passed.

    *ktab* from :func:`k_table`, *topics* from :func:`topics_table`, *prev*
    from :func:`prevalence` (by year × level), *yearly* from
    :func:`yearly_terms`, *keyness* a mapping of names to
    :func:`level_keyness` tables.
    """
    lines = []
    ch = ktab[ktab["chosen"]].iloc[0]
    n_r = int(ch["n_restarts"])
    err_best = ktab.loc[ktab["heldout_error_mean"].idxmin()] if ktab["heldout_error_mean"].notna().any() else None
    rule = {"one_se": "the one-SE rule on mean NPMI", "max_npmi": "the highest mean NPMI"}.get(
        ktab.attrs.get("rule", "one_se"), "the configured rule")
    s = (f"- **Number of topics.** k = {int(ch['k'])} by {rule} over k = "
         f"{', '.join(str(int(k)) for k in ktab['k'])} with {n_r} restarts each: mean NPMI "
         f"{ch['coherence_mean']:.3f} (SD {ch['coherence_sd']:.3f}); it had the highest NPMI in "
         f"{int(ch['n_restart_wins'])} of {n_r} restarts and was chosen in {_pct(ch['win_freq'])} of bootstrap "
         f"resamples of the restarts.")
    if err_best is not None:
        s += (f" Held-out reconstruction error is lowest at k = {int(err_best['k'])} "
              f"({err_best['heldout_error_mean']:.3f}; {ch['heldout_error_mean']:.3f} at the chosen k), "
              "so NPMI and held-out fit do not pick the same k" if int(err_best["k"]) != int(ch["k"])
              else f" Held-out reconstruction error is also lowest there ({err_best['heldout_error_mean']:.3f})")
        s += "."
    lines.append(s)
    big = topics.sort_values("prevalence", ascending=False, kind="mergesort").iloc[0]
    gl = str(big["glosses"]).split(" / ")[:3]
    lines.append(f"- **Largest topic.** {big['topic']} ({' / '.join(str(big['terms']).split(' / ')[:3])}; "
                 f"{' / '.join(gl)}) has a mean paragraph share of {_pct(big['prevalence'])} and is the "
                 f"dominant topic of {int(big['n_dominant'])} of {int(big['n_paragraphs'])} paragraphs.")
    stab = prev.drop_duplicates("topic")
    n_stable = int(stab["stable"].sum())
    n_ref = int(prev["n_refits"].max()) if len(prev) else 0
    s = (f"- **Stability under refits.** {n_stable} of {len(stab)} topics reappear in the {n_ref} refits on reports "
         "resampled by province (median matched cosine ≥ 0.5)")
    s += "." if n_stable == len(stab) else "; the intervals of the others mix different topics and are read as such."
    ci = prev[prev["ci_low"].notna()]
    outside = int(((ci["share"] < ci["ci_low"]) | (ci["share"] > ci["ci_high"])).sum())
    if outside:
        s += (f" In {outside} of {len(ci)} (group, topic) cells the reference model's share lies outside its refit "
              "interval: the refitted topics differ from the reference fit, so the interval measures how much a "
              "share moves when the model is re-estimated, and is not centred on the reference.")
    lines.append(s)
    # largest change between two years within one level, both with intervals, stable topics only
    ok = prev[prev["ci_low"].notna() & prev["stable"]]
    best = None
    for (lv, tid), g in ok.groupby(["level", "topic"], observed=True):
        g = g.sort_values("year")
        if len(g) < 2:
            continue
        hi, lo = g.loc[g["share"].idxmax()], g.loc[g["share"].idxmin()]
        d = float(hi["share"] - lo["share"])
        if best is None or d > best[0]:
            best = (d, lv, tid, hi, lo)
    if best is not None:
        d, lv, tid, hi, lo = best
        sep = "do not overlap" if (hi["ci_low"] > lo["ci_high"]) else "overlap"
        lines.append(
            f"- **Largest shift.** Among {_level(lv)}, topic {tid} takes {_pct(hi['share'])} {_interval(hi)} of the "
            f"passage words in {hi['year']} ({int(hi['n_reports'])} reports, {int(hi['n_provinces'])} provinces) and "
            f"{_pct(lo['share'])} {_interval(lo)} in {lo['year']} ({int(lo['n_reports'])} reports); the 95% "
            f"intervals (refits on reports resampled by province) {sep}.")
    n_noci = int(prev.drop_duplicates(["year", "level"])["ci_low"].isna().sum()) if "year" in prev else 0
    if n_noci:
        lines.append(f"- **Groups without an interval.** {n_noci} year × level groups have too few reports or "
                     "provinces for an interval (the State Council's one report a year among them); their shares "
                     "are shown as points only.")
    years = sorted(yearly["year"].unique())
    if years:
        parts = [f"{y}: {_terms_glossed(yearly[yearly['year'] == y].sort_values('rank'), 3)} "
                 f"({int(yearly.loc[yearly['year'] == y, 'n_reports'].iloc[0])} reports)" for y in years]
        lines.append("- **Topics over time (c-TF-IDF).** The most distinctive words of each year's passages: "
                     + "; ".join(parts) + ".")
    for name, t in keyness.items():
        a = t.attrs
        tgt, ref = a["target"], a["reference"]
        top_t = t[t["over_used_in"] == tgt].head(3)
        top_r = t[t["over_used_in"] == ref].head(3)
        if top_t.empty and top_r.empty:
            continue

        def show(rows, side):
            return "; ".join(
                f"{r['term']}{' “' + r['gloss'] + '”' if r['gloss'] and r['gloss'] != r['term'] else ''} "
                f"z = {r['z']:.1f}, in {int(r['docs_' + side])} of {int(r['n_docs_' + side])} reports, "
                f"place-permutation p (FDR) = {r['p_perm_adjusted']:.3f}" for _, r in rows.iterrows())

        lines.append(
            f"- **{_level(tgt)} against {_level(ref)}.** Over-used by {_level(tgt)}: {show(top_t, 'target')}. "
            f"Over-used by {_level(ref)}: {show(top_r, 'reference')}. Of {a['n_terms_tested']} terms tested, "
            f"{a['n_significant_target']} are over-used by {_level(tgt)} and {a['n_significant_reference']} by "
            f"{_level(ref)} at FDR-adjusted p < 0.05, whole places permuted within provinces "
            f"({int(t['n_blocks_target'].iloc[0])} and {int(t['n_blocks_reference'].iloc[0])} places; with "
            f"{a['n_resamples']} relabellings no p-value is below {t['p_floor'].iloc[0]:.3f}, which limits what "
            "survives the FDR correction over many terms).")
    cells = prev.drop_duplicates(["year", "level"]) if {"year", "level"} <= set(prev.columns) else prev.iloc[0:0]
    cells = cells[cells["level"].astype(str) != "national"]
    small = ""
    if len(cells):
        c = cells.sort_values(["n_reports", "year"], kind="mergesort").iloc[0]
        big = cells.sort_values(["n_reports", "year"], ascending=[False, True], kind="mergesort").iloc[0]
        small = (f" (from {int(c['n_reports'])} {_level(c['level'])} reports in {c['year']} to "
                 f"{int(big['n_reports'])} {_level(big['level'])} reports in {big['year']})")
    lines.append("- **Limits.** The passages are what the source scraped: coverage by level and year is unbalanced"
                 f"{small} and not a random sample; some texts are abridged, each place has one report a year, "
                 "and the topics depend on the segmentation and on k; shares describe vocabulary, not policy.")
    return "\n".join(lines)


def findings_markdown(ktab, topics, prev, yearly, keyness):
    """:func:`topic_findings` as :class:`IPython.display.Markdown` for a notebook."""
    from IPython.display import Markdown

    return Markdown(topic_findings(ktab, topics, prev, yearly, keyness))


__all__ = [
    "LEVEL_COMPARISONS",
    "level_comparisons",
    "keyness_view",
    "TopicFit",
    "findings_markdown",
    "fit_topics",
    "k_table",
    "keyness_summary",
    "level_keyness",
    "prevalence",
    "topic_findings",
    "topic_labels",
    "topic_units",
    "topics_table",
    "yearly_terms",
]
