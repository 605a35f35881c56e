"""Study-level comparisons: every group against the rest, in one tidy table.

The analysis modules (:mod:`discourse.analysis.keyness`, :mod:`discourse.analysis.ctfidf`,
:mod:`discourse.analysis.features`, :mod:`discourse.analysis.stats`) compare one target with
one reference. A comparative study asks the same question of every city or
period; these functions loop over the groups, add English glosses and keep
the counts beside every statistic, so a notebook cell stays one call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from discourse.analysis.features import discourse_features, feature_terms
from discourse.analysis.keyness import group_keyness, segmentation_check, substring_keyness
from discourse.analysis.stats import cliffs_delta_ci, group_differences
from discourse.config import RANDOM_STATE
from discourse.segment import DIRECTIVES, gloss as default_gloss


def _levels(units: pd.DataFrame, by: str, groups: Sequence | None) -> list:
    if groups is not None:
        return list(groups)
    col = units[by]
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.dropna())
        return [c for c in col.cat.categories if c in present]
    return sorted(col.dropna().unique().tolist(), key=str)


def keyness_by_group(
    units: pd.DataFrame,
    by: str,
    *,
    groups: Sequence | None = None,
    n_terms: int = 8,
    min_freq: int = 3,
    measure: str = "g2",
    correction: str | None = "fdr_bh",
    stop_words: Iterable[str] | None = None,
    gloss: Callable[[str], str] | None = default_gloss,
    permutation: bool | None = None,
    doc_col: str = "doc_id",
    cluster: str | None = None,
    n_resamples: int = 9999,
    alpha: float = 0.05,
    random_state: int | None = RANDOM_STATE,
) -> pd.DataFrame:
    """The most over-used terms of each group against all other groups.

    G² (or chi²) and the log ratio rank the terms and describe them; they
    are not tests (tokens are not independent draws). Beside every count
    are the documents containing the term and Gries' DP, Fisher's exact p
    and the exact interval of the log ratio; with *permutation* the
    document-level permutation p-value (whole documents relabelled, or
    whole *cluster* values), BH-corrected within each group's comparison
    over all its tested terms, and ``significant`` is that document-level
    verdict. ``p_floor`` is the smallest p-value the design allows
    (:func:`p_floor_note`).

    Parameters
    ----------
    units : pandas.DataFrame
        Units with ``tokens`` and the group column *by* (and *doc_col*).
    by : str
        Group column (``"label"``, ``"period"``, ``"genre"`` ...).
    groups : sequence, optional
        Groups to report (default: every level present, in category order).
    n_terms : int
        Terms per group, ranked by G² (or chi²) among over-used terms.
    min_freq : int
        Minimum total frequency of a term (target + reference).
    measure, correction
        Passed to :func:`discourse.analysis.keyness.keyness`; p-values are corrected
        within each group's comparison.
    stop_words : iterable of str, optional
        Tokens left out of both corpora.
    gloss : callable, optional
        English gloss of a term (default :func:`discourse.segment.gloss`).
    permutation : bool, optional
        Document-level permutation p-values; default: when *doc_col* is a
        column of *units*. Without it, ``significant`` is the token-level
        Fisher verdict and ``attrs["level"]`` says ``"token"``.
    doc_col, cluster, n_resamples, alpha, random_state
        As in :func:`discourse.analysis.keyness.group_keyness`.

    Returns
    -------
    pandas.DataFrame
        ``group, rank, term, gloss, freq_target, freq_reference, g2,
        log_ratio, log_ratio_low, log_ratio_high, docs_target, n_docs_target,
        docs_reference, n_docs_reference, dp_target, dp_reference, p_fisher,
        p_adjusted, significant_token`` and, with permutation, ``p_perm,
        p_perm_adjusted, p_floor, n_relabelings``; then ``significant``.
        ``p_adjusted`` is the BH-corrected Fisher p. ``attrs["level"]`` is
        ``"document"`` (or the cluster column) or ``"token"``.

    Examples
    --------
    >>> units = pd.DataFrame({"g": ["a", "a", "b", "b"],
    ...     "tokens": [["清零"] * 4, ["清零", "防控"], ["防控"] * 3, ["防控", "清零"]]})
    >>> keyness_by_group(units, "g", min_freq=1, gloss=None)[["group", "term"]].values.tolist()
    [['a', '清零'], ['b', '防控']]
    >>> units["doc_id"] = ["d1", "d2", "d3", "d4"]
    >>> k = keyness_by_group(units, "g", min_freq=1, gloss=None)
    >>> k[["group", "term", "n_relabelings", "p_floor"]].values.tolist()
    [['a', '清零', 6, 0.3333333333333333], ['b', '防控', 6, 0.3333333333333333]]
    """
    use_perm = doc_col in units.columns if permutation is None else bool(permutation)
    frames = []
    stat = "g2" if measure == "g2" else "chi2"
    for level in _levels(units, by, groups):
        k = group_keyness(
            units, by, level, min_freq=min_freq, measure=measure, correction=correction, stop_words=stop_words,
            doc_col=doc_col if doc_col in units.columns else None, permutation=use_perm, cluster=cluster,
            n_resamples=n_resamples, alpha=alpha, random_state=random_state,
        )
        k = k.rename(columns={"significant": "significant_token"})
        k["significant"] = k["significant_perm"].fillna(False).astype(bool) if use_perm else k["significant_token"]
        k = k[k["direction"] == "over"]
        k = k.sort_values([stat, "term"], ascending=[False, True], kind="mergesort").head(n_terms)
        k = k.assign(group=level, rank=range(1, len(k) + 1))
        frames.append(k)
    cols = ["group", "rank", "term", "freq_target", "freq_reference", stat, "log_ratio", "log_ratio_low",
            "log_ratio_high", "docs_target", "n_docs_target", "docs_reference", "n_docs_reference",
            "dp_target", "dp_reference", "p_fisher", "p_adjusted", "significant_token"]
    if use_perm:
        cols += ["p_perm", "p_perm_adjusted", "p_floor", "n_relabelings"]
    cols.append("significant")
    out = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    out.insert(3, "gloss", out["term"].map(gloss) if gloss is not None else "")
    for c in (stat, "log_ratio", "log_ratio_low", "log_ratio_high", "dp_target", "dp_reference"):
        out[c] = out[c].astype(float).round(2)
    for c in ("p_fisher", "p_adjusted", "p_perm", "p_perm_adjusted"):
        if c in out.columns:
            out[c] = out[c].astype(float).round(4)
    out = out.reset_index(drop=True)
    out.attrs["level"] = (cluster or doc_col) if use_perm else "token"
    return out


# -- document-level inference ----------------------------------------------------------
def p_floor_note(n_target: int, n_reference: int, *, alpha: float = 0.05, unit: str = "documents") -> str:
    """One sentence that explains the smallest p-value an exact permutation test can give.

    With *n_target* against *n_reference* units there are ``C(n, n_target)``
    distinct relabellings. scipy's two-sided p-value (twice the smaller
    one-sided p-value) cannot be below ``2 / C``; the other common
    convention (relabellings at least as extreme in absolute value) gives
    ``1 / C`` when the null distribution is symmetric, and the one-sided
    floor is ``1 / C``.

    Examples
    --------
    >>> p_floor_note(2, 3)[:90]
    'With 2 against 3 documents there are 10 distinct relabellings, so an exact permutation p-v'
    >>> "cannot be significant at 0.05" in p_floor_note(2, 3)
    True
    >>> "cannot be significant" in p_floor_note(10, 10)
    False
    """
    if n_target < 1 or n_reference < 1:
        raise ValueError(f"both groups need at least one unit, got {n_target} and {n_reference}")
    c = math.comb(n_target + n_reference, n_target)
    two, one = min(1.0, 2.0 / c), 1.0 / c
    text = (f"With {n_target} against {n_reference} {unit} there are {c:,} distinct relabellings, "
            f"so an exact permutation p-value cannot be smaller than {_fmt_p(two)} two-sided "
            f"(twice the smaller tail, scipy's convention) or {_fmt_p(one)} one-sided "
            f"({_fmt_p(one)} two-sided under the convention that counts relabellings at least as "
            "extreme in absolute value)")
    if two > alpha:
        text += f"; at the {unit[:-1] if unit.endswith('s') else unit} level this comparison cannot be significant at {alpha:g}"
    return text + "."


def _fmt_p(p: float) -> str:
    return f"{p:.3g}" if p >= 0.001 else f"{p:.1e}"


def document_keyness(
    units: pd.DataFrame,
    by: str,
    target,
    *,
    reference=None,
    min_freq: int = 3,
    stop_words: Iterable[str] | None = None,
    doc_col: str = "doc_id",
    cluster: str | None = None,
    n_resamples: int = 9999,
    alpha: float = 0.05,
    correction: str | None = "fdr_bh",
    random_state: int | None = RANDOM_STATE,
    gloss: Callable[[str], str] | None = default_gloss,
) -> pd.DataFrame:
    """Keyness of one group against the rest, with document-level inference beside every count.

    G² and the log ratio are descriptive (tokens are not independent draws);
    each term also gets Fisher's exact p (token level), the exact interval of
    its log ratio, the documents of each group containing it, Gries' DP, and
    the document-level permutation p-value (:func:`discourse.analysis.keyness.
    group_keyness` with ``permutation=True``: whole documents, or whole
    *cluster* values, are relabelled), corrected by *correction* over the
    tested terms. ``significant`` is the document-level verdict;
    ``significant_token`` the token-level Fisher one, kept for comparison.

    Returns
    -------
    pandas.DataFrame
        ``term, gloss, direction, freq_target, freq_reference, size_target,
        size_reference, g2, log_ratio, log_ratio_low, log_ratio_high,
        p_fisher, p_fisher_adjusted, significant_token, docs_target,
        n_docs_target, docs_reference, n_docs_reference, dp_target,
        dp_reference, p_perm, p_perm_adjusted, p_floor, n_relabelings,
        exact, significant`` in G² order; ``attrs["p_floor_note"]`` is the
        sentence of :func:`p_floor_note`.

    Examples
    --------
    >>> units = pd.DataFrame({"doc_id": list("abcde"), "g": ["x", "x", "y", "y", "y"],
    ...     "tokens": [["封控"] * 3 + ["工作"], ["封控", "工作"], ["工作"] * 2, ["工作"], ["工作"]]})
    >>> k = document_keyness(units, "g", "x", min_freq=1, gloss=None)
    >>> k[["term", "docs_target", "docs_reference", "p_perm", "p_floor", "significant"]].values.tolist()
    [['封控', 2, 0, 0.2, 0.2, False], ['工作', 2, 3, 0.2, 0.2, False]]
    """
    k = group_keyness(
        units, by, target, reference=reference, min_freq=min_freq, stop_words=stop_words,
        doc_col=doc_col, permutation=True, cluster=cluster, n_resamples=n_resamples,
        correction=correction, alpha=alpha, random_state=random_state, test="fisher",
    )
    k = k.rename(columns={"p_adjusted": "p_fisher_adjusted", "significant": "significant_token"})
    k["significant"] = k["significant_perm"].fillna(False).astype(bool)
    k.insert(1, "gloss", k["term"].map(gloss) if gloss is not None else "")
    cols = ["term", "gloss", "direction", "freq_target", "freq_reference", "size_target", "size_reference",
            "g2", "log_ratio", "log_ratio_low", "log_ratio_high", "p_fisher", "p_fisher_adjusted",
            "significant_token", "docs_target", "n_docs_target", "docs_reference", "n_docs_reference",
            "dp_target", "dp_reference", "p_perm", "p_perm_adjusted", "p_floor", "n_relabelings", "exact",
            "significant"]
    out = k[cols].reset_index(drop=True)
    unit = cluster or doc_col
    n_t = int(units.loc[units[by].isin(_as_list(target)), unit].nunique())
    ref_mask = units[by].isin(_as_list(reference)) if reference is not None else \
        (~units[by].isin(_as_list(target)) & units[by].notna())
    n_r = int(units.loc[ref_mask, unit].nunique())
    unit_name = "documents" if unit == doc_col else f"{unit} clusters"
    out.attrs.update(p_floor_note=p_floor_note(n_t, n_r, alpha=alpha, unit=unit_name),
                     n_units_target=n_t, n_units_reference=n_r, unit=unit, target=target, by=by)
    return out


def _as_list(v) -> list:
    return list(v) if isinstance(v, (list, tuple, set)) else [v]


def top_terms(
    units: pd.DataFrame,
    by: str,
    *,
    n_terms: int = 10,
    stop_words: Iterable[str] | None = None,
    gloss: Callable[[str], str] | None = default_gloss,
) -> pd.DataFrame:
    """The most frequent terms of each group, with counts and rates per 1,000 tokens.

    Returns
    -------
    pandas.DataFrame
        ``group, rank, term, gloss, count, n_tokens, per_1000``; ties are
        broken by the term, so the order is stable.

    Examples
    --------
    >>> units = pd.DataFrame({"g": ["a", "a"], "tokens": [["防控", "疫情"], ["防控"]]})
    >>> top_terms(units, "g", n_terms=1, gloss=None)[["group", "term", "count"]].values.tolist()
    [['a', '防控', 2]]
    """
    from discourse.analysis.grouping import group_tokens

    stop = set(stop_words or ())
    rows = []
    pooled = dict(zip(*group_tokens(units[units[by].notna()], by)))
    for level in _levels(units, by, None):
        tokens = pooled.get(level, [])
        counts = pd.Series(tokens, dtype="object").value_counts()
        n = int(counts.sum())
        counts = counts[[t not in stop for t in counts.index]]
        counts = counts.rename_axis("term").reset_index(name="count")
        counts = counts.sort_values(["count", "term"], ascending=[False, True], kind="mergesort").head(n_terms)
        for rank, (term, count) in enumerate(zip(counts["term"], counts["count"]), start=1):
            rows.append((level, rank, term, int(count), n, round(1000 * count / n, 2) if n else float("nan")))
    out = pd.DataFrame(rows, columns=["group", "rank", "term", "count", "n_tokens", "per_1000"])
    out.insert(3, "gloss", out["term"].map(gloss) if gloss is not None else "")
    return out


#: Genres of the bundled manifest grouped by how they were produced: news
#: reports paraphrase a leader ("X stressed that we must ..."), speech texts
#: address the audience directly.
GENRE_GROUPS: dict[str, str] = {
    "meeting_report": "news report",
    "speech": "speech text",
    "speech_material": "speech text",
}


def genre_groups(documents: pd.DataFrame) -> dict[str, str]:
    """The genre groups of a corpus: the bundled genres pooled by :data:`GENRE_GROUPS`, others as they are.

    Examples
    --------
    >>> genre_groups(pd.DataFrame({"genre": ["speech", "meeting_report", "work_report"]}))
    {'meeting_report': 'news report', 'speech': 'speech text', 'work_report': 'work_report'}
    """
    values = sorted(documents["genre"].dropna().astype(str).unique()) if "genre" in documents.columns else []
    return {v: GENRE_GROUPS.get(v, v) for v in values}


def feature_differences(
    units: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    by: str = "genre",
    groups: dict[str, str] | None = None,
    target: str | None = None,
    features: Sequence[str] | None = None,
    codebook: pd.DataFrame | None = None,
    delta_interval: bool = False,
    **kwargs,
) -> pd.DataFrame:
    """Exact permutation tests of discourse-feature rates between groups of documents.

    Each document is one observation (its rate per 1,000 tokens), so the
    test permutes documents. With few documents the test is exact (all
    ``C(n, n_target)`` relabellings); ``p_floor`` is the smallest p-value it
    can give and ``attrs["p_floor_note"]`` says so in a sentence. Cohen's d
    and Hedges' g are NA below ``min_group_size`` documents per group
    (default 5, :data:`discourse.analysis.stats.MIN_GROUP_SIZE`), and so is
    the bootstrap interval of Cliff's δ: ``delta_note`` says why. With 2
    and 3 documents a percentile bootstrap is degenerate: under complete
    separation every resample gives δ = ±1, so the "interval" is [1, 1]
    however weak the evidence; Cliff's δ is then reported with its exact
    permutation p-value only. *delta_interval* computes it anyway.

    Parameters
    ----------
    units : pandas.DataFrame
        Units with ``doc_id``, ``text`` and ``tokens``.
    documents : pandas.DataFrame
        One row per document with ``doc_id`` and the column *by*.
    by : str
        Document column that defines the groups.
    groups : dict, optional
        Maps values of *by* to group names (e.g. :data:`GENRE_GROUPS`);
        documents whose value is missing from the mapping are left out.
    target : str, optional
        The group compared with the rest (default: the first in sorted order).
    features : sequence of str, optional
        Features of :func:`discourse.analysis.features.discourse_features` to test
        (default: all).
    codebook : pandas.DataFrame, optional
        The study's codebook (default: the bundled one).
    delta_interval : bool, default False
        Fill ``cliffs_delta_low``/``cliffs_delta_high`` even below the
        minimum group size (with a ``delta_note`` that says so).
    **kwargs
        Passed to :func:`discourse.analysis.stats.group_differences`.

    Returns
    -------
    pandas.DataFrame
        One row per feature (see :func:`discourse.analysis.stats.group_differences`)
        plus ``delta_note``; empty, with ``attrs["note"]`` saying why, when
        the documents do not form two groups.
    """
    if codebook is None:
        from discourse.study.codebook import read_codebook

        codebook = read_codebook()
    feats = discourse_features(units, by="doc_id", codebook=codebook)
    if features is not None:
        feats = feats[feats["feature"].isin(list(features))]
    data = _with_groups(feats, documents, by, groups)
    levels = sorted(data["group"].unique().tolist())
    if len(levels) < 2:
        out = pd.DataFrame(columns=["variable", "group", "target", "reference", "n_target", "n_reference"])
        out.attrs["note"] = f"the documents do not form two groups by {by!r} (found: {levels})"
        return out
    return _differences(data, target or levels[0], delta_interval=delta_interval, **kwargs)


def _with_groups(feats: pd.DataFrame, documents: pd.DataFrame, by: str, groups) -> pd.DataFrame:
    doc_groups = documents[["doc_id", by]].astype({"doc_id": "string"}).copy()
    values = doc_groups[by].astype("object")
    doc_groups["group"] = values.map(groups) if groups is not None else values
    feats = feats.astype({"doc_id": "string"})
    return feats.merge(doc_groups[["doc_id", "group"]], on="doc_id").dropna(subset=["group"])


def _differences(data: pd.DataFrame, target: str, *, delta_interval: bool = False, **kwargs) -> pd.DataFrame:
    out = group_differences(data, "per_1000", "group", variable="feature", target=target, **kwargs)
    notes = []
    rs = kwargs.get("random_state", RANDOM_STATE)
    for i, row in out.iterrows():
        sub = data[data["feature"] == row["variable"]]
        x = sub.loc[sub["group"] == target, "per_1000"].to_numpy(float)
        y = sub.loc[sub["group"] != target, "per_1000"].to_numpy(float)
        note = ""
        if np.isnan(row["cliffs_delta_low"]) and min(len(x), len(y)) >= 2:
            if delta_interval:
                lo, hi = cliffs_delta_ci(x, y, random_state=rs)
                out.loc[i, ["cliffs_delta_low", "cliffs_delta_high"]] = [lo, hi]
                note = (f"bootstrap interval from only {len(x)} and {len(y)} documents: degenerate "
                        "under complete separation, read with the exact p-value")
            else:
                note = (f"no interval for Cliff's delta: {len(x)} and {len(y)} documents; a bootstrap "
                        "from so few is degenerate (every resample of separated groups gives ±1)")
        elif np.isnan(row["cliffs_delta_low"]):
            note = f"no interval for Cliff's delta: {len(x)} and {len(y)} documents"
        notes.append(note)
    out["delta_note"] = notes
    if len(out):
        out.attrs["p_floor_note"] = p_floor_note(int(out["n_target"].iloc[0]), int(out["n_reference"].iloc[0]))
    return out


def directive_variants(
    units: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    by: str = "genre",
    groups: dict[str, str] | None = None,
    target: str | None = None,
    codebook: pd.DataFrame | None = None,
    drop_terms: Sequence[str] = ("要",),
    **kwargs,
) -> pd.DataFrame:
    """The directive gap under codebook-category variants: does it rest on one word or one category?

    Per document, directive words per 1,000 tokens are computed from the
    codebook's term counts (:func:`discourse.analysis.features.feature_terms`)
    for: all directive terms (``all``); all but each term of *drop_terms*
    (``without 要``); each subcategory alone (``only obligation`` ...); all
    but each subcategory (``without obligation`` ...). Each variant is
    tested as in :func:`feature_differences` (exact permutation p, Cliff's δ
    with its interval), and reports the share of the directive tokens it
    keeps. The "directives stopped" variant of the multiverse stops the
    whole codebook category (:func:`discourse.study.robustness.stop_category`),
    under which this gap is undefined.

    Returns
    -------
    pandas.DataFrame
        ``variant, kind, n_tokens_counted, share_of_directives`` then the
        columns of :func:`feature_differences` (``variable`` = variant).
    """
    if codebook is None:
        from discourse.study.codebook import read_codebook

        codebook = read_codebook()
    terms = feature_terms(units, by="doc_id", codebook=codebook)
    terms = terms[terms["category"] == "directive"].astype({"doc_id": "string"})
    n_tok = terms.groupby("doc_id")["n_tokens"].first()
    total = int(terms["count"].sum())
    subcats = sorted(terms["subcategory"].dropna().astype(str).unique())
    specs: list[tuple[str, str, pd.Series]] = [("all", "all", pd.Series(True, index=terms.index))]
    for t in drop_terms:
        specs.append((f"without {t}", "term dropped", terms["term"] != t))
    for s in subcats:
        specs.append((f"only {s}", "category alone", terms["subcategory"] == s))
    for s in subcats:
        specs.append((f"without {s}", "category dropped", terms["subcategory"] != s))
    rows, meta = [], []
    for name, kind, keep in specs:
        counts = terms[keep].groupby("doc_id")["count"].sum().reindex(n_tok.index, fill_value=0)
        rows.append(pd.DataFrame({"doc_id": n_tok.index, "feature": name, "count": counts.to_numpy(),
                                  "n_tokens": n_tok.to_numpy(),
                                  "per_1000": 1000 * counts.to_numpy() / n_tok.to_numpy()}))
        kept = int(terms.loc[keep, "count"].sum())
        meta.append((name, kind, kept, kept / total if total else float("nan")))
    data = _with_groups(pd.concat(rows, ignore_index=True), documents, by, groups)
    levels = sorted(data["group"].unique().tolist())
    if len(levels) < 2:
        out = pd.DataFrame(columns=["variant", "kind"])
        out.attrs["note"] = f"the documents do not form two groups by {by!r} (found: {levels})"
        return out
    res = _differences(data, target or levels[0], **kwargs)
    m = pd.DataFrame(meta, columns=["variant", "kind", "n_tokens_counted", "share_of_directives"])
    out = m.merge(res.rename(columns={"variable": "variant"}), on="variant", how="left")
    out.attrs.update(res.attrs)
    return out


def segmentation_findings(
    units: pd.DataFrame,
    by: str,
    *,
    groups: Sequence | None = None,
    n_terms: int = 5,
    min_freq: int = 3,
    stop_words: Iterable[str] | None = None,
    text_col: str = "text",
    doc_col: str = "doc_id",
    per: int = 1000,
    gloss: Callable[[str], str] | None = default_gloss,
    random_state: int | None = RANDOM_STATE,
) -> pd.DataFrame:
    """Lexical findings (over-used terms) re-counted as substrings: which depend on segmentation?

    For each group of *by*, its *n_terms* top over-used terms by G² (the
    lexical findings a reader would be shown) are counted a second way, as
    non-overlapping substrings of the clean text
    (:func:`discourse.analysis.keyness.substring_keyness`, per character;
    隔离 inside 居家隔离 counts). A finding **depends on segmentation** when,
    on substrings, its direction changes, its token-level Fisher
    significance (BH) is lost, or the lower bound of its log-ratio interval
    no longer excludes 0 (``interval_lost``). Per document, the substring
    rate (per *per* characters) shows whether some reference document uses
    the string at least as often as some target document (``reference_max_rate`` at or above
    ``target_min_rate``: ``overlap``).

    Returns
    -------
    pandas.DataFrame
        ``group, term, gloss, freq_target_tokens, freq_reference_tokens,
        freq_target_substrings, freq_reference_substrings,
        log_ratio_tokens, log_ratio_low_tokens, log_ratio_substrings,
        log_ratio_low_substrings, log_ratio_high_substrings,
        p_perm_substrings, significant_tokens, significant_substrings,
        direction_changed, significance_lost, interval_lost,
        target_min_rate, reference_max_rate, overlap,
        depends_on_segmentation``.

    Examples
    --------
    >>> units = pd.DataFrame({"doc_id": ["a", "b", "c"], "g": ["x", "x", "y"],
    ...     "text": ["加强隔离", "隔离管控", "居家隔离居家隔离"],
    ...     "tokens": [["加强", "隔离"], ["隔离", "管控"], ["居家隔离", "居家隔离"]]})
    >>> r = segmentation_findings(units, "g", groups=["x"], min_freq=1, gloss=None)
    >>> r.loc[r.term == "隔离", ["freq_reference_tokens", "freq_reference_substrings", "overlap"]].values.tolist()
    [[0, 2, True]]
    """
    from discourse.analysis.features import substring_counts

    rows = []
    for level in _levels(units, by, groups):
        tok = group_keyness(units, by, level, min_freq=min_freq, stop_words=stop_words,
                            doc_col=doc_col if doc_col in units.columns else None)
        over = tok[tok["direction"] == "over"].sort_values(["g2", "term"], ascending=[False, True],
                                                            kind="mergesort").head(n_terms)
        if over.empty:
            continue
        terms = over["term"].astype(str).tolist()
        sub = substring_keyness(units, by, level, terms, text_col=text_col, doc_col=doc_col,
                                permutation=doc_col in units.columns, random_state=random_state)
        chk = segmentation_check(over, sub)
        chk = chk.merge(over[["term", "log_ratio_low"]].rename(columns={"log_ratio_low": "log_ratio_low_tokens"}),
                        on="term")
        extra = ["term", "log_ratio_low", "log_ratio_high"] + (["p_perm"] if "p_perm" in sub else [])
        chk = chk.merge(sub[extra].rename(columns={"log_ratio_low": "log_ratio_low_substrings",
                                                   "log_ratio_high": "log_ratio_high_substrings",
                                                   "p_perm": "p_perm_substrings"}), on="term")
        chk["interval_lost"] = (chk["log_ratio_low_tokens"] > 0) & ~(chk["log_ratio_low_substrings"] > 0)
        part = units[doc_col].astype("string") if doc_col in units.columns else \
            pd.Series(np.arange(len(units)).astype(str), index=units.index, dtype="string")
        keyed = units.assign(_key=part)
        sc = substring_counts(keyed, terms, by="_key", text_col=text_col)
        side = keyed.groupby("_key")[by].first()
        sc["_t"] = sc["_key"].map(side).isin(_as_list(level)).to_numpy()
        sc["rate"] = per * sc["count"] / sc["n_chars"].where(sc["n_chars"] > 0)
        tmin = sc[sc["_t"]].groupby("term")["rate"].min()
        rmax = sc[~sc["_t"]].groupby("term")["rate"].max()
        chk["target_min_rate"] = chk["term"].map(tmin).astype(float)
        chk["reference_max_rate"] = chk["term"].map(rmax).astype(float)
        chk["overlap"] = chk["reference_max_rate"] >= chk["target_min_rate"]
        chk["depends_on_segmentation"] = chk["depends_on_segmentation"] | chk["interval_lost"]
        chk.insert(0, "group", level)
        rows.append(chk)
    cols = ["group", "term", "freq_target_tokens", "freq_reference_tokens", "freq_target_substrings",
            "freq_reference_substrings", "log_ratio_tokens", "log_ratio_low_tokens", "log_ratio_substrings",
            "log_ratio_low_substrings", "log_ratio_high_substrings", "p_perm_substrings",
            "significant_tokens", "significant_substrings", "direction_changed", "significance_lost",
            "interval_lost", "target_min_rate", "reference_max_rate", "overlap", "depends_on_segmentation"]
    if not rows:
        return pd.DataFrame(columns=cols[:2] + ["gloss"] + cols[2:])
    out = pd.concat(rows, ignore_index=True)
    for c in cols:
        if c not in out.columns:
            out[c] = np.nan
    out = out[cols]
    out.insert(2, "gloss", out["term"].map(gloss) if gloss is not None else "")
    return out.reset_index(drop=True)


@dataclass
class TopicChoice:
    """The k chosen by the configured rule, the win frequencies, and the reported model (a scored fit)."""

    k: int
    rule: str
    model: object
    summary: pd.DataFrame
    selector: object


def choose_topics(
    units: pd.DataFrame,
    cfg,
    *,
    stop_words: Iterable[str] | None = None,
    ks: Sequence[int] | None = None,
    n_restarts: int | None = None,
    n_boot: int = 1000,
) -> TopicChoice:
    """Choose k with ``[topics]`` of the configuration and return the reported model from the scored fits.

    Runs :func:`discourse.analysis.coherence.choose_k` with ``ks =
    cfg.topics.k``, ``n_restarts = cfg.topics.restarts`` (20 in
    ``study.toml``), ``min_df = cfg.topics.min_df`` and the seed
    ``cfg.stats.seed``. Rule ``"one_se"``: the selector's one-SE rule
    (smallest k within one standard error of the best mean NPMI; its
    ``best_fit_`` is the reported model). Rule ``"max_npmi"``: the k of the
    highest mean NPMI, and the reported model is that k's best-scoring
    restart, refitted with the same seed and settings (the same fit, since
    NMF is deterministic given its seed). ``summary`` carries
    ``win_freq`` (share of bootstrap draws of the restarts in which each k
    is chosen) and ``n_restart_wins``.
    """
    from sklearn.base import clone

    from discourse.analysis.coherence import choose_k

    t = cfg.topics
    sel = choose_k(units["tokens"].tolist(), ks=list(ks or t.k), n_restarts=int(n_restarts or t.restarts),
                   random_state=cfg.stats.seed, n_boot=n_boot, return_selector=True, min_df=t.min_df,
                   stop_words=sorted(stop_words or ()))
    summary = sel.summary_.copy()
    if t.rule == "one_se":
        k, model = sel.k_, sel.best_fit_
    elif t.rule == "max_npmi":
        k = int(summary.sort_values(["coherence_mean", "k"], ascending=[False, True]).iloc[0]["k"])
        sc = sel.scores_[sel.scores_["k"] == k].sort_values(["coherence", "restart"], ascending=[False, True])
        model = clone(sel.best_fit_).set_params(n_components=k, random_state=int(sc.iloc[0]["seed"]))
        model.fit(units["tokens"].tolist())
    else:
        raise ValueError(f"[topics] rule = {t.rule!r}: expected 'one_se' or 'max_npmi'")
    summary["chosen"] = summary["k"] == k
    return TopicChoice(k=int(k), rule=t.rule, model=model, summary=summary, selector=sel)


def text_prevalence(units: pd.DataFrame, model, cfg, *, by: str = "label") -> pd.DataFrame:
    """Token-weighted topic prevalence per text, with an interval only where documents can support one.

    Calls :func:`discourse.analysis.topics.topic_prevalence` with
    ``weight="tokens"``, ``n_refits = cfg.topics.n_refits``, documents as
    the resampled unit and ``min_docs = cfg.stats.min_docs``. When each
    group of *by* is a single text (one document per city, as in the
    bundled study), resampling documents cannot vary a group, and
    resampling its paragraphs would hold the text fixed (it would measure
    the spread of paragraphs inside one text, not uncertainty about the
    city): no interval is reported, and ``note`` says so.
    """
    from discourse.analysis.topics import topic_prevalence

    out = topic_prevalence(units, model, by, weight="tokens", n_refits=cfg.topics.n_refits, cluster="doc_id",
                           min_docs=cfg.stats.min_docs, random_state=cfg.stats.seed)
    one_doc = units.groupby(by, observed=True)["doc_id"].nunique()
    if (one_doc == 1).all():
        out.attrs["note"] = ("each group is one text: no interval (resampling its paragraphs would hold the "
                             "text fixed and say nothing about other texts of the same place)")
    return out


def representative_units(model, units: pd.DataFrame, shown: pd.DataFrame, *, n: int = 3) -> pd.DataFrame:
    """The ``n`` units with the highest weight of each topic, for a topic browser.

    ``units`` are the modelled units (tokens, ``label``, ``para_id``); ``shown``
    the same rows with the text as it may be displayed (names masked).
    Returns ``topic, weight, doc, text``.
    """
    top = model.top_terms(n_terms=1)
    w = pd.DataFrame(model.transform(units["tokens"]), columns=list(dict.fromkeys(top["topic"])))
    best = w.stack().rename("weight").reset_index().sort_values(["level_1", "weight"], ascending=[True, False])
    best = best.groupby("level_1").head(n)
    pos = best["level_0"].to_numpy()
    return pd.DataFrame({"topic": best["level_1"].to_numpy(), "weight": best["weight"].to_numpy(),
                         "doc": (units["label"].astype(str) + " · " + units["para_id"].astype(str)).iloc[pos].to_numpy(),
                         "text": shown["text"].iloc[pos].to_numpy()})


def similarity_table(
    units: pd.DataFrame,
    *,
    by: str = "label",
    n_permutations: int = 999,
    n_splits: int = 200,
    alpha: float = 0.05,
    random_state: int | None = RANDOM_STATE,
) -> pd.DataFrame:
    """Each pair of texts: observed similarity beside its null, and whether it exceeds noise.

    From :func:`discourse.analysis.similarity.similarity_null`:
    ``null_mean, null_low, null_high`` (the pair's units reshuffled between
    the two texts), ``p_value`` and ``distinguishable`` (less alike than
    reshuffles of their own units), and the length-matched split-half
    range ``half_low, half_high``. ``rank_exceeds_noise`` is True when the
    pair's split-half lower bound is above the split-half mean of every
    other pair, i.e. its place in the ranking is larger than the noise of
    texts of this length. ``attrs`` hold ``within_half_mean`` (halves of
    the same text) and ``between_half_mean`` (halves of different texts).

    Examples
    --------
    >>> units = pd.DataFrame({"label": list("aaaabbbb"),
    ...     "tokens": [["核酸", "检测"], ["核酸"], ["检测", "核酸"], ["检测"],
    ...                ["疫苗", "接种"], ["疫苗"], ["接种"], ["接种", "疫苗"]]})
    >>> similarity_table(units, n_permutations=99, n_splits=20)[["a", "b", "distinguishable"]].values.tolist()
    [['a', 'b', True]]
    """
    from discourse.analysis.similarity import similarity_null

    r = similarity_null(units, by, n_permutations=n_permutations, n_splits=n_splits, alpha=alpha,
                        random_state=random_state)
    r = r.rename(columns={"differs": "distinguishable"})
    others = [r["half_mean"].drop(i).max() if len(r) > 1 else np.nan for i in r.index]
    r["rank_exceeds_noise"] = r["half_low"].to_numpy() > np.asarray(others)
    within = pd.concat([r[["a", "within_a"]].set_axis(["t", "w"], axis=1),
                        r[["b", "within_b"]].set_axis(["t", "w"], axis=1)]).drop_duplicates("t")["w"]
    r.attrs.update(within_half_mean=float(within.mean()), between_half_mean=float(r["half_mean"].mean()))
    cols = ["a", "b", "n_units_a", "n_units_b", "similarity", "null_mean", "null_low", "null_high", "p_value",
            "distinguishable", "half_mean", "half_low", "half_high", "within_a", "within_b", "rank_exceeds_noise"]
    out = r[cols].reset_index(drop=True)
    out.attrs.update(r.attrs)
    return out


def content_stop_words() -> frozenset[str]:
    """Directive and modal words, left out when the question is *what* is said.

    The directives (要, 必须, 坚决 ...) are measured as a discourse feature of
    their own (:func:`discourse.analysis.features.discourse_features`); leaving them
    out of keyness and c-TF-IDF tables keeps those tables about content.
    """
    return frozenset(DIRECTIVES)


__all__ = [
    "representative_units",
    "GENRE_GROUPS",
    "genre_groups",
    "keyness_by_group",
    "document_keyness",
    "p_floor_note",
    "segmentation_findings",
    "top_terms",
    "feature_differences",
    "directive_variants",
    "TopicChoice",
    "choose_topics",
    "text_prevalence",
    "similarity_table",
    "content_stop_words",
]
