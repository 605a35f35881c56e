"""A multiverse that can fail: the study's findings over a factorial grid of preprocessing choices.

Denny and Spirling (2018, *Political Analysis* 26(2), "Text preprocessing
for unsupervised learning: why it matters, when it misleads, and what to do
about it") showed that findings can hinge on preprocessing; Steegen et al.
(2016, "Increasing transparency through a multiverse analysis",
*Perspectives on Psychological Science* 11(5)) and Simonsohn, Simmons &
Nelson (2020, "Specification curve analysis", *Nature Human Behaviour* 4)
compute a result in *every* combination of defensible choices, not one
choice changed at a time.

The grid (:func:`specification_grid`) crosses six choices, 2 × 2 × 2 × 2 ×
2 × 3 = 96 specifications:

* ``lexicon``: the domain lexicon loaded or not (jieba's dictionary only);
* ``compounds``: multi-word policy compounds kept whole or not;
* ``stopwords``: the stopword list applied or not;
* ``directives``: ``"kept"``, or ``"stopped"``: every term of the
  codebook's whole ``directive`` category removed from the tokens
  (:func:`stop_category`; not only the few directive words that are also
  stopwords);
* ``unit``: paragraphs or sentences (for topics, similarity and the
  document-level tests, whose documents are then made of sentences);
* ``k_offset``: the chosen k, k − 1 or k + 1 (topics only).

Each tokenisation is prepared by :func:`discourse.study.prepare.prepare`
with a modified configuration (cached per settings; the lexicon switch
re-tokenises the prepared units, because the configuration has no lexicon
switch yet).

Each finding is computed in every cell **with its own uncertainty**:

``period_key_term``
    Log ratio of the baseline's top over-used term (G²) of the largest
    policy period against the other periods, with its exact interval, and
    its document-level exact permutation p (documents relabelled). Holds
    in a cell when over-used and ``p < alpha``.
``directive_gap``
    Mean directive words per 1,000 tokens: the smaller genre group (speech
    texts) minus the other, exact permutation p over documents, Cliff's δ.
    Holds when the sign is the baseline's and ``p < alpha``. Undefined (not
    applicable) where the directive category is stopped.
``most_similar_pair``
    Cosine similarity of the baseline's most similar pair of texts, with
    the range of split-half similarities of the pair (length-matched noise,
    :func:`discourse.analysis.similarity.similarity_null`). Holds when the
    pair is still the most similar and its split-half lower bound exceeds
    the split-half mean of every other pair.
``topic_agreement``
    Jaccard overlap of the top-10 terms of the cell's topics with the
    baseline topics (matched one to one). Holds when it reaches the
    agreement of two restarts of the baseline specification (the noise
    of the fit itself, ``low``). The baseline cell is 1 by construction and
    is left out of the share.

The first three findings do not depend on k: their k − 1 and k + 1 cells
repeat the k cell and are marked ``by_construction`` (left out of the
share), so each is judged on 32 cells (16 for the directive gap, which is
undefined where the directives are stopped), the baseline included.

**Rule** (:func:`robust_findings`): a finding is *robust* only when it holds
in the baseline with its own uncertainty **and** in at least ``share``
(default 80%) of the other applicable cells. With five documents no
document-level permutation test can reach p < 0.05 (the floor is 0.2 for 2
against 3 documents), so the two tested findings cannot be robust on this
corpus: the grid says so instead of attaching "robust" to a sign.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from discourse.analysis.coherence import topic_agreement
from discourse.analysis.features import discourse_features
from discourse.analysis.keyness import group_keyness, permutation_keyness
from discourse.analysis.similarity import similarity_null
from discourse.analysis.stats import permutation_test
from discourse.analysis.topics import TopicModel
from discourse.config import RANDOM_STATE

FINDINGS: dict[str, str] = {
    "period_key_term": "log ratio of the top key term of the largest period (document-level exact p)",
    "directive_gap": "directive words per 1,000 tokens: speech texts minus news reports (exact p over documents)",
    "most_similar_pair": "cosine similarity of the most similar pair of texts (split-half range)",
    "topic_agreement": "top-10 term overlap of topics with the baseline topics (Jaccard; restart noise as bound)",
}

#: The columns of the tidy specification table (one row per finding × specification).
SPEC_COLUMNS: tuple[str, ...] = (
    "finding", "spec_id", "lexicon", "compounds", "stopwords", "directives", "unit", "k", "k_offset",
    "is_baseline", "applicable", "by_construction", "value", "low", "high", "p_value", "p_floor",
    "holds", "detail",
)


@dataclass(frozen=True)
class Specification:
    """One cell of the grid (a combination of preprocessing choices)."""

    lexicon: bool = True
    compounds: bool = True
    stopwords: bool = True
    directives: str = "kept"
    unit: str = "paragraph"
    k_offset: int = 0

    @property
    def spec_id(self) -> str:
        """A short stable identifier, e.g. ``lex1-cmp1-stp1-dir_kept-paragraph-k+0``."""
        return (f"lex{int(self.lexicon)}-cmp{int(self.compounds)}-stp{int(self.stopwords)}-"
                f"dir_{self.directives}-{self.unit}-k{self.k_offset:+d}")

    @property
    def tokenisation(self) -> tuple[bool, bool, bool]:
        return (self.lexicon, self.compounds, self.stopwords)


def specification_grid(
    *,
    lexicon: Sequence[bool] = (True, False),
    compounds: Sequence[bool] = (True, False),
    stopwords: Sequence[bool] = (True, False),
    directives: Sequence[str] = ("kept", "stopped"),
    units: Sequence[str] = ("paragraph", "sentence"),
    k_offsets: Sequence[int] = (0, -1, 1),
) -> list[Specification]:
    """The full factorial grid; the first cell is the baseline (every first level).

    Examples
    --------
    >>> grid = specification_grid()
    >>> len(grid), grid[0].spec_id
    (96, 'lex1-cmp1-stp1-dir_kept-paragraph-k+0')
    >>> len({s.spec_id for s in grid})
    96
    """
    for name, levels in (("directives", directives), ("units", units)):
        if not levels:
            raise ValueError(f"{name} needs at least one level")
    bad = [d for d in directives if d not in ("kept", "stopped")]
    if bad:
        raise ValueError(f"directives levels must be 'kept' or 'stopped', got {bad}")
    bad = [u for u in units if u not in ("paragraph", "sentence")]
    if bad:
        raise ValueError(f"units must be 'paragraph' or 'sentence', got {bad}")
    return [Specification(*combo) for combo in itertools.product(lexicon, compounds, stopwords, directives,
                                                                 units, k_offsets)]


def stop_category(units: pd.DataFrame, codebook: pd.DataFrame, category: str = "directive") -> pd.DataFrame:
    """The units with every token of a codebook category removed (the whole category, not its stopwords).

    Examples
    --------
    >>> cb = pd.DataFrame({"term": ["要", "必须", "清零"], "category": ["directive", "directive", "phase"]})
    >>> stop_category(pd.DataFrame({"tokens": [["要", "坚持", "必须", "清零"]]}), cb)["tokens"].tolist()
    [['坚持', '清零']]
    """
    if category not in set(codebook["category"].astype(str)):
        raise ValueError(f"the codebook has no category {category!r} "
                         f"(categories: {sorted(set(codebook['category'].astype(str)))})")
    words = set(codebook.loc[codebook["category"].astype(str) == category, "term"].astype(str))
    out = units.copy()
    out["tokens"] = [[t for t in toks if t not in words] for toks in units["tokens"]]
    return out


# -- preparing the tokenisations ---------------------------------------------------------
def _prepared(cfg):
    """Prepare *cfg* into its own cache entry (the study's processed folder is never touched)."""
    from discourse import config
    from discourse.study.prepare import load_documents, prepare, prepare_key

    key = prepare_key(cfg, load_documents(cfg))
    return prepare(cfg, processed_dir=config.INTERIM_DATA_DIR / "prepared" / key[:24], progress=False)


def _tokenised_units(study, lexicon: bool, compounds: bool, stopwords: bool) -> dict[str, pd.DataFrame]:
    from discourse.ingest.units import split_sentences
    from discourse.segment import tokenize_units
    from discourse.study.prepare import _join_metadata

    cfg = study.config
    tok_cfg = dataclasses.replace(cfg.tokenizer, compounds=compounds, stopwords=stopwords)
    has_lexicon_switch = "lexicon" in {f.name for f in dataclasses.fields(tok_cfg)}
    if has_lexicon_switch:
        tok_cfg = dataclasses.replace(tok_cfg, lexicon=lexicon)
    s = _prepared(dataclasses.replace(cfg, tokenizer=tok_cfg))
    paragraphs = s.paragraphs
    tokenizer = s.tokenizer
    if not lexicon and not has_lexicon_switch:
        tokenizer = tokenizer.set_params(lexicon=False)
        paragraphs = tokenize_units(paragraphs.drop(columns=["tokens"]), tokenizer, cache=True)
    cols = ["doc_id", "para_no", "para_id", "start", "end", "text"]
    sents = tokenize_units(split_sentences(paragraphs[cols]), tokenizer, cache=True)
    return {"paragraph": paragraphs, "sentence": _join_metadata(sents, s.documents)}


# -- the findings -------------------------------------------------------------------------
def _largest_period(documents: pd.DataFrame):
    if "period" not in documents.columns:
        return None
    sizes = documents["period"].astype("object").value_counts()
    return sizes.sort_index().idxmax() if len(sizes) > 1 else None


def _key_term(units, period, term, alpha, n_resamples, rs, stop) -> dict:
    k = group_keyness(units, "period", period, min_freq=1, stop_words=stop)
    hit = k[k["term"] == term]
    perm = permutation_keyness(units, "period", period, terms=[term], n_resamples=n_resamples,
                               correction=None, random_state=rs, stop_words=stop)
    p, floor = float(perm["p_value"].iloc[0]), float(perm["p_floor"].iloc[0])
    if hit.empty:
        return dict(value=np.nan, low=np.nan, high=np.nan, p_value=p, p_floor=floor, holds=False,
                    detail=f"{term} absent in this specification")
    h = hit.iloc[0]
    return dict(value=float(h["log_ratio"]), low=float(h["log_ratio_low"]), high=float(h["log_ratio_high"]),
                p_value=p, p_floor=floor, holds=bool(h["direction"] == "over" and p < alpha),
                detail=f"{term} in {period}: {int(h['freq_target'])} vs {int(h['freq_reference'])}")


def _directive_gap(units, genre_of, target, codebook, n_resamples, rs) -> dict:
    feats = discourse_features(units, by="doc_id", codebook=codebook)
    rate = feats[feats["feature"] == "directive_total"][["doc_id", "per_1000"]].astype({"doc_id": "string"})
    rate["group"] = rate["doc_id"].map(genre_of)
    rate = rate.dropna(subset=["group"])
    r = permutation_test(rate, "per_1000", "group", target=target, n_resamples=n_resamples, random_state=rs)
    row = r.iloc[0]
    return dict(value=float(row["diff"]), low=np.nan, high=np.nan, p_value=float(row["p_value"]),
                p_floor=float(row["p_floor"]), delta=float(row["cliffs_delta"]),
                detail=f"{target} − rest, Cliff's δ {row['cliffs_delta']:.2f}; "
                       f"{int(row['n_target'])} vs {int(row['n_reference'])} documents")


def _pairs(units, n_permutations, n_splits, rs) -> pd.DataFrame:
    r = similarity_null(units, "label", n_permutations=n_permutations, n_splits=n_splits, random_state=rs)
    r["pair"] = [" – ".join(sorted((str(a), str(b)))) for a, b in zip(r["a"], r["b"])]
    return r


def _similar_pair(pairs: pd.DataFrame, pair: str) -> dict:
    hit = pairs[pairs["pair"] == pair]
    if hit.empty:
        return dict(value=np.nan, low=np.nan, high=np.nan, holds=False, detail=f"{pair} not compared")
    h = hit.iloc[0]
    others = pairs[pairs["pair"] != pair]
    top = str(pairs.sort_values(["similarity", "pair"], ascending=[False, True]).iloc[0]["pair"])
    clear = bool(h["half_low"] > others["half_mean"].max()) if len(others) else False
    return dict(value=float(h["similarity"]), low=float(h["half_low"]), high=float(h["half_high"]),
                holds=bool(top == pair and clear),
                detail=f"{pair}; most similar here: {top}; split-half low {h['half_low']:.3f} vs "
                       f"highest other split-half mean {others['half_mean'].max():.3f}")


def _topics(units, k, stop, seed) -> list[list[str]]:
    model = TopicModel(n_components=k, stop_words=list(stop), random_state=seed).fit(units["tokens"])
    top = model.top_terms(10)
    return [g["term"].tolist() for _, g in top.groupby("topic", sort=True)]


def _restart_noise(units, k, stop, rs, n: int = 5) -> float:
    """Mean agreement of NMF fits with random initialisations at one specification."""
    seeds = np.random.default_rng(rs).integers(0, 2**31 - 1, size=n)
    fits = []
    for s in seeds:
        m = TopicModel(n_components=k, stop_words=list(stop), random_state=int(s), init="random",
                       max_iter=2000).fit(units["tokens"])
        top = m.top_terms(10)
        fits.append([g["term"].tolist() for _, g in top.groupby("topic", sort=True)])
    return float(np.mean([topic_agreement(a, b, "jaccard") for a, b in itertools.combinations(fits, 2)]))


def run_multiverse(
    study,
    *,
    k: int,
    grid: Sequence[Specification] | None = None,
    alpha: float = 0.05,
    genre_groups: dict[str, str] | None = None,
    n_resamples: int = 9999,
    similarity_permutations: int = 199,
    similarity_splits: int = 100,
    random_state: int = RANDOM_STATE,
) -> pd.DataFrame:
    """Compute every finding in every specification, each with its own uncertainty.

    Parameters
    ----------
    study : discourse.study.Study
        The prepared baseline study.
    k : int
        The chosen number of topics (e.g. ``choose_topics(...).k``).
    grid : sequence of Specification, optional
        Default :func:`specification_grid`; the first cell is the baseline.
    alpha : float
        Level for the tested findings.
    genre_groups : dict, optional
        Genre → group (default :data:`discourse.study.compare.GENRE_GROUPS`).
    n_resamples, similarity_permutations, similarity_splits, random_state
        Resampling sizes and seed.

    Returns
    -------
    pandas.DataFrame
        The tidy specification table, columns :data:`SPEC_COLUMNS`, one row
        per (finding, specification), for a specification-curve figure
        (x: specifications ranked by ``value``; y: ``value`` with
        ``low``–``high``; colour: ``holds``; a lower panel of the choices
        ``lexicon, compounds, stopwords, directives, unit, k_offset``).
        ``attrs["seconds"]`` is the run time.
    """
    from discourse.study.compare import GENRE_GROUPS, content_stop_words

    t0 = time.perf_counter()
    grid = list(grid or specification_grid())
    base = grid[0]
    if base != Specification(directives=base.directives, unit=base.unit) or base.k_offset or \
            base.directives != "kept" or base.unit != study.config.units.unit:
        raise ValueError("the first specification must be the baseline (the study's own settings, chosen k)")
    codebook = study.codebook
    stop = sorted(content_stop_words())
    docs = study.documents
    groups = genre_groups or GENRE_GROUPS
    genre_of = dict(zip(docs["doc_id"].astype(str), docs["genre"].astype("object").map(groups)))
    levels = sorted({g for g in genre_of.values() if isinstance(g, str)})
    sizes = pd.Series(list(genre_of.values())).value_counts()
    gap_target = sorted(levels, key=lambda g: (sizes.get(g, 0), g))[0] if len(levels) == 2 else None
    period = _largest_period(docs)

    cache: dict[tuple, dict[str, pd.DataFrame]] = {}

    def units_for(spec: Specification) -> pd.DataFrame:
        if spec.tokenisation not in cache:
            cache[spec.tokenisation] = (
                {"paragraph": study.paragraphs, "sentence": study.sentences}
                if spec.tokenisation == base.tokenisation else _tokenised_units(study, *spec.tokenisation)
            )
        u = cache[spec.tokenisation][spec.unit]
        return stop_category(u, codebook) if spec.directives == "stopped" else u

    base_units = units_for(base)
    term = None
    if period is not None:
        bk = group_keyness(base_units, "period", period, min_freq=study.config.stats.min_freq, stop_words=stop)
        over = bk[bk["direction"] == "over"]
        term = str(over.iloc[0]["term"]) if len(over) else None
    base_pairs = _pairs(base_units, similarity_permutations, similarity_splits, random_state)
    pair = str(base_pairs.iloc[0]["pair"]) if len(base_pairs) else None
    base_topics = _topics(base_units, k, stop, random_state)
    noise = _restart_noise(base_units, k, stop, random_state)

    rows = []
    shared: dict[tuple, dict] = {}
    for spec in grid:
        units = units_for(spec)
        skey = (spec.tokenisation, spec.directives, spec.unit)
        if skey not in shared:
            res = {}
            if term is not None:
                res["period_key_term"] = _key_term(units, period, term, alpha, n_resamples, random_state, stop)
            if gap_target is not None and spec.directives == "kept":
                res["directive_gap"] = _directive_gap(units, genre_of, gap_target, codebook, n_resamples,
                                                      random_state)
            if pair is not None:
                res["most_similar_pair"] = _similar_pair(
                    _pairs(units, similarity_permutations, similarity_splits, random_state), pair)
            shared[skey] = res
        res = dict(shared[skey])
        kk = max(2, k + spec.k_offset)
        is_base = spec == base
        agree = 1.0 if is_base else float(topic_agreement(base_topics, _topics(units, kk, stop, random_state),
                                                          "jaccard"))
        res["topic_agreement"] = dict(value=agree, low=noise, high=np.nan, holds=bool(agree >= noise),
                                      detail=f"k = {kk}; restart agreement at the baseline {noise:.3f}",
                                      by_construction=is_base)
        if gap_target is not None and spec.directives == "stopped":
            res["directive_gap"] = dict(value=np.nan, applicable=False, holds=None,
                                        detail="undefined: the directive category is stopped")
        for finding in FINDINGS:
            if finding not in res:
                continue
            r = dict(res[finding])
            if finding == "directive_gap" and r.get("applicable", True):
                if is_base:
                    base_sign = np.sign(r["value"])
                    shared["_gap_sign"] = base_sign
                r["holds"] = bool(np.sign(r["value"]) == shared.get("_gap_sign") and r["p_value"] < alpha)
            dup = finding != "topic_agreement" and spec.k_offset != 0
            if dup:
                r["detail"] = "equal to the k+0 cell by construction (does not depend on k); " + r.get("detail", "")
            rows.append({
                "finding": finding, "spec_id": spec.spec_id, "lexicon": spec.lexicon,
                "compounds": spec.compounds, "stopwords": spec.stopwords, "directives": spec.directives,
                "unit": spec.unit, "k": kk, "k_offset": spec.k_offset, "is_baseline": is_base,
                "applicable": r.get("applicable", True), "by_construction": bool(r.get("by_construction", False) or dup),
                "value": r.get("value", np.nan), "low": r.get("low", np.nan), "high": r.get("high", np.nan),
                "p_value": r.get("p_value", np.nan), "p_floor": r.get("p_floor", np.nan),
                "holds": r.get("holds"), "detail": r.get("detail", ""),
            })
    out = pd.DataFrame(rows, columns=list(SPEC_COLUMNS))
    out.attrs.update(seconds=round(time.perf_counter() - t0, 1), k=k, alpha=alpha, term=term, period=period,
                     pair=pair, gap_target=gap_target, n_specifications=len(grid))
    return out


def robust_findings(table: pd.DataFrame, *, share: float = 0.8) -> pd.DataFrame:
    """Apply the rule: robust = holds in the baseline (with its uncertainty) and in ``share`` of the other cells.

    Cells that are not applicable (the finding is undefined there) and the
    baseline cell are left out of the share; so are cells equal to the
    baseline by construction.

    Returns
    -------
    pandas.DataFrame
        One row per finding: ``finding, baseline_value, baseline_low,
        baseline_high, baseline_p, p_floor, baseline_holds, n_cells,
        n_holds, share_holds, n_same_sign, share_same_sign, required_share,
        robust, reason``.

    Examples
    --------
    >>> t = pd.DataFrame({"finding": ["f"] * 3, "is_baseline": [True, False, False],
    ...     "applicable": True, "by_construction": False, "value": [1.0, 2.0, -1.0],
    ...     "low": np.nan, "high": np.nan, "p_value": [0.01, 0.02, 0.5], "p_floor": 0.001,
    ...     "holds": [True, True, False]})
    >>> robust_findings(t)[["n_cells", "n_holds", "robust"]].values.tolist()
    [[2, 1, False]]
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    rows = []
    for finding, g in table.groupby("finding", sort=False):
        b = g[g["is_baseline"]]
        if b.empty:
            raise ValueError(f"finding {finding!r} has no baseline cell")
        b = b.iloc[0]
        rest = g[~g["is_baseline"] & g["applicable"].astype(bool) & ~g["by_construction"].astype(bool)]
        n = len(rest)
        holds = rest["holds"].fillna(False).astype(bool)
        same = np.sign(rest["value"]) == np.sign(b["value"])
        base_holds = bool(b["holds"]) if pd.notna(b["holds"]) else False
        sh = float(holds.mean()) if n else float("nan")
        robust = bool(base_holds and n and sh >= share)
        if not base_holds:
            floor = b["p_floor"]
            reason = ("does not hold in the baseline" +
                      (f" (p = {b['p_value']:.3g}; the design's floor is {floor:.3g})" if pd.notna(b["p_value"]) else ""))
        elif not robust:
            reason = f"holds in {int(holds.sum())} of {n} other cells ({sh:.0%} < {share:.0%})"
        else:
            reason = f"holds in the baseline and in {int(holds.sum())} of {n} other cells ({sh:.0%})"
        rows.append({
            "finding": finding, "baseline_value": b["value"], "baseline_low": b["low"], "baseline_high": b["high"],
            "baseline_p": b["p_value"], "p_floor": b["p_floor"], "baseline_holds": base_holds, "n_cells": n,
            "n_holds": int(holds.sum()), "share_holds": sh, "n_same_sign": int(same.sum()),
            "share_same_sign": float(same.mean()) if n else float("nan"), "required_share": share,
            "robust": robust, "reason": reason,
        })
    return pd.DataFrame(rows)


def run_robustness(study, *, k: int, **kwargs) -> pd.DataFrame:
    """The multiverse table (kept for code written for the one-at-a-time variants).

    Returns :func:`run_multiverse` with a ``variant`` column (the
    specification id), for :func:`discourse.plotting.plot_robustness`.
    """
    kwargs.pop("variants", None)
    kwargs.pop("n_jobs", None)
    out = run_multiverse(study, k=k, **kwargs)
    out.insert(2, "variant", out["spec_id"])
    return out


__all__ = [
    "FINDINGS",
    "SPEC_COLUMNS",
    "Specification",
    "specification_grid",
    "stop_category",
    "run_multiverse",
    "robust_findings",
    "run_robustness",
]
