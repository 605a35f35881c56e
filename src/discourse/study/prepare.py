"""The study's data flow in one call: load, clean, split, segment.

Every notebook starts from the same prepared corpus, so the steps and their
settings live here, not in notebook cells::

    from discourse.study import prepare_study
    study = prepare_study(manifest, columns=columns)

:class:`Study` holds the documents table (manifest metadata, clean text,
cleaning counts, policy period), the cleaning audit, the extracted-metadata
comparison, and the paragraph and sentence units with their tokens and the
document metadata joined on. Segmentation is cached on disk
(``data/interim/``), so the notebooks after the first run in seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from discourse import config
from discourse.cleaning import clean_corpus, write_processed
from discourse.ingest.corpus import load_corpus
from discourse.study.periods import PERIOD_GLOSSES, assign_periods
from discourse.segment import Tokenizer, tokenize_units
from discourse.ingest.units import split_paragraphs, split_sentences

#: Document metadata joined onto every unit row (when the corpus has it).
UNIT_METADATA: tuple[str, ...] = (
    "label",
    "city_zh",
    "city_en",
    "province_en",
    "genre",
    "date",
    "date_precision",
    "period",
    "period_en",
)


@dataclass
class Study:
    """A prepared corpus: documents, cleaning audit and tokenised units.

    Attributes
    ----------
    documents : pandas.DataFrame
        One row per document: manifest metadata, ``clean_text``, cleaning
        counts (``n_chars_raw`` ... ``n_redacted``), ``period``/``period_en``
        (national policy period of the document's date), ``n_tokens``.
    audit : pandas.DataFrame
        Every edit the cleaning made (``discourse.cleaning``).
    metadata : pandas.DataFrame
        Facts found in the removed boilerplate beside the manifest's values.
    paragraphs, sentences : pandas.DataFrame
        Units with ids, offsets, text, ``tokens`` and :data:`UNIT_METADATA`.
    tokenizer : discourse.segment.Tokenizer
        The tokenizer that produced ``tokens``.
    """

    documents: pd.DataFrame
    audit: pd.DataFrame
    metadata: pd.DataFrame
    paragraphs: pd.DataFrame
    sentences: pd.DataFrame
    tokenizer: Tokenizer
    manifest: str = ""
    extra: dict = field(default_factory=dict)

    def units(self, unit: str = "paragraph") -> pd.DataFrame:
        """Return the units of one kind: ``"paragraph"``, ``"sentence"`` or ``"document"``.

        Document units carry the whole clean text and the concatenated tokens
        of its paragraphs, so that every unit kind shares one tokenisation.
        """
        if unit == "paragraph":
            return self.paragraphs
        if unit == "sentence":
            return self.sentences
        if unit == "document":
            tokens = self.paragraphs.groupby("doc_id", sort=False)["tokens"].agg(
                lambda s: [t for toks in s for t in toks]
            )
            docs = self.documents.copy()
            docs["text"] = docs["clean_text"]
            docs["tokens"] = docs["doc_id"].astype(str).map(tokens).apply(
                lambda v: v if isinstance(v, list) else []
            )
            return docs
        raise ValueError(f"unit must be 'paragraph', 'sentence' or 'document', not {unit!r}")

    def write_processed(self, out_dir: str | Path | None = None) -> dict[str, Path]:
        """Write the cleaned corpus as tidy CSV + Parquet tables (see data/README.md)."""
        from discourse.cleaning import CleaningResult

        docs = self.documents.copy()
        if "path" in docs.columns:
            # Paths inside the project are written relative to it, so the
            # tables do not depend on where the project was cloned.
            docs["path"] = docs["path"].map(_project_relative).astype("string")
        result = CleaningResult(documents=docs, audit=self.audit, metadata=self.metadata)
        paragraphs = self.paragraphs.drop(columns=["tokens"], errors="ignore")
        return write_processed(result, paragraphs[["doc_id", "para_no", "para_id", "start", "end", "text"]], out_dir)


def _project_relative(path: object) -> object:
    if path is None or pd.isna(path):
        return path
    p = Path(str(path))
    try:
        return p.resolve().relative_to(config.PROJ_ROOT).as_posix()
    except ValueError:
        return str(p)


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
        names.update(n.strip() for n in str(value).split(";") if n.strip())
    return tuple(sorted(names))


def _join_metadata(units: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    cols = ["doc_id", *[c for c in UNIT_METADATA if c in documents.columns]]
    meta = documents[cols].copy()
    meta["doc_id"] = meta["doc_id"].astype("string")
    out = units.copy()
    out["doc_id"] = out["doc_id"].astype("string")
    return out.merge(meta, on="doc_id", how="left", validate="many_to_one")


def prepare_study(
    manifest: str | Path | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    tokenizer: Tokenizer | None = None,
    rules: Sequence | None = None,
    n_jobs: int | None = None,
    cache: bool = True,
) -> Study:
    """Load, clean, split and segment a manifest-described corpus.

    Parameters
    ----------
    manifest : path-like, optional
        Defaults to the bundled ``data/corpus.csv``.
    columns : mapping, optional
        Column mapping for a researcher's own manifest (see
        :func:`discourse.ingest.corpus.load_corpus`).
    tokenizer : Tokenizer, optional
        Defaults to ``Tokenizer(person_names=<the manifest's speakers>)``.
    rules : sequence, optional
        Cleaning rules; default :func:`discourse.cleaning.default_rules`.
    n_jobs : int, optional
        Segmentation workers (default: all cores).
    cache : bool
        Cache segmented tokens in ``data/interim/``.

    Returns
    -------
    Study

    Examples
    --------
    >>> study = prepare_study()
    >>> study.documents["label"].tolist()
    ['Hami', 'XX-1', 'Changzhi', 'XX-2', 'Jiyuan']
    >>> study.paragraphs[["para_id", "label", "period"]].iloc[0].tolist()
    ['hami-2020:p001', 'Hami', '常态化']
    """
    docs = load_corpus(manifest, columns=columns)
    cleaned = clean_corpus(docs, rules=rules)
    documents = docs.drop(columns=["text"]).merge(
        cleaned.documents[[c for c in cleaned.documents.columns if c not in docs.columns or c == "doc_id"]],
        on="doc_id",
        how="left",
        validate="one_to_one",
    )
    documents["period"] = pd.Categorical(assign_periods(documents["date"], documents["date_precision"]))
    documents["period_en"] = pd.Categorical(
        documents["period"].astype("object").map(PERIOD_GLOSSES),
        categories=[PERIOD_GLOSSES[p] for p in documents["period"].cat.categories],
        ordered=True,
    )
    # Time order everywhere: documents sorted by date (undated last), labels as
    # categories in that order, so every table and figure lists them alike.
    documents = documents.sort_values(["date", "doc_id"], na_position="last", kind="mergesort")
    documents = documents.reset_index(drop=True)
    if "label" in documents.columns:
        order = list(dict.fromkeys(documents["label"].astype(str)))
        documents["label"] = pd.Categorical(documents["label"].astype(str), categories=order, ordered=True)
    if tokenizer is None:
        tokenizer = Tokenizer(person_names=speaker_names(docs))

    paragraphs = split_paragraphs(documents[["doc_id", "clean_text"]])
    sentences = split_sentences(paragraphs)
    paragraphs = tokenize_units(paragraphs, tokenizer, n_jobs=n_jobs, cache=cache)
    sentences = tokenize_units(sentences, tokenizer, n_jobs=n_jobs, cache=cache)
    n_tokens = paragraphs.groupby("doc_id")["tokens"].agg(lambda s: sum(len(t) for t in s))
    documents["n_tokens"] = documents["doc_id"].astype(str).map(n_tokens).fillna(0).astype("int64")
    return Study(
        documents=documents,
        audit=cleaned.audit,
        metadata=cleaned.metadata,
        paragraphs=_join_metadata(paragraphs, documents),
        sentences=_join_metadata(sentences, documents),
        tokenizer=tokenizer,
        manifest=str(manifest or ""),
    )


__all__ = ["Study", "UNIT_METADATA", "prepare_study", "speaker_names"]
