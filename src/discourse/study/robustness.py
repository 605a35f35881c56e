"""Do the main findings survive other preprocessing choices?

Denny and Spirling (2018, *Political Analysis* 26(2), "Text preprocessing for
unsupervised learning: why it matters, when it misleads, and what to do about
it") showed that findings from text-as-data can hinge on preprocessing
decisions. This module re-runs a fixed set of findings under alternative
choices — no domain lexicon, PKU-style words instead of policy compounds, no
stopwords, directive words stopped, the Python jieba backend, sentences
instead of paragraphs, k ± 2 topics — and reports each finding's value under
each variant, beside the baseline, with a ``holds`` verdict whose rule is
stated per finding.

The findings are defined from the baseline run, never from a name typed in
a notebook, so the same code serves another corpus:

``most_distinct``
    Mean cosine similarity (TF-IDF) of the baseline's most distinct document
    to the others. Holds when that document is still the most distinct.
``period_key_term``
    Log-ratio of the baseline's top over-used term of the largest policy
    period against the other periods. Holds when still over-used with
    BH-corrected p < 0.05.
``directive_gap``
    Directive words per 1,000 tokens: mean over documents of other genres
    minus mean over the most common genre. Holds when the sign is unchanged.
``topic_agreement``
    Mean Jaccard overlap of the top-10 terms of baseline and variant topics,
    matched one to one (Hungarian algorithm). Holds when at least 0.5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from discourse.analysis.coherence import topic_agreement
from discourse.config import RANDOM_STATE
from discourse.analysis.features import discourse_features
from discourse.analysis.keyness import group_keyness
from discourse.segment import DIRECTIVES, tokenize_units
from discourse.analysis.similarity import document_similarity
from discourse.analysis.topics import TopicModel

FINDINGS: dict[str, str] = {
    "most_distinct": "mean similarity of the most distinct document to the others",
    "period_key_term": "log-ratio of the top key term of the largest period",
    "directive_gap": "directive words per 1,000 tokens: other genres minus the most common genre",
    "topic_agreement": "top-10 term overlap of topics with the baseline topics (Jaccard)",
}


@dataclass(frozen=True)
class Variant:
    """One preprocessing variant.

    Attributes
    ----------
    name : str
        Short identifier shown in tables and figures.
    description : str
        What changes against the baseline.
    tokenizer_params : dict
        Parameters changed on the study's tokenizer (``Tokenizer.set_params``).
    unit : {"paragraph", "sentence"}
        Modelling unit for topics and similarity.
    k_offset : int
        Change in the number of topics.
    """

    name: str
    description: str
    tokenizer_params: dict = field(default_factory=dict)
    unit: str = "paragraph"
    k_offset: int = 0


def default_variants() -> list[Variant]:
    """The baseline and the alternatives the robustness notebook runs."""
    return [
        Variant("baseline", "project tokenizer, default stopwords, paragraphs, chosen k"),
        Variant("no lexicon", "jieba dictionary only, no domain lexicon", {"lexicon": False}),
        Variant("PKU words", "lexicon words but no multi-word policy compounds", {"compounds": False}),
        Variant("no stopwords", "no stopword list (punctuation still dropped)", {"stopwords": None}),
        Variant("directives stopped", "directive and modal words removed with the stopwords", {"keep_directives": False}),
        Variant("jieba backend", "Python jieba instead of jieba-rs", {"backend": "jieba"}),
        Variant("sentences", "sentences instead of paragraphs as units", unit="sentence"),
        Variant("k - 2", "two topics fewer", k_offset=-2),
        Variant("k + 2", "two topics more", k_offset=2),
    ]


def _units(study, variant: Variant, n_jobs: int | None) -> pd.DataFrame:
    base = study.paragraphs if variant.unit == "paragraph" else study.sentences
    if not variant.tokenizer_params:
        return base
    tok = study.tokenizer.__class__(**{**study.tokenizer.get_params(), **variant.tokenizer_params})
    return tokenize_units(base.drop(columns=["tokens"]), tok, n_jobs=n_jobs)


def _topics(units: pd.DataFrame, k: int, stop: Sequence[str], random_state: int) -> list[list[str]]:
    model = TopicModel(n_components=k, stop_words=list(stop), random_state=random_state)
    model.fit(units["tokens"])
    top = model.top_terms(10)
    return [g["term"].tolist() for _, g in top.groupby("topic", sort=True)]


def _directive_gap(units: pd.DataFrame, genres: pd.Series) -> float:
    from discourse.study.codebook import read_codebook

    feats = discourse_features(units, by="doc_id", codebook=read_codebook())
    rate = feats[feats["feature"] == "directive_total"].set_index("doc_id")["per_1000"]
    g = genres.reindex(rate.index)
    if g.nunique() < 2:
        return float("nan")
    common = g.value_counts().sort_index().idxmax()
    return float(rate[g != common].mean() - rate[g == common].mean())


def _similarity(units: pd.DataFrame) -> pd.Series:
    sim = document_similarity(units, by="label")
    values = sim.to_numpy(dtype=float, copy=True)
    np.fill_diagonal(values, np.nan)
    return pd.Series(np.nanmean(values, axis=1), index=sim.index.astype(str))


def run_robustness(
    study,
    *,
    k: int,
    variants: Sequence[Variant] | None = None,
    random_state: int = RANDOM_STATE,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Compute every finding under every variant.

    Parameters
    ----------
    study : discourse.study.Study
        The prepared corpus (its tokenizer is the baseline's).
    k : int
        Number of topics of the baseline.
    variants : sequence of Variant, optional
        Default :func:`default_variants`; the first must be the baseline.
    random_state : int
    n_jobs : int, optional
        Segmentation workers for re-tokenised variants (cached on disk).

    Returns
    -------
    pandas.DataFrame
        ``finding, variant, description, value, holds, detail``: one row per
        finding and variant; ``detail`` names the document, term or period
        the finding is about.
    """
    variants = list(variants or default_variants())
    if variants[0].tokenizer_params or variants[0].unit != "paragraph" or variants[0].k_offset:
        raise ValueError("the first variant must be the baseline (no changes)")
    stop = sorted(DIRECTIVES)
    genres = study.documents.set_index(study.documents["doc_id"].astype(str))["genre"].astype("object")

    base_units = _units(study, variants[0], n_jobs)
    base_sim = _similarity(base_units)
    distinct = str(base_sim.idxmin())
    period_sizes = study.documents["period"].value_counts()
    largest = period_sizes.sort_index().idxmax() if len(period_sizes) else None
    base_key = (
        group_keyness(base_units, "period", largest, min_freq=3, stop_words=stop) if largest is not None else None
    )
    key_term = None
    if base_key is not None:
        over = base_key[base_key["direction"] == "over"]
        key_term = str(over.iloc[0]["term"]) if len(over) else None
    base_topics = _topics(base_units, k, stop, random_state)

    rows = []
    for v in variants:
        units = base_units if v is variants[0] else _units(study, v, n_jobs)
        sim = _similarity(units)
        rows.append(("most_distinct", v, float(sim.get(distinct, np.nan)),
                     bool(str(sim.idxmin()) == distinct), f"document {distinct}; most distinct here: {sim.idxmin()}"))
        if key_term is not None:
            key = group_keyness(units, "period", largest, min_freq=3, stop_words=stop)
            hit = key[key["term"] == key_term]
            value = float(hit["log_ratio"].iloc[0]) if len(hit) else float("nan")
            holds = bool(len(hit) and hit["direction"].iloc[0] == "over" and hit["p_adjusted"].iloc[0] < 0.05)
            rows.append(("period_key_term", v, value, holds, f"{key_term} in {largest}"))
        gap = _directive_gap(units, genres)
        rows.append(("directive_gap", v, gap, None, "directive_total per 1,000 tokens"))
        topics = _topics(units, max(2, k + v.k_offset), stop, random_state)
        agree = 1.0 if v is variants[0] else float(topic_agreement(base_topics, topics, "jaccard"))
        rows.append(("topic_agreement", v, agree, bool(agree >= 0.5), f"k = {max(2, k + v.k_offset)}"))

    out = pd.DataFrame(
        [(f, v.name, v.description, value, holds, detail) for f, v, value, holds, detail in rows],
        columns=["finding", "variant", "description", "value", "holds", "detail"],
    )
    base_gap = out.loc[(out["finding"] == "directive_gap") & (out["variant"] == variants[0].name), "value"].iloc[0]
    gap_rows = out["finding"] == "directive_gap"
    out.loc[gap_rows, "holds"] = [
        None if np.isnan(g) or np.isnan(base_gap) else bool(np.sign(g) == np.sign(base_gap))
        for g in out.loc[gap_rows, "value"]
    ]
    out["value"] = out["value"].round(4)
    return out


__all__ = ["FINDINGS", "Variant", "default_variants", "run_robustness"]
