"""Ingestion: manifests and column mappings, decoding, dates, and text units.

Submodules: :mod:`~discourse.ingest.corpus` (``load_corpus``),
:mod:`~discourse.ingest.textio` (decoding), :mod:`~discourse.ingest.dates`
(dates with their precision), :mod:`~discourse.ingest.units` (paragraphs and
sentences with stable ids and offsets).
"""
