"""The study layer: everything specific to one research question.

Periods and milestones, the codebook, palettes, the comparisons and the
robustness grid live here, driven by one configuration; the generic toolkit
(``ingest``, ``cleaning``, ``segment``, ``analysis``, ``plotting``,
``report``) imports nothing from this package.
"""

from discourse.study.prepare import UNIT_METADATA, Study, prepare_study, speaker_names

__all__ = ["Study", "UNIT_METADATA", "prepare_study", "speaker_names"]
