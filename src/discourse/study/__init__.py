"""The study layer: everything specific to one research question.

Periods and milestones, the codebook, palettes, the comparisons and the
robustness grid live here, driven by one configuration file
(:mod:`discourse.study.settings`); the generic toolkit (``ingest``,
``cleaning``, ``segment``, ``analysis``, ``plotting``, ``report``) imports
nothing from this package.
"""

from discourse.study.prepare import (
    UNIT_METADATA,
    Study,
    StudyDataError,
    open_study,
    prepare,
    prepare_study,
    speaker_names,
)
from discourse.study.settings import ConfigError, StudyConfig, load_config

__all__ = [
    "ConfigError",
    "Study",
    "StudyConfig",
    "StudyDataError",
    "UNIT_METADATA",
    "load_config",
    "open_study",
    "prepare",
    "prepare_study",
    "speaker_names",
]
