"""The stage that runs once: ingest → clean → units → (selection) → tokens.

:func:`prepare` turns a study configuration into the processed tables every
notebook reads: documents (metadata, clean text, cleaning counts, place, time
bin, a unique label, token count), units (paragraphs, with the sentences when
the unit asks for them) with their tokens, the cleaning audit, the extracted
metadata and the quarantine of documents a rule could not process. It runs
once per study: the tables are cached under the run's interim folder keyed by
:func:`prepare_key` (the configuration's fingerprint, the manifest's bytes,
every text's SHA-256 and the library's version), so a notebook, a rerun or a
robustness variant with the same settings reads them back instead of
re-segmenting.

Every table of a cache entry is written into a temporary folder that is
renamed into place only when complete, so a run killed at any point leaves
either a whole entry or none; two studies writing to different output folders
never share a file.

:func:`open_study` is what a notebook calls: it reads the tables of the
current run (``discourse.config.PROCESSED_DATA_DIR``) when their key matches
the configuration, and prepares them otherwise (a notebook opened in Jupyter
by hand works as well as one executed by the report runner).
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from discourse import __version__, config
from discourse.io import atomic_write_csv, atomic_write_parquet, atomic_write_text, iso_dates
from discourse.study.settings import StudyConfig, load_config

#: Document metadata joined onto every unit row (when the corpus has it).
UNIT_METADATA: tuple[str, ...] = (
    "label",
    "place",
    "city_zh",
    "city_en",
    "province_zh",
    "province_en",
    "level",
    "genre",
    "date",
    "date_precision",
    "year",
    "time_bin",
    "time_bin_en",
    "period",
    "period_en",
)

#: Document fields the cleaning may recover from the text when the manifest leaves them empty.
RECOVERED_FIELDS: tuple[str, ...] = (
    "speaker_name", "speaker_role", "event_date", "event_date_precision", "event_date_basis",
    "date", "date_precision", "date_source",
)

#: Version of the prepared tables' layout (bump when it changes).
PREPARED_VERSION: str = "2"
#: Name of the record written beside the tables.
RECORD_NAME: str = "PREPARED.json"


#: The most groups a comparison of every pair of groups is made for (a similarity heatmap
#: of 40 × 40 is the largest a reader can still use); see :meth:`Study.cannot_compare`.
PAIRWISE_MAX_GROUPS = 40


class StudyDataError(ValueError):
    """The corpus cannot support the study as configured; the message says why."""


# -- progress --------------------------------------------------------------------------
@contextmanager
def _stage(name: str, progress: bool) -> Iterator[None]:
    t0 = time.perf_counter()
    if progress:
        print(f"prepare: {name} …", file=sys.stderr, flush=True)
    yield
    if progress:
        print(f"prepare: {name} done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)


# -- the study object ------------------------------------------------------------------
@dataclass
class Study:
    """A prepared corpus: documents, cleaning audit and tokenised units.

    Attributes
    ----------
    config : StudyConfig
        The configuration the tables were prepared from.
    documents : pandas.DataFrame
        One row per document, in time order (undated last): manifest
        metadata, ``clean_text``, cleaning counts, ``place``, ``time_bin``
        (and ``period``/``period_en`` when the time axis is binned by policy
        periods), a unique ``label``, ``n_tokens``.
    paragraphs : pandas.DataFrame
        Units with ids, offsets, text, ``tokens`` and :data:`UNIT_METADATA`.
    audit, metadata, quarantine : pandas.DataFrame
        Every cleaning edit; facts found in the boilerplate beside the
        manifest's; documents set aside by a rule that could not process them.
    tokenizer : discourse.segment.Tokenizer
        The tokenizer that produced ``tokens``.
    record : dict
        The preparation record (key, counts, versions, times).
    """

    config: StudyConfig
    documents: pd.DataFrame
    paragraphs: pd.DataFrame
    audit: pd.DataFrame
    metadata: pd.DataFrame
    quarantine: pd.DataFrame
    tokenizer: object
    record: dict = field(default_factory=dict)
    sentences_: pd.DataFrame | None = None

    @property
    def sentences(self) -> pd.DataFrame:
        """Sentence units with tokens (segmented on first use, through the token cache)."""
        if self.sentences_ is None:
            from discourse.ingest.units import split_sentences
            from discourse.segment import tokenize_units

            sents = split_sentences(self.paragraphs[["doc_id", "para_no", "para_id", "start", "end", "text"]])
            sents = tokenize_units(sents, self.tokenizer, cache=True)
            self.sentences_ = _join_metadata(sents, self.documents)
        return self.sentences_

    def units(self, unit: str | None = None) -> pd.DataFrame:
        """The units of one kind (default: the configured unit).

        ``"document"`` units carry the clean text and the concatenated tokens
        of the document's paragraphs, so every unit kind shares one
        tokenisation.
        """
        unit = unit or self.config.units.unit
        if unit == "paragraph":
            return self.paragraphs
        if unit == "sentence":
            return self.sentences
        if unit == "document":
            from discourse.analysis.grouping import group_tokens

            units = self.paragraphs.assign(doc_id=self.paragraphs["doc_id"].astype(str))
            tokens = dict(zip(*group_tokens(units, "doc_id")))
            docs = self.documents.copy()
            docs["text"] = docs["clean_text"]
            docs["tokens"] = [tokens.get(d, []) for d in docs["doc_id"].astype(str)]
            return docs
        raise ValueError(f"unit must be 'paragraph', 'sentence' or 'document', not {unit!r}")

    @property
    def n_documents(self) -> int:
        """Number of documents."""
        return len(self.documents)

    @property
    def figures_dir(self) -> Path:
        """Where this study's figures go in the current run."""
        return figures_dir_for(self.config)

    @property
    def processed_dir(self) -> Path:
        """Where this study's processed tables are in the current run."""
        return processed_dir_for(self.config)

    def save_figure(self, fig, name: str) -> list[Path]:
        """Save a figure (PNG + SVG, byte-stable) into the study's figures folder."""
        from discourse.plotting import save_figure

        return save_figure(fig, name, self.figures_dir)

    @property
    def codebook(self) -> pd.DataFrame:
        """The study's codebook table (``[codebook] codebook`` of the configuration)."""
        from discourse.study.codebook import read_codebook

        return read_codebook(self.config.codebook.codebook)

    def latest_label(self) -> str | None:
        """The label of the latest dated document (None when no document is dated)."""
        docs = self.documents
        dated = docs[docs["date"].notna()] if "date" in docs.columns else docs.iloc[0:0]
        if dated.empty:
            return None
        row = dated.sort_values(["date", "doc_id"], kind="mergesort").iloc[-1]
        return str(row["label"])

    def cannot_compare(
        self,
        by: str,
        *,
        min_groups: int = 2,
        min_docs: int = 1,
        groups: Mapping[str, str] | None = None,
        max_groups: int | None = None,
    ) -> str | None:
        """Why the corpus cannot support a comparison by ``by`` (None when it can).

        The comparison needs ``min_groups`` groups with at least ``min_docs``
        documents each; with ``max_groups``, a comparison of every pair of
        groups (which grows with the square of their number: a 3,000 × 3,000
        table is not a result a reader can use) is refused above that many
        groups, with the number of pairs it would take.
        """
        docs = self.documents
        if by not in docs.columns:
            return f"the corpus has no {by!r} column, so there is no comparison by {by}"
        values = docs[by].astype("string")
        if groups is not None:
            values = values.map(lambda v: groups.get(v, pd.NA) if pd.notna(v) else pd.NA).astype("string")
        sizes = values.dropna().value_counts()
        big = sizes[sizes >= min_docs]
        if len(big) < min_groups:
            have = ", ".join(f"{k} ({v})" for k, v in sizes.items()) or "none"
            need = f"{min_groups} groups of at least {min_docs} document{'s' if min_docs > 1 else ''}"
            return f"a comparison by {by} needs {need}; this corpus has {have}"
        if max_groups is not None and len(big) > max_groups:
            n = len(big)
            return (f"this corpus has {n:,} groups by {by}: every pair of them would be {n * (n - 1) // 2:,} pairs, "
                    f"which grows with the square of the corpus; pairwise comparisons are made for at most "
                    f"{max_groups} groups (compare groups of texts instead, e.g. places, levels or years)")
        return None

    def processed_tables(self) -> list[str]:
        """The names of the processed tables of the run (written by :func:`prepare`)."""
        names = {f"{t}.{ext}" for t in ("documents", "units", "cleaning_audit", "cleaning_metadata", "quarantine")
                 for ext in ("csv", "parquet")} | {"tokens.parquet", RECORD_NAME}
        if not self.processed_dir.is_dir():
            return []
        return sorted(p.name for p in self.processed_dir.iterdir() if p.name in names)


# -- helpers ------------------------------------------------------------------------
def speaker_names(docs: pd.DataFrame) -> tuple[str, ...]:
    """Names in the manifest's ``speaker_name`` column (``;``-separated), sorted.

    They are passed to the tokenizer, which segments each as one word and
    masks it as a person name.

    Examples
    --------
    >>> speaker_names(pd.DataFrame({"speaker_name": ["史秉锐; 庄建球", None, "李成辉"]}))
    ('史秉锐', '庄建球', '李成辉')
    """
    if "speaker_name" not in docs.columns:
        return ()
    names = set()
    for value in docs["speaker_name"].dropna():
        names.update(n.strip() for n in str(value).replace("；", ";").split(";") if n.strip())
    return tuple(sorted(names))


def _join_metadata(units: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    cols = ["doc_id", *[c for c in UNIT_METADATA if c in documents.columns]]
    meta = documents[cols].copy()
    meta["doc_id"] = meta["doc_id"].astype("string")
    out = units.drop(columns=[c for c in cols if c != "doc_id" and c in units.columns]).copy()
    out["doc_id"] = out["doc_id"].astype("string")
    return out.merge(meta, on="doc_id", how="left", validate="many_to_one")


def _accepts(func, name: str) -> bool:
    try:
        return name in inspect.signature(func).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return False


def build_tokenizer(cfg: StudyConfig, docs: pd.DataFrame | None = None):
    """The tokenizer the configuration asks for (person names from the manifest's speakers)."""
    from discourse.segment import Tokenizer
    from discourse.study.codebook import directive_words, read_codebook

    t = cfg.tokenizer
    kwargs: dict[str, object] = {
        "compounds": t.compounds,
        "mask_persons": t.mask_persons,
        "person_names": speaker_names(docs) if docs is not None else (),
    }
    if not t.stopwords:
        kwargs["stopwords"] = None
    if _accepts(Tokenizer.__init__, "keep_words"):
        cb = read_codebook(cfg.codebook.codebook) if cfg.codebook.codebook else None
        kwargs["keep_words"] = directive_words(cb) if t.keep_directives else ()
    else:
        kwargs["keep_directives"] = t.keep_directives
    if not t.lexicon:
        kwargs["lexicon"] = False
    elif cfg.codebook.lexicon is not None and Path(cfg.codebook.lexicon).resolve() != (
        config.RESOURCES_DIR / "lexicon.tsv"
    ).resolve():
        # the bundled lexicon is the tokenizer's default (True): no checkout path in any table
        kwargs["lexicon"] = str(cfg.codebook.lexicon)
    if t.latin != "keep" and _accepts(Tokenizer.__init__, "latin"):
        kwargs["latin"] = t.latin
    return Tokenizer(**kwargs)


def load_documents(cfg: StudyConfig) -> pd.DataFrame:
    """Load the configured corpus (the manifest with its column mapping)."""
    from discourse.ingest.corpus import load_corpus

    kwargs: dict[str, object] = {"columns": cfg.corpus.columns or None}
    if cfg.corpus.root is not None and _accepts(load_corpus, "root"):
        kwargs["root"] = cfg.corpus.root
    if _accepts(load_corpus, "allow_outside_root"):
        kwargs["allow_outside_root"] = cfg.corpus.allow_outside_root
    if _accepts(load_corpus, "date_range"):
        kwargs["date_range"] = cfg.corpus.date_range
    return load_corpus(cfg.corpus.manifest, **kwargs)


def prepare_key(cfg: StudyConfig, docs: pd.DataFrame) -> str:
    """The cache key of the prepared tables: settings, manifest, texts and versions."""
    from discourse.segment.tokenizer import ALGORITHM_VERSION

    h = hashlib.sha256()
    h.update(cfg.fingerprint().encode())
    h.update(Path(cfg.corpus.manifest).read_bytes())
    for digest in docs["sha256"].astype(str):
        h.update(digest.encode())
    h.update(f"{__version__}|{PREPARED_VERSION}|{ALGORITHM_VERSION}".encode())
    return h.hexdigest()


# -- documents: place, time, labels ------------------------------------------------------
def _time_bins(docs: pd.DataFrame, cfg: StudyConfig) -> pd.DataFrame:
    from discourse.study.periods import PERIOD_GLOSSES, assign_periods

    date_col = cfg.compare.time
    if date_col not in docs.columns:
        raise StudyDataError(
            f"[compare] time = {date_col!r}: the documents have no such column "
            f"(date columns: {', '.join(c for c in docs.columns if 'date' in c)})"
        )
    dates = pd.to_datetime(docs[date_col], errors="coerce")
    prec_col = f"{date_col}_precision" if f"{date_col}_precision" in docs.columns else "date_precision"
    precision = docs[prec_col] if prec_col in docs.columns else pd.Series("day", index=docs.index)
    if "year" not in docs.columns:
        docs["year"] = dates.dt.year.astype("Int64")
    else:
        docs["year"] = pd.to_numeric(docs["year"], errors="coerce").astype("Int64")
    bins = cfg.compare.time_bins
    if bins == "periods":
        periods = assign_periods(dates, precision)
        docs["period"] = pd.Categorical(periods)
        docs["period_en"] = pd.Categorical(
            docs["period"].astype("object").map(PERIOD_GLOSSES),
            categories=[PERIOD_GLOSSES[p] for p in docs["period"].cat.categories],
            ordered=True,
        )
        docs["time_bin"] = docs["period"]
        docs["time_bin_en"] = docs["period_en"]
        return docs
    if bins == "year":
        values = docs["year"].astype("string")
    elif bins == "quarter":
        values = dates.dt.to_period("Q").astype("string")
        coarse = precision.astype("string").isin(["year"])
        values = values.mask(coarse.fillna(False).to_numpy())
    else:
        values = dates.dt.to_period("M").astype("string")
        coarse = precision.astype("string").isin(["year"])
        values = values.mask(coarse.fillna(False).to_numpy())
    cats = sorted(v for v in values.dropna().unique())
    docs["time_bin"] = pd.Categorical(values, categories=cats, ordered=True)
    docs["time_bin_en"] = docs["time_bin"]
    return docs


def _labels(docs: pd.DataFrame, cfg: StudyConfig) -> tuple[pd.Series, list[str]]:
    """A unique label per document: the configured column, else place + date.

    Duplicated labels are never silently shared: each duplicate gets its
    date (or its id) appended, and the notes say so.
    """
    notes: list[str] = []
    col = cfg.compare.label
    place = docs["place"].astype("string") if "place" in docs.columns else pd.Series(pd.NA, index=docs.index)
    dates = pd.to_datetime(docs.get("date"), errors="coerce") if "date" in docs.columns else None
    given = col and col in docs.columns and docs[col].notna().all()
    if given and col == "label":
        # load_corpus fills a missing label with the city (else the id): that is no label of the
        # manifest's, and a city's several reports would share it, so labels are generated instead
        default = docs["city_zh"].astype("string").where(docs["city_zh"].notna(), docs["doc_id"].astype("string")) \
            if "city_zh" in docs.columns else docs["doc_id"].astype("string")
        given = not bool((docs["label"].astype("string") == default).all())
    if given:
        labels = docs[col].astype(str)
    else:
        if col and col in docs.columns:
            notes.append(f"the label column {col!r} is empty for some documents; labels were generated from place and date")
        elif col:
            notes.append(f"the corpus has no {col!r} column; labels were generated from place and date")
        parts = []
        years = docs["year"] if "year" in docs.columns else pd.Series(pd.NA, index=docs.index)
        for i in range(len(docs)):
            p = place.iloc[i]
            d = dates.iloc[i] if dates is not None else pd.NaT
            y = years.iloc[i] if pd.notna(years.iloc[i]) else (d.year if pd.notna(d) else None)
            name = str(p) if pd.notna(p) else str(docs["doc_id"].iloc[i])
            parts.append(f"{name} {y}" if y is not None else name)
        labels = pd.Series(parts, index=docs.index)
    dup = labels.duplicated(keep=False)
    if dup.any():
        n = int(dup.sum())
        refined = labels.copy()
        for i in labels.index[dup]:
            d = dates.loc[i] if dates is not None else pd.NaT
            base = labels.loc[i] if given else (str(place.loc[i]) if pd.notna(place.loc[i]) else labels.loc[i])
            # a generated "place year" label becomes "place date"; a given label gets the date appended
            refined.loc[i] = f"{base} {d:%Y-%m-%d}" if pd.notna(d) else f"{labels.loc[i]} ({docs.loc[i, 'doc_id']})"
        still = refined.duplicated(keep=False)
        refined[still] = [f"{refined.loc[i]} ({docs.loc[i, 'doc_id']})" for i in refined.index[still]]
        notes.append(f"{n} documents shared a label; each got its date or id appended so that every document keeps its own")
        labels = refined
    return labels, notes


def _place(docs: pd.DataFrame, cfg: StudyConfig) -> pd.DataFrame:
    cols = [c for c in cfg.compare.place if c]
    missing = [c for c in cols if c not in docs.columns]
    if missing:
        raise StudyDataError(
            f"[compare] place = {cols!r}: the documents have no column {missing[0]!r} "
            f"(columns: {', '.join(map(str, docs.columns))})"
        )
    docs["place"] = docs[cols[0]].astype("string") if cols else pd.Series(pd.NA, index=docs.index, dtype="string")
    return docs


def _fill_missing(values: pd.Series, found: pd.Series) -> pd.Series:
    """``values`` with its missing cells taken from ``found`` (same index), keeping the dtype kind."""
    found = found.set_axis(values.index)
    missing = values.isna() & found.notna()
    if not missing.any():
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        out = values.astype("object").where(~missing, found.astype("object"))
        return pd.Series(pd.Categorical(out), index=values.index, name=values.name)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.where(~missing, pd.to_datetime(found, errors="coerce"))
    return values.where(~missing, found.astype(values.dtype) if values.dtype == "string" else found)


def build_documents(docs: pd.DataFrame, cleaned_docs: pd.DataFrame, cfg: StudyConfig) -> tuple[pd.DataFrame, list[str]]:
    """Join the cleaning results onto the manifest; add place, time bins and labels; sort by date."""
    extra = [c for c in cleaned_docs.columns if c not in docs.columns or c == "doc_id"]
    documents = docs.drop(columns=["text"]).merge(cleaned_docs[extra], on="doc_id", how="inner", validate="one_to_one")
    # Facts the cleaning recovered from the text (a work report's dateline, a speaker named in the
    # title) fill what the manifest leaves empty; the manifest's values are never overwritten.
    recovered = cleaned_docs.set_index(cleaned_docs["doc_id"].astype(str))
    ids = documents["doc_id"].astype(str)
    for col in RECOVERED_FIELDS:
        if col in recovered.columns and col in documents.columns:
            documents[col] = _fill_missing(documents[col], ids.map(recovered[col]))
    documents = _place(documents, cfg)
    documents = _time_bins(documents, cfg)
    # Time order everywhere: by date (undated last), then id.
    documents = documents.sort_values(["date", "doc_id"], na_position="last", kind="mergesort").reset_index(drop=True)
    labels, notes = _labels(documents, cfg)
    documents["label"] = pd.Categorical(labels, categories=list(dict.fromkeys(labels)), ordered=True)
    return documents, notes


# -- the stage ---------------------------------------------------------------------------
def _clean(docs: pd.DataFrame, cfg: StudyConfig):
    from discourse.cleaning import clean_corpus

    kwargs: dict[str, object] = {}
    if _accepts(clean_corpus, "profile"):
        kwargs["profile"] = cfg.corpus.profile
    if _accepts(clean_corpus, "max_quarantine_share"):
        kwargs["max_quarantine_share"] = cfg.corpus.max_quarantine_share
    result = clean_corpus(docs, **kwargs)
    quarantine = getattr(result, "quarantine", None)
    if quarantine is None:
        quarantine = pd.DataFrame(columns=["doc_id", "rule", "error", "message"]).astype("string")
    return result, quarantine


def _select(paragraphs: pd.DataFrame, cfg: StudyConfig) -> pd.DataFrame:
    if not cfg.units.select_terms:
        return paragraphs
    from discourse.ingest.passages import PassageRule

    rule = PassageRule(terms=tuple(cfg.units.select_terms), window=cfg.units.select_window,
                       version=cfg.units.select_version or "config", exclude=tuple(cfg.units.select_exclude))
    marked = rule.apply(paragraphs)
    return marked[marked["selected"]].drop(columns=["selected"]).reset_index(drop=True)


@dataclass
class CorpusStages:
    """What the corpus stages (clean → units → selection → tokens) produce.

    The local path (:func:`local_corpus_stages`) and a distributed one must
    produce equal tables for the same input; the rest of :func:`prepare` is
    shared.
    """

    documents: pd.DataFrame
    notes: list[str]
    audit: pd.DataFrame
    metadata: pd.DataFrame
    quarantine: pd.DataFrame
    paragraphs: pd.DataFrame
    n_all_chars: pd.Series
    tokenizer: object


def local_corpus_stages(
    cfg: StudyConfig, docs: pd.DataFrame, *, progress: bool = False, n_jobs: int | None = None
) -> CorpusStages:
    """The corpus stages in this process (segmentation in worker processes, cached)."""
    from discourse.ingest.units import split_paragraphs
    from discourse.segment import tokenize_units

    with _stage(f"cleaning {len(docs)} documents (profile {cfg.corpus.profile})", progress):
        cleaned, quarantine = _clean(docs, cfg)
    documents, notes = build_documents(docs, cleaned.documents, cfg)
    tokenizer = build_tokenizer(cfg, documents)
    with _stage("paragraphs", progress):
        paragraphs = split_paragraphs(documents[["doc_id", "clean_text"]])
        n_all = paragraphs.groupby("doc_id", observed=True)["text"].agg(lambda s: int(s.str.len().sum()))
        paragraphs = _select(paragraphs, cfg)
    with _stage(f"segmenting {len(paragraphs)} paragraphs", progress):
        paragraphs = tokenize_units(paragraphs, tokenizer, n_jobs=n_jobs, cache=True)
    return CorpusStages(documents, notes, cleaned.audit, cleaned.metadata, quarantine, paragraphs, n_all, tokenizer)


def _compute(cfg: StudyConfig, docs: pd.DataFrame, *, progress: bool, n_jobs: int | None) -> Study:
    if cfg.scale.backend == "dask":
        from discourse.study.scale import dask_corpus_stages

        stages = dask_corpus_stages(cfg, docs, progress=progress)
    else:
        stages = local_corpus_stages(cfg, docs, progress=progress, n_jobs=n_jobs)
    documents, notes, paragraphs, n_all, tokenizer = (
        stages.documents, stages.notes, stages.paragraphs, stages.n_all_chars, stages.tokenizer
    )
    quarantine = stages.quarantine
    ids = documents["doc_id"].astype(str)
    n_tokens = paragraphs.groupby("doc_id", observed=True)["tokens"].agg(lambda s: sum(len(t) for t in s))
    n_units = paragraphs.groupby("doc_id", observed=True).size()
    n_chars = paragraphs.groupby("doc_id", observed=True)["text"].agg(lambda s: int(s.str.len().sum()))
    documents["n_units"] = ids.map(n_units).fillna(0).astype("int64").to_numpy()
    documents["n_tokens"] = ids.map(n_tokens).fillna(0).astype("int64").to_numpy()
    documents["n_unit_chars"] = ids.map(n_chars).fillna(0).astype("int64").to_numpy()
    total_col = cfg.corpus.total_chars
    if total_col and total_col in documents.columns:
        total = pd.to_numeric(documents[total_col], errors="coerce")
    else:
        total = ids.map(n_all).astype("Float64")
    documents["n_total_chars"] = pd.array(total, dtype="Int64")
    documents["salience"] = (documents["n_unit_chars"] / documents["n_total_chars"].astype("Float64")).astype("Float64")
    record = {
        "prepared_version": PREPARED_VERSION,
        "library_version": __version__,
        "config": cfg.path.name,
        "config_fingerprint": cfg.fingerprint(),
        "manifest": Path(cfg.corpus.manifest).name,
        "manifest_sha256": hashlib.sha256(Path(cfg.corpus.manifest).read_bytes()).hexdigest(),
        "n_documents": int(len(documents)),
        "n_quarantined": int(len(quarantine)),
        "n_units": int(len(paragraphs)),
        "n_tokens": int(documents["n_tokens"].sum()),
        "notes": notes,
        "tokenizer": {
            k: repr(v).replace(str(config.PROJ_ROOT) + os.sep, "")
            for k, v in sorted(tokenizer.get_params().items())
            if k not in ("person_names", "keep_words")
        },
    }
    return Study(
        config=cfg,
        documents=documents,
        paragraphs=_join_metadata(paragraphs, documents),
        audit=stages.audit,
        metadata=stages.metadata,
        quarantine=quarantine,
        tokenizer=tokenizer,
        record=record,
    )


_TABLES = ("documents", "units", "tokens", "cleaning_audit", "cleaning_metadata", "quarantine")


def _project_relative(path: object) -> object:
    if path is None or pd.isna(path):
        return path
    p = Path(str(path))
    try:
        return p.resolve().relative_to(config.PROJ_ROOT).as_posix()
    except ValueError:
        return str(p)


def write_tables(study: Study, folder: Path) -> dict[str, Path]:
    """Write the study's tables (CSV for R and spreadsheets, Parquet for typed reading) atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    docs = study.documents.copy()
    if "path" in docs.columns:
        docs["path"] = docs["path"].map(_project_relative).astype("string")
    units = study.paragraphs.drop(columns=["tokens"])
    tokens = study.paragraphs[["para_id", "tokens"]]
    tables = {
        "documents": docs,
        "units": units,
        "cleaning_audit": study.audit,
        "cleaning_metadata": study.metadata,
        "quarantine": study.quarantine,
    }
    written: dict[str, Path] = {}
    for name, df in tables.items():
        written[f"{name}.csv"] = atomic_write_csv(iso_dates(df), folder / f"{name}.csv")
        written[f"{name}.parquet"] = atomic_write_parquet(df, folder / f"{name}.parquet")
    written["tokens.parquet"] = atomic_write_parquet(tokens, folder / "tokens.parquet")
    written[RECORD_NAME] = atomic_write_text(
        folder / RECORD_NAME, json.dumps(study.record, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    )
    return written


def _read_tables(folder: Path, cfg: StudyConfig, record: dict) -> Study:
    docs = pd.read_parquet(folder / "documents.parquet")
    if "path" in docs.columns:
        docs["path"] = [
            str((config.PROJ_ROOT / p).resolve()) if isinstance(p, str) and not Path(p).is_absolute() else p
            for p in docs["path"]
        ]
        docs["path"] = docs["path"].astype("string")
    units = pd.read_parquet(folder / "units.parquet")
    tokens = pd.read_parquet(folder / "tokens.parquet")
    units["tokens"] = [list(t) for t in tokens["tokens"]]
    return Study(
        config=cfg,
        documents=docs,
        paragraphs=units,
        audit=pd.read_parquet(folder / "cleaning_audit.parquet"),
        metadata=pd.read_parquet(folder / "cleaning_metadata.parquet"),
        quarantine=pd.read_parquet(folder / "quarantine.parquet"),
        tokenizer=build_tokenizer(cfg, docs),
        record=record,
    )


def _record(folder: Path) -> dict | None:
    try:
        return json.loads((folder / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def processed_dir_for(cfg: StudyConfig) -> Path:
    """The processed-tables folder of a study in the current run (``data/processed/<study>``)."""
    return Path(config.PROCESSED_DATA_DIR) / cfg.name


def figures_dir_for(cfg: StudyConfig) -> Path:
    """The figures folder of a study in the current run (``figures/<study>``)."""
    return Path(config.FIGURES_DIR) / cfg.name


def _cache_dir() -> Path:
    return Path(config.INTERIM_DATA_DIR) / "prepared"


def prepare(
    cfg: StudyConfig | str | Path | None = None,
    *,
    processed_dir: str | Path | None = None,
    progress: bool | None = None,
    n_jobs: int | None = None,
) -> Study:
    """Prepare the study's tables once and write them to the run's processed folder.

    Parameters
    ----------
    cfg : StudyConfig or path, optional
        The configuration (default: the bundled ``study.toml``).
    processed_dir : path-like, optional
        Where the tables go; default ``discourse.config.PROCESSED_DATA_DIR``.
    progress : bool, optional
        Print a line per stage with its time on stderr (default: when stderr
        is a terminal or ``DISCOURSE_PROGRESS=1``).
    n_jobs : int, optional
        Segmentation workers.

    Returns
    -------
    Study
    """
    if not isinstance(cfg, StudyConfig):
        cfg = load_config(cfg)
    if progress is None:
        progress = os.environ.get("DISCOURSE_PROGRESS") == "1" or sys.stderr.isatty()
    out = Path(processed_dir) if processed_dir is not None else processed_dir_for(cfg)
    with _stage("loading the corpus", progress):
        docs = load_documents(cfg)
    if docs.empty:
        raise StudyDataError(f"{cfg.corpus.manifest}: the manifest lists no documents")
    key = prepare_key(cfg, docs)
    entry = _cache_dir() / key[:24]
    record = _record(entry)
    if record is not None and record.get("key") == key:
        with _stage("reading the prepared tables from the cache", progress):
            study = _read_tables(entry, cfg, record)
    else:
        study = _compute(cfg, docs, progress=progress, n_jobs=n_jobs)
        study.record["key"] = key
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:24]}.", dir=entry.parent))
        try:
            write_tables(study, tmp)
            if entry.exists():
                shutil.rmtree(entry, ignore_errors=True)
            os.replace(tmp, entry)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    if out.resolve() != entry.resolve():
        out.mkdir(parents=True, exist_ok=True)
        for name in os.listdir(entry):
            src, dst = entry / name, out / name
            if not dst.exists() or dst.read_bytes() != src.read_bytes():
                atomic_write_bytes_copy(src, dst)
    return study


def atomic_write_bytes_copy(src: Path, dst: Path) -> Path:
    """Copy a file atomically (temporary file in the same folder, then rename)."""
    from discourse.io import atomic_write_bytes

    return atomic_write_bytes(dst, src.read_bytes())


def open_study(config_path: str | Path | None = None, *, overrides: Mapping[str, object] | None = None) -> Study:
    """The prepared study a notebook works on.

    Reads the tables of the current run (``discourse.config.PROCESSED_DATA_DIR``)
    when their record matches the configuration, else prepares them.

    Parameters
    ----------
    config_path : path-like, optional
        The study configuration (default: the bundled ``study.toml``; the
        report runner passes the file of the run).
    overrides : mapping, optional
        ``manifest`` and ``columns`` overrides (as on the command line).

    Examples
    --------
    >>> study = open_study()
    >>> study.documents["label"].tolist()
    ['Hami', 'XX-1', 'Changzhi', 'XX-2', 'Jiyuan']
    >>> study.paragraphs[["para_id", "label", "period"]].iloc[0].tolist()
    ['hami-2020:p001', 'Hami', '常态化']
    """
    cfg = load_config(config_path)
    env_manifest = os.environ.get("DISCOURSE_MANIFEST")
    env_columns = os.environ.get("DISCOURSE_COLUMNS")
    ov = dict(overrides or {})
    if env_manifest and "manifest" not in ov:
        ov["manifest"] = env_manifest
    if env_columns and "columns" not in ov:
        ov["columns"] = json.loads(env_columns)
    if ov:
        cfg = cfg.with_overrides(manifest=ov.get("manifest"), columns=ov.get("columns"))  # type: ignore[arg-type]
    folder = processed_dir_for(cfg)
    record = _record(folder)
    if record is not None and record.get("key") == prepare_key(cfg, load_documents(cfg)):
        return _read_tables(folder, cfg, record)
    return prepare(cfg, processed_dir=folder, progress=False)


def prepare_study(manifest: str | Path | None = None, *, columns: Mapping[str, str] | None = None, **_: object) -> Study:
    """The bundled study's configuration on another manifest (kept for scripts written for 0.1)."""
    cfg = load_config()
    if manifest is not None or columns:
        cfg = cfg.with_overrides(manifest=manifest, columns=columns)
    return prepare(cfg, processed_dir=Path(tempfile.mkdtemp(prefix="discourse-prepared-")), progress=False)


__all__ = [
    "CorpusStages",
    "local_corpus_stages",
    "Study",
    "StudyDataError",
    "UNIT_METADATA",
    "build_documents",
    "build_tokenizer",
    "load_documents",
    "open_study",
    "prepare",
    "prepare_key",
    "prepare_study",
    "speaker_names",
    "write_tables",
]
