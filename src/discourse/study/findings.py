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
    return _esc(value)


def _esc(text: object) -> str:
    r"""Escape the Markdown (and math) characters of a name taken from the data (a label, a term).

    Examples
    --------
    >>> print(_esc("a$b$c"), _esc("XX-2"))
    a\$b\$c XX-2
    """
    s = str(text)
    for ch in "\\`*_[]<>|$#":
        s = s.replace(ch, "\\" + ch)
    return s


def _v(results: pd.DataFrame, key: str):
    hit = results.loc[results["key"] == key, "value"]
    if hit.empty:
        raise KeyError(f"results table has no key {key!r}")
    return hit.iloc[0]


def _has(results: pd.DataFrame, key: str) -> bool:
    return bool((results["key"].astype(str) == key).any())


def _keys(results: pd.DataFrame, prefix: str = "", suffix: str = "") -> list[str]:
    k = results["key"].astype(str)
    return k[k.str.startswith(prefix) & k.str.endswith(suffix)].tolist()


def _skips(results: pd.DataFrame) -> list[str]:
    return [f"- *Skipped ({k.split(':', 1)[1]}):* {_v(results, k)}" for k in _keys(results, "skipped:")]


def findings_01(results: pd.DataFrame) -> str:
    """Findings of notebook 01 (corpus and cleaning).

    Examples
    --------
    >>> r = pd.DataFrame({"key": ["n_documents", "n_dated", "share_removed_min", "share_removed_max", "facts_found",
    ...     "facts_compared", "facts_agree", "years_in_text"], "value": [3, 0, 5, 9, 4, 2, 2, 0]})
    >>> print(findings_01(r).splitlines()[2])
    - **3 texts, none dated.** Cleaning removed 5% to 9% of each page; every edit is in the audit.
    """
    g = lambda k: fmt(_v(results, k))  # noqa: E731
    when = (f"{g('first_date')} to {g('last_date')}" if _has(results, "first_date") else "none dated")
    if _has(results, "first_date") and _v(results, "first_date") == _v(results, "last_date"):
        when = f"dated {g('first_date')}"
    if _has(results, "first_date") and _has(results, "n_dated") and _v(results, "n_dated") < _v(results, "n_documents"):
        when += f" ({g('n_dated')} dated)"
    lines = ["### Findings", "",
             f"- **{g('n_documents')} texts, {when}.** Cleaning removed "
             f"{g('share_removed_min')}% to {g('share_removed_max')}% of each page; every edit is in the audit."]
    if _v(results, "facts_found"):
        lines.append(f"- **Metadata.** {g('facts_found')} facts were found in the page furniture; "
                     f"{g('facts_compared')} could be compared with a manifest value and {g('facts_agree')} of "
                     "those agree (the others have no manifest value to compare with, so they are not checked).")
    inferred = _keys(results, "year_inferred:")
    if inferred:
        who = ", ".join(f"{_esc(k.split(':', 1)[1])} ({fmt(_v(results, k))})" for k in inferred[:5])
        if len(inferred) > 5:
            who += f" and {len(inferred) - 5} other texts (listed in the results table)"
        lines.append(f"- **Dates.** The year is written in {g('years_in_text')} text(s); for {who} it is not "
                     "written in the text and is inferred from outside it (page header, posting date or the "
                     "events named), as the manifest records.")
    return "\n".join(lines) + "\n"


def findings_02(results: pd.DataFrame) -> str:
    """Findings of notebook 02 (keyness at the document level, segmentation check).

    Examples
    --------
    >>> r = pd.DataFrame({"key": ["label:n_terms", "label:significant_token", "label:significant_document",
    ...     "label:p_floor_min", "label:n_depends_on_segmentation"], "value": [6, 2, 0, 0.4, 0]})
    >>> "not tested differences" in findings_02(r)
    True
    """
    lines = ["### Findings", ""]
    for by, name in (("label", "text"), ("period", "policy period")):
        if not _has(results, f"{by}:n_terms"):
            continue
        g = lambda k: fmt(_v(results, f"{by}:{k}"))  # noqa: E731
        head = ("Differences in emphasis, not tested differences"
                if _v(results, f"{by}:significant_document") == 0 else "Terms that differ between groups")
        lines.append(f"- **By {name}: {head.lower()}.** Of the {g('n_terms')} top over-used terms, "
                     f"{g('significant_token')} are significant when tokens are treated as independent "
                     f"(Fisher, BH) and {g('significant_document')} when documents are permuted; no "
                     f"document-level p-value can be below {g('p_floor_min')} here.")
        seg = _keys(results, f"{by}:segmentation:", ":tokens")
        for key in seg:
            stem = key[: -len(":tokens")]
            _, _, group, term = stem.split(":")
            lines.append(f"  - {_esc(term)} in {_esc(group)} depends on segmentation: {fmt(_v(results, key))} as tokens, "
                         f"{fmt(_v(results, stem + ':substrings'))} as substrings (log ratio "
                         f"{fmt(_v(results, stem + ':log_ratio_substrings'))}).")
    lines += _skips(results)
    return "\n".join(lines) + "\n"


def findings_03(results: pd.DataFrame) -> str:
    """Findings of notebook 03 (choice of k, prevalence).

    Examples
    --------
    >>> findings_03(pd.DataFrame({"key": ["skipped:topics"], "value": ["too few units"]})).splitlines()[-1]
    '- *Skipped (topics):* too few units'
    """
    if not _has(results, "k"):
        return "\n".join(["### Findings", "", *_skips(results)]) + "\n"
    g = lambda k: fmt(_v(results, k))  # noqa: E731
    weak = _v(results, "coherence_mean") <= 0.1 or _v(results, "k_restart_wins") < 0.5 * _v(results, "n_restarts")
    head = "Weak topic structure" if weak else "Topic structure"
    interval = ("no interval is reported: each text is one document, and resampling its own paragraphs would "
                "hold the text fixed" if _v(results, "prevalence_interval") == "none"
                else "intervals come from refits on resampled documents")
    lines = [
        "### Findings", "",
        f"- **{head}.** k = {g('k')} by the {g('rule')} rule among k = {g('k_min')}–{g('k_max')} "
        f"over {g('n_restarts')} restarts per k; it has the best NPMI in {g('k_restart_wins')} of "
        f"{g('n_restarts')} restarts and is chosen in a share {g('k_win_freq')} of bootstrap draws of the "
        f"restarts. Mean NPMI at that k is {g('coherence_mean')} (SD {g('coherence_sd')}; over k it ranges "
        f"from {g('coherence_min_mean')} to {g('coherence_max_mean')}): the top words of a topic co-occur "
        "little more than chance, so the topics summarise this corpus rather than reveal stable themes.",
        f"- **Prevalence is weighted by tokens** ({g('n_short_units')} of {g('n_units')} units have 5 content "
        f"words or fewer); the most prevalent topic is {g('top_topic')} ({g('top_topic_share')} of the tokens); "
        f"{interval}.",
    ]
    tops = _keys(results, "text_top_topic:")
    if tops:
        lines.append("- **Most prevalent topic per text:** " + "; ".join(
            f"{_esc(k.split(':', 1)[1])} {fmt(_v(results, k))} ({fmt(_v(results, 'text_top_share:' + k.split(':', 1)[1]))})"
            for k in tops) + ".")
    return "\n".join(lines) + "\n"


def findings_04(results: pd.DataFrame) -> str:
    """Findings of notebook 04 (similarity against its null; the genre gap)."""
    g = lambda k: fmt(_v(results, k))  # noqa: E731
    lines = ["### Findings", ""]
    if _has(results, "n_pairs"):
        head = ("Pair similarities within noise" if _v(results, "n_rank_exceeds_noise") == 0
                else "Pair similarities, some beyond noise")
        lines.append(f"- **{head}.** Similarities range from {g('similarity_min')} to {g('similarity_max')}; halves "
                     f"of the same text average {g('within_half_mean')} and halves of different texts "
                     f"{g('between_half_mean')}; {g('n_rank_exceeds_noise')} of {g('n_pairs')} pairs hold their "
                     f"place in the ranking beyond split-half noise, and {g('n_distinguishable')} are less alike "
                     "than reshuffles of their own units.")
    if _has(results, "gap_diff"):
        tested = _v(results, "gap_p") < 0.05
        head = ("Directive words by genre" if tested else
                "Directive words by genre: a difference in the sample, not a tested effect")
        lines.append(f"- **{head}.** Speech texts ({g('gap_n_target')}) minus news reports "
                     f"({g('gap_n_reference')}): {g('gap_diff')} per 1,000 tokens, Cliff's δ "
                     f"{g('gap_cliffs_delta')}, exact p = {g('gap_p')} over documents (the smallest possible is "
                     f"{g('gap_p_floor')}).")
    lines += _skips(results)
    return "\n".join(lines) + "\n"


_PHASES = {"emergency": "emergency", "normalisation": "normalisation (常态化)",
           "dynamic_zero": "dynamic-zero (动态清零)", "optimisation": "optimisation (优化)"}


def findings_05(results: pd.DataFrame) -> str:
    """Findings of notebook 05 (timeline, phase vocabulary by period and text, the senses of 优化).

    Examples
    --------
    >>> r = pd.DataFrame({"key": ["n_documents", "n_dated", "skipped:timeline", "youhua:n", "youhua:n_texts",
    ...     "youhua:policy", "youhua:ordinary"], "value": [2, 0, "no document is dated", 0, 0, 0, 0]})
    >>> print(findings_05(r).splitlines()[2])
    - *Skipped (timeline):* no document is dated
    """
    g = lambda k: fmt(_v(results, k))  # noqa: E731
    lines = ["### Findings", ""]
    lines += _skips(results)
    periods = [k.split(":")[1] for k in _keys(results, "period:", ":n_documents")]
    if _v(results, "n_dated"):
        prec = ", ".join(f"{fmt(_v(results, k))} to the {k.split(':', 1)[1]}" for k in _keys(results, "precision:"))
        per = "; ".join(f"{p} {fmt(_v(results, f'period:{p}:n_documents'))}" for p in periods)
        lines.append(f"- **The texts on the timeline.** {g('n_dated')} of {g('n_documents')} texts are dated "
                     f"({prec})" + (f"; texts per policy period: {per}" if per else "") + ". A period holding "
                     "one or two texts describes those texts, not the period.")
    if periods:
        for f, name in _PHASES.items():
            keys = [f"period:{p}:{f}:count" for p in periods if _has(results, f"period:{p}:{f}:count")]
            if not keys or not any(_v(results, k) for k in keys):
                continue
            parts = ", ".join(f"{k.split(':')[1]} {fmt(_v(results, k[:-6] + ':per_1000'))} ({fmt(_v(results, k))})"
                              for k in keys)
            lines.append(f"- **{name.capitalize()} vocabulary by period** (per 1,000 tokens, occurrences in "
                         f"brackets): {parts}.")
    if _keys(results, "text:", ":count"):
        lines.append("- **Phase vocabulary by text** (descriptive; all counts in the table):")
    for f, name in _PHASES.items():
        keys = _keys(results, "text:", f":{f}:count")
        if not keys or not any(_v(results, k) for k in keys):
            continue
        top = max(keys, key=lambda k: (_v(results, k[:-6] + ":per_1000"), k))
        used = sum(1 for k in keys if _v(results, k))
        lines.append(f"  - {name}: used in {used} of {len(keys)} texts, most densely in {_esc(top.split(':')[1])} "
                     f"({fmt(_v(results, top[:-6] + ':per_1000'))} per 1,000 tokens, {fmt(_v(results, top))} "
                     "occurrences).")
    if _v(results, "youhua:n"):
        text = (f"- **优化: one word, two readings.** {g('youhua:n')} occurrences in {g('youhua:n_texts')} "
                f"text(s); the sense rules read {g('youhua:policy')} as the control policy (优化 with the epidemic "
                f"control as its object) and {g('youhua:ordinary')} as an ordinary verb (optimise a process or "
                "a layout).")
        if _has(results, "youhua:policy_before_period"):
            text += (f" In texts dated before the optimisation period began ({g('youhua:period_start')}): "
                     f"{g('youhua:ordinary_before_period')} ordinary, and {g('youhua:policy_before_period')} with "
                     "the policy's wording (adjusting the control measures) before that policy was announced.")
            if _v(results, "youhua:ordinary_before_period") or _v(results, "youhua:policy_before_period"):
                text += (" A phase count that includes every 优化 overstates the earlier texts' optimisation "
                         "vocabulary.")
        lines.append(text)
    return "\n".join(lines) + "\n"


def findings_06(results: pd.DataFrame) -> str:
    """Findings of notebook 06 (the multiverse rule)."""
    if not _has(results, "n_robust"):
        return "\n".join(["### Findings", "", *_skips(results)]) + "\n"
    g = lambda k: fmt(_v(results, k))  # noqa: E731
    lines = ["### Findings", "",
             f"- **{g('n_robust')} of {g('n_findings')} finding(s) robust** over {g('n_specifications')} "
             f"specifications (rule: holds in the baseline with its own uncertainty and in at least "
             f"{g('required_share')}% of the other cells)."]
    for key in _keys(results, suffix=":n_cells"):
        f = key.split(":")[0]
        text = (f"  - {f}: holds in {fmt(_v(results, f + ':n_holds'))} of {fmt(_v(results, key))} cells, "
                f"baseline sign in {fmt(_v(results, f + ':n_same_sign'))}; holds in the baseline: "
                f"{fmt(_v(results, f + ':baseline_holds'))}")
        if _has(results, f + ":baseline_p"):
            text += (f" (p = {fmt(_v(results, f + ':baseline_p'))}, smallest possible "
                     f"{fmt(_v(results, f + ':p_floor'))})")
        lines.append(text + ".")
    return "\n".join(lines) + "\n"


__all__ = ["fmt", "findings_01", "findings_02", "findings_03", "findings_04", "findings_05", "findings_06"]
