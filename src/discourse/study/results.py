"""Each notebook's key numbers in one tidy results table, from which the findings take their numbers.

``results_NN(study) -> DataFrame`` computes the numbers notebook NN states,
with columns :data:`RESULT_COLUMNS` (``notebook, key, value, unit,
description``); :func:`write_results` saves it as
``study.processed_dir / "results" / "NN.csv"`` atomically.
:mod:`discourse.study.findings` turns the table into sentences, so no number
in the prose is typed by hand.

Also here: :func:`metadata_facts` (how many boilerplate facts were actually
compared with the manifest, not merely found) and :func:`year_evidence`
(whether a document's year is written in its text or inferred from outside).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from discourse.io import atomic_write_csv

#: The columns of every results table.
RESULT_COLUMNS: tuple[str, ...] = ("notebook", "key", "value", "unit", "description")


def _table(notebook: str, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([(notebook, *r) for r in rows], columns=list(RESULT_COLUMNS), dtype=object)


def metadata_facts(metadata: pd.DataFrame) -> pd.DataFrame:
    """Facts found in the boilerplate, by field: found, compared with the manifest, agreeing.

    A fact counts as *compared* only when both the extracted value and the
    manifest's value are present; a reporter found in the page but absent
    from the manifest is found, not compared.

    Examples
    --------
    >>> m = pd.DataFrame({"field": ["title", "reporter", "title"], "extracted": ["a", "b", None],
    ...                   "manifest": ["a", None, "c"], "agrees": [True, None, None]})
    >>> metadata_facts(m).loc["total"].tolist()
    [2, 1, 1, 0]
    """
    m = metadata.copy()
    found = m["extracted"].notna()
    compared = found & m["manifest"].notna()
    agrees = compared & m["agrees"].fillna(False).astype(bool)
    out = pd.DataFrame({"found": found, "compared": compared, "agree": agrees,
                        "disagree": compared & ~agrees, "field": m["field"].astype(str)})
    t = out.groupby("field").sum()
    t.loc["total"] = t.sum()
    return t[["found", "compared", "agree", "disagree"]].astype(int)


def year_evidence(documents: pd.DataFrame) -> pd.DataFrame:
    """Is each document's year written in its clean text (``YYYY年``), or inferred from outside it?

    Examples
    --------
    >>> d = pd.DataFrame({"doc_id": ["a", "b"], "label": ["A", "B"], "year": [2020, 2021],
    ...                   "clean_text": ["9月21日召开会议", "2021年全市会议"]})
    >>> year_evidence(d)["year_in_text"].tolist()
    [False, True]
    """
    rows = []
    basis_col = "event_date_basis" if "event_date_basis" in documents.columns else None
    for r in documents.itertuples():
        year = getattr(r, "year", None)
        text = str(getattr(r, "clean_text", "") or "")
        in_text = bool(pd.notna(year) and re.search(rf"{int(year)}\s*年", text)) if pd.notna(year) else False
        rows.append({"doc_id": str(r.doc_id), "label": str(r.label), "year": year, "year_in_text": in_text,
                     "basis": getattr(r, basis_col) if basis_col else pd.NA})
    return pd.DataFrame(rows)


def results_01(study) -> pd.DataFrame:
    """Corpus: documents, dates, share removed by cleaning, metadata facts compared, year evidence."""
    docs = study.documents
    facts = metadata_facts(study.metadata).loc["total"]
    years = year_evidence(docs)
    share = docs["share_removed"].astype(float)
    dates = pd.to_datetime(docs["date"]).dropna() if "date" in docs.columns else pd.Series(dtype="datetime64[ns]")
    rows = [("n_documents", len(docs), "documents", "documents in the corpus"),
            ("n_dated", len(dates), "documents", "documents with a date")]
    if len(dates):
        rows += [("first_date", dates.min().strftime("%Y-%m-%d"), "date", "earliest document date"),
                 ("last_date", dates.max().strftime("%Y-%m-%d"), "date", "latest document date")]
    rows += [
        ("share_removed_min", round(100 * share.min()), "percent", "smallest share of a page removed by cleaning"),
        ("share_removed_max", round(100 * share.max()), "percent", "largest share of a page removed by cleaning"),
        ("facts_found", int(facts["found"]), "facts", "metadata facts found in the boilerplate"),
        ("facts_compared", int(facts["compared"]), "facts", "facts that could be compared with the manifest"),
        ("facts_agree", int(facts["agree"]), "facts", "compared facts that agree with the manifest"),
        ("years_in_text", int(years["year_in_text"].sum()), "documents", "documents whose year is written in the text"),
    ]
    for r in years[~years["year_in_text"] & years["year"].notna()].itertuples():
        rows.append((f"year_inferred:{r.label}", int(r.year), "year",
                     f"{r.label}: year not written in the text, inferred from outside it"))
    return _table("01", rows)


def results_02(study) -> pd.DataFrame:
    """Vocabulary: document-level keyness by text and period, and the segmentation check."""
    from discourse.study.compare import content_stop_words, keyness_by_group, segmentation_findings

    units, stop = study.paragraphs, content_stop_words()
    rows = []
    for by in ("label", "period"):
        if by not in units.columns or units[by].nunique() < 2:
            continue
        k = keyness_by_group(units, by, n_terms=6, stop_words=stop, min_freq=study.config.stats.min_freq)
        rows += [
            (f"{by}:n_terms", len(k), "terms", f"top over-used terms listed by {by}"),
            (f"{by}:significant_token", int(k["significant_token"].sum()), "terms",
             f"of them significant at the token level (Fisher, BH 0.05) by {by}"),
            (f"{by}:significant_document", int(k["significant"].sum()), "terms",
             f"of them significant at the document level (exact permutation, BH 0.05) by {by}"),
            (f"{by}:p_floor_min", float(f"{float(k['p_floor'].min()):.3g}"), "p",
             f"smallest document-level p-value possible by {by}"),
        ]
        seg = segmentation_findings(units, by, stop_words=stop, n_terms=3, min_freq=study.config.stats.min_freq)
        dep = seg[seg["depends_on_segmentation"]]
        rows.append((f"{by}:n_depends_on_segmentation", len(dep), "terms",
                     f"of the top-3 terms per {by}, those that depend on segmentation"))
        for r in dep.itertuples():
            rows += [
                (f"{by}:segmentation:{r.group}:{r.term}:tokens", f"{r.freq_target_tokens} vs {r.freq_reference_tokens}",
                 "counts", f"{r.term} in {r.group} against the rest, counted as tokens"),
                (f"{by}:segmentation:{r.group}:{r.term}:substrings",
                 f"{r.freq_target_substrings} vs {r.freq_reference_substrings}", "counts",
                 f"{r.term} in {r.group} against the rest, counted as substrings"),
                (f"{by}:segmentation:{r.group}:{r.term}:log_ratio_substrings", round(float(r.log_ratio_substrings), 2),
                 "log2 ratio", f"log ratio of {r.term} on substrings"),
            ]
    if not rows:
        rows.append(_skipped("02", "keyness", "keyness needs two texts or two policy periods; this corpus has "
                                              f"{units['doc_id'].nunique()} text(s) and no two periods"))
    return _table("02", rows)


def _skipped(notebook: str, analysis: str, reason: str) -> tuple:
    return (f"skipped:{analysis}", reason, "", f"{analysis} not computed for this corpus")


def results_03(study, *, choice=None, prevalence: pd.DataFrame | None = None, n_restarts: int | None = None,
               ks=None) -> pd.DataFrame:
    """Topics: k chosen by the configured rule, how often it wins, token-weighted prevalence.

    *choice* (a :class:`discourse.study.compare.TopicChoice`) and
    *prevalence* (:func:`discourse.study.compare.text_prevalence`) are the
    notebook's own results, so nothing is fitted twice; without them they
    are computed here. A corpus with fewer units than the largest k gets
    one ``skipped:topics`` row.
    """
    from discourse.study.compare import choose_topics, content_stop_words, text_prevalence

    units = study.paragraphs
    if choice is None:
        why = topics_cannot_fit(study, ks=ks)
        if why is not None:
            return _table("03", [_skipped("03", "topics", why)])
        choice = choose_topics(units, study.config, stop_words=content_stop_words(), n_restarts=n_restarts, ks=ks)
    ch, s = choice, choice.summary
    row = s[s["chosen"]].iloc[0]
    n_content = units["tokens"].map(lambda t: sum(w not in content_stop_words() for w in t))
    rows = [
        ("n_units", len(units), "units", "units the topics are fitted on"),
        ("n_short_units", int((n_content <= 5).sum()), "units", "units with 5 content tokens or fewer"),
        ("k", ch.k, "topics", f"number of topics chosen by the {ch.rule} rule"),
        ("rule", {"one_se": "one-SE", "max_npmi": "highest-NPMI"}.get(ch.rule, ch.rule), "", "rule choosing k"),
        ("k_min", int(s["k"].min()), "topics", "smallest k scored"),
        ("k_max", int(s["k"].max()), "topics", "largest k scored"),
        ("n_restarts", int(row["n_restarts"]), "restarts", "restarts per k"),
        ("k_restart_wins", int(row["n_restart_wins"]), "restarts", "restarts in which the chosen k has the best NPMI"),
        ("k_win_freq", round(float(row["win_freq"]), 2), "share", "share of bootstrap draws of the restarts choosing k"),
        ("coherence_mean", round(float(row["coherence_mean"]), 3), "NPMI", "mean NPMI coherence at the chosen k"),
        ("coherence_sd", round(float(row["coherence_sd"]), 3), "NPMI", "SD of NPMI over restarts at the chosen k"),
        ("coherence_max_mean", round(float(s["coherence_mean"].max()), 3), "NPMI", "highest mean NPMI over k"),
        ("coherence_min_mean", round(float(s["coherence_mean"].min()), 3), "NPMI", "lowest mean NPMI over k"),
    ]
    if "heldout_error_mean" in s.columns:
        rows.append(("heldout_error", round(float(row["heldout_error_mean"]), 3), "error",
                     "held-out reconstruction error at the chosen k"))
    prev = prevalence if prevalence is not None else text_prevalence(units, ch.model, study.config)
    prev = prev.loc[:, ~prev.columns.duplicated()]
    by = "label" if "label" in prev.columns else prev.columns[0]
    rows.append(("prevalence_interval", "none" if prev["ci_low"].isna().all() else "refits", "",
                 "interval of topic prevalence per text"))
    w = prev.assign(_w=prev["share"] * prev["n_tokens"]).groupby("topic", sort=True)["_w"].sum()
    w = w / w.sum()
    rows += [("top_topic", str(w.idxmax()), "topic", "most prevalent topic, weighted by tokens"),
             ("top_topic_share", round(float(w.max()), 2), "share", "its token-weighted share of the corpus")]
    for g, sub in prev.groupby(by, sort=False, observed=True):
        top = sub.sort_values(["share", "topic"], ascending=[False, True]).iloc[0]
        rows += [(f"text_top_topic:{g}", str(top["topic"]), "topic", f"{g}: most prevalent topic (token-weighted)"),
                 (f"text_top_share:{g}", round(float(top["share"]), 2), "share", f"{g}: its share")]
    return _table("03", rows)


def topics_cannot_fit(study, *, ks=None) -> str | None:
    """Why a topic model cannot be chosen on this corpus (None when it can): fewer units than the largest k.

    Examples
    --------
    >>> from discourse.study import open_study
    >>> topics_cannot_fit(open_study()) is None
    True
    """
    ks = list(ks or study.config.topics.k)
    n = len(study.paragraphs)
    n_docs = int(study.paragraphs["doc_id"].nunique()) if "doc_id" in study.paragraphs.columns else n
    if n < 2 * max(ks):
        return (f"choosing k among {min(ks)}–{max(ks)} topics needs at least {2 * max(ks)} units (twice the "
                f"largest k); this corpus has {n}")
    if n_docs < 2:
        return "a topic model of one document describes its paragraphs, not a corpus; this corpus has 1 document"
    return None


def results_04(study, *, similarity: pd.DataFrame | None = None, n_permutations: int = 999) -> pd.DataFrame:
    """Cities: similarity against its null; the genre gap with its exact p, floor and Cliff's δ.

    *similarity* is the notebook's :func:`discourse.study.compare.similarity_table`
    (computed here when omitted). Fewer than two texts, or genres that do not
    form two groups of at least two documents, give ``skipped:`` rows.
    """
    from discourse.study.compare import GENRE_GROUPS, feature_differences, genre_groups, similarity_table

    units, docs = study.paragraphs, study.documents
    rows = []
    why = study.cannot_compare("label", min_groups=2)
    if why is None:
        sim = similarity if similarity is not None else similarity_table(
            units, n_permutations=n_permutations, random_state=study.config.stats.seed)
        rows += [
            ("n_pairs", len(sim), "pairs", "pairs of texts"),
            ("similarity_min", round(float(sim["similarity"].min()), 3), "cosine", "lowest pair similarity"),
            ("similarity_max", round(float(sim["similarity"].max()), 3), "cosine", "highest pair similarity"),
            ("within_half_mean", round(sim.attrs["within_half_mean"], 3), "cosine", "halves of the same text"),
            ("between_half_mean", round(sim.attrs["between_half_mean"], 3), "cosine", "halves of different texts"),
            ("n_distinguishable", int(sim["distinguishable"].sum()), "pairs",
             "pairs less alike than reshuffles of their own units (permutation null)"),
            ("n_rank_exceeds_noise", int(sim["rank_exceeds_noise"].sum()), "pairs",
             "pairs whose place in the ranking exceeds split-half noise"),
        ]
    else:
        rows.append(_skipped("04", "similarity", why))
    groups = genre_groups(docs)
    why_genre = study.cannot_compare("genre", min_groups=2, min_docs=2, groups=groups)
    if why_genre is None and set(groups.values()) != set(GENRE_GROUPS.values()):
        why_genre = (f"the directive gap compares news reports with speech texts; this corpus's genres are "
                     f"{sorted(set(groups.values()))}")
    if why_genre is None:
        d = feature_differences(units, docs, groups=groups, target="speech text", codebook=study.codebook,
                                features=["directive_total"], n_resamples=study.config.stats.n_permutations)
        r = d.iloc[0]
        rows += [
            ("gap_n_target", int(r["n_target"]), "documents", "speech texts"),
            ("gap_n_reference", int(r["n_reference"]), "documents", "news reports"),
            ("gap_diff", round(float(r["diff"]), 1), "per 1,000 tokens", "directive words: speech texts minus news reports"),
            ("gap_p", round(float(r["p_value"]), 3), "p", "exact permutation p over documents"),
            ("gap_p_floor", round(float(r["p_floor"]), 3), "p", "smallest p-value possible"),
            ("gap_cliffs_delta", round(float(r["cliffs_delta"]), 2), "delta", "Cliff's delta"),
        ]
    else:
        rows.append(_skipped("04", "genre", why_genre))
    return _table("04", rows)


def results_05(study, *, occurrences: pd.DataFrame | None = None) -> pd.DataFrame:
    """Dates: the texts on the timeline, phase vocabulary by period and text, and the senses of 优化.

    Phase vocabulary is the codebook's ``phase`` category
    (:func:`discourse.analysis.features.discourse_features`), counted per
    text and per policy period with its rate per 1,000 tokens. The senses
    of 优化 come from :data:`discourse.study.diffusion.SENSE_RULES` (policy:
    优化 with the epidemic control as its object; ordinary: every other
    use); *occurrences* is the notebook's
    :func:`discourse.study.diffusion.sense_occurrences` table. A policy
    reading dated before the optimisation period starts is counted apart
    (``youhua:policy_before_period``): the wording is that of the policy,
    the policy did not yet exist.

    Examples
    --------
    >>> from discourse.study import open_study
    >>> r = results_05(open_study()).set_index("key")["value"]
    >>> int(r["n_dated"]), int(r["youhua:n"]) == int(r["youhua:policy"]) + int(r["youhua:ordinary"])
    (5, True)
    """
    from discourse.analysis.features import discourse_features
    from discourse.study.diffusion import sense_occurrences
    from discourse.study.periods import PERIODS

    units, docs = study.paragraphs, study.documents
    dates = pd.to_datetime(docs["date"]) if "date" in docs.columns else pd.Series(pd.NaT, index=docs.index)
    rows = [("n_documents", len(docs), "documents", "documents in the corpus"),
            ("n_dated", int(dates.notna().sum()), "documents", "documents with a date")]
    if dates.notna().any():
        prec = docs.loc[dates.notna(), "date_precision"].astype("string").fillna("unknown").value_counts()
        rows += [(f"precision:{p}", int(n), "documents", f"documents dated to the {p}") for p, n in sorted(prec.items())]
    else:
        rows.append(_skipped("05", "timeline", "no document is dated, so the texts cannot be placed on the timeline"))
    has_period = "period" in docs.columns and docs["period"].notna().any()
    if has_period:
        sizes = docs["period"].astype("object").value_counts()
        order = [p.name for p in PERIODS if p.name in sizes.index]
        rows += [(f"period:{p}:n_documents", int(sizes[p]), "documents", f"documents in the {p} period") for p in order]
    feats = discourse_features(units, by="label", codebook=study.codebook)
    feats = feats[feats["category"] == "phase"]
    for r in feats.itertuples():
        rows += [(f"text:{r.label}:{r.feature}:count", int(r.count), "occurrences", f"{r.feature} vocabulary in {r.label}"),
                 (f"text:{r.label}:{r.feature}:per_1000", round(float(r.per_1000), 1), "per 1,000 tokens",
                  f"rate of the {r.feature} vocabulary in {r.label}")]
    if has_period:
        pf = discourse_features(units.dropna(subset=["period"]), by="period", codebook=study.codebook)
        pf = pf[pf["category"] == "phase"]
        for r in pf.itertuples():
            rows += [(f"period:{r.period}:{r.feature}:count", int(r.count), "occurrences",
                      f"{r.feature} vocabulary in the {r.period} period"),
                     (f"period:{r.period}:{r.feature}:per_1000", round(float(r.per_1000), 1), "per 1,000 tokens",
                      f"rate of the {r.feature} vocabulary in the {r.period} period")]
    if occurrences is None and units["text"].astype(str).str.contains("优化").any():
        occurrences = sense_occurrences(units)
    occ = occurrences if occurrences is not None else pd.DataFrame(columns=["term", "sense", "doc_id", "label"])
    yh = occ[occ["term"] == "优化"]
    n_pol = int((yh["sense"] == "policy").sum())
    rows += [("youhua:n", len(yh), "occurrences", "occurrences of 优化"),
             ("youhua:n_texts", int(yh["doc_id"].nunique()), "texts", "texts using 优化"),
             ("youhua:policy", n_pol, "occurrences", "优化 read as the control policy (its object is the epidemic control)"),
             ("youhua:ordinary", len(yh) - n_pol, "occurrences", "优化 read as an ordinary verb")]
    start = next((p.start for p in PERIODS if p.name == "优化"), None)
    if start is not None and len(yh) and "date" in docs.columns:
        when = yh["doc_id"].astype(str).map(dict(zip(docs["doc_id"].astype(str), dates)))
        before = yh[(when < start).fillna(False).to_numpy(dtype=bool)]
        rows += [("youhua:period_start", start.strftime("%Y-%m-%d"), "date", "start of the optimisation period"),
                 ("youhua:policy_before_period", int((before["sense"] == "policy").sum()), "occurrences",
                  "policy readings of 优化 in texts dated before the optimisation period"),
                 ("youhua:ordinary_before_period", int((before["sense"] == "ordinary").sum()), "occurrences",
                  "ordinary readings of 优化 in texts dated before the optimisation period")]
    if len(yh) and "label" in yh.columns:
        for (lab, sense), n in yh.groupby(["label", "sense"], observed=True).size().items():
            rows.append((f"youhua:{lab}:{sense}", int(n), "occurrences", f"优化 in {lab}, {sense} reading"))
    return _table("05", rows)


def results_06(study, *, k: int | None = None, table: pd.DataFrame | None = None, share: float = 0.8,
               **kwargs) -> pd.DataFrame:
    """Robustness: the multiverse rule per finding.

    *table* is the notebook's :func:`discourse.study.robustness.run_multiverse`
    table (run here with *k* when omitted).
    """
    from discourse.study.robustness import robust_findings, run_multiverse

    if table is None:
        if k is None:
            raise ValueError("results_06 needs the multiverse table or the chosen k")
        table = run_multiverse(study, k=k, **kwargs)
    rob = robust_findings(table, share=share)
    rows = [("n_specifications", table.attrs.get("n_specifications", int(table["spec_id"].nunique())),
             "specifications", "cells of the grid"),
            ("required_share", round(100 * share), "percent", "share of cells a robust finding must hold in"),
            ("n_findings", len(rob), "findings", "findings judged"),
            ("n_robust", int(rob["robust"].sum()), "findings", "findings robust under the rule")]
    for r in rob.itertuples():
        rows += [(f"{r.finding}:n_cells", r.n_cells, "cells", f"cells judged for {r.finding}"),
                 (f"{r.finding}:n_holds", r.n_holds, "cells", f"cells where {r.finding} holds"),
                 (f"{r.finding}:n_same_sign", r.n_same_sign, "cells", f"cells with the baseline's sign for {r.finding}"),
                 (f"{r.finding}:baseline_holds", bool(r.baseline_holds), "", f"{r.finding} holds in the baseline"),
                 (f"{r.finding}:baseline_value", round(float(r.baseline_value), 3), "", f"{r.finding} in the baseline")]
        if pd.notna(r.baseline_p):
            rows += [(f"{r.finding}:baseline_p", round(float(r.baseline_p), 3), "p", f"{r.finding}: baseline p"),
                     (f"{r.finding}:p_floor", round(float(r.p_floor), 3), "p", f"{r.finding}: smallest p possible")]
    return _table("06", rows)


def results_skipped(notebook: str, analysis: str, reason: str) -> pd.DataFrame:
    """A results table that says only why the notebook's analysis was skipped.

    Examples
    --------
    >>> results_skipped("06", "multiverse", "one document")[["key", "value"]].values.tolist()
    [['skipped:multiverse', 'one document']]
    """
    return _table(notebook, [_skipped(notebook, analysis, reason)])


def write_results(study, table: pd.DataFrame) -> Path:
    """Save a results table as ``study.processed_dir / "results" / "NN.csv"`` (atomically)."""
    missing = [c for c in RESULT_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"results table lacks column(s) {missing}")
    nb = table["notebook"].astype(str).unique()
    if len(nb) != 1:
        raise ValueError(f"a results table holds one notebook's numbers, got {sorted(nb)}")
    folder = Path(study.processed_dir) / "results"
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write_csv(table, folder / f"{nb[0]}.csv")


__all__ = ["RESULT_COLUMNS", "metadata_facts", "year_evidence", "results_01", "results_02", "results_03",
           "results_04", "results_05", "results_06", "results_skipped", "topics_cannot_fit", "write_results"]


#: Short names of the multiverse's choices, for :func:`specification_table` and the figures.
SPEC_ABBREVIATIONS: dict[str, str | None] = {"lexicon": "lex", "compounds": "comp", "stopwords": "stop",
                                             "directives": "dir", "unit": None, "k_offset": "k"}


def specification_table(table: pd.DataFrame) -> pd.DataFrame:
    """The multiverse as one row per specification: a short label, then each finding's value and verdict.

    Cells equal to another by construction (k ± 1 for findings that do not
    depend on k) and cells where a finding is undefined are left empty, so
    every number shown was computed for that specification.

    Examples
    --------
    >>> t = pd.DataFrame({"finding": ["f", "f"], "spec_id": ["a", "b"], "lexicon": [True, False],
    ...     "compounds": True, "stopwords": True, "directives": "kept", "unit": "paragraph", "k_offset": 0,
    ...     "is_baseline": [True, False], "applicable": True, "by_construction": False,
    ...     "value": [1.234, 0.5], "holds": [True, False]})
    >>> specification_table(t)[["specification", "f", "f holds"]].values.tolist()
    [['lex+, comp+, stop+, dir kept, para, k (baseline)', 1.234, 'yes'], ['lex−, comp+, stop+, dir kept, para, k', 0.5, 'no']]
    """
    from discourse.plotting.specification import specification_labels

    t = table.copy()
    labels = specification_labels(t, SPEC_ABBREVIATIONS)
    t["specification"] = labels.where(~t["is_baseline"].astype(bool), labels + " (baseline)")
    keep = t["applicable"].astype(bool) & ~t["by_construction"].astype(bool) | t["is_baseline"].astype(bool)
    t = t[keep]
    order = list(dict.fromkeys(t["spec_id"]))
    findings = list(dict.fromkeys(t["finding"]))
    spec = t.drop_duplicates("spec_id").set_index("spec_id")["specification"]
    out = pd.DataFrame({"specification": spec.reindex(order).to_numpy()}, index=order)
    for f in findings:
        sub = t[t["finding"] == f].set_index("spec_id")
        out[f] = sub["value"].reindex(order).astype(float).round(3).to_numpy()
        out[f"{f} holds"] = sub["holds"].reindex(order).map({True: "yes", False: "no"}).to_numpy()
    return out.reset_index(drop=True)


__all__ += ["SPEC_ABBREVIATIONS", "specification_table"]
