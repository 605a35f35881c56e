"""The findings of each notebook as Markdown sentences generated from its results table.

Every number in a sentence comes from :mod:`discourse.study.results` through
:func:`fmt`; headings say no more than the evidence (a comparison that
cannot reach significance at the document level is headed as a
description, not as an effect). The bundled corpus and any other corpus get
the same generator, so no sentence typed for the five texts can appear in
another corpus's report.
"""

from __future__ import annotations

import pandas as pd


def fmt(value) -> str:
    """The one way a number is written in the findings (and checked against the results).

    Examples
    --------
    >>> fmt(0.2), fmt(19), fmt(-18.8), fmt(True)
    ('0.2', '19', '-18.8', 'yes')
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _v(results: pd.DataFrame, key: str):
    hit = results.loc[results["key"] == key, "value"]
    if hit.empty:
        raise KeyError(f"results table has no key {key!r}")
    return hit.iloc[0]


def findings_01(results: pd.DataFrame) -> str:
    """Findings of notebook 01 (corpus and cleaning)."""
    g = lambda k: fmt(_v(results, k))  # noqa: E731
    lines = ["### Findings", "",
             f"- **{g('n_documents')} texts, {g('first_date')} to {g('last_date')}.** Cleaning removed "
             f"{g('share_removed_min')}% to {g('share_removed_max')}% of each page; every edit is in the audit.",
             f"- **Metadata.** {g('facts_found')} facts were found in the boilerplate; {g('facts_compared')} "
             f"could be compared with the manifest and {g('facts_agree')} of those agree (the others have no "
             "manifest value to compare with)."]
    inferred = results[results["key"].astype(str).str.startswith("year_inferred:")]
    if len(inferred):
        who = ", ".join(f"{k.split(':', 1)[1]} ({fmt(v)})" for k, v in zip(inferred["key"], inferred["value"]))
        lines.append(f"- **Dates.** The year is written in {g('years_in_text')} text(s); for {who} it is "
                     "inferred from outside the text (page header or content), as the manifest records.")
    return "\n".join(lines) + "\n"


def findings_02(results: pd.DataFrame) -> str:
    """Findings of notebook 02 (keyness at the document level, segmentation check)."""
    lines = ["### Findings", ""]
    for by, name in (("label", "text"), ("period", "policy period")):
        if not (results["key"] == f"{by}:n_terms").any():
            continue
        g = lambda k: fmt(_v(results, f"{by}:{k}"))  # noqa: E731
        head = ("Differences in emphasis, not tested differences"
                if _v(results, f"{by}:significant_document") == 0 else "Terms that differ between groups")
        lines.append(f"- **By {name}: {head.lower()}.** Of the {g('n_terms')} top over-used terms, "
                     f"{g('significant_token')} are significant when tokens are treated as independent "
                     f"(Fisher, BH) and {g('significant_document')} when documents are permuted; no "
                     f"document-level p-value can be below {g('p_floor_min')} here.")
        seg = results[results["key"].astype(str).str.startswith(f"{by}:segmentation:")]
        for key in seg["key"][seg["key"].str.endswith(":tokens")]:
            stem = key[: -len(":tokens")]
            _, _, group, term = stem.split(":")
            lines.append(f"  - {term} in {group} depends on segmentation: {fmt(_v(results, key))} as tokens, "
                         f"{fmt(_v(results, stem + ':substrings'))} as substrings (log ratio "
                         f"{fmt(_v(results, stem + ':log_ratio_substrings'))}).")
    return "\n".join(lines) + "\n"


def findings_03(results: pd.DataFrame) -> str:
    """Findings of notebook 03 (choice of k, prevalence)."""
    g = lambda k: fmt(_v(results, k))  # noqa: E731
    interval = ("no interval is reported for a single text" if _v(results, "prevalence_interval") == "none"
                else "intervals come from refits on resampled documents")
    return "\n".join([
        "### Findings", "",
        f"- **Weak topic structure.** k = {g('k')} by the one-SE rule over {g('n_restarts')} restarts, chosen "
        f"in a share {g('k_win_freq')} of bootstrap draws of the restarts; mean NPMI at that k is "
        f"{g('coherence_mean')} (highest over k: {g('coherence_max_mean')}).",
        f"- **Prevalence is token-weighted**; {interval}.",
    ]) + "\n"


def findings_04(results: pd.DataFrame) -> str:
    """Findings of notebook 04 (similarity against its null; the genre gap)."""
    g = lambda k: fmt(_v(results, k))  # noqa: E731
    lines = ["### Findings", "",
             f"- **Pair similarities within noise.** Similarities range from {g('similarity_min')} to "
             f"{g('similarity_max')}; halves of the same text average {g('within_half_mean')} and halves of "
             f"different texts {g('between_half_mean')}; {g('n_rank_exceeds_noise')} of {g('n_pairs')} pairs "
             "hold their place in the ranking beyond split-half noise."]
    if (results["key"] == "gap_diff").any():
        lines.append(f"- **Directive words by genre: a difference in the sample, not a tested effect.** Speech "
                     f"texts ({g('gap_n_target')}) minus news reports ({g('gap_n_reference')}): {g('gap_diff')} "
                     f"per 1,000 tokens, Cliff's δ {g('gap_cliffs_delta')}, exact p = {g('gap_p')} (the "
                     f"smallest possible is {g('gap_p_floor')}).")
    return "\n".join(lines) + "\n"


def findings_06(results: pd.DataFrame) -> str:
    """Findings of notebook 06 (the multiverse rule)."""
    g = lambda k: fmt(_v(results, k))  # noqa: E731
    lines = ["### Findings", "",
             f"- **{g('n_robust')} finding(s) robust** over {g('n_specifications')} specifications (rule: "
             f"holds in the baseline with its own uncertainty and in at least {g('required_share')}% of the "
             "other cells)."]
    for key in results["key"][results["key"].astype(str).str.endswith(":n_cells")]:
        f = key.split(":")[0]
        lines.append(f"  - {f}: holds in {fmt(_v(results, f + ':n_holds'))} of {fmt(_v(results, key))} cells, "
                     f"baseline sign in {fmt(_v(results, f + ':n_same_sign'))}; holds in the baseline: "
                     f"{fmt(_v(results, f + ':baseline_holds'))}.")
    return "\n".join(lines) + "\n"


__all__ = ["fmt", "findings_01", "findings_02", "findings_03", "findings_04", "findings_06"]
