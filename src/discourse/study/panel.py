"""The panel study: COVID-19 passages of government work reports, across levels and years.

Each function takes the prepared :class:`~discourse.study.prepare.Study`
(documents are reports; units are the selected COVID paragraphs) and returns
a tidy table; the findings are sentences generated from those tables
(:func:`panel_findings`), never typed. Inference is at the unit the claims are
about: intervals resample provinces (reports of one province move together),
count models cluster their standard errors by province, and place rankings
are shrunk towards the expectation so that a place with two short passages
does not top the list.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Administrative levels in display order, with English labels.
LEVELS: tuple[str, ...] = ("national", "province", "major_city", "prefecture")
LEVEL_LABELS: dict[str, str] = {
    "national": "State Council",
    "province": "provinces",
    "major_city": "major cities",
    "prefecture": "other prefectures",
}


def _panel_docs(study) -> pd.DataFrame:
    docs = study.documents.copy()
    if "level" not in docs.columns:
        # a corpus without levels is one level: comparisons by level then say they cannot be made
        docs["level"] = "unspecified"
    docs["level"] = pd.Categorical(docs["level"].astype(str), categories=[lv for lv in LEVELS
                                   if lv in set(docs["level"].astype(str))] +
                                   sorted(set(docs["level"].astype(str)) - set(LEVELS)), ordered=True)
    prov = docs["province_zh"].astype("string") if "province_zh" in docs.columns else pd.Series(pd.NA, index=docs.index)
    place = docs["place"].astype("string")
    # Cluster = province; a province's own report and the national report are their own clusters.
    docs["cluster"] = prov.where(prov.notna() & (prov != ""), place).astype(str)
    docs["year"] = pd.to_numeric(docs["year"], errors="coerce").astype("Int64")
    return docs


def coverage(study) -> pd.DataFrame:
    """Reports with COVID passages by level × year (counts), with the share that are dated to the day.

    Examples
    --------
    >>> import pandas as pd
    """
    docs = _panel_docs(study)
    tab = docs.pivot_table(index="level", columns="year", values="doc_id", aggfunc="count", observed=False)
    tab = tab.fillna(0).astype(int)
    tab.columns = [str(c) for c in tab.columns]
    tab["all years"] = tab.sum(axis=1)
    tab.index = [f"{lv} ({LEVEL_LABELS.get(lv, lv)})" for lv in tab.index]
    tab.index.name = "level"
    return tab.reset_index()


def salience(study, *, by: Sequence[str] = ("level", "year"), n_resamples: int = 999, min_clusters: int = 5) -> pd.DataFrame:
    """COVID's share of each report (characters), mean by group with a province-clustered interval.

    The interval resamples provinces with replacement (all reports of a
    province together, :func:`discourse.analysis.stats.cluster_bootstrap`);
    with fewer than ``min_clusters`` provinces in a group no interval is
    given and ``note`` says why.
    """
    from discourse.analysis.stats import cluster_bootstrap

    docs = _panel_docs(study)
    docs = docs[docs["salience"].notna()]
    rows = []
    for key, g in docs.groupby(list(by), observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        est = float(g["salience"].mean())
        n_clusters = int(g["cluster"].nunique())
        lo = hi = np.nan
        note = ""
        if n_clusters >= min_clusters:
            res = cluster_bootstrap(g[["salience", "cluster"]], lambda d: float(d["salience"].mean()), "cluster",
                                    n_resamples=n_resamples, min_clusters=min_clusters,
                                    random_state=study.config.stats.seed)
            r = res.iloc[0]
            lo, hi = float(r["low"]), float(r["high"])
        else:
            note = f"{n_clusters} province(s): too few for an interval"
        rows.append({**dict(zip(by, key)), "n_reports": len(g), "n_provinces": n_clusters,
                     "mean_share": est, "ci_low": lo, "ci_high": hi,
                     "median_share": float(g["salience"].median()), "note": note})
    return pd.DataFrame(rows)


def phase_counts(study, *, resolve_senses: bool = True) -> pd.DataFrame:
    """Per report: counts of each codebook phase's vocabulary (substrings) and of directive words (tokens).

    Columns: ``doc_id, label, place, level, year, cluster, date, n_chars,
    n_tokens`` and one count column per phase plus ``directive``. With
    ``resolve_senses`` (the default) the polysemous terms are counted in their
    COVID sense only (优化 as the reopening policy, not the ordinary verb;
    动态清零 not as the poverty and jobs target; see
    :func:`discourse.study.diffusion.sense_resolved_phase_counts`, whose rules
    were checked on a hand-labelled sample), and the raw counts are kept as
    ``<phase>_raw``.
    """
    if resolve_senses:
        from discourse.study.diffusion import sense_resolved_phase_counts

        return sense_resolved_phase_counts(study)
    from discourse.analysis.features import substring_counts

    docs = _panel_docs(study)
    cb = study.codebook
    phases = cb[cb["category"] == "phase"]
    units = study.paragraphs
    sub = substring_counts(units, phases["term"].astype(str).tolist(), by="doc_id")
    term_phase = dict(zip(phases["term"].astype(str), phases["phase"].astype(str)))
    sub["phase"] = sub["term"].map(term_phase)
    wide = sub.pivot_table(index="doc_id", columns="phase", values="count", aggfunc="sum", observed=True).fillna(0)
    nchar = sub.groupby("doc_id", observed=True)["n_chars"].first()
    directive = set(cb.loc[cb["category"] == "directive", "term"].astype(str))
    ndir = units.groupby("doc_id", observed=True)["tokens"].agg(lambda s: sum(t in directive for toks in s for t in toks))
    out = docs[["doc_id", "label", "place", "level", "year", "cluster", "date", "n_tokens"]].copy()
    ids = out["doc_id"].astype(str)
    for ph in dict.fromkeys(phases["phase"].astype(str)):
        out[ph] = ids.map(wide[ph] if ph in wide.columns else pd.Series(dtype=float)).fillna(0).astype(int).to_numpy()
    out["directive"] = ids.map(ndir).fillna(0).astype(int).to_numpy()
    out["n_chars"] = ids.map(nchar).fillna(0).astype(int).to_numpy()
    return out


def model_data(counts: pd.DataFrame, *, min_reports: int = 5) -> pd.DataFrame:
    """Reports that enter the count models: dated to a year, with passage text, in years with ≥ ``min_reports`` reports."""
    data = counts[(counts["n_chars"] > 0) & counts["year"].notna()].copy()
    sizes = data.groupby("year")["doc_id"].transform("size")
    data = data[sizes >= min_reports].copy()
    data["year"] = data["year"].astype(int).astype(str)
    data["level"] = data["level"].astype(str)
    return data


def phase_models(counts: pd.DataFrame, phases: Sequence[str], *, min_clusters: int = 10) -> pd.DataFrame:
    """Poisson rate models of each phase's count with year and level, exposure = characters, SEs clustered by province.

    Calls :func:`discourse.analysis.models.rate_model` (statsmodels GLM with
    the log exposure as offset, cluster-robust covariance by province) for
    each phase; one tidy table, one row per (phase, term).
    """
    from discourse.analysis.models import rate_model

    data = model_data(counts)
    tables = []
    for ph in phases:
        t = rate_model(data, count=ph, exposure="n_chars", terms=["C(year)", "C(level)"], cluster="cluster",
                       family="poisson", backend="statsmodels", min_clusters=min_clusters)
        t.insert(0, "outcome", ph)
        # A year or level with no occurrence at all separates the data: its ratio is not estimable
        # (the fit drifts towards 0), so it is reported as missing with the reason, not as a number.
        t["note"] = ""
        for var in ("year", "level"):
            sums = data.groupby(var)[ph].sum()
            for value in sums.index[sums == 0]:
                hit = t["term"].astype(str) == f"C({var})[T.{value}]"
                t.loc[hit, ["estimate", "std_error", "rate_ratio", "rr_low", "rr_high", "p_value"]] = np.nan
                t.loc[hit, "note"] = f"no occurrence in {value}: not estimable"
        tables.append(t)
    return pd.concat(tables, ignore_index=True)


def phase_rates(counts: pd.DataFrame, phases: Sequence[str], *, min_clusters: int = 10) -> pd.DataFrame:
    """Predicted rates per 10,000 characters by year × level, with cluster-robust intervals, for each phase."""
    from discourse.analysis.models import RateModel, predicted_rates

    data = model_data(counts)
    grid = data[["year", "level"]].drop_duplicates().sort_values(["level", "year"]).reset_index(drop=True)
    out = []
    for ph in phases:
        model = RateModel(count=ph, exposure="n_chars", terms=["C(year)", "C(level)"], cluster="cluster",
                          family="poisson", backend="statsmodels", min_clusters=min_clusters).fit(data)
        pr = predicted_rates(model, grid, per=10000.0)
        pr.insert(0, "outcome", ph)
        n = data.groupby(["year", "level"])[ph].agg(["sum", "size"]).rename(columns={"sum": "count", "size": "n_reports"})
        out.append(pr.merge(n.reset_index(), on=["year", "level"], how="left"))
    return pd.concat(out, ignore_index=True)


def place_deviations(counts: pd.DataFrame, outcome: str, *, n: int = 15) -> pd.DataFrame:
    """Places whose rate of ``outcome`` deviates most from the year × level expectation, after shrinkage."""
    from discourse.analysis.models import shrunken_deviations

    data = model_data(counts)
    data = data[data["level"] != "national"]
    dev = shrunken_deviations(data, count=outcome, exposure="n_chars", group="place", terms=["C(year)", "C(level)"])
    key = "rr_shrunk" if "rr_shrunk" in dev.columns else dev.columns[-1]
    dev = dev.sort_values(key, ascending=False, kind="mergesort").reset_index(drop=True)
    return pd.concat([dev.head(n), dev.tail(n)]).drop_duplicates().reset_index(drop=True)


def year_keyness(study, target: int, reference: int, *, n: int = 15, stop_words=(),
                 n_resamples: int | None = None) -> pd.DataFrame:
    """Words over-used in one year's passages against another's, with a report-level test.

    ``z`` is the regularised log-odds with an informative Dirichlet prior from
    the whole panel (Monroe et al. 2008); ``p_perm_adjusted`` permutes the
    year labels of REPORTS within each place (a place's reports of the two
    years swap labels; places with one of the years only stay as they are),
    so the test is about reports and no place's style passes for a year
    difference, FDR-adjusted over every tested term; ``docs_*`` count the
    reports containing the term.
    """
    from discourse.analysis.fightin_words import group_fightin_words
    from discourse.analysis.keyness import group_keyness
    from discourse.segment import gloss

    dated = study.paragraphs.copy()
    dated["year"] = pd.to_numeric(dated["year"], errors="coerce").astype("Int64")
    dated = dated[dated["year"].notna()].copy()
    dated["year"] = dated["year"].astype(int)
    # the prior is the whole (dated) panel; the test uses the two years' reports
    fw = group_fightin_words(dated, "year", target, reference=reference, stop_words=stop_words, min_freq=5)
    units = dated[dated["year"].isin([target, reference])].copy()
    units["place_block"] = units["place"].astype("string").fillna(units["doc_id"].astype("string")).astype(str)
    gk = group_keyness(units, "year", target, reference=reference, stop_words=stop_words, doc_col="doc_id",
                       permutation=True, strata="place_block", min_freq=5,
                       n_resamples=n_resamples or study.config.stats.n_permutations,
                       random_state=study.config.stats.seed)
    keep = ["term", "docs_target", "docs_reference", "p_perm", "p_perm_adjusted", "p_floor"]
    fw = fw.assign(term=fw["term"].astype(str)).merge(gk.assign(term=gk["term"].astype(str))[keep], on="term",
                                                      how="left", validate="one_to_one")
    top = fw.sort_values("z", ascending=False, kind="mergesort").head(n)
    bottom = fw.sort_values("z", ascending=True, kind="mergesort").head(n)
    out = pd.concat([top.assign(over_used_in=str(target)), bottom.assign(over_used_in=str(reference))], ignore_index=True)
    out.insert(1, "gloss", out["term"].map(gloss))
    sig = fw["p_perm_adjusted"] < 0.05
    out.attrs.update(n_terms_tested=int(fw["p_perm_adjusted"].notna().sum()), n_significant=int(sig.sum()),
                     n_reports_target=int(units.loc[units["year"] == target, "doc_id"].nunique()),
                     n_reports_reference=int(units.loc[units["year"] == reference, "doc_id"].nunique()))
    return out


def year_explorer(study, target: int, reference: int, *, stop_words=()):
    """The term explorer of two years' passages (regularised log-odds z), displayed; a skip note without both years."""
    from discourse.analysis.fightin_words import group_fightin_words
    from discourse.segment import gloss
    from discourse.study.display import explore_terms
    from discourse.study.notebook import skip

    yr = pd.to_numeric(study.paragraphs["year"], errors="coerce")
    keep = yr.isin([target, reference])
    pair = study.paragraphs[keep].copy()
    pair["year"] = yr[keep].astype(int)
    if pair["year"].nunique() < 2:
        return skip(f"the corpus has no passages of both {reference} and {target}")
    fw = group_fightin_words(pair, "year", target, reference=reference, stop_words=stop_words, min_freq=5)
    sizes = pair.groupby("year")["tokens"].apply(lambda s: sum(len(t) for t in s))
    return explore_terms(pair, fw, group_a=str(target), group_b=str(reference), count_a="count_a", count_b="count_b",
                         statistic="z", size_a=sizes.get(target, 0), size_b=sizes.get(reference, 0),
                         stat_name="z (regularised log-odds)", threshold=1.96, gloss=gloss, n_conc_terms=80,
                         max_lines=20, title=f"Term explorer: COVID passages of {target} against {reference}")


def wordfish_positions(study, year: int, *, min_df: int = 10, random_state: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Wordfish positions of the reports of one year, the words at both poles, and what θ correlates with.

    Returns (positions, poles, correlations): positions with θ and its
    standard error per report; the poles table; Spearman correlations of θ
    with log passage length, log report length and the level (ordinal).
    """
    from scipy import stats
    from sklearn.feature_extraction.text import CountVectorizer

    from discourse.analysis.scaling import Wordfish, poles_table
    from discourse.segment import gloss

    docs = _panel_docs(study)
    docs = docs[docs["year"] == year]
    units = study.paragraphs[study.paragraphs["doc_id"].astype(str).isin(docs["doc_id"].astype(str))]
    toks = units.groupby("doc_id", observed=True, sort=False)["tokens"].agg(lambda s: [t for x in s for t in x])
    docs = docs[docs["doc_id"].astype(str).isin(toks.index.astype(str))]
    texts = [toks[d] for d in docs["doc_id"].astype(str)]
    vec = CountVectorizer(analyzer=lambda x: x, min_df=min_df)
    X = vec.fit_transform(texts)
    wf = Wordfish(random_state=random_state if random_state is not None else study.config.stats.seed)
    wf.fit(X, feature_names=vec.get_feature_names_out()) if "feature_names" in Wordfish.fit.__code__.co_varnames else wf.fit(X)
    pos = docs[["doc_id", "label", "place", "level", "n_tokens", "n_total_chars"]].copy().reset_index(drop=True)
    pos["theta"] = wf.theta_
    pos["theta_se"] = getattr(wf, "theta_se_", np.full(len(pos), np.nan))
    poles = poles_table(wf, n=15)
    poles.insert(1, "gloss", poles.iloc[:, 0].map(gloss))
    level_rank = pos["level"].astype(str).map({lv: i for i, lv in enumerate(LEVELS)})
    corr = []
    for name, values in (("log passage tokens", np.log(pos["n_tokens"].astype(float) + 1)),
                         ("log report characters", np.log(pos["n_total_chars"].astype(float) + 1)),
                         ("level (national → prefecture)", level_rank.astype(float))):
        ok = values.notna()
        rho, p = stats.spearmanr(pos.loc[ok, "theta"], values[ok])
        corr.append({"with": name, "spearman_rho": float(rho), "p_value": float(p), "n_reports": int(ok.sum())})
    return pos.sort_values("theta", kind="mergesort").reset_index(drop=True), poles, pd.DataFrame(corr)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def panel_findings(sal: pd.DataFrame, models: pd.DataFrame, counts: pd.DataFrame) -> str:
    """Findings as Markdown sentences generated from the computed tables (no typed numbers)."""
    lines = []
    by_year = sal.groupby("year")[["n_reports"]].sum()
    if not sal.empty:
        top = sal.sort_values("mean_share", ascending=False).iloc[0]
        low = sal.sort_values("mean_share", ascending=True).iloc[0]
        def cell(r):
            ci = (f" (95% interval {_pct(r['ci_low'])}–{_pct(r['ci_high'])}, provinces resampled)"
                  if pd.notna(r["ci_low"]) else " (no interval: too few provinces)")
            return f"{_pct(r['mean_share'])} in the {int(r['n_reports'])} {LEVEL_LABELS.get(str(r['level']), r['level'])} reports of {r['year']}{ci}"
        lines.append(f"- **Salience.** The COVID passages' share of a report is highest at {cell(top)} and lowest at {cell(low)}.")
    n_undated = int(counts["year"].isna().sum())
    lines.append(f"- **Coverage.** {int(by_year['n_reports'].sum())} dated reports with COVID passages"
                 + (f" (and {n_undated} without a year)" if n_undated else "") + ": "
                 + ", ".join(f"{int(n)} in {y}" for y, n in by_year['n_reports'].items()) + "; coverage by level and year is unbalanced and not a random sample (see the data card).")
    for outcome, label in (("dynamic_zero", "dynamic-zero vocabulary (动态清零 …)"),
                           ("optimisation", "optimisation vocabulary (优化, 乙类乙管 …)"),
                           ("normalisation", "normalisation vocabulary (常态化 …)")):
        m = models[(models["outcome"] == outcome) & models["term"].astype(str).str.contains("year")]
        if m.empty:
            continue
        best = m.sort_values("rate_ratio", ascending=False).iloc[0]
        lines.append(
            f"- **{label}.** Relative to the first year, its rate per character is highest in "
            f"{str(best['term']).split('[T.')[-1].rstrip(']')}: rate ratio {best['rate_ratio']:.2f} "
            f"(95% CI {best['rr_low']:.2f}–{best['rr_high']:.2f}, Poisson model with level, "
            f"{int(best['n_obs'])} reports, SEs clustered by {int(best['n_clusters'])} provinces)."
        )
    lines.append("- **Limits.** One report a year per place, scraped and sometimes abridged texts, and the passage rule "
                 "(paragraphs naming the epidemic) decide what is counted; rates compare vocabulary, not policy.")
    return "\n".join(lines)


def findings_markdown(sal: pd.DataFrame, models: pd.DataFrame, counts: pd.DataFrame):
    """:func:`panel_findings` as Markdown for a notebook."""
    from IPython.display import Markdown

    return Markdown(panel_findings(sal, models, counts))


__all__ = [
    "year_explorer",
    "findings_markdown",
    "LEVELS",
    "LEVEL_LABELS",
    "coverage",
    "panel_findings",
    "phase_counts",
    "phase_models",
    "phase_rates",
    "place_deviations",
    "salience",
    "wordfish_positions",
    "year_keyness",
]
