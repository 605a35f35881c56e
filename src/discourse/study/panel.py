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
from typing import NamedTuple

import numpy as np
import pandas as pd

from discourse.analysis.vocab import as_is

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


class WordfishYears(NamedTuple):
    """The tables of :func:`wordfish_by_year` (a named tuple: unpack it or use the names)."""

    #: One row per fitted report: ``year, doc_id, label, place, level, n_tokens, n_total_chars,
    #: theta, theta_se, lower, upper, anchor`` (``"high"``/``"low"`` for the two direction documents).
    positions: pd.DataFrame
    #: Words at both poles per year: ``year, word, gloss, beta, psi, pole, rank``.
    poles: pd.DataFrame
    #: Spearman correlations of θ per year: ``year, with, spearman_rho, p_value, n_reports, note``.
    correlations: pd.DataFrame
    #: One row per year of the panel: ``year, n_reports, n_fitted, n_words, converged, n_iter,
    #: high_anchor, low_anchor, status`` (``fitted`` or ``skipped``) and ``reason``.
    years: pd.DataFrame
    #: Every word's parameters per year (for the "Eiffel tower" plot): ``year, word, beta, psi``.
    words: pd.DataFrame


#: What the direction of each year's θ is fixed by (said in the notebook under the figure).
DIRECTION_RULE: str = (
    "Each year's sign is fixed before fitting with Wordfish's dir option: the high anchor is the national "
    "report of the year (the report with the most passage tokens when the year has none), the low anchor the "
    "report whose word counts are least similar to it (lowest cosine similarity), and the high anchor's θ is "
    "made to exceed the low anchor's. This fixes the sign only: the national report need not lie at the high end. "
    "The scale is the year's own (θ standardised within each year)."
)


def _year_counts(study, docs: pd.DataFrame, min_df: int):
    """Reports of ``docs`` with passage tokens, their document-term counts and the vocabulary."""
    from sklearn.feature_extraction.text import CountVectorizer

    ids = docs["doc_id"].astype(str)
    units = study.paragraphs[study.paragraphs["doc_id"].astype(str).isin(set(ids))]
    toks = units.groupby(units["doc_id"].astype(str), observed=True, sort=False)["tokens"].agg(
        lambda s: [str(t) for x in s for t in x])
    docs = docs[ids.isin(toks.index)].reset_index(drop=True)
    texts = [toks[d] for d in docs["doc_id"].astype(str)]
    if len(texts) == 0:
        return docs, None, np.array([], dtype=object)
    vec = CountVectorizer(analyzer=as_is, min_df=min(int(min_df), len(texts)), lowercase=False)
    try:
        X = vec.fit_transform(texts).tocsr()
    except ValueError:  # no word left at min_df
        return docs, None, np.array([], dtype=object)
    keep = np.asarray(X.sum(axis=1)).ravel() > 0
    return docs[keep].reset_index(drop=True), X[keep], vec.get_feature_names_out()


def _direction(X, docs: pd.DataFrame) -> tuple[int, int]:
    """(low, high) row positions of the direction documents (see :data:`DIRECTION_RULE`)."""
    level = docs["level"].astype(str).to_numpy()
    nat = np.flatnonzero(level == "national")
    rows = np.asarray(X.sum(axis=1)).ravel()
    order = np.lexsort((docs["doc_id"].astype(str).to_numpy(), -rows))  # most tokens first, ties by doc_id
    high = int(nat[0]) if len(nat) else int(order[0])
    Xd = X.astype(float)
    norms = np.sqrt(np.asarray(Xd.multiply(Xd).sum(axis=1)).ravel())
    cos = np.asarray((Xd @ Xd[high].T).todense()).ravel() / (norms * norms[high])
    cos[high] = np.inf
    ids = docs["doc_id"].astype(str).to_numpy()
    low = int(np.lexsort((ids, cos))[0])  # least similar, ties by doc_id
    return low, high


def _theta_correlations(pos: pd.DataFrame) -> pd.DataFrame:
    from scipy import stats

    level_rank = pos["level"].astype(str).map({lv: i for i, lv in enumerate(LEVELS)}).astype(float)
    measures = [("log passage tokens", np.log(pos["n_tokens"].astype(float) + 1)),
                ("log report characters", np.log(pos["n_total_chars"].astype(float) + 1)),
                ("level (national → prefecture)", level_rank)]
    if "date" in pos.columns:
        date = pd.to_datetime(pos["date"], errors="coerce")
        measures.append(("meeting date (day of the year)", date.dt.day_of_year.astype(float)))
    rows = []
    for name, values in measures:
        ok = values.notna() & pos["theta"].notna()
        n = int(ok.sum())
        rho = p = np.nan
        note = ""
        if n < 3:
            note = f"{n} report(s) with a value: too few"
        elif values[ok].nunique() < 2:
            note = "the same value for every report of the year"
        else:
            rho, p = stats.spearmanr(pos.loc[ok, "theta"], values[ok])
        rows.append({"with": name, "spearman_rho": float(rho), "p_value": float(p), "n_reports": n, "note": note})
    return pd.DataFrame(rows)


def _fit_year(study, docs: pd.DataFrame, *, min_df: int, random_state: int | None):
    from discourse.analysis.scaling import Wordfish, poles_table
    from discourse.segment import gloss

    docs, X, vocab = _year_counts(study, docs, min_df)
    if X is None or X.shape[0] < 3 or X.shape[1] < 2:
        n_words = 0 if X is None else X.shape[1]
        return None, f"{len(docs)} report(s) and {n_words} word(s) with counts at min_df={min_df}: too few to fit"
    low, high = _direction(X, docs)
    wf = Wordfish(dir=(low, high), random_state=random_state if random_state is not None else study.config.stats.seed)
    wf.fit(X, feature_names=vocab)
    keep = [c for c in ("doc_id", "label", "place", "level", "date", "n_tokens", "n_total_chars") if c in docs.columns]
    pos = docs[keep].copy()
    pos["theta"] = wf.theta_
    pos["theta_se"] = wf.theta_se_
    pos["lower"] = pos["theta"] - 1.96 * pos["theta_se"]
    pos["upper"] = pos["theta"] + 1.96 * pos["theta_se"]
    pos["anchor"] = ""
    pos.loc[high, "anchor"] = "high"
    pos.loc[low, "anchor"] = "low"
    poles = poles_table(wf, n=15)
    poles.insert(1, "gloss", poles["word"].astype(str).map(gloss))
    return (pos, poles, wf), ""


def fitted_year(result: WordfishYears, prefer: int) -> int | None:
    """``prefer`` if :func:`wordfish_by_year` fitted it, else the latest fitted year (None without any).

    Examples
    --------
    >>> yrs = pd.DataFrame({"year": [2021, 2022, 2023], "status": ["fitted", "fitted", "skipped"]})
    >>> r = WordfishYears(*(pd.DataFrame(),) * 3, yrs, pd.DataFrame())
    >>> fitted_year(r, 2021), fitted_year(r, 2023)
    (2021, 2022)
    """
    ok = result.years.loc[result.years["status"] == "fitted", "year"].astype(int).tolist()
    if not ok:
        return None
    return int(prefer) if int(prefer) in ok else max(ok)


def wordfish_by_year(study, years: Sequence[int] | None = None, *, min_df: int = 10,
                     random_state: int | None = None) -> WordfishYears:
    """Wordfish fitted separately for each year's reports: positions, poles and what θ correlates with.

    One model per year (Slapin & Proksch 2008; :class:`discourse.analysis.scaling.Wordfish`)
    on the counts of the passages' tokens that occur in at least ``min_df``
    of that year's reports. Fitting per year keeps time out of the
    dimension: a pooled fit over 2020–2024 would place reports by the
    year's vocabulary (the phase of the epidemic) and mix time with
    position. Within a year, θ is checked against log passage length, log
    report length, level and the meeting date (Spearman correlations,
    :attr:`WordfishYears.correlations`).

    **Direction.** θ's sign is arbitrary in each fit. It is fixed before
    fitting with Wordfish's ``dir`` option (:data:`DIRECTION_RULE`): the high
    anchor is the year's national report (or, in a year without one, the
    report with the most passage tokens, ties by ``doc_id``), the low anchor
    the report least similar to it in cosine similarity of word counts, and
    ``dir`` makes the high anchor's θ exceed the low anchor's. That fixes
    the sign only: the national report need not lie at the high end.
    Positions of different years are on their own standardised scales; they
    are compared within a year, not across.

    A year with fewer than ``study.config.stats.min_docs`` reports is skipped
    (``years.status == "skipped"`` with the reason), as is a year left with
    fewer than 3 reports or 2 words after ``min_df``; reports whose passages
    have no word at ``min_df`` are dropped from their year's fit (``n_fitted``
    counts the rest).

    Parameters
    ----------
    study : prepared study (``documents`` with ``doc_id, label, place,
        level, year, n_tokens, n_total_chars``; ``paragraphs`` with
        ``doc_id, tokens``; ``config.stats.min_docs`` and ``seed``).
    years : sequence of int, optional
        Years to fit (default: every year of the panel).
    min_df : int, default 10
        Minimum number of the year's reports a word must occur in.
    random_state : int, optional
        Seed for Wordfish (default ``study.config.stats.seed``).

    Returns
    -------
    WordfishYears
        ``positions``, ``poles``, ``correlations``, ``years`` and ``words``, all tidy.

    Examples
    --------
    >>> import types
    >>> from discourse.analysis.scaling import simulate_wordfish
    >>> sim = simulate_wordfish(8, 30, random_state=0)
    >>> docs = pd.DataFrame({"doc_id": [f"d{i}" for i in range(8)], "label": "x", "place": "p",
    ...     "level": ["national"] + ["prefecture"] * 7, "year": 2022, "n_tokens": 1, "n_total_chars": 1})
    >>> paras = pd.DataFrame({"doc_id": docs["doc_id"], "tokens": [[f"w{j}" for j, c in enumerate(row)
    ...     for _ in range(c)] for row in sim["counts"]]})
    >>> st = types.SimpleNamespace(documents=docs, paragraphs=paras,
    ...     config=types.SimpleNamespace(stats=types.SimpleNamespace(min_docs=5, seed=1)))
    >>> res = wordfish_by_year(st, min_df=1)
    >>> res.years[["year", "n_fitted", "status"]].values.tolist()
    [[2022, 8, 'fitted']]
    >>> bool(res.positions.set_index("anchor").loc["high", "theta"] > res.positions.set_index("anchor").loc["low", "theta"])
    True
    """
    docs = _panel_docs(study)
    docs = docs[docs["year"].notna()]
    all_years = sorted(int(y) for y in docs["year"].unique())
    wanted = all_years if years is None else [int(y) for y in years]
    min_docs = int(study.config.stats.min_docs)
    positions, poles, corrs, summary, words = [], [], [], [], []
    for year in wanted:
        yd = docs[docs["year"] == year].sort_values("doc_id", kind="mergesort").reset_index(drop=True)
        row = {"year": year, "n_reports": len(yd), "n_fitted": 0, "n_words": 0, "converged": pd.NA,
               "n_iter": pd.NA, "high_anchor": "", "low_anchor": "", "status": "skipped", "reason": ""}
        if len(yd) < min_docs:
            row["reason"] = f"{len(yd)} report(s) in {year}: fewer than min_docs = {min_docs}"
            summary.append(row)
            continue
        fitted, why = _fit_year(study, yd, min_df=min_df, random_state=random_state)
        if fitted is None:
            row["reason"] = why
            summary.append(row)
            continue
        pos, pol, wf = fitted
        corr = _theta_correlations(pos)
        anchors = pos.set_index("anchor")["label"]
        row.update(n_fitted=len(pos), n_words=int(wf.n_features_in_), converged=bool(wf.converged_),
                   n_iter=int(wf.n_iter_), high_anchor=str(anchors.get("high", "")),
                   low_anchor=str(anchors.get("low", "")), status="fitted",
                   reason="" if len(pos) == len(yd) else
                   f"{len(yd) - len(pos)} report(s) without a word at min_df={min_df} left out")
        summary.append(row)
        positions.append(pos.assign(year=year))
        poles.append(pol.assign(year=year))
        corrs.append(corr.assign(year=year))
        words.append(pd.DataFrame({"year": year, "word": pd.array(wf.get_feature_names_out(), dtype="string"),
                                   "beta": wf.beta_, "psi": wf.psi_}))
    pos_cols = ["year", "doc_id", "label", "place", "level", "date", "n_tokens", "n_total_chars", "theta", "theta_se",
                "lower", "upper", "anchor"]
    pos = pd.concat(positions, ignore_index=True) if positions else pd.DataFrame(columns=pos_cols)
    pos = pos[[c for c in pos_cols if c in pos.columns]].sort_values(["year", "theta"], kind="mergesort")
    pol = (pd.concat(poles, ignore_index=True) if poles
           else pd.DataFrame(columns=["word", "gloss", "beta", "psi", "pole", "rank", "year"]))
    pol = pol[["year", "word", "gloss", "beta", "psi", "pole", "rank"]]
    cor = (pd.concat(corrs, ignore_index=True) if corrs
           else pd.DataFrame(columns=["with", "spearman_rho", "p_value", "n_reports", "note", "year"]))
    cor = cor[["year", "with", "spearman_rho", "p_value", "n_reports", "note"]]
    yrs = pd.DataFrame(summary, columns=["year", "n_reports", "n_fitted", "n_words", "converged", "n_iter",
                                         "high_anchor", "low_anchor", "status", "reason"])
    wrd = (pd.concat(words, ignore_index=True) if words
           else pd.DataFrame(columns=["year", "word", "beta", "psi"]))
    return WordfishYears(pos.reset_index(drop=True), pol.reset_index(drop=True), cor.reset_index(drop=True), yrs, wrd)


def wordfish_positions(study, year: int, *, min_df: int = 10, random_state: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Wordfish positions of the reports of one year, the words at both poles, and what θ correlates with.

    Returns (positions, poles, correlations): positions with θ and its
    standard error per report; the poles table; Spearman correlations of θ
    with log passage length, log report length, the level (ordinal) and the
    meeting date. The fit and its direction are those of
    :func:`wordfish_by_year` for that year (:data:`DIRECTION_RULE`).

    Raises
    ------
    ValueError
        When the year cannot be fitted (the message gives the reason).
    """
    res = wordfish_by_year(study, [year], min_df=min_df, random_state=random_state)
    if res.years["status"].iloc[0] != "fitted":
        raise ValueError(f"no Wordfish fit for {year}: {res.years['reason'].iloc[0]}")
    pos = res.positions.drop(columns=["year"]).reset_index(drop=True)
    poles = res.poles.drop(columns=["year"]).reset_index(drop=True)
    corr = res.correlations.drop(columns=["year"]).reset_index(drop=True)
    return pos, poles, corr


def wordfish_years_note(result: WordfishYears, *, alpha: float = 0.05) -> str:
    """What the per-year dimension correlates with, as Markdown generated from :func:`wordfish_by_year`'s tables.

    For each measure: the years in which θ's Spearman correlation with it
    is significant at ``alpha`` after Holm's adjustment over that measure's
    yearly tests (and how many are below ``alpha`` unadjusted), with the
    range of |ρ| (each year's sign is fixed by its own anchors, so only the
    size of ρ compares across years); then the years skipped and why, and
    whether every fit converged.

    Examples
    --------
    >>> cor = pd.DataFrame({"year": [2021, 2022, 2023], "with": ["level (national → prefecture)"] * 3,
    ...     "spearman_rho": [0.3, -0.1, 0.2], "p_value": [0.001, 0.03, 0.04], "n_reports": [50, 40, 45], "note": ""})
    >>> yrs = pd.DataFrame({"year": [2021, 2022, 2023], "status": "fitted", "converged": True, "reason": ""})
    >>> print(wordfish_years_note(WordfishYears(pd.DataFrame(), pd.DataFrame(), cor, yrs, pd.DataFrame())))
    - **level (national → prefecture).** Significant at p < 0.05 after Holm's adjustment over the years in 1 of 3 fitted years (2021; unadjusted: 3); |ρ| from 0.10 to 0.30 (n = 40–50 reports a year).
    - All 3 yearly fits converged.
    """
    from statsmodels.stats.multitest import multipletests

    lines = []
    cor = result.correlations
    fitted = result.years[result.years["status"] == "fitted"]
    n_years = len(fitted)
    for measure, g in cor.groupby("with", sort=False):
        est = g[g["spearman_rho"].notna() & g["p_value"].notna()]
        if est.empty:
            lines.append(f"- **{measure}.** Not estimable in any year ({g['note'].iloc[0]}).")
            continue
        reject = multipletests(est["p_value"].to_numpy(dtype=float), alpha=alpha, method="holm")[0]
        sig = est[reject]
        years = ", ".join(str(int(y)) for y in sig["year"]) or "none"
        n_raw = int((est["p_value"] < alpha).sum())
        size = est["spearman_rho"].abs()
        lines.append(f"- **{measure}.** Significant at p < {alpha:g} after Holm's adjustment over the years in "
                     f"{len(sig)} of {len(est)} fitted years ({years}; unadjusted: {n_raw}); |ρ| from "
                     f"{size.min():.2f} to {size.max():.2f} (n = {int(est['n_reports'].min())}–"
                     f"{int(est['n_reports'].max())} reports a year).")
    skipped = result.years[result.years["status"] != "fitted"]
    for r in skipped.itertuples(index=False):
        lines.append(f"- **{int(r.year)} not fitted:** {r.reason}.")
    conv = fitted["converged"].astype(bool)
    if n_years:
        lines.append(f"- All {n_years} yearly fits converged." if conv.all() else
                     f"- {int((~conv).sum())} of {n_years} yearly fits did not converge "
                     f"({', '.join(str(int(y)) for y in fitted.loc[~conv.to_numpy(), 'year'])}): read their positions with care.")
    return "\n".join(lines)


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
    "DIRECTION_RULE",
    "WordfishYears",
    "fitted_year",
    "wordfish_by_year",
    "wordfish_positions",
    "wordfish_years_note",
    "year_keyness",
]
