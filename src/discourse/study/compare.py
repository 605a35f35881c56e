"""Study-level comparisons: every group against the rest, in one tidy table.

The analysis modules (:mod:`discourse.analysis.keyness`, :mod:`discourse.analysis.ctfidf`,
:mod:`discourse.analysis.features`, :mod:`discourse.analysis.stats`) compare one target with
one reference. A comparative study asks the same question of every city or
period; these functions loop over the groups, add English glosses and keep
the counts beside every statistic, so a notebook cell stays one call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pandas as pd

from discourse.analysis.features import discourse_features
from discourse.analysis.keyness import group_keyness
from discourse.analysis.stats import group_differences
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
) -> pd.DataFrame:
    """The most over-used terms of each group against all other groups.

    Parameters
    ----------
    units : pandas.DataFrame
        Units with ``tokens`` and the group column *by*.
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

    Returns
    -------
    pandas.DataFrame
        ``group, rank, term, gloss, freq_target, freq_reference, g2,
        log_ratio, p_adjusted, significant``.

    Examples
    --------
    >>> units = pd.DataFrame({"g": ["a", "a", "b", "b"],
    ...     "tokens": [["清零"] * 4, ["清零", "防控"], ["防控"] * 3, ["防控", "清零"]]})
    >>> keyness_by_group(units, "g", min_freq=1, gloss=None)[["group", "term"]].values.tolist()
    [['a', '清零'], ['b', '防控']]
    """
    frames = []
    stat = "g2" if measure == "g2" else "chi2"
    for level in _levels(units, by, groups):
        k = group_keyness(
            units, by, level, min_freq=min_freq, measure=measure, correction=correction, stop_words=stop_words
        )
        k = k[k["direction"] == "over"]
        k = k.sort_values([stat, "term"], ascending=[False, True], kind="mergesort").head(n_terms)
        k = k.assign(group=level, rank=range(1, len(k) + 1))
        frames.append(k)
    cols = ["group", "rank", "term", "freq_target", "freq_reference", stat, "log_ratio", "p_adjusted", "significant"]
    out = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    out.insert(3, "gloss", out["term"].map(gloss) if gloss is not None else "")
    out[stat] = out[stat].round(2)
    out["log_ratio"] = out["log_ratio"].round(2)
    out["p_adjusted"] = out["p_adjusted"].round(4)
    return out.reset_index(drop=True)


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
    stop = set(stop_words or ())
    rows = []
    for level in _levels(units, by, None):
        tokens = [t for toks in units.loc[units[by] == level, "tokens"] for t in toks]
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
    **kwargs,
) -> pd.DataFrame:
    """Permutation tests of discourse-feature rates between groups of documents.

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
    **kwargs
        Passed to :func:`discourse.analysis.stats.group_differences`.

    Returns
    -------
    pandas.DataFrame
        One row per feature (see :func:`discourse.analysis.stats.group_differences`);
        empty, with ``attrs["note"]`` saying why, when the documents do not
        form two groups.
    """
    if codebook is None:
        from discourse.study.codebook import read_codebook

        codebook = read_codebook()
    feats = discourse_features(units, by="doc_id", codebook=codebook)
    if features is not None:
        feats = feats[feats["feature"].isin(list(features))]
    doc_groups = documents[["doc_id", by]].astype({"doc_id": "string"}).copy()
    values = doc_groups[by].astype("object")
    doc_groups["group"] = values.map(groups) if groups is not None else values
    data = feats.merge(doc_groups[["doc_id", "group"]], on="doc_id").dropna(subset=["group"])
    levels = sorted(data["group"].unique().tolist())
    if len(levels) < 2:
        out = pd.DataFrame(columns=["variable", "group", "target", "reference", "n_target", "n_reference"])
        out.attrs["note"] = f"the documents do not form two groups by {by!r} (found: {levels})"
        return out
    return group_differences(data, "per_1000", "group", variable="feature", target=target or levels[0], **kwargs)


def content_stop_words() -> frozenset[str]:
    """Directive and modal words, left out when the question is *what* is said.

    The directives (要, 必须, 坚决 ...) are measured as a discourse feature of
    their own (:func:`discourse.analysis.features.discourse_features`); leaving them
    out of keyness and c-TF-IDF tables keeps those tables about content.
    """
    return frozenset(DIRECTIVES)


__all__ = ["GENRE_GROUPS", "genre_groups", "keyness_by_group", "top_terms", "feature_differences", "content_stop_words"]
