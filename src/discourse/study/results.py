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
    dates = pd.to_datetime(docs["date"])
    rows = [
        ("n_documents", len(docs), "documents", "documents in the corpus"),
        ("first_date", dates.min().strftime("%Y-%m-%d"), "date", "earliest document date"),
        ("last_date", dates.max().strftime("%Y-%m-%d"), "date", "latest document date"),
        ("share_removed_min", round(100 * share.min()), "percent", "smallest share of a page removed by cleaning"),
        ("share_removed_max", round(100 * share.max()), "percent", "largest share of a page removed by cleaning"),
        ("facts_found", int(facts["found"]), "facts", "metadata facts found in the boilerplate"),
        ("facts_compared", int(facts["compared"]), "facts", "facts that could be compared with the manifest"),
        ("facts_agree", int(facts["agree"]), "facts", "compared facts that agree with the manifest"),
        ("years_in_text", int(years["year_in_text"].sum()), "documents", "documents whose year is written in the text"),
    ]
    for r in years[~years["year_in_text"]].itertuples():
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
            (f"{by}:p_floor_min", float(k["p_floor"].min()), "p", f"smallest document-level p-value possible by {by}"),
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
    return _table("02", rows)


def results_03(study, *, n_restarts: int | None = None, ks=None) -> pd.DataFrame:
    """Topics: k chosen by the configured rule, its win frequency, token-weighted prevalence."""
    from discourse.study.compare import choose_topics, content_stop_words, text_prevalence

    units = study.paragraphs
    ch = choose_topics(units, study.config, stop_words=content_stop_words(), n_restarts=n_restarts, ks=ks)
    s = ch.summary
    row = s[s["chosen"]].iloc[0]
    rows = [
        ("k", ch.k, "topics", f"number of topics chosen by the {ch.rule} rule"),
        ("n_restarts", int(row["n_restarts"]), "restarts", "restarts per k"),
        ("k_win_freq", round(float(row["win_freq"]), 2), "share", "share of bootstrap draws of the restarts choosing k"),
        ("coherence_mean", round(float(row["coherence_mean"]), 3), "NPMI", "mean NPMI coherence at the chosen k"),
        ("coherence_max_mean", round(float(s["coherence_mean"].max()), 3), "NPMI", "highest mean NPMI over k"),
    ]
    prev = text_prevalence(units, ch.model, study.config)
    rows.append(("prevalence_interval", "none" if prev["ci_low"].isna().all() else "refits", "",
                 "interval of topic prevalence per text"))
    return _table("03", rows)


def results_04(study, *, n_permutations: int = 999) -> pd.DataFrame:
    """Cities: similarity against its null; the genre gap with its exact p, floor and Cliff's δ."""
    from discourse.study.compare import GENRE_GROUPS, feature_differences, genre_groups, similarity_table

    units, docs = study.paragraphs, study.documents
    sim = similarity_table(units, n_permutations=n_permutations, random_state=study.config.stats.seed)
    rows = [
        ("n_pairs", len(sim), "pairs", "pairs of texts"),
        ("similarity_min", round(float(sim["similarity"].min()), 3), "cosine", "lowest pair similarity"),
        ("similarity_max", round(float(sim["similarity"].max()), 3), "cosine", "highest pair similarity"),
        ("within_half_mean", round(sim.attrs["within_half_mean"], 3), "cosine", "halves of the same text"),
        ("between_half_mean", round(sim.attrs["between_half_mean"], 3), "cosine", "halves of different texts"),
        ("n_rank_exceeds_noise", int(sim["rank_exceeds_noise"].sum()), "pairs",
         "pairs whose place in the ranking exceeds split-half noise"),
    ]
    groups = genre_groups(docs)
    if len(set(groups.values())) == 2 and set(groups.values()) == set(GENRE_GROUPS.values()):
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
    return _table("04", rows)


def results_06(study, *, k: int, share: float = 0.8, **kwargs) -> pd.DataFrame:
    """Robustness: the multiverse rule per finding."""
    from discourse.study.robustness import robust_findings, run_multiverse

    table = run_multiverse(study, k=k, **kwargs)
    rob = robust_findings(table, share=share)
    rows = [("n_specifications", table.attrs["n_specifications"], "specifications", "cells of the grid"),
            ("required_share", round(100 * share), "percent", "share of cells a robust finding must hold in"),
            ("n_robust", int(rob["robust"].sum()), "findings", "findings robust under the rule")]
    for r in rob.itertuples():
        rows += [(f"{r.finding}:n_cells", r.n_cells, "cells", f"cells judged for {r.finding}"),
                 (f"{r.finding}:n_holds", r.n_holds, "cells", f"cells where {r.finding} holds"),
                 (f"{r.finding}:n_same_sign", r.n_same_sign, "cells", f"cells with the baseline's sign for {r.finding}"),
                 (f"{r.finding}:baseline_holds", bool(r.baseline_holds), "", f"{r.finding} holds in the baseline")]
    return _table("06", rows)


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
           "results_04", "results_06", "write_results"]
