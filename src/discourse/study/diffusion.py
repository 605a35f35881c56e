"""The panel study's diffusion analyses: reuse of the centre's wording, slogan adoption, meaning change.

Built on the generic functions of :mod:`discourse.analysis.reuse`,
:mod:`~discourse.analysis.adoption`, :mod:`~discourse.analysis.senses` and
:func:`discourse.analysis.stats.cluster_bootstrap`; this module holds what is
specific to the study: which reports are local and which national, the
formulations and their release dates (``data/central_formulations.csv``),
and the sense rules for 优化, 隔离 and the polysemous slogans.

* **Reuse.** For each local report (province, major city, prefecture) the
  share of the character 4-grams of its COVID passages that occur in the
  national government work report's COVID passages of the same year, and the
  chance baseline: the mean share against the national reports of the *other*
  years (:func:`reuse_by_report`); by level × year with intervals that
  resample provinces (:func:`reuse_by_group`). The excess over the baseline is
  the effect. n = 4 is argued in :mod:`discourse.analysis.reuse`. Local
  reports are mostly delivered in January–February, before the national
  report of 5 March: a same-year excess measures a shared line from the
  centre, not copying from the national report itself.
* **Adoption.** The first report in which each place uses a formulation,
  Kaplan–Meier cumulative adoption by level since the formulation's release
  (:func:`adoption`, :func:`adoption_curves`, :func:`adoption_leaders`).
* **Meaning change.** Sense rules (:data:`SENSE_RULES`) for 优化 (the
  ordinary verb vs the name of the COVID-measures policy) and 隔离 (home vs
  central quarantine vs other), counted by year and level, checked on a
  hand-labelled sample (``data/senses_sample.csv``, :func:`sense_check`), and
  the phase counts with 优化 (and the slogans) counted in their COVID sense
  only (:func:`sense_resolved_phase_counts`).
"""

from __future__ import annotations

import csv

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from discourse import config
from discourse.analysis.senses import SenseRules, classify_senses, sense_counts, sense_precision

#: Levels whose reports are compared with the national report.
LOCAL_LEVELS: tuple[str, ...] = ("province", "major_city", "prefecture")
#: Level value of the national (State Council) reports.
NATIONAL_LEVEL: str = "national"

_P = "[^，。；：！？\n]"  # any character inside one clause

#: Sense rules for the terms whose meaning changed (first rule that fires decides).
#:
#: 优化 ``policy``: 优化 whose object in the same clause is the epidemic
#: control (优化调整疫情防控措施, 优化防控策略, 防控措施不断优化,
#: 二十条优化措施); every other use (优化营商环境, 优化诊疗方案,
#: 优化医疗资源配置) is ``ordinary``. 隔离 ``central``: 集中隔离 and the
#: quarantine facilities (隔离点, 隔离场所, 隔离酒店 …); ``home``: 居家隔离;
#: ``other``: isolation as a generic step (早隔离, 隔离管控, 流调、隔离、转运).
SENSE_RULES = SenseRules(
    {
        "优化": [
            ("policy", f"优化{_P}{{0,5}}?(疫情|防控|防疫|隔离|核酸)"),
            ("policy", f"(疫情|防控|防疫)(措施|政策|策略|举措|工作)?{_P}{{0,4}}优化"),
            ("policy", f"(二十条|新十条)[”\"]?{_P}{{0,2}}优化|优化{_P}{{0,3}}[“\"]?(二十条|新十条)"),
        ],
        "隔离": [
            ("central", f"集中{_P}{{0,2}}隔离|隔离(场所|点|酒店|宾馆|房间|板房|用房|设施|方舱)"),
            ("home", f"居家{_P}{{0,3}}隔离"),
        ],
    },
    default={"优化": "ordinary", "隔离": "other"},
    window=12,
)

_COVID = {"疫情", "病例", "确诊", "新冠", "防控", "防疫", "抗疫", "战疫", "外防输入", "内防反弹", "总方针", "社会面",
          "核酸", "第九版", "联防联控", "乙类乙管", "保健康", "防重症", "防住", "转段", "感染", "潜伏期"}

#: Rules that count a slogan only in its COVID sense (``covid`` vs ``other``):
#: 动态清零 also names poverty and employment targets (零就业家庭动态清零),
#: 科学精准 also qualifies macro policy (the only non-COVID use in these
#: passages, so COVID is its default), and local economic packages are
#: called 二十条 or 新十条.
FORMULATION_RULES = SenseRules(
    {
        "动态清零": [
            ("other", f"(零就业|就业家庭|三保障|欠薪|大班额|大校额|危房|饮水|包虫病|贫困|义务教育){_P}{{0,6}}动态清零"),
            ("other", "动态清零[“\"]?两不愁"),
            ("covid", "动态清零[”\"]?(阶段|总方针|不动摇)"),
            ("covid", _COVID),
        ],
        "科学精准": [
            ("other", f"科学精准{_P}{{0,3}}宏观政策|六保[”\"]?任务，科学精准|科学精准的推广"),
        ],
        "二十条": [
            ("other", f"(发展|经济运行|稳企稳岗|教育振兴|三化)[”\"]?{_P}{{0,2}}[“\"]?二十条|二十条[”\"]?(政策|举措)"),
            ("covid", _COVID | {"新十条", "优化措施"}),
        ],
        "新十条": [
            ("other", f"(营商环境|化债)[”\"]?{_P}{{0,2}}[“\"]?新十条|新十条[”\"]?化债"),
            ("covid", _COVID | {"二十条", "优化措施"}),
        ],
    },
    default={"动态清零": "other", "科学精准": "covid", "二十条": "other", "新十条": "other"},
    window=12,
)

FORMULATION_COLUMNS: tuple[str, ...] = (
    "formulation", "full_form", "gloss", "counting", "release_date", "release_basis", "milestone_id",
    "first_national_report", "first_national_date", "first_national_quote", "attestation", "note",
)
SAMPLE_COLUMNS: tuple[str, ...] = ("doc_id", "offset", "term", "context", "rule_sense", "hand_sense", "note")


def formulations_path() -> Path:
    """Path of the bundled formulations table (``data/central_formulations.csv``)."""
    return config.DATA_DIR / "central_formulations.csv"


def senses_sample_path() -> Path:
    """Path of the bundled hand-labelled sense sample (``data/senses_sample.csv``)."""
    return config.DATA_DIR / "senses_sample.csv"


def _parse_date(value: str, where: str) -> pd.Timestamp | None:
    if not value:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value):
        raise ValueError(f"{where}: {value!r} is not a YYYY-MM or YYYY-MM-DD date")
    return pd.Timestamp(value if len(value) == 10 else value + "-01")


def load_formulations(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the central formulations table.

    Returns the columns of :data:`FORMULATION_COLUMNS` with ``release`` (the
    release date as a Timestamp, first day of the month for ``YYYY-MM``; NaT
    when the table gives none, and the formulation is then left out of the
    adoption curves).

    Raises
    ------
    ValueError
        Naming the file, row (1-based, header not counted) and field of the
        first problem.

    Examples
    --------
    >>> f = load_formulations()
    >>> f.loc[f.formulation == "动态清零", "release"].item()
    Timestamp('2021-08-01 00:00:00')
    """
    path = Path(path) if path is not None else formulations_path()
    with open(path, encoding="utf-8", newline="") as fh:  # a row with a field too few or too many is an error
        reader = csv.reader(fh)
        width = len(next(reader, []))
        for rec in reader:
            if rec and len(rec) != width:
                raise ValueError(f"{path}: line {reader.line_num}: {len(rec)} fields, but the header has {width}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in FORMULATION_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    releases = []
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        if not row.formulation:
            raise ValueError(f"{path}: row {i}, field 'formulation': empty")
        if row.counting not in ("substring", "rules"):
            raise ValueError(f"{path}: row {i}, field 'counting': {row.counting!r} is not 'substring' or 'rules'")
        releases.append(_parse_date(row.release_date, f"{path}: row {i}, field 'release_date'"))
        _parse_date(row.first_national_date, f"{path}: row {i}, field 'first_national_date'")
        if row.release_date and not row.release_basis:
            raise ValueError(f"{path}: row {i}, field 'release_basis': a release date needs its basis")
    if frame["formulation"].duplicated().any():
        dup = frame.loc[frame["formulation"].duplicated(), "formulation"].iloc[0]
        raise ValueError(f"{path}: formulation {dup!r} is listed twice")
    frame["release"] = pd.to_datetime(pd.Series(releases, dtype="object"))
    return frame


def outbreak_date(milestones: pd.DataFrame) -> pd.Timestamp:
    """Start of the first policy period of the milestones table (the earliest row with a ``phase_to``)."""
    rows = milestones[milestones["phase_to"].astype(str).str.len() > 0]
    if rows.empty:
        raise ValueError("the milestones table has no row with a phase_to")
    return pd.Timestamp(rows["date"].min())


# --------------------------------------------------------------------------- reuse


def report_passages(study) -> pd.DataFrame:
    """One row per report: ``doc_id, label, place, level, year, date, cluster, text`` (its COVID paragraphs, newline-joined)."""
    from discourse.study.panel import _panel_docs

    docs = _panel_docs(study)
    paras = study.paragraphs.sort_values(["doc_id", "para_no"], kind="mergesort")
    text = paras.groupby(paras["doc_id"].astype(str), sort=False)["text"].agg(lambda s: "\n".join(map(str, s)))
    out = docs[["doc_id", "label", "place", "level", "year", "date", "cluster"]].copy().reset_index(drop=True)
    out["doc_id"] = out["doc_id"].astype(str)
    out["level"] = out["level"].astype(str)
    out["text"] = out["doc_id"].map(text).fillna("").astype(str)
    return out


def _check_passages(passages: pd.DataFrame, cols: Sequence[str]) -> None:
    missing = [c for c in cols if c not in passages.columns]
    if missing:
        raise ValueError(f"passages table has no column(s) {missing}")


def reuse_by_report(
    passages: pd.DataFrame,
    *,
    n: int = 4,
    levels: Sequence[str] = LOCAL_LEVELS,
    national: str = NATIONAL_LEVEL,
    exclude_before: object | None = None,
) -> pd.DataFrame:
    """Same-year reuse share, other-year baseline and their difference for each local report.

    Parameters
    ----------
    passages : DataFrame
        One row per report with ``doc_id, level, year, date, cluster, text``
        (:func:`report_passages`).
    n : int, default 4
        Character n-gram length.
    levels, national : level values of the local and the national reports.
    exclude_before : date, optional
        Local reports dated before it are left out (the 2020 reports delivered
        before the outbreak was public: their "passages" are about other
        epidemics).

    Returns
    -------
    DataFrame, one row per local report with a year: ``doc_id, label, place,
    level, year, cluster, date, n_ngrams, n_shared, share`` (same year),
    ``baseline`` (mean over the other years), ``baseline_min``,
    ``baseline_max``, ``n_reference_years``, ``excess`` (share − baseline),
    ``has_reference`` and ``before_national`` (delivered before the national
    report of its year; NA when undated).

    Examples
    --------
    >>> p = pd.DataFrame({"doc_id": ["n1", "n2", "a"], "level": ["national", "national", "province"],
    ...     "year": [2021, 2022, 2022], "date": pd.to_datetime(["2021-03-05", "2022-03-05", "2022-01-10"]),
    ...     "cluster": ["全国", "全国", "P"], "text": ["常态化防控", "坚持动态清零", "坚持动态清零不动摇"]})
    >>> reuse_by_report(p)[["doc_id", "share", "baseline", "excess"]]
      doc_id  share  baseline  excess
    0      a    0.5       0.0     0.5
    """
    from discourse.analysis.reuse import chance_baseline, reuse_share

    _check_passages(passages, ["doc_id", "level", "year", "date", "cluster", "text"])
    p = passages.copy()
    p["year"] = pd.to_numeric(p["year"], errors="coerce").astype("Int64")
    ref = p[(p["level"].astype(str) == national) & p["year"].notna()]
    if ref.empty:
        raise ValueError(f"no report of level {national!r} with a year: nothing to compare with")
    local = p[p["level"].astype(str).isin(levels) & p["year"].notna()]
    if exclude_before is not None:
        local = local[~(local["date"] < pd.Timestamp(exclude_before))]
    local = local.reset_index(drop=True)
    same = reuse_share(local, ref, n=n, by="year", id_col="doc_id")
    base = chance_baseline(local, ref, by="year", n=n, id_col="doc_id")
    keep = [c for c in ("doc_id", "label", "place", "level", "year", "cluster", "date") if c in local.columns]
    out = local[keep].copy()
    out["n_ngrams"] = same["n_ngrams"].to_numpy()
    out["n_shared"] = same["n_shared"].to_numpy()
    out["share"] = same["share"].to_numpy()
    out["baseline"] = base["share"].to_numpy()
    out["baseline_min"] = base["share_min"].to_numpy()
    out["baseline_max"] = base["share_max"].to_numpy()
    out["n_reference_years"] = base["n_reference_groups"].to_numpy()
    out["excess"] = out["share"] - out["baseline"]
    out["has_reference"] = same["has_reference"].to_numpy()
    nat_date = ref.groupby("year")["date"].min()
    before = out["date"] < out["year"].map(nat_date)
    out["before_national"] = before.astype("boolean").where(out["date"].notna(), pd.NA)
    out["n"] = int(n)
    return out


def reuse_by_group(
    reuse: pd.DataFrame,
    *,
    by: Sequence[str] = ("level", "year"),
    n_resamples: int = 999,
    min_clusters: int = 5,
    random_state: int | None = None,
    stats: Sequence[str] = ("share", "baseline", "excess"),
) -> pd.DataFrame:
    """Mean same-year share, baseline and excess by group, with intervals resampling provinces.

    Each interval is a percentile cluster bootstrap
    (:func:`discourse.analysis.stats.cluster_bootstrap`) over the group's
    provinces (all reports of a province together); the three statistics use
    the same seed, hence the same resamples. Reports without n-grams or
    without a national report of their year are left out. With fewer than
    ``min_clusters`` provinces the intervals are NA and ``note`` says why.
    ``stats`` names the mean shares to estimate (columns of ``reuse``;
    ``"excess"`` is computed as share − baseline); a table without a
    baseline (reuse of a reference that is not one text per year, as in
    :func:`central_reuse`) passes its own share columns, and ``ratio`` and
    ``n_excess_positive`` are then left out.

    Returns
    -------
    DataFrame, one row per group (levels in :data:`LOCAL_LEVELS` order): the ``by`` columns, ``n_reports``,
    ``n_provinces``, ``n_before_national`` (dated before the national report
    of the year), ``share``, ``share_low``, ``share_high``, ``baseline``,
    ``baseline_low``, ``baseline_high``, ``excess``, ``excess_low``,
    ``excess_high``, ``ratio`` (share / baseline), ``n_excess_positive``,
    ``n`` (n-gram length), ``ci`` and ``note``.

    Examples
    --------
    >>> r = pd.DataFrame({"level": "province", "year": 2022, "cluster": list("abcdef"),
    ...     "share": [.3, .4, .5, .3, .4, .5], "baseline": [.2] * 6, "n_ngrams": 10,
    ...     "has_reference": True, "before_national": True, "n": 4})
    >>> g = reuse_by_group(r, n_resamples=200, random_state=1)
    >>> round(float(g["excess"].iloc[0]), 2), int(g["n_provinces"].iloc[0])
    (0.2, 6)
    """
    from discourse.analysis.stats import cluster_bootstrap

    seed = config.RANDOM_STATE if random_state is None else random_state
    by = list(by)
    stats = list(stats)
    if not stats:
        raise ValueError("reuse_by_group needs at least one statistic in stats=")
    needed = [c for c in stats if c != "excess"] + (["share", "baseline"] if "excess" in stats else [])
    _check_passages(reuse, [*by, "cluster", *dict.fromkeys(needed), "n_ngrams", "has_reference"])
    d = reuse[reuse["has_reference"].astype(bool) & (reuse["n_ngrams"] > 0)].copy()
    if "excess" in stats:
        d["excess"] = d["share"] - d["baseline"]
    rows = []
    for key, g in d.groupby(by, observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        small = g[["cluster", *stats]].reset_index(drop=True)
        row = {**dict(zip(by, key)), "n_reports": len(g), "n_provinces": int(g["cluster"].nunique()),
               "n_before_national": int(g["before_national"].fillna(False).astype(bool).sum())
               if "before_national" in g.columns else 0}
        note = ""
        for col in stats:
            res = cluster_bootstrap(small, lambda x, c=col: float(x[c].mean()), "cluster", n_resamples=n_resamples,
                                    min_clusters=min_clusters, random_state=seed).iloc[0]
            row[col], row[f"{col}_low"], row[f"{col}_high"] = float(res["estimate"]), float(res["low"]), float(res["high"])
            note = note or str(res["note"])
            ci = float(res["ci"])
        if "share" in row and "baseline" in row:
            row["ratio"] = row["share"] / row["baseline"] if row["baseline"] > 0 else np.nan
        if "excess" in stats:
            row["n_excess_positive"] = int((g["excess"] > 0).sum())
        row["n"] = int(g["n"].iloc[0]) if "n" in g.columns else 4
        row["ci"] = ci
        row["note"] = note
        rows.append(row)
    out = pd.DataFrame(rows)
    if "level" in by and len(out):
        rank = {lv: i for i, lv in enumerate(LOCAL_LEVELS)}
        out = out.assign(_r=out["level"].astype(str).map(rank).fillna(len(rank)))
        out = out.sort_values(["_r", *by], kind="mergesort").drop(columns="_r").reset_index(drop=True)
    return out


def reuse_by_reference_year(
    passages: pd.DataFrame,
    *,
    n: int = 4,
    levels: Sequence[str] = LOCAL_LEVELS,
    national: str = NATIONAL_LEVEL,
    exclude_before: object | None = None,
) -> pd.DataFrame:
    """Mean share of local reports' n-grams found in each year's national report (local year × national year).

    Returns a tidy table ``local_year, national_year, same_year, n_reports,
    mean_share``: if reuse follows the calendar, the same-year cell of each
    row (or the previous year's) is the largest.

    Examples
    --------
    >>> p = pd.DataFrame({"doc_id": ["n1", "n2", "a"], "level": ["national", "national", "province"],
    ...     "year": [2021, 2022, 2022], "date": pd.NaT, "cluster": "x",
    ...     "text": ["常态化防控", "坚持动态清零", "坚持动态清零不动摇"]})
    >>> reuse_by_reference_year(p)[["local_year", "national_year", "mean_share"]]
       local_year  national_year  mean_share
    0        2022           2021         0.0
    1        2022           2022         0.5
    """
    from discourse.analysis.reuse import chance_baseline, reuse_share

    _check_passages(passages, ["doc_id", "level", "year", "text"])
    p = passages.copy()
    p["year"] = pd.to_numeric(p["year"], errors="coerce").astype("Int64")
    ref = p[(p["level"].astype(str) == national) & p["year"].notna()]
    local = p[p["level"].astype(str).isin(levels) & p["year"].notna()]
    if exclude_before is not None and "date" in local.columns:
        local = local[~(local["date"] < pd.Timestamp(exclude_before))]
    local = local.reset_index(drop=True)
    same = reuse_share(local, ref, n=n, by="year", id_col="doc_id")
    same = same[same["has_reference"]].assign(ref_year=same["year"])[["doc_id", "year", "ref_year", "share"]]
    other = chance_baseline(local, ref, by="year", n=n, id_col="doc_id", aggregate=False)
    other = other[["doc_id", "year", "ref_year", "share"]]
    long = pd.concat([same, other], ignore_index=True)
    long = long[long["share"].notna()]
    out = (long.groupby(["year", "ref_year"], sort=True)
           .agg(n_reports=("doc_id", "nunique"), mean_share=("share", "mean")).reset_index())
    out = out.rename(columns={"year": "local_year", "ref_year": "national_year"})
    out["local_year"] = out["local_year"].astype(int)
    out["national_year"] = out["national_year"].astype(int)
    out.insert(2, "same_year", out["local_year"] == out["national_year"])
    return out[["local_year", "national_year", "same_year", "n_reports", "mean_share"]]


#: Sources of the central reference texts (:func:`central_reference_texts`), in display order.
CENTRAL_SOURCES: tuple[str, ...] = ("formulation", "national report quote", "document title")
_NUMBERED_DOC = re.compile(r"〔\d{4}〕\d+号|第\d+号")
_TITLE = re.compile(r"《([^《》]+)》")


_DOC_TYPE = re.compile(r"(通知|意见|方案|决定|办法|规定)$")


def _full_form_pieces(value: str) -> list[str]:
    """The strings of a ``full_form`` cell.

    Alternatives are split on " / "; a bracketed part that is a document's
    title (it ends in 通知, 意见, 方案 …) is its own string, any other
    bracketed part completes the phrase (科学精准 (做好防控工作) →
    科学精准做好防控工作).

    Examples
    --------
    >>> _full_form_pieces("二十条 (进一步优化新冠肺炎疫情防控措施 科学精准做好防控工作的通知)")
    ['二十条', '进一步优化新冠肺炎疫情防控措施 科学精准做好防控工作的通知']
    >>> _full_form_pieces("科学精准 (做好防控工作)"), _full_form_pieces("常态化防控 / 疫情防控常态化")
    (['科学精准做好防控工作'], ['常态化防控', '疫情防控常态化'])
    """
    pieces = []
    for alt in str(value).split(" / "):
        outer = re.sub(r"\s*[(（][^()（）]*[)）]", "", alt).strip()
        inner = [m.strip() for m in re.findall(r"[(（]([^()（）]*)[)）]", alt) if m.strip()]
        titles = [m for m in inner if _DOC_TYPE.search(m)]
        pieces += [outer + "".join(m for m in inner if m not in titles), *titles]
    return [p for p in pieces if p]


def central_reference_texts(formulations: pd.DataFrame | None = None,
                            milestones: pd.DataFrame | None = None) -> pd.DataFrame:
    """The centre's own wording that this corpus can cite: formulations, national-report quotes, document titles.

    The full texts of the central documents are not bundled (and were not
    checked offline), so the reference set is what the data files quote:

    * ``formulation`` — each formulation's ``full_form`` in
      ``data/central_formulations.csv`` (alternatives split on " / "; a
      bracketed expansion such as the 二十条's document title is its own
      text), dated by the formulation's release; a formulation without an
      established release date is undated (its first national attestation
      is later than its origin, so it would date it too late);
    * ``national report quote`` — its ``first_national_quote``, the sentence
      of the first national government work report using it, dated by that
      report (a row without a ``first_national_date`` has no quote);
    * ``document title`` — the titles in 《》 of the national rows of
      ``data/milestones.csv`` whose ``document`` is a numbered document
      (…〔2022〕101号, …第7号): a title is the document's own words, dated by
      the milestone.

    Duplicate strings are kept once (the first source in
    :data:`CENTRAL_SOURCES` order, then the earliest date).

    Returns
    -------
    DataFrame ``ref_id, source, text, date, key`` (``key``: the formulation
    or the milestone id), ``cite`` (file, row and field it comes from) and
    ``gloss`` (the formulation's gloss, the quoting report, or the
    milestone's English description), sorted by source and date.

    Examples
    --------
    >>> ref = central_reference_texts()
    >>> ref.loc[ref.key == "twenty-measures", "text"].tolist()
    ['关于进一步优化新冠肺炎疫情防控措施 科学精准做好防控工作的通知']
    >>> sorted(set(ref["source"]))
    ['document title', 'formulation', 'national report quote']
    """
    from discourse.study.periods import load_milestones, milestones_path

    f = load_formulations() if formulations is None else formulations
    m = load_milestones() if milestones is None else milestones
    f_name = formulations_path().name if formulations is None else "formulations"
    m_name = milestones_path().name if milestones is None else "milestones"
    rows = []
    for i, r in enumerate(f.itertuples(index=False), start=1):
        release = pd.Timestamp(r.release) if pd.notna(getattr(r, "release", pd.NaT)) else pd.NaT
        first = pd.Timestamp(r.first_national_date) if str(r.first_national_date or "") else pd.NaT
        gloss = str(getattr(r, "gloss", "") or "")
        for piece in _full_form_pieces(r.full_form or r.formulation):
            # dated by the release only: a first national attestation is later than the origin
            rows.append(("formulation", piece, release, r.formulation, f"{f_name} row {i}, full_form", gloss))
        if str(r.first_national_quote or "") and pd.notna(first):
            rows.append(("national report quote", str(r.first_national_quote), first, r.formulation,
                         f"{f_name} row {i}, first_national_quote",
                         f"quoted in {getattr(r, 'first_national_report', '') or 'the national report'}"))
    for i, r in enumerate(m.itertuples(index=False), start=1):
        if str(r.scope) != "national" or pd.isna(r.document) or not _NUMBERED_DOC.search(str(r.document)):
            continue
        for title in _TITLE.findall(str(r.event_zh)):
            rows.append(("document title", title.strip(), pd.Timestamp(r.date), r.milestone_id,
                         f"{m_name} row {i}, event_zh (title of {r.document})", str(getattr(r, "event_en", "") or "")))
    ref = pd.DataFrame(rows, columns=["source", "text", "date", "key", "cite", "gloss"])
    ref["_s"] = ref["source"].map({s: k for k, s in enumerate(CENTRAL_SOURCES)})
    ref = ref.sort_values(["_s", "date"], kind="mergesort", na_position="last")  # ties: file order
    ref = ref.drop_duplicates("text", keep="first").drop(columns="_s").reset_index(drop=True)
    ref.insert(0, "ref_id", [f"c{k:02d}" for k in range(1, len(ref) + 1)])
    return ref


def central_reuse_by_report(
    passages: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    n: int = 4,
    levels: Sequence[str] = LOCAL_LEVELS,
    exclude_before: object | None = None,
) -> pd.DataFrame:
    """Share of each local report's n-grams found in the central reference texts.

    Only dated reports enter (the comparison needs the meeting date), so
    both shares are over the same reports and ``share_public <= share``.
    ``share`` is against every reference text; ``share_public`` against the
    texts whose date is established and on or before the report's meeting
    date (what the report could have repeated from them). The difference is
    overlap with wording not yet issued at the meeting date, or whose issue
    date is not established here (the formulations without a release date):
    phrases that circulated before the document, or stock phrases of the
    genre.

    No chance baseline of the kind of :func:`reuse_by_report` is given: that
    baseline compares one reference text per year with the other years',
    whereas this reference set is one list of short texts, and a set of
    texts not yet issued at a report's date differs from the issued set in
    size and content, so its overlap is not a chance rate.

    Returns
    -------
    DataFrame ``doc_id, label, place, level, year, cluster, date, n_ngrams,
    n_shared, share, n_shared_public, share_public, n_public, has_reference,
    n`` (``n_public``: reference texts public at the report's date).

    Examples
    --------
    >>> p = pd.DataFrame({"doc_id": ["a", "b"], "level": "province", "year": [2021, 2023],
    ...     "date": pd.to_datetime(["2021-01-10", "2023-01-10"]), "cluster": ["A", "B"],
    ...     "text": ["坚持动态清零", "坚持动态清零"]})
    >>> ref = pd.DataFrame({"text": ["动态清零"], "date": pd.to_datetime(["2021-08-01"])})
    >>> central_reuse_by_report(p, ref)[["doc_id", "share", "share_public", "n_public"]].round(3)
      doc_id  share  share_public  n_public
    0      a  0.333         0.000         0
    1      b  0.333         0.333         1
    """
    from discourse.analysis.reuse import char_ngrams, reuse_share

    _check_passages(passages, ["doc_id", "level", "year", "date", "cluster", "text"])
    missing = [c for c in ("text", "date") if c not in reference.columns]
    if missing:
        raise ValueError(f"central reference table has no column(s) {missing}")
    if reference.empty:
        raise ValueError("the central reference table has no text")
    p = passages.copy()
    p["year"] = pd.to_numeric(p["year"], errors="coerce").astype("Int64")
    local = p[p["level"].astype(str).isin(levels) & p["year"].notna() & p["date"].notna()]
    if exclude_before is not None:
        local = local[~(local["date"] < pd.Timestamp(exclude_before))]
    local = local.reset_index(drop=True)
    if local.empty:
        raise ValueError("no dated local report to compare with the central reference texts")
    allref = reuse_share(local, reference, n=n, id_col="doc_id")
    keep = [c for c in ("doc_id", "label", "place", "level", "year", "cluster", "date") if c in local.columns]
    out = local[keep].copy()
    out["n_ngrams"] = allref["n_ngrams"].to_numpy()
    out["n_shared"] = allref["n_shared"].to_numpy()
    out["share"] = allref["share"].to_numpy()
    ref_dates = pd.to_datetime(reference["date"])
    ref_grams = [set(char_ngrams(str(t), n)) for t in reference["text"]]
    pub_shared, n_public = [], []
    for text, date in zip(local["text"], pd.to_datetime(local["date"])):
        if pd.isna(date):
            pub_shared.append(np.nan)
            n_public.append(pd.NA)
            continue
        public = [g for g, d in zip(ref_grams, ref_dates) if pd.notna(d) and d <= date]
        grams = set().union(*public) if public else set()
        pub_shared.append(sum(1 for g in char_ngrams(str(text), n) if g in grams))
        n_public.append(len(public))
    out["n_shared_public"] = pd.array(pub_shared, dtype="Float64").astype("Int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_public"] = np.where(out["n_ngrams"] > 0,
                                       np.asarray(pub_shared, dtype=float) / np.maximum(out["n_ngrams"], 1), np.nan)
    out["n_public"] = pd.array(n_public, dtype="Int64")
    out["has_reference"] = True
    out["n"] = int(n)
    return out


def central_reuse(
    passages: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    n: int = 4,
    exclude_before: object | None = None,
    n_resamples: int = 999,
    min_clusters: int = 5,
    random_state: int | None = None,
) -> pd.DataFrame:
    """By level × year: mean share of local reports' n-grams in the central reference texts, intervals by province.

    :func:`central_reuse_by_report` aggregated by :func:`reuse_by_group`
    (percentile cluster bootstrap over provinces, the same resamples for both
    shares) with ``stats=("share", "share_public")``.

    Returns
    -------
    DataFrame ``level, year, n_reports, n_provinces, share, share_low,
    share_high, share_public, share_public_low, share_public_high, n, ci,
    note``.

    Examples
    --------
    >>> p = pd.DataFrame({"doc_id": list("abcdef"), "level": "province", "year": 2023,
    ...     "date": pd.Timestamp("2023-01-10"), "cluster": list("ABCDEF"),
    ...     "text": ["坚持动态清零", "动态清零", "常态化", "经济发展", "动态清零", "稳增长"]})
    >>> ref = pd.DataFrame({"text": ["动态清零"], "date": pd.to_datetime(["2021-08-01"])})
    >>> g = central_reuse(p, ref, n_resamples=200, random_state=0)
    >>> int(g["n_reports"].iloc[0]), round(float(g["share"].iloc[0]), 3)
    (4, 0.583)

    (常态化 and 稳增长 have no 4-gram and are left out.)
    """
    per = central_reuse_by_report(passages, reference, n=n, exclude_before=exclude_before)
    out = reuse_by_group(per, stats=("share", "share_public"), n_resamples=n_resamples, min_clusters=min_clusters,
                         random_state=random_state)
    if len(out):  # say why share_public is 0: nothing dated had been issued by these reports' meeting dates
        most = per.groupby(["level", "year"], observed=True)["n_public"].max().rename("_max_public").reset_index()
        out = out.merge(most, on=["level", "year"], how="left")
        none_yet = out["_max_public"].fillna(0).astype(int) == 0
        has_note = out["note"].fillna("").astype(str).str.len() > 0
        out["note"] = out["note"].where(~none_yet | has_note,
                                        "no reference text with an established date was issued by these reports' meeting dates")
        out = out.drop(columns="_max_public")
    cols = ["level", "year", "n_reports", "n_provinces", "share", "share_low", "share_high", "share_public",
            "share_public_low", "share_public_high", "n", "ci", "note"]
    return out[[c for c in cols if c in out.columns]] if len(out) else pd.DataFrame(columns=cols)


def central_reuse_note(groups: pd.DataFrame, reference: pd.DataFrame) -> str:
    """One sentence generated from :func:`central_reuse`'s table: the highest and lowest cell, with intervals.

    Examples
    --------
    >>> g = pd.DataFrame({"level": ["province", "prefecture"], "year": [2022, 2022], "n_reports": [27, 180],
    ...     "n_provinces": [27, 25], "share": [0.05, 0.02], "share_low": [0.04, 0.015], "share_high": [0.06, 0.025]})
    >>> print(central_reuse_note(g, pd.DataFrame({"text": ["a", "b"]})))
    Against the 2 central reference texts, the share of a local report\'s 4-grams is highest in the 27 provincial reports of 2022 (5.0%, 95% interval 4.0%–6.0%, provinces resampled) and lowest in the 180 prefecture reports of 2022 (2.0%, 1.5%–2.5%).
    """
    if groups.empty:
        return "No local report could be compared with the central reference texts."
    n = int(groups["n"].iloc[0]) if "n" in groups.columns else 4
    top = groups.sort_values(["share", "n_reports"], ascending=[False, False], kind="mergesort").iloc[0]
    low = groups.sort_values(["share", "n_reports"], ascending=[True, False], kind="mergesort").iloc[0]

    def cell(r, first: bool) -> str:
        what = f"{int(r['n_reports'])} {_LEVEL_LABELS.get(str(r['level']), r['level'])} reports of {r['year']}"
        if pd.isna(r["share_low"]):
            ci = "no interval: too few provinces"
        else:
            ci = (f"95% interval {_pct(r['share_low'])}–{_pct(r['share_high'])}, provinces resampled" if first
                  else f"{_pct(r['share_low'])}–{_pct(r['share_high'])}")
        return f"{what} ({_pct(r['share'])}, {ci})"

    return (f"Against the {len(reference)} central reference texts, the share of a local report's {n}-grams is "
            f"highest in the {cell(top, True)} and lowest in the {cell(low, False)}.")


def _mark(text: str, start: int, end: int, context: int) -> str:
    lo, hi = max(0, start - context), min(len(text), end + context)
    left = ("…" if lo > 0 else "") + text[lo:start]
    right = text[end:hi] + ("…" if hi < len(text) else "")
    return (left + "【" + text[start:end] + "】" + right).replace("\n", " ")


def reused_spans(
    passages: pd.DataFrame,
    reuse: pd.DataFrame,
    *,
    per_level: int = 1,
    n_spans: int = 3,
    min_len: int = 8,
    min_ngrams: int = 100,
    context: int = 8,
    national: str = NATIONAL_LEVEL,
) -> pd.DataFrame:
    """The longest passages a few local reports share verbatim with the national report of their year, aligned.

    Per level, the ``per_level`` reports with the largest excess over the
    baseline (among reports with at least ``min_ngrams`` n-grams; ties by
    doc_id) and their ``n_spans`` longest shared spans of at least
    ``min_len`` characters (:func:`discourse.analysis.reuse.shared_spans`).

    Returns
    -------
    DataFrame ``level, label, doc_id, year, excess, length, span, local,
    national``: the span with ``context`` characters either side in the
    local text and in the national text, the span in 【】.
    """
    from discourse.analysis.reuse import SpanIndex, shared_spans

    _check_passages(passages, ["doc_id", "level", "year", "text"])
    texts = dict(zip(passages["doc_id"].astype(str), passages["text"].astype(str)))
    nat = passages[passages["level"].astype(str) == national]
    nat_text = {int(y): t for y, t in zip(nat["year"], nat["text"].astype(str)) if pd.notna(y)}
    cand = reuse[(reuse["n_ngrams"] >= min_ngrams) & reuse["has_reference"].astype(bool)].copy()
    cand = cand.sort_values(["excess", "doc_id"], ascending=[False, True], kind="mergesort")
    rows = []
    for lv in [lv for lv in LOCAL_LEVELS if lv in set(cand["level"].astype(str))] + sorted(
            set(cand["level"].astype(str)) - set(LOCAL_LEVELS)):
        for _, r in cand[cand["level"].astype(str) == lv].head(per_level).iterrows():
            a, b = texts[str(r["doc_id"])], nat_text[int(r["year"])]
            sp = shared_spans(a, SpanIndex(b, min_len), min_len=min_len)
            sp = sp.sort_values(["length", "start_a"], ascending=[False, True], kind="mergesort").head(n_spans)
            for s in sp.itertuples(index=False):
                rows.append({"level": lv, "label": r.get("label", r["doc_id"]), "doc_id": r["doc_id"],
                             "year": int(r["year"]), "excess": float(r["excess"]), "length": int(s.length),
                             "span": str(s.text), "local": _mark(a, s.start_a, s.end_a, context),
                             "national": _mark(b, s.start_b, s.end_b, context)})
    return pd.DataFrame(rows, columns=["level", "label", "doc_id", "year", "excess", "length", "span", "local",
                                       "national"])


# --------------------------------------------------------------------------- adoption


def formulation_counts(
    passages: pd.DataFrame,
    formulations: pd.DataFrame,
    *,
    rules: SenseRules = FORMULATION_RULES,
    sense: str = "covid",
) -> pd.DataFrame:
    """Per report, the count of each formulation: a substring count, or the occurrences in ``sense`` under ``rules``.

    Returns ``doc_id`` and one integer column per formulation (named by it).

    Examples
    --------
    >>> p = pd.DataFrame({"doc_id": ["a"], "text": ["零就业家庭动态清零。坚持动态清零总方针，外防输入"]})
    >>> f = pd.DataFrame({"formulation": ["动态清零", "外防输入"], "counting": ["rules", "substring"]})
    >>> formulation_counts(p, f).values.tolist()
    [['a', 1, 1]]
    """
    _check_passages(passages, ["doc_id", "text"])
    out = passages[["doc_id"]].copy().reset_index(drop=True)
    texts = passages["text"].astype(str).reset_index(drop=True)
    ruled = [f for f, c in zip(formulations["formulation"], formulations["counting"]) if c == "rules"]
    unknown = [f for f in ruled if f not in rules.rules]
    if unknown:
        raise ValueError(f"formulation(s) {unknown} are counted by rules but the rules do not define them")
    occ = None
    if ruled:
        units = pd.DataFrame({"doc_id": out["doc_id"].astype(str), "text": texts})
        occ = classify_senses(units, rules, id_col="doc_id")
    for f, c in zip(formulations["formulation"], formulations["counting"]):
        if c == "rules":
            hit = occ[(occ["term"] == f) & (occ["sense"] == sense)].groupby("unit_id").size()
            out[f] = out["doc_id"].astype(str).map(hit).fillna(0).astype(np.int64).to_numpy()
        else:
            out[f] = texts.map(lambda s, f=f: s.count(f)).astype(np.int64).to_numpy()
    return out


def adoption(
    passages: pd.DataFrame,
    formulations: pd.DataFrame,
    *,
    levels: Sequence[str] = LOCAL_LEVELS,
    unit: str = "place",
    time: str = "date",
    rules: SenseRules = FORMULATION_RULES,
) -> pd.DataFrame:
    """First use of each released formulation per place (:func:`discourse.analysis.adoption.first_use`), with the place's level.

    Only formulations with a release date enter; undated reports are left
    out (adoption is timed by the meeting date). Places never observed after
    a release get status ``not_observed`` (excluded from the curves); places
    observed after it that never use it are ``censored`` at their last report.

    Examples
    --------
    >>> p = pd.DataFrame({"doc_id": ["a1", "a2", "b1"], "place": ["A", "A", "B"],
    ...     "level": ["province", "province", "prefecture"],
    ...     "date": pd.to_datetime(["2022-01-10", "2023-01-10", "2023-01-12"]), "text": ["动态", "乙类乙管", "经济"]})
    >>> f = pd.DataFrame({"formulation": ["乙类乙管"], "counting": ["substring"],
    ...                   "release": pd.to_datetime(["2022-12-26"])})
    >>> adoption(p, f)[["term", "unit", "level", "first_use", "status"]]
       term unit       level  first_use    status
    0  乙类乙管    A    province 2023-01-10   adopted
    1  乙类乙管    B  prefecture        NaT  censored
    """
    from discourse.analysis.adoption import first_use

    _check_passages(passages, ["doc_id", "level", unit, time, "text"])
    rel = formulations[formulations["release"].notna()]
    if rel.empty:
        raise ValueError("no formulation has a release date")
    d = passages[passages["level"].astype(str).isin(levels) & passages[time].notna()].reset_index(drop=True)
    counts = formulation_counts(d, rel, rules=rules)
    data = pd.concat([d[[unit, time]], counts.drop(columns="doc_id")], axis=1)
    fu = first_use(data, unit=unit, time=time, count_cols={f: f for f in rel["formulation"]},
                   release=dict(zip(rel["formulation"], rel["release"])))
    lv = d.groupby(unit, sort=False)["level"].first().astype(str)
    fu["level"] = fu["unit"].map(lv).to_numpy()
    return fu


def adoption_curves(first_use_table: pd.DataFrame, *, by: str = "level", level: float = 0.95) -> pd.DataFrame:
    """Kaplan–Meier cumulative adoption by ``by`` (:func:`discourse.analysis.adoption.adoption_curve`) with calendar dates.

    Adds ``release`` and ``date`` (release + time in days) to the curve
    table; formulations in release order.
    """
    from discourse.analysis.adoption import adoption_curve

    cur = adoption_curve(first_use_table, by=by, time_unit="D", level=level)
    rel = first_use_table.groupby("term", sort=False)["release"].first()
    cur["release"] = cur["term"].map(rel)
    cur["date"] = cur["release"] + pd.to_timedelta(cur["time"], unit="D")
    order = list(dict.fromkeys(first_use_table.sort_values(["release"], kind="mergesort")["term"]))
    cur["_o"] = cur["term"].map({t: i for i, t in enumerate(order)})
    return cur.sort_values(["_o", by, "time"], kind="mergesort").drop(columns="_o").reset_index(drop=True)


def _names(rows: pd.DataFrame, n: int, col: str) -> str:
    shown = [f"{u} ({t:%Y-%m-%d})" for u, t in zip(rows["unit"].head(n), rows[col].head(n))]
    rest = len(rows) - min(n, len(rows))
    return "; ".join(shown) + (f"; and {rest} others" if rest > 0 else "")


def adoption_leaders(first_use_table: pd.DataFrame, *, n: int = 5) -> pd.DataFrame:
    """Who was first, who lagged, who never used each formulation (top ``n`` named, the rest counted).

    Returns one row per formulation: ``term, release, n_places`` (observed
    after the release), ``n_not_observed`` (never observed after it:
    excluded), ``n_adopted``, ``n_before_release`` (used it before the
    release date), ``n_censored`` (observed, never used),
    ``share_adopted_raw`` (n_adopted / n_places, not Kaplan–Meier),
    ``first`` (earliest users, with the date), ``last`` (latest adopters) and
    ``never`` (observed non-adopters, by last report, latest first).
    """
    rows = []
    for term, g in first_use_table.groupby("term", sort=False, observed=True):
        status = g["status"].astype(str)
        obs = g[status != "not_observed"]
        ad = obs[status[obs.index] == "adopted"].sort_values(["first_use", "unit"], kind="mergesort")
        never = obs[status[obs.index] == "censored"].sort_values(["last_obs", "unit"], ascending=[False, True],
                                                                 kind="mergesort")
        late = ad.sort_values(["first_use", "unit"], ascending=[False, True], kind="mergesort")
        rows.append({
            "term": term, "release": g["release"].iloc[0], "n_places": len(obs),
            "n_not_observed": int((status == "not_observed").sum()), "n_adopted": len(ad),
            "n_before_release": int(ad["used_before_release"].astype(bool).sum()), "n_censored": len(never),
            "share_adopted_raw": len(ad) / len(obs) if len(obs) else np.nan,
            "first": _names(ad, n, "first_use"), "last": _names(late, n, "first_use"),
            "never": _names(never, n, "last_obs"),
        })
    return pd.DataFrame(rows)


def adoption_end(curves: pd.DataFrame) -> pd.DataFrame:
    """The last point of each Kaplan–Meier curve: share adopted by the end of observation, its interval and counts."""
    rank = {lv: i for i, lv in enumerate(LOCAL_LEVELS)}
    order = curves.assign(_t=pd.Categorical(curves["term"], categories=list(dict.fromkeys(curves["term"]))),
                          _l=curves["level"].map(rank).fillna(len(rank)))
    last = order.sort_values(["_t", "_l", "time"], kind="mergesort").groupby(["term", "level"], sort=False).tail(1)
    cols = ["term", "level", "date", "adopted", "lower", "upper", "n_units", "n_adopted", "n_censored"]
    return last[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- meaning change


def sense_occurrences(units: pd.DataFrame, rules: SenseRules = SENSE_RULES, *, context: int = 25) -> pd.DataFrame:
    """Every occurrence of the rules' terms in the units, with its sense, year, level and a KWIC context.

    ``units`` need ``doc_id, para_id, start, text`` (and ``year``, ``level``,
    ``label`` when present, as in ``study.paragraphs``). Adds ``kwic_left``,
    ``kwic_right`` (``context`` characters) and ``context`` (the
    occurrence in 【】).

    Examples
    --------
    >>> u = pd.DataFrame({"doc_id": ["d"], "para_id": ["d:p001"], "start": [10], "year": [2023],
    ...                   "text": ["优化营商环境，优化调整疫情防控措施，实行居家隔离"]})
    >>> sense_occurrences(u)[["doc_offset", "term", "sense"]]
       doc_offset term     sense
    0          10   优化  ordinary
    1          17   优化    policy
    2          32   隔离      home
    """
    _check_passages(units, ["doc_id", "para_id", "start", "text"])
    occ = classify_senses(units, rules, id_col="para_id")
    meta = [c for c in ("year", "level", "label", "place") if c in units.columns]
    u = units.set_index("para_id")
    text = u["text"].astype(str)
    for c in meta:
        occ[c] = occ["unit_id"].map(u[c]).to_numpy()
    if "level" in occ.columns:
        occ["level"] = occ["level"].astype(str)
    if occ.empty:  # none of the rules' terms occurs in this corpus
        for c in ("kwic_left", "kwic_right", "context"):
            occ[c] = pd.Series(dtype="object")
        return occ
    t = occ["unit_id"].map(text)
    L = occ["term"].str.len()
    occ["kwic_left"] = [s[max(0, o - context):o].replace("\n", " ") for s, o in zip(t, occ["offset"])]
    occ["kwic_right"] = [s[o + n:o + n + context].replace("\n", " ") for s, o, n in zip(t, occ["offset"], L)]
    occ["context"] = occ["kwic_left"] + "【" + occ["term"].astype(str) + "】" + occ["kwic_right"]
    return occ


def sense_table(occurrences: pd.DataFrame, by: str | Sequence[str] = "year") -> pd.DataFrame:
    """Sense counts and shares per group (:func:`discourse.analysis.senses.sense_counts`)."""
    return sense_counts(occurrences, by=by)


def kwic_by_year(occurrences: pd.DataFrame, term: str, *, n_per: int = 2, random_state: int | None = None) -> pd.DataFrame:
    """A seeded sample of ``n_per`` concordance lines per (year, sense) of one term."""
    rng = np.random.default_rng(config.RANDOM_STATE if random_state is None else random_state)
    occ = occurrences[occurrences["term"] == term].sort_values(["year", "sense", "unit_id", "offset"], kind="mergesort")
    parts = []
    for _, g in occ.groupby(["year", "sense"], sort=True, observed=True):
        idx = np.sort(rng.choice(len(g), size=min(n_per, len(g)), replace=False))
        parts.append(g.iloc[idx])
    if not parts:
        return pd.DataFrame(columns=["year", "sense", "label", "left", "term", "right"])
    out = pd.concat(parts)
    return pd.DataFrame({"year": out["year"].to_numpy(), "sense": out["sense"].to_numpy(),
                         "label": out["label"].to_numpy() if "label" in out.columns else out["doc_id"].to_numpy(),
                         "left": out["kwic_left"].to_numpy(), "term": out["term"].to_numpy(),
                         "right": out["kwic_right"].to_numpy()})


def collocates_by_year(
    units: pd.DataFrame,
    term: str,
    *,
    window: int = 3,
    n: int = 8,
    min_count: int = 2,
    stop_words: Sequence[str] = (),
) -> pd.DataFrame:
    """The top ``n`` token collocates of ``term`` (log-likelihood G², ±``window`` tokens) in each year's passages.

    Calls :func:`discourse.analysis.collocations.collocations` once per year
    with ``node=term``. Returns ``year, rank, collocate, side`` (left: the
    collocate precedes the term), ``display`` (``营商←`` / ``→营商``),
    ``freq`` and ``g2``.
    """
    from discourse.analysis.collocations import collocations

    rows = []
    for year, g in units.groupby("year", sort=True, observed=True):
        col = collocations(g, window=window, measure="g2", min_count=min_count, node=term, stop_words=stop_words)
        col = col[(col["g2"] > 0) & (col["w1"] != col["w2"])].head(n)
        for rank, r in enumerate(col.itertuples(index=False), start=1):
            left = r.w2 == term
            word = r.w1 if left else r.w2
            rows.append({"year": int(year), "rank": rank, "collocate": word, "side": "left" if left else "right",
                         "display": f"{word}←" if left else f"→{word}", "freq": int(r.freq), "g2": float(r.g2)})
    return pd.DataFrame(rows, columns=["year", "rank", "collocate", "side", "display", "freq", "g2"])


def draw_sense_sample(occurrences: pd.DataFrame, *, n: int = 60, random_state: int | None = None) -> pd.DataFrame:
    """A seeded simple random sample of ``n`` occurrences per term, for hand labelling.

    Returns the columns of :data:`SAMPLE_COLUMNS` (``offset`` is the offset in
    the document's clean text; ``hand_sense`` and ``note`` empty).
    """
    rng = np.random.default_rng(config.RANDOM_STATE if random_state is None else random_state)
    parts = []
    for term, g in occurrences.sort_values(["doc_id", "doc_offset"], kind="mergesort").groupby("term", sort=True):
        idx = np.sort(rng.choice(len(g), size=min(n, len(g)), replace=False))
        parts.append(g.iloc[idx])
    s = pd.concat(parts, ignore_index=True)
    return pd.DataFrame({"doc_id": s["doc_id"].astype(str), "offset": s["doc_offset"].astype(np.int64),
                         "term": s["term"].astype(str), "context": s["context"].astype(str),
                         "rule_sense": s["sense"].astype(str), "hand_sense": "", "note": ""})


def load_sense_sample(path: str | Path | None = None) -> pd.DataFrame:
    """Read the hand-labelled sample; every row must have a hand label (errors name the row and field)."""
    path = Path(path) if path is not None else senses_sample_path()
    frame = pd.read_csv(path, dtype={"doc_id": str, "term": str, "hand_sense": str, "rule_sense": str},
                        keep_default_na=False, encoding="utf-8")
    missing = [c for c in SAMPLE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        if not row.hand_sense:
            raise ValueError(f"{path}: row {i}, field 'hand_sense': empty")
    frame["offset"] = pd.to_numeric(frame["offset"], errors="raise").astype(np.int64)
    return frame


def sense_check(occurrences: pd.DataFrame, sample: pd.DataFrame, *, level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Precision of the current rules on the hand-labelled sample, and the confusion table.

    Each sample row is matched to its occurrence (``doc_id``, document
    offset, term) and re-classified with the current rules, so the
    precision is that of the rules as they stand. A sample row that no longer
    matches an occurrence is an error.

    Returns
    -------
    (precision, confusion): :func:`discourse.analysis.senses.sense_precision`
    per term and predicted sense (Wilson intervals), and counts per (term,
    rule sense, hand sense).
    """
    occ = occurrences[["doc_id", "doc_offset", "term", "sense"]].astype({"doc_id": str})
    m = sample.merge(occ, left_on=["doc_id", "offset", "term"], right_on=["doc_id", "doc_offset", "term"], how="left")
    if m["sense"].isna().any():
        r = m[m["sense"].isna()].iloc[0]
        raise ValueError(f"sample row doc_id={r['doc_id']!r} offset={r['offset']} term={r['term']!r} matches no occurrence")
    prec = sense_precision(m, predicted="sense", gold="hand_sense", level=level)
    conf = (m.groupby(["term", "sense", "hand_sense"], sort=True).size().rename("n").reset_index()
            .rename(columns={"sense": "rule_sense"}))
    return prec, conf


def sense_resolved_phase_counts(study) -> pd.DataFrame:
    """:func:`discourse.study.panel.phase_counts` with the polysemous terms counted in their COVID sense only.

    ``optimisation`` drops the ordinary 优化 (:data:`SENSE_RULES`) and the
    non-COVID 二十条, 新十条 and 科学精准; ``dynamic_zero`` drops the
    non-COVID 动态清零 (:data:`FORMULATION_RULES`: 零就业家庭动态清零 …).
    The raw counts are kept as ``optimisation_raw`` and ``dynamic_zero_raw``,
    and the removed occurrences as ``removed_<term>`` columns. Same rows and
    other columns as ``phase_counts``.
    """
    from discourse.study.panel import phase_counts

    counts = phase_counts(study, resolve_senses=False)
    units = study.paragraphs
    occ = pd.concat([sense_occurrences(units, SENSE_RULES, context=0),
                     sense_occurrences(units, FORMULATION_RULES, context=0)], ignore_index=True)
    drop = ((occ["term"] == "优化") & (occ["sense"] != "policy")) | (
        occ["term"].isin(list(FORMULATION_RULES.rules)) & (occ["sense"] != "covid"))
    removed = occ[drop].groupby(["doc_id", "term"]).size().unstack(fill_value=0)
    cb = study.codebook
    phase_of = dict(zip(cb.loc[cb["category"] == "phase", "term"].astype(str),
                        cb.loc[cb["category"] == "phase", "phase"].astype(str)))
    ids = counts["doc_id"].astype(str)
    for ph in sorted({phase_of.get(t) for t in removed.columns} - {None}):
        counts[f"{ph}_raw"] = counts[ph]
    for t in removed.columns:
        ph = phase_of.get(t)
        if ph is None:
            continue
        r = ids.map(removed[t]).fillna(0).astype(int).to_numpy()
        counts[f"removed_{t}"] = r
        counts[ph] = counts[ph] - r
    phases = [p for p in dict.fromkeys(phase_of.values()) if p in counts.columns]
    if (counts[phases] < 0).to_numpy().any():
        raise ValueError("a sense-resolved count is negative: the sense rules and the codebook count different strings")
    return counts


# --------------------------------------------------------------------------- findings


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _pp(x: float) -> str:
    return f"{100 * x:.1f}"


_LEVEL_LABELS = {"province": "provincial", "major_city": "major-city", "prefecture": "prefecture"}


#: Columns of :func:`reuse_by_group`'s table (also of the empty table when reuse cannot be measured).
REUSE_GROUP_COLUMNS: tuple[str, ...] = (
    "level", "year", "n", "ci", "n_reports", "n_provinces", "n_before_national", "share", "baseline",
    "excess", "excess_low", "excess_high", "ratio", "note",
)


def reuse_tables(passages: pd.DataFrame, *, exclude_before=None, n_resamples: int = 999, random_state=None):
    """Reuse per report and by level × year, or why they cannot be computed for this corpus.

    Returns ``(reuse, groups, why)``: ``why`` is None when the corpus has
    national reports to compare with and local reports with a year; otherwise
    a sentence, and the two tables are empty (``groups`` with its columns).
    """
    p = passages
    has_national = bool(((p["level"].astype(str) == "national") & p["year"].notna()).any())
    has_local = bool((p["level"].astype(str).isin(LOCAL_LEVELS) & p["year"].notna()).any())
    if not (has_national and has_local):
        why = ("reuse of central formulations needs the national government work reports in the corpus"
               if not has_national else "reuse needs local reports (provinces, major cities or prefectures) with a year")
        return pd.DataFrame(), pd.DataFrame(columns=list(REUSE_GROUP_COLUMNS)), why
    reuse = reuse_by_report(p, exclude_before=exclude_before)
    groups = reuse_by_group(reuse, n_resamples=n_resamples, random_state=random_state)
    return reuse, groups, None


def sense_check_here(occurrences: pd.DataFrame, sample: pd.DataFrame | None = None):
    """:func:`sense_check` when the hand-checked sample belongs to this corpus, else why not.

    Returns ``(precision, confusion, why)``; the sample (``data/senses_sample.csv``)
    was drawn from and labelled on the bundled panel, so on another corpus
    the tables are empty and ``why`` says the rules' precision must be checked
    on a sample of that corpus.
    """
    sample = load_sense_sample() if sample is None else sample
    have = set(occurrences["doc_id"].astype(str))
    if not set(sample["doc_id"].astype(str)) <= have:
        why = ("the hand-checked sense sample (data/senses_sample.csv) belongs to the bundled panel; check the "
               "rules' precision on a sample of this corpus (draw_sense_sample, then sense_check)")
        empty = pd.DataFrame(columns=["term", "sense", "n", "n_correct", "precision", "lower", "upper", "n_unlabelled"])
        return empty, pd.DataFrame(), why
    precision, confusion = sense_check(occurrences, sample)
    return precision, confusion, None


def diffusion_findings(
    reuse_groups: pd.DataFrame,
    leaders: pd.DataFrame,
    adoption_end_table: pd.DataFrame,
    senses_by_year: pd.DataFrame,
    precision: pd.DataFrame,
) -> str:
    """Findings as Markdown sentences generated from the computed tables (every number comes from them)."""
    lines = []
    g = reuse_groups[reuse_groups["excess_low"].notna()]
    for lv in [lv for lv in LOCAL_LEVELS if lv in set(g["level"].astype(str))]:
        sub = g[g["level"].astype(str) == lv].sort_values("excess", ascending=False, kind="mergesort")
        hi, lo = sub.iloc[0], sub.iloc[-1]
        lines.append(
            f"- **Reuse, {_LEVEL_LABELS.get(lv, lv)} reports.** The excess of same-year over other-year "
            f"{int(hi['n'])}-gram overlap with the national report is largest in {int(hi['year'])}: "
            f"{_pct(hi['share'])} of a report's {int(hi['n'])}-grams are in that year's national report against "
            f"{_pct(hi['baseline'])} in the other years' ({_pp(hi['excess'])} percentage points, {int(100 * hi['ci'])}% "
            f"interval {_pp(hi['excess_low'])} to {_pp(hi['excess_high'])}; {int(hi['n_reports'])} reports, "
            f"{int(hi['n_provinces'])} provinces resampled), and smallest in {int(lo['year'])} "
            f"({_pp(lo['excess'])} points, {_pp(lo['excess_low'])} to {_pp(lo['excess_high'])})."
        )
    if len(g):
        big = g.sort_values(["n_reports", "year"], ascending=[False, True], kind="mergesort").iloc[0]
        lines.append(f"- **Timing.** Most local reports precede the national report of their year (in the largest "
                     f"group, {int(big['n_before_national'])} of the {int(big['n_reports'])} "
                     f"{_LEVEL_LABELS.get(str(big['level']), big['level'])} reports of {int(big['year'])}): the "
                     "same-year excess is a line shared with the centre, not copying from that report.")
    end = adoption_end_table
    for r in leaders.itertuples(index=False):
        e = end[end["term"] == r.term]
        parts = [f"{_pct(x.adopted)} of {int(x.n_units)} {_LEVEL_LABELS.get(x.level, x.level)} places "
                 f"({_pct(x.lower)}–{_pct(x.upper)})" for x in e.itertuples(index=False)]
        first = r.first.split(";")[0] if r.first else ""
        lines.append(
            f"- **{r.term}** (released {r.release:%Y-%m-%d}): used by " + ", ".join(parts)
            + f" by their last report (Kaplan–Meier, 95% log–log band); {int(r.n_censored)} observed places never used it, "
            + f"{int(r.n_not_observed)} not observed after the release (excluded); {int(r.n_before_release)} used it before the "
            + f"release date" + (f"; first: {first}." if first else ".")
        )
    s = senses_by_year
    for term, sense in (("优化", "policy"), ("隔离", "home"), ("隔离", "central")):
        sub = s[(s["term"] == term) & (s["sense"] == sense) & (s["n_term"] > 0)].sort_values("year")
        if sub.empty:
            continue
        cells = ", ".join(f"{_pct(x.share)} of {int(x.n_term)} in {int(x.year)}" for x in sub.itertuples(index=False))
        lines.append(f"- **{term} in the {sense} sense**: {cells}.")
    p = precision[precision["sense"] != "all"]
    if len(p):
        cells = "; ".join(f"{x.term} {x.sense} {x.n_correct}/{x.n} ({_pct(x.precision)}, Wilson {_pct(x.lower)}–"
                          f"{_pct(x.upper)})" for x in p.itertuples(index=False))
        lines.append(f"- **Sense rules, precision on the hand-checked sample**: {cells}.")
    lines.append("- **Limits.** One report a year per place, scraped and sometimes abridged; the passage rule decides "
                 "what is compared; adoption is first *written* use in a work report, dated by the meeting, so a place "
                 "cannot adopt between its yearly reports, and release dates marked as corpus attestations in "
                 "`data/central_formulations.csv` are later than the formulations' official origins.")
    return "\n".join(lines)


def findings_markdown(*tables: pd.DataFrame):
    """:func:`diffusion_findings` as Markdown for a notebook."""
    from IPython.display import Markdown

    return Markdown(diffusion_findings(*tables))


__all__ = [
    "CENTRAL_SOURCES",
    "central_reference_texts",
    "central_reuse",
    "central_reuse_by_report",
    "central_reuse_note",
    "REUSE_GROUP_COLUMNS",
    "reuse_tables",
    "sense_check_here",
    "FORMULATION_RULES",
    "LOCAL_LEVELS",
    "NATIONAL_LEVEL",
    "SENSE_RULES",
    "adoption",
    "adoption_curves",
    "adoption_end",
    "adoption_leaders",
    "collocates_by_year",
    "diffusion_findings",
    "draw_sense_sample",
    "findings_markdown",
    "formulation_counts",
    "formulations_path",
    "kwic_by_year",
    "load_formulations",
    "load_sense_sample",
    "outbreak_date",
    "report_passages",
    "reuse_by_group",
    "reuse_by_reference_year",
    "reuse_by_report",
    "reused_spans",
    "sense_check",
    "sense_occurrences",
    "sense_resolved_phase_counts",
    "sense_table",
]
