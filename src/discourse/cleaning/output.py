"""Writing the cleaned corpus as tidy tables (CSV + Parquet).

The CSV files are for reading in a spreadsheet or R: text cells that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or CR) carry a leading ``'`` (:func:`discourse.io.neutralise_csv_cells`;
:func:`discourse.io.restore_csv_cells` undoes it). The Parquet files keep the
original values and are the ones to compute from.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from discourse import config
from discourse.io import atomic_write_csv, atomic_write_parquet, iso_dates, neutralise_csv_cells

#: Document metadata copied onto every paragraph row (when present).
PARAGRAPH_METADATA: tuple[str, ...] = (
    "label", "city_zh", "city_en", "province_zh", "province_en", "date", "date_precision", "genre",
)


def write_processed(
    result, paragraphs: pd.DataFrame | None = None, out_dir: str | Path | None = None
) -> dict[str, Path]:
    """Write documents, paragraphs, audit and metadata tables atomically.

    Parameters
    ----------
    result : CleaningResult
        Output of :func:`discourse.cleaning.clean_corpus`.
    paragraphs : pandas.DataFrame, optional
        Output of :func:`discourse.ingest.units.split_paragraphs`; computed from
        ``result.documents`` when omitted. Document metadata
        (:data:`PARAGRAPH_METADATA`) is joined onto it.
    out_dir : path-like, optional
        Folder; default ``discourse.config.PROCESSED_DATA_DIR``.

    Returns
    -------
    dict
        Table name -> path, for ``documents``, ``paragraphs``,
        ``cleaning_audit`` and ``cleaning_metadata``, each as ``.csv``
        (UTF-8, header, ISO dates; readable by ``pandas.read_csv`` and R's
        ``readr::read_csv``; formula-like text cells prefixed with ``'``) and
        ``.parquet`` (original values; keys ``<name>.csv`` / ``<name>.parquet``).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from discourse.cleaning import clean_corpus
    >>> res = clean_corpus(pd.DataFrame({"doc_id": ["a"], "text": ["正文,内容。"]}))
    >>> paths = write_processed(res, out_dir=tempfile.mkdtemp())
    >>> pd.read_csv(paths["paragraphs.csv"])["para_id"].tolist()
    ['a:p001']
    """
    from discourse.ingest.units import split_paragraphs

    out = Path(out_dir) if out_dir is not None else config.PROCESSED_DATA_DIR
    docs = result.documents
    if paragraphs is None:
        paragraphs = split_paragraphs(docs)
    meta = [c for c in PARAGRAPH_METADATA if c in docs.columns]
    if meta:
        paragraphs = paragraphs.merge(docs[["doc_id", *meta]], on="doc_id", how="left", validate="many_to_one")
    tables = {
        "documents": docs,
        "paragraphs": paragraphs,
        "cleaning_audit": result.audit,
        "cleaning_metadata": result.metadata,
    }
    paths: dict[str, Path] = {}
    for name, df in tables.items():
        # Neutralised explicitly (atomic_write_csv would do it too) so that the
        # CSV written here never depends on that default.
        safe = neutralise_csv_cells(iso_dates(df))
        paths[f"{name}.csv"] = atomic_write_csv(safe, out / f"{name}.csv", neutralise=False)
        paths[f"{name}.parquet"] = atomic_write_parquet(df, out / f"{name}.parquet")
    return paths


__all__ = ["write_processed", "PARAGRAPH_METADATA"]
