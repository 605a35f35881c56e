"""The study configuration: one TOML file holds everything a researcher chooses.

A study is described by a file such as the bundled ``study.toml``::

    [study]
    name = "seeds"                       # folder name of the outputs
    title = "疫情防控 in five local-government texts"
    notebooks = "notebooks/seeds"        # the notebooks this study runs

    [corpus]
    manifest = "data/corpus.csv"         # CSV, TSV, Parquet or JSON Lines
    columns = { doc_id = "file", city_zh = "地区" }   # canonical field = your column
    profile = "web_page"                 # cleaning profile

    [compare]
    place = ["city_zh"]                  # place columns, the first is the main one
    time = "date"                        # date column
    time_bins = "periods"                # periods | year | quarter | month
    label = "label"                      # per-document label column ("" = generate)
    groups = ["genre"]                   # further comparison variables

    [units]
    unit = "paragraph"                   # paragraph | sentence | document

    [tokenizer]
    compounds = true

    [topics]
    k = [3, 4, 5, 6]

Paths are relative to the configuration file. :func:`load_config` reads and
validates the file; every problem (an unknown section or key, a wrong type, a
value outside its choices) is reported together, naming the key and showing
the right form in TOML, with the closest valid key suggested. Overrides from
the command line (``--manifest``, ``--columns``) are applied with
:meth:`StudyConfig.with_overrides` and their problems shown in command-line
syntax.

The configuration has a :meth:`StudyConfig.fingerprint` over the settings that
change the prepared tables (corpus, units, tokenizer, codebook), which keys
the cache of :mod:`discourse.study.prepare`.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from discourse import config as paths

#: Ways of binning the time axis.
TIME_BINS: tuple[str, ...] = ("periods", "year", "quarter", "month")
#: Units of analysis.
UNITS: tuple[str, ...] = ("paragraph", "sentence", "document")
#: Rules for choosing the number of topics.
K_RULES: tuple[str, ...] = ("max_npmi", "one_se")
#: Cleaning profiles (see :mod:`discourse.cleaning`).
PROFILES: tuple[str, ...] = ("web_page", "news_feed", "markdown_archive", "work_report")
#: Handling of Latin-script tokens.
LATIN: tuple[str, ...] = ("keep", "drop", "stop")


class ConfigError(ValueError):
    """The study configuration is invalid; the message lists every problem."""


# -- the settings -------------------------------------------------------------------
@dataclass(frozen=True)
class CorpusSettings:
    """Where the texts are and how the manifest's columns map to canonical fields."""

    manifest: Path
    columns: dict[str, str] = field(default_factory=dict)
    root: Path | None = None
    allow_outside_root: bool = False
    profile: str = "web_page"
    date_range: tuple[str, str] = ("1949-10-01", "2030-12-31")
    #: Column holding the full length of each text when the manifest holds
    #: already-selected passages (salience = passage characters / this).
    total_chars: str = ""
    max_quarantine_share: float = 0.01


@dataclass(frozen=True)
class CompareSettings:
    """The comparison variables: place, time and further groups."""

    place: tuple[str, ...] = ("city_zh",)
    time: str = "date"
    time_bins: str = "periods"
    label: str = "label"
    groups: tuple[str, ...] = ()
    cluster: str = ""


@dataclass(frozen=True)
class UnitSettings:
    """The unit of analysis and the optional selection of passages."""

    unit: str = "paragraph"
    select_terms: tuple[str, ...] = ()
    select_exclude: tuple[str, ...] = ()
    select_window: int = 0
    select_version: str = ""


@dataclass(frozen=True)
class TokenizerSettings:
    """Settings passed to :class:`discourse.segment.Tokenizer`."""

    lexicon: bool = True
    compounds: bool = True
    stopwords: bool = True
    keep_directives: bool = True
    mask_persons: bool = True
    latin: str = "keep"


@dataclass(frozen=True)
class CodebookSettings:
    """The study's word lists and dates (paths relative to the config file)."""

    codebook: Path | None = None
    lexicon: Path | None = None
    milestones: Path | None = None


@dataclass(frozen=True)
class TopicSettings:
    """Topic model: the k range, restarts and the rule for choosing k."""

    k: tuple[int, ...] = (3, 4, 5, 6, 7, 8)
    restarts: int = 10
    rule: str = "one_se"
    min_df: int = 2
    n_refits: int = 50


@dataclass(frozen=True)
class StatsSettings:
    """Seeds and resampling sizes; minimum group sizes for inference."""

    seed: int = paths.RANDOM_STATE
    n_permutations: int = 9999
    n_bootstrap: int = 1000
    min_docs: int = 5
    min_clusters: int = 10
    min_freq: int = 3


@dataclass(frozen=True)
class ScaleSettings:
    """Where the corpus stages run: in this process, or on a Dask cluster.

    ``backend = "local"`` runs them in this process (the default);
    ``"dask"`` runs them over partitions on a local ``distributed`` cluster
    sized to the machine, or on the cluster at ``scheduler`` (an address
    such as ``"tcp://10.0.0.5:8786"``) when given.
    """

    backend: str = "local"
    scheduler: str = ""
    n_workers: int = 0
    partition_size: int = 200


@dataclass(frozen=True)
class StudyConfig:
    """A whole study, read from one TOML file (see the module docstring)."""

    name: str
    title: str
    path: Path
    notebooks: Path
    corpus: CorpusSettings
    compare: CompareSettings = CompareSettings()
    units: UnitSettings = UnitSettings()
    tokenizer: TokenizerSettings = TokenizerSettings()
    codebook: CodebookSettings = CodebookSettings()
    topics: TopicSettings = TopicSettings()
    stats: StatsSettings = StatsSettings()
    scale: ScaleSettings = ScaleSettings()
    run_date: str = "2026-12-01"
    #: Set when --manifest/--columns override the file (the prose written for
    #: the file's corpus is then left out of the reports).
    overridden: bool = False

    # -- derived ---------------------------------------------------------------------
    @property
    def base_dir(self) -> Path:
        """The folder relative paths of the file are resolved against."""
        return self.path.parent

    def fingerprint(self) -> str:
        """SHA-256 over the settings that change the prepared tables."""
        corpus = dataclasses.asdict(self.corpus)
        # paths enter as they are relative to the configuration's folder, so the fingerprint (and
        # the cache key and records built on it) is the same in every checkout; contents are hashed
        for key in ("manifest", "root"):
            if corpus.get(key) is not None:
                corpus[key] = os.path.relpath(Path(corpus[key]), self.base_dir).replace(os.sep, "/")
        payload = {
            "corpus": _jsonable(corpus),
            "units": _jsonable(dataclasses.asdict(self.units)),
            "tokenizer": _jsonable(dataclasses.asdict(self.tokenizer)),
            "codebook": {k: _file_digest(v) for k, v in dataclasses.asdict(self.codebook).items()},
            "compare": _jsonable(dataclasses.asdict(self.compare)),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def with_overrides(
        self, *, manifest: str | Path | None = None, columns: Mapping[str, str] | None = None
    ) -> StudyConfig:
        """The same study on another manifest or column mapping (command-line shortcuts)."""
        if manifest is None and not columns:
            return self
        corpus = self.corpus
        if manifest is not None:
            if not Path(manifest).is_file():
                raise ConfigError(f"--manifest {manifest}: manifest not found")
            corpus = dataclasses.replace(corpus, manifest=Path(manifest).resolve(), root=None)
        if columns:
            corpus = dataclasses.replace(corpus, columns=dict(columns))
        problems = _check_columns(corpus.columns, source="cli")
        if problems:
            raise ConfigError("--columns: " + "; ".join(problems))
        return dataclasses.replace(self, corpus=corpus, overridden=True)

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (paths as strings), for the run record."""
        return _jsonable(dataclasses.asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _file_digest(path: object) -> str | None:
    if path is None:
        return None
    p = Path(str(path))
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else f"missing:{p.as_posix()}"


# -- reading ----------------------------------------------------------------------
_SECTIONS: dict[str, type] = {
    "corpus": CorpusSettings,
    "compare": CompareSettings,
    "units": UnitSettings,
    "tokenizer": TokenizerSettings,
    "codebook": CodebookSettings,
    "topics": TopicSettings,
    "stats": StatsSettings,
    "scale": ScaleSettings,
}
_STUDY_KEYS: tuple[str, ...] = ("name", "title", "notebooks", "run_date")
_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("compare", "time_bins"): TIME_BINS,
    ("units", "unit"): UNITS,
    ("topics", "rule"): K_RULES,
    ("corpus", "profile"): PROFILES,
    ("tokenizer", "latin"): LATIN,
    ("scale", "backend"): ("local", "dask"),
}
_PATH_KEYS: set[tuple[str, str]] = {
    ("corpus", "manifest"),
    ("corpus", "root"),
    ("codebook", "codebook"),
    ("codebook", "lexicon"),
    ("codebook", "milestones"),
}


def _suggest(key: str, valid: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(valid)}"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _check_columns(columns: Mapping[str, str], *, source: str) -> list[str]:
    from discourse.ingest.corpus import CANONICAL_FIELDS

    problems = []
    for key, value in columns.items():
        if key not in CANONICAL_FIELDS and key != "text":
            close = difflib.get_close_matches(key, [*CANONICAL_FIELDS, "text"], n=1, cutoff=0.6)
            right = close[0] if close else "<canonical field>"
            hint = (
                f"COLUMNS='{right}={value}'" if source == "cli" else f'[corpus.columns] {right} = "{value}"'
            )
            problems.append(
                f"unknown canonical field {key!r} (write {hint}; fields: {', '.join([*CANONICAL_FIELDS, 'text'])})"
            )
    return problems


def _coerce(section: str, key: str, value: Any, default: Any, base: Path, problems: list[str]) -> Any:
    where = f"[{section}] {key}"
    if (section, key) in _PATH_KEYS:
        if value in ("", None):
            return None
        if not isinstance(value, str):
            problems.append(f"{where} must be a path string, e.g. {key} = \"data/corpus.csv\"")
            return default
        return (base / value).resolve()
    if isinstance(default, bool):
        if not isinstance(value, bool):
            problems.append(f"{where} must be true or false, not {_toml_value(value)}")
            return default
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{where} must be a whole number, e.g. {key} = {default}")
            return default
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{where} must be a number, e.g. {key} = {default}")
            return default
        return float(value)
    if isinstance(default, tuple):
        if isinstance(value, str) and (section, key) in {("compare", "place"), ("compare", "groups")}:
            value = [value]
        if not isinstance(value, list):
            problems.append(f"{where} must be a list, e.g. {key} = {_toml_value(default or ['x'])}")
            return default
        if key == "k":
            if not value or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 2 for v in value):
                problems.append(f"{where} must be a list of whole numbers ≥ 2, e.g. k = [3, 4, 5, 6]")
                return default
            return tuple(sorted(set(value)))
        if key == "date_range":
            if len(value) != 2 or not all(isinstance(v, str) for v in value):
                problems.append(f'{where} must be two dates, e.g. date_range = ["1949-10-01", "2030-12-31"]')
                return default
        return tuple(str(v) for v in value)
    if isinstance(default, dict):
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            problems.append(f'{where} must be a table of strings, e.g. {key} = {{ doc_id = "file" }}')
            return default
        return dict(value)
    if not isinstance(value, str):
        problems.append(f"{where} must be a string, e.g. {key} = {_toml_value(default)}")
        return default
    choices = _CHOICES.get((section, key))
    if choices and value not in choices:
        close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
        hint = f"; did you mean {key} = {_toml_value(close[0])}?" if close else ""
        problems.append(f"{where} = {_toml_value(value)} is not one of {', '.join(choices)}{hint}")
        return default
    return value


def _section(name: str, cls: type, data: Any, base: Path, problems: list[str], **required: Any) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(f"[{name}] must be a table")
        data = {}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = dict(required)
    for key, value in data.items():
        if key not in fields:
            problems.append(f"unknown key [{name}] {key}{_suggest(key, list(fields))}")
            continue
        f = fields[key]
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = f.default_factory()  # type: ignore[misc]
        else:
            default = ""
        if (name, key) in _PATH_KEYS:
            default = None
        values[key] = _coerce(name, key, value, default, base, problems)
    return values


def load_config(path: str | Path | None = None) -> StudyConfig:
    """Read and validate a study configuration.

    Parameters
    ----------
    path : path-like, optional
        The TOML file; defaults to the bundled ``study.toml``.

    Returns
    -------
    StudyConfig

    Raises
    ------
    ConfigError
        Listing every problem, each naming its key and the right form.

    Examples
    --------
    >>> cfg = load_config()
    >>> cfg.name, cfg.compare.time_bins, cfg.units.unit
    ('seeds', 'periods', 'paragraph')
    """
    p = Path(path) if path is not None else paths.PROJ_ROOT / "study.toml"
    p = p.resolve()
    if not p.is_file():
        raise ConfigError(f"{p}: study configuration not found")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    base = p.parent
    problems: list[str] = []
    for key in data:
        if key not in _SECTIONS and key != "study":
            problems.append(f"unknown section [{key}]{_suggest(key, ['study', *_SECTIONS])}")
    study = data.get("study", {})
    if not isinstance(study, dict):
        study = {}
        problems.append("[study] must be a table")
    for key in study:
        if key not in _STUDY_KEYS:
            problems.append(f"unknown key [study] {key}{_suggest(key, _STUDY_KEYS)}")
    name = study.get("name", "")
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
        problems.append('[study] name is required: letters, digits, - and _ only, e.g. name = "my-study"')
        name = "study"
    title = str(study.get("title", name))
    notebooks = base / str(study.get("notebooks", "notebooks"))
    run_date = str(study.get("run_date", "2026-12-01"))

    corpus_data = data.get("corpus", {})
    if not isinstance(corpus_data, dict) or "manifest" not in corpus_data:
        problems.append('[corpus] manifest is required, e.g. manifest = "data/corpus.csv"')
    sections: dict[str, Any] = {}
    for sec, cls in _SECTIONS.items():
        sections[sec] = _section(sec, cls, data.get(sec), base, problems)
    if "columns" in sections["corpus"]:
        problems.extend(_check_columns(sections["corpus"]["columns"], source="toml"))
    manifest = sections["corpus"].get("manifest")
    if manifest is not None and not Path(manifest).is_file():
        problems.append(f"[corpus] manifest = {_toml_value(str(manifest))}: file not found")
    if not notebooks.is_dir():
        problems.append(f"[study] notebooks = {_toml_value(str(notebooks))}: folder not found")
    for key in ("codebook", "lexicon", "milestones"):
        v = sections["codebook"].get(key)
        if v is not None and not Path(v).is_file():
            problems.append(f"[codebook] {key} = {_toml_value(str(v))}: file not found")
    if problems:
        raise ConfigError(f"{p}: " + ("\n  - " if len(problems) > 1 else "") + "\n  - ".join(problems))
    sections["corpus"].setdefault("manifest", Path())
    return StudyConfig(
        name=name,
        title=title,
        path=p,
        notebooks=notebooks.resolve(),
        run_date=run_date,
        corpus=CorpusSettings(**sections["corpus"]),
        compare=CompareSettings(**sections["compare"]),
        units=UnitSettings(**sections["units"]),
        tokenizer=TokenizerSettings(**sections["tokenizer"]),
        codebook=CodebookSettings(**sections["codebook"]),
        topics=TopicSettings(**sections["topics"]),
        stats=StatsSettings(**sections["stats"]),
        scale=ScaleSettings(**sections["scale"]),
    )


def bundled_configs() -> list[Path]:
    """The study configurations shipped with the project, in the order ``make report`` runs them."""
    candidates = [paths.PROJ_ROOT / "study.toml", paths.PROJ_ROOT / "panel.toml"]
    return [p for p in candidates if p.is_file()]


def is_bundled_corpus(cfg: StudyConfig) -> bool:
    """True when ``cfg`` is a bundled configuration run on its own corpus (no overrides)."""
    return not cfg.overridden and cfg.path.resolve() in {p.resolve() for p in bundled_configs()}


__all__ = [
    "is_bundled_corpus",
    "ConfigError",
    "CorpusSettings",
    "CompareSettings",
    "UnitSettings",
    "TokenizerSettings",
    "CodebookSettings",
    "TopicSettings",
    "StatsSettings",
    "ScaleSettings",
    "StudyConfig",
    "load_config",
    "bundled_configs",
    "TIME_BINS",
    "UNITS",
]
