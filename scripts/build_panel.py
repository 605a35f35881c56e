"""Build the bundled panel corpus: COVID-19 passages of the 2020–2024 work reports.

Reads the gov-work-reports copy (``discourse.config.GOV_REPORTS_DIR``; its
``manifest.csv`` and ``SOURCE.md``), takes every report of 2020–2024 at all
four levels, loads and cleans them with the project's library
(:func:`discourse.ingest.corpus.load_corpus` through a column mapping,
:func:`discourse.cleaning.clean_corpus`,
:func:`discourse.ingest.units.split_paragraphs`), applies :data:`COVID_RULE`
to the paragraphs and writes, atomically, under ``--out`` (default
``data/panel``):

- ``reports.csv``      one row per report (also those without a COVID paragraph);
- ``passages.parquet`` one row per report with a COVID passage: metadata + ``text``;
- ``manifest.csv``     the study's manifest (metadata + a pointer to the parquet text);
- ``SOURCE.json``      source repository and commit, the rule and its fingerprint, counts.

``places.csv`` (researched: province of every city) is an input read from the
output folder. The output is deterministic: a rerun writes byte-identical files.

Usage::

    .venv/bin/python scripts/build_panel.py [--source DIR] [--out data/panel]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from discourse import config
from discourse.cleaning import clean_corpus
from discourse.ingest.corpus import load_corpus
from discourse.ingest.passages import PassageRule, join_passages
from discourse.ingest.units import split_paragraphs
from discourse.io import atomic_write_bytes, atomic_write_csv, atomic_write_text

YEARS = (2020, 2024)
#: Fixed build date (no wall-clock time in the outputs, so a rerun is byte-identical).
BUILD_DATE = "2026-12-01"
DEFAULT_OUT = config.DATA_DIR / "panel"

#: The study's COVID-19 passage rule. Version 1 was the terms alone; version 2
#: adds the exclusions after the validation found 疫情 / 防疫 in animal- and
#: plant-disease phrases (非洲猪瘟疫情, 动物防疫, 松材线虫病疫情, 鼠疫疫情).
COVID_RULE = PassageRule(
    terms=("疫情", "新冠", "新型冠状病毒", "防疫", "抗疫", "战疫", "核酸", "疫苗接种",
           "外防输入", "乙类乙管"),
    window=0,
    version="covid-paragraph-2",
    exclude=("非洲猪瘟疫情", "猪瘟疫情", "猪瘟”疫情", "动物疫情", "动植物疫情", "疫病疫情",
             "鼠疫疫情", "鼠疫等疫情", "线虫病疫情", "禽流感疫情", "动物防疫"),
)

#: Date from which COVID-19 was public knowledge in China (Zhong Nanshan's
#: statement of human-to-human transmission, 20 January 2020); reports
#: delivered earlier cannot discuss it, so their selections are false positives.
OUTBREAK_PUBLIC = "2020-01-20"

LEVELS = {  # source level -> (panel level, doc_id code)
    "national": ("national", "nat"),
    "province": ("province", "prov"),
    "major_city": ("major_city", "city"),
    "prefecture": ("prefecture", "pref"),
}

REPORT_COLUMNS = [
    "doc_id", "source_path", "source_sha256", "level", "place_zh", "place_en", "province_zh",
    "province_en", "year", "meeting_date", "meeting_date_precision", "meeting_date_basis", "meeting",
    "speaker_name", "speaker_role", "speaker_basis", "title", "source_url", "report_chars",
    "n_paragraphs", "n_passage_paragraphs", "passage_chars", "covid_share", "has_passage", "notes",
]

_DATE = r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?"
_DATELINE_RE = re.compile(r"^[—\-－]*\s*" + _DATE + r".{0,40}?(?:会议|大会)")
_TITLE_SPEAKER_RE = re.compile(r"[（(]\s*" + _DATE + r"\s*([\u4e00-\u9fff·]{2,6})?\s*[）)]")
_OFFICE = r"(?:代理?|副)?(?:省长|市长|州长|盟长|主席|总理)"
_SIGNATURE_RE = re.compile(r"^(.{0,24}?" + _OFFICE + r")\s*([\u4e00-\u9fff·]{2,4})$")


def _log(stage: str, t0: float, msg: str) -> None:
    print(f"[{time.perf_counter() - t0:6.1f} s] {stage}: {msg}", flush=True)


def source_commit(source: Path) -> dict:
    """Repository, commit and folders named in the corpus's ``SOURCE.md``."""
    text = (source / "SOURCE.md").read_text(encoding="utf-8")
    repo = re.search(r"repository `([^`]+)`", text)
    commit = re.search(r"commit\s+`([0-9a-f]{40})`", text)
    if not repo or not commit:
        raise ValueError(f"{source / 'SOURCE.md'}: repository or commit not found")
    folders = re.findall(r"`(政府工作报告-[^`]+)`", text)
    return {"repository": repo.group(1), "commit": commit.group(1), "folders": folders}


def slug(name: str) -> str:
    """ASCII slug of an English place name: ``"Lüliang"`` -> ``"lvliang"``."""
    s = name.replace("ü", "v").replace("Ü", "V")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    return s


def read_places(path: Path) -> pd.DataFrame:
    """The researched places table (``places.csv``), validated."""
    places = pd.read_csv(path, dtype=str, keep_default_na=False)
    need = {"place_zh", "place_en", "level", "province_zh", "province_en", "basis"}
    if not need <= set(places.columns):
        raise ValueError(f"{path}: missing columns {sorted(need - set(places.columns))}")
    if not places["place_zh"].is_unique:
        raise ValueError(f"{path}: place_zh not unique: {places.loc[places.place_zh.duplicated(), 'place_zh'].tolist()}")
    return places


def select_reports(source: Path, places: pd.DataFrame) -> pd.DataFrame:
    """Rows of the source manifest for 2020–2024, with panel ids and place metadata."""
    m = pd.read_csv(source / "manifest.csv", dtype=str, keep_default_na=False)
    m = m[m["year"].astype(int).between(*YEARS)].copy()
    unknown = sorted(set(m["level"]) - set(LEVELS))
    if unknown:
        raise ValueError(f"{source / 'manifest.csv'}: unknown level(s) {unknown}")
    missing = sorted(set(m["place"]) - set(places["place_zh"]))
    if missing:
        raise ValueError(f"places.csv lacks {len(missing)} place(s) of the manifest: {missing[:10]}")
    pl = places.set_index("place_zh")
    m["level_panel"] = m["level"].map(lambda v: LEVELS[v][0])
    m["place_en"] = m["place"].map(pl["place_en"])
    m["province_zh"] = m["place"].map(pl["province_zh"])
    m["province_en"] = m["place"].map(pl["province_en"])
    base = m["place_en"].map(slug)
    # a slug shared by two places of the same level gets the province appended
    key = m["level"] + "|" + base
    n_places = m.groupby(key)["place"].transform("nunique")
    base = base.where(n_places == 1, base + "-" + m["province_en"].map(slug))
    stem = m["path"].map(lambda p: Path(p).stem)
    m["doc_id"] = ["gwr-" + LEVELS[lv][1] + "-" + b + "-" + s for lv, b, s in zip(m["level"], base, stem)]
    if not m["doc_id"].is_unique:
        raise ValueError(f"doc_id not unique: {m.loc[m.doc_id.duplicated(), 'doc_id'].tolist()}")
    m["abs_path"] = [str((source / p).resolve()) for p in m["path"]]
    order = {lv: i for i, lv in enumerate(LEVELS)}
    m["_o"] = m["level"].map(order)
    return m.sort_values(["_o", "year", "doc_id"], kind="stable").drop(columns="_o").reset_index(drop=True)


def load_and_clean(selected: pd.DataFrame, source: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load the selected reports with ``load_corpus`` and clean them.

    The temporary manifest lists absolute paths inside *source*, which is
    passed as the corpus root (files outside it are refused by ``load_corpus``).
    Returns the cleaned documents table and the extracted metadata table.
    """
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "panel_manifest.csv"
        selected.to_csv(manifest, index=False)
        docs = load_corpus(
            manifest,
            columns={"doc_id": "doc_id", "path": "abs_path", "title": "title", "admin_level": "level_panel",
                     "city_zh": "place", "city_en": "place_en", "source_url": "source_url"},
            root=source,
            warn_unlisted=False,
        )
    res = clean_corpus(docs)
    return res.documents, res.metadata


def _iso(y: str, mo: str, d: str | None) -> tuple[str, str]:
    if d:
        return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}", "day"
    return f"{int(y):04d}-{int(mo):02d}", "month"


def meeting_date(extracted: str | None, paragraphs: list[str], manifest_date: str, title: str) -> tuple[str, str, str]:
    """The meeting date, its precision and the basis for it.

    Order of evidence: the dateline the cleaning removed (``——日期在…会议上``),
    a dateline left in the first paragraphs, the source manifest's
    ``meeting_date``, the date in the title.
    """
    if extracted:
        m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", extracted)
        if m:
            iso, prec = _iso(*m.groups())
            return iso, prec, "dateline of the text"
    for para in paragraphs[:6]:
        m = _DATELINE_RE.match(para)
        if m:
            iso, prec = _iso(*m.groups())
            return iso, prec, "dateline of the text (left in the body)"
    m = re.search(_DATE, manifest_date or "")
    if m:
        iso, prec = _iso(*m.groups())
        return iso, prec, "source manifest"
    m = re.search(_DATE, title or "")
    if m:
        iso, prec = _iso(*m.groups())
        return iso, prec, "title"
    return "", "", "blank: no dateline in the text, no date in the title or the source manifest"


def speaker(title: str, paragraphs: list[str]) -> tuple[str, str, str]:
    """Speaker name, role and basis from the title and the signature line."""
    name, basis = "", ""
    m = _TITLE_SPEAKER_RE.search(title or "")
    if m and m.group(4):
        name, basis = m.group(4), "title"
    role = ""
    for para in paragraphs[:6]:
        s = _SIGNATURE_RE.match(para.replace(" ", ""))
        if s and (not name or s.group(2) == name):
            role = s.group(1)
            if not name:
                name, basis = s.group(2), "signature line of the text"
            else:
                basis = "title; role from the signature line of the text"
            break
    return name, role, basis


def build(source: Path, out: Path) -> dict:
    """Build the panel tables from *source* into *out*; return the counts."""
    t0 = time.perf_counter()
    meta_src = source_commit(source)
    places = read_places(out / "places.csv")
    sel = select_reports(source, places)
    _log("manifest", t0, f"{len(sel)} reports of {YEARS[0]}–{YEARS[1]}")

    docs, extracted = load_and_clean(sel, source)
    _log("load + clean", t0, f"{len(docs)} reports, {int(docs['n_chars_raw'].sum()):,} raw characters")

    paras = split_paragraphs(docs)
    marked = COVID_RULE.apply(paras)
    passages = join_passages(marked)
    _log("paragraphs + rule", t0, f"{len(paras):,} paragraphs, {int(marked['selected'].sum()):,} selected "
         f"in {len(passages)} reports")

    validation = None
    sample_path = out / "selection_sample.csv"
    if sample_path.is_file():
        sample = pd.read_csv(sample_path, dtype={"doc_id": str})
        drawn = draw_validation_sample(marked)
        if list(zip(drawn["doc_id"], drawn["para_no"])) != list(zip(sample["doc_id"], sample["para_no"])):
            raise RuntimeError(f"{sample_path}: rows differ from the seeded draw; relabel a fresh sample")
        validation = validation_figures(sample, {k: len(v) for k, v in sample_strata(marked).items()})
        _log("validation", t0, f"precision {validation['precision']['estimate']:.3f}, "
             f"recall {validation['recall']['estimate']:.3f}")

    reports = assemble_reports(sel, docs, extracted, paras, marked)
    _log("metadata", t0, f"{len(reports)} rows")
    tables = write_outputs(reports, passages, out, meta_src, validation)
    _log("write", t0, ", ".join(f"{k} {v:,} B" for k, v in tables.items()))
    return {"reports": len(reports), "with_passage": int(reports["has_passage"].sum()),
            "paragraphs": len(paras), "selected_paragraphs": int(marked["selected"].sum())}


def assemble_reports(sel: pd.DataFrame, docs: pd.DataFrame, extracted: pd.DataFrame,
                     paras: pd.DataFrame, marked: pd.DataFrame) -> pd.DataFrame:
    """One row per report with the columns of :data:`REPORT_COLUMNS`."""
    ex = extracted.pivot_table(index="doc_id", columns="field", values="extracted", aggfunc="first")
    by_doc = {d: g["text"].tolist() for d, g in paras.groupby("doc_id", sort=False)}
    sel_counts = marked[marked["selected"]].groupby("doc_id").agg(
        n_passage_paragraphs=("text", "size"), passage_chars=("text", lambda s: int(s.str.len().sum())))
    duplicates, overlap = find_duplicates(sel, by_doc)
    docs = docs.set_index("doc_id")
    rows = []
    for r in sel.itertuples(index=False):
        d = docs.loc[r.doc_id]
        ps = by_doc.get(r.doc_id, [])
        exd = ex.loc[r.doc_id] if r.doc_id in ex.index else pd.Series(dtype=object)
        ev = exd.get("event_date")
        date, prec, basis = meeting_date(None if pd.isna(ev) else str(ev), ps, r.meeting_date, r.title)
        name, role, sbasis = speaker(r.title, ps)
        meeting = exd.get("meeting")
        meeting = r.meeting if (meeting is None or pd.isna(meeting)) else str(meeting)
        n_sel = int(sel_counts["n_passage_paragraphs"].get(r.doc_id, 0))
        p_chars = int(sel_counts["passage_chars"].get(r.doc_id, 0))
        chars = int(d["n_chars_clean"])
        notes = []
        if date and int(date[:4]) == int(r.year) - 1 and date[5:7] == "12":
            notes.append(f"meeting held in December before the report year ({date})")
        elif date and int(date[:4]) != int(r.year):
            notes.append(f"meeting date {date} is not in the report year {r.year}")
        elif date and prec == "day" and int(date[5:7]) > 3:
            notes.append(f"meeting after March ({date})")
        if n_sel and prec == "day" and date < OUTBREAK_PUBLIC:
            notes.append(f"delivered before {OUTBREAK_PUBLIC}, when the outbreak became public: its selected "
                         "paragraphs are about other epidemics or public health (false positives of the rule)")
        if Path(r.path).stem != str(r.year):
            notes.append(f"second report of the year (file {Path(r.path).name})")
        dup = duplicates.get(r.doc_id)
        if dup:
            notes.append(f"same report as {dup} (text overlap {overlap[r.doc_id]:.0%})")
        rows.append({
            "doc_id": r.doc_id, "source_path": r.path, "source_sha256": str(d["sha256"]),
            "level": r.level_panel, "place_zh": r.place, "place_en": r.place_en,
            "province_zh": r.province_zh, "province_en": r.province_en, "year": int(r.year),
            "meeting_date": date, "meeting_date_precision": prec, "meeting_date_basis": basis,
            "meeting": meeting, "speaker_name": name, "speaker_role": role, "speaker_basis": sbasis,
            "title": r.title, "source_url": r.source_url, "report_chars": chars, "n_paragraphs": len(ps),
            "n_passage_paragraphs": n_sel, "passage_chars": p_chars,
            "covid_share": round(p_chars / chars, 6) if chars else 0.0,
            "has_passage": n_sel > 0, "notes": "; ".join(notes),
        })
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def find_duplicates(sel: pd.DataFrame, by_doc: dict[str, list[str]], *,
                    threshold: float = 0.5) -> tuple[dict[str, str], dict[str, float]]:
    """Reports of the same place whose texts mostly coincide.

    The overlap is the Jaccard index of the sets of character 8-grams of the
    two texts' first 6,000 characters (robust to the small punctuation and wording differences between
    two copies of one report); pairs at or above *threshold* are flagged.

    Returns ``doc_id -> the other doc_id`` and ``doc_id -> overlap`` for both members of a pair.
    """
    dup: dict[str, str] = {}
    share: dict[str, float] = {}
    for _, grp in sel.groupby(["level", "place"], sort=True):
        ids = grp["doc_id"].tolist()
        joined = {d: "\n".join(by_doc.get(d, []))[:6000] for d in ids}
        sets = {d: {t[k:k + 8] for k in range(max(len(t) - 7, 0))} for d, t in joined.items()}
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                union = sets[a] | sets[b]
                j = len(sets[a] & sets[b]) / len(union) if union else 0.0
                if j >= threshold:
                    dup.setdefault(a, b)
                    dup.setdefault(b, a)
                    share[a] = max(share.get(a, 0.0), j)
                    share[b] = max(share.get(b, 0.0), j)
    return dup, share


#: Strata of the hand-checked validation sample and their sizes.
SAMPLE_SIZES = {"selected": 60, "not_selected_same_reports": 50, "not_selected_reports_without_passage": 10}


def sample_strata(marked: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The three strata of paragraphs the validation sample is drawn from.

    ``selected`` (the rule's paragraphs), ``not_selected_same_reports`` (the
    other paragraphs of reports with a passage) and
    ``not_selected_reports_without_passage`` (paragraphs of reports without one).
    """
    sel = marked[marked["selected"]]
    with_passage = set(sel["doc_id"])
    in_reports = marked["doc_id"].isin(with_passage)
    return {"selected": sel,
            "not_selected_same_reports": marked[~marked["selected"] & in_reports],
            "not_selected_reports_without_passage": marked[~in_reports]}


def draw_validation_sample(marked: pd.DataFrame, *, random_state: int = config.RANDOM_STATE) -> pd.DataFrame:
    """Seeded stratified sample of paragraphs for hand-checking the rule."""
    import numpy as np

    rng = np.random.default_rng(random_state)
    parts = []
    for name, frame in sample_strata(marked).items():
        idx = np.sort(rng.choice(len(frame), size=SAMPLE_SIZES[name], replace=False))
        part = frame.iloc[idx].copy()
        part["stratum"] = name
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def validation_figures(sample: pd.DataFrame, population: dict[str, int], *, alpha: float = 0.05) -> dict:
    """Precision and recall of the rule from the hand-labelled stratified sample.

    Precision is the share of COVID paragraphs in the ``selected`` stratum (a
    simple random sample of the selected paragraphs), with its Wilson
    interval. Recall is estimated with the stratum weights: the number of
    COVID paragraphs in each stratum is ``N_h * p_h`` (``N_h`` paragraphs in
    the stratum, ``p_h`` the labelled share), and recall =
    TP / (TP + FN) with TP from the selected stratum and FN from the two
    not-selected strata. Its interval plugs in the Wilson bounds of each
    ``p_h`` (the lower bound of recall takes the lower bound of the selected
    share and the upper bounds of the not-selected shares), which is
    conservative: it covers at least the joint ``1 - alpha`` region of
    independent per-stratum intervals.
    """
    from statsmodels.stats.proportion import proportion_confint

    out: dict = {"strata": {}}
    bounds = {}
    for name in SAMPLE_SIZES:
        grp = sample[sample["stratum"] == name]
        n, k = len(grp), int(grp["label_covid"].sum())
        lo, hi = proportion_confint(k, n, alpha=alpha, method="wilson")
        bounds[name] = (k / n, lo, hi)
        out["strata"][name] = {"population": int(population[name]), "n": n, "covid": k,
                               "share": k / n, "ci": [lo, hi]}
    p_s, lo_s, hi_s = bounds["selected"]
    n_s = population["selected"]
    neg = [name for name in SAMPLE_SIZES if name != "selected"]

    def recall(ps: float, pu: dict[str, float]) -> float:
        tp = n_s * ps
        fn = sum(population[h] * pu[h] for h in neg)
        return tp / (tp + fn) if tp + fn else float("nan")

    out["precision"] = {"estimate": p_s, "ci": [lo_s, hi_s], "n": out["strata"]["selected"]["n"],
                        "covid": out["strata"]["selected"]["covid"]}
    out["recall"] = {"estimate": recall(p_s, {h: bounds[h][0] for h in neg}),
                     "ci": [recall(lo_s, {h: bounds[h][2] for h in neg}),
                            recall(hi_s, {h: bounds[h][1] for h in neg})],
                     "method": "stratum-weighted; interval from the per-stratum Wilson bounds (conservative)"}
    return out


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """Deterministic Parquet bytes: pyarrow, zstd, no index, fixed row order."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", compression_level=9, use_dictionary=True,
                   write_statistics=True, row_group_size=len(df) or 1)
    return buf.getvalue()


def write_outputs(reports: pd.DataFrame, passages: pd.DataFrame, out: Path, meta_src: dict,
                  validation: dict | None = None) -> dict:
    """Write reports.csv, passages.parquet, manifest.csv and SOURCE.json."""
    meta_cols = [c for c in REPORT_COLUMNS if c not in ("has_passage",)]
    with_text = reports[reports["has_passage"]][meta_cols].merge(
        passages[["doc_id", "text"]].astype({"doc_id": str, "text": str}), on="doc_id", how="left",
        validate="one_to_one")
    if with_text["text"].isna().any():
        raise RuntimeError("a report flagged with a passage has no passage text")
    atomic_write_csv(reports, out / "reports.csv")
    atomic_write_bytes(out / "passages.parquet", parquet_bytes(with_text))
    manifest = reports[reports["has_passage"]][meta_cols].copy()
    manifest.insert(1, "text_file", "passages.parquet")
    manifest.insert(2, "text_column", "text")
    atomic_write_csv(manifest, out / "manifest.csv")
    counts = (reports.groupby(["level", "year"]).agg(reports=("doc_id", "size"),
                                                     with_passage=("has_passage", "sum")).reset_index())
    info = {
        "source": {**meta_src, "local_copy": "../shared/corpora/gov-work-reports",
                   "manifest": "manifest.csv"},
        "build_date": BUILD_DATE,
        "build_script": "scripts/build_panel.py",
        "years": list(YEARS),
        "rule": {**COVID_RULE.to_dict(), "fingerprint": COVID_RULE.fingerprint(), "unit": "paragraph"},
        "counts": {"reports": int(len(reports)), "reports_with_passage": int(reports["has_passage"].sum()),
                   "by_level_year": [{k: (int(v) if not isinstance(v, str) else v) for k, v in row.items()}
                                     for row in counts.to_dict("records")]},
        "validation": validation,
        "files": {},
    }
    for name in ("reports.csv", "passages.parquet", "manifest.csv", "places.csv"):
        info["files"][name] = hashlib.sha256((out / name).read_bytes()).hexdigest()
    atomic_write_text(out / "SOURCE.json", json.dumps(info, ensure_ascii=False, indent=2) + "\n")
    return {name: (out / name).stat().st_size for name in (*info["files"], "SOURCE.json")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=config.GOV_REPORTS_DIR, help="gov-work-reports folder")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (holds places.csv)")
    args = ap.parse_args(argv)
    if not (args.source / "manifest.csv").is_file():
        print(f"error: no manifest.csv in {args.source}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    counts = build(args.source.resolve(), args.out.resolve())
    print(f"done in {time.perf_counter() - t0:.1f} s: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
