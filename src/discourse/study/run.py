"""Run a configured study end to end, all or nothing.

``python -m discourse report --config FILE [--out DIR]`` calls :func:`run_study`
for the file (``make report`` calls it for every bundled configuration):

1. the configuration and the corpus are checked and the tables prepared
   (:func:`discourse.study.prepare.prepare`) before any notebook starts, so a
   wrong key, a missing column or a bad manifest is one short message;
2. a lock (``<out>/.discourse-run.lock``) refuses a second run into the same
   folder while one is under way;
3. everything the run writes goes to a staging folder
   (``<out>/.staging/<study>-<pid>/``): the prepared tables, the executed
   notebooks, figures, HTML reports and a run record;
4. only when every notebook ran and rendered are the study's folders of the
   output replaced by the staged ones (``notebooks/``, ``figures/<study>/``,
   ``reports/<study>/``, ``data/processed/<study>/``), and the index of all
   studies in ``<out>/reports/index.html`` is written anew;
5. when a notebook fails, the last good results stay untouched; the HTML of
   the notebooks that ran and a page saying what failed and why go to
   ``<out>/reports/<study>-failed/``, and the error names the notebook and
   the cell.

The notebooks get one papermill parameter, ``config_path``: the study's file,
or for a run with ``--manifest``/``--columns`` overrides an effective copy
written into the staging folder. Prose written for the bundled corpus (cells
tagged ``bundled-prose``) is left out of every other corpus's notebooks.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from discourse import __version__, config
from discourse.io import atomic_write_text
from discourse.report.errors import ReportError
from discourse.study.settings import ConfigError, StudyConfig, bundled_configs, load_config

#: Tag of Markdown cells written for the bundled corpus only.
BUNDLED_PROSE_TAG: str = "bundled-prose"
#: Name of the lock file in an output folder.
LOCK_NAME: str = ".discourse-run.lock"
#: Name of the run record beside a study's reports.
RUN_RECORD: str = "run.json"


@dataclass
class StudyRun:
    """What one study's run produced."""

    config: StudyConfig
    out: Path
    notebooks: list[Path] = field(default_factory=list)
    reports_dir: Path | None = None
    index: Path | None = None
    record: dict = field(default_factory=dict)


# -- lock ------------------------------------------------------------------------------
@contextlib.contextmanager
def run_lock(out: Path) -> Iterator[None]:
    """Hold ``<out>/.discourse-run.lock`` for the run; refuse when another run holds it."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                raise ReportError(
                    f"another run is writing to {out} ({holder or 'unknown process'}); "
                    "wait for it to finish or choose another --out"
                ) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        yield
    finally:
        os.close(fd)


# -- folders ---------------------------------------------------------------------------
def _replace_dir(src: Path, dst: Path) -> None:
    """Put ``src`` where ``dst`` is: the old folder is moved aside, then removed."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    old = dst.with_name(f".{dst.name}.old-{os.getpid()}")
    if dst.exists():
        os.replace(dst, old)
    os.replace(src, dst)
    shutil.rmtree(old, ignore_errors=True)


def _study_dirs(cfg: StudyConfig, out: Path, bundled: bool) -> dict[str, Path]:
    name = cfg.name
    return {
        "notebooks": cfg.notebooks if bundled else out / "notebooks" / name,
        "figures": out / "figures" / name,
        "reports": out / "reports" / name,
        "processed": out / "data" / "processed" / name,
    }


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- effective configuration ----------------------------------------------------------------
def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False)


def effective_config_text(cfg: StudyConfig) -> str:
    """The configuration as TOML with absolute paths (what the notebooks of a run read)."""
    d = cfg.to_dict()
    lines = [
        f"# Effective configuration of a run: {cfg.path.name} with command-line overrides.",
        "[study]",
        f"name = {_toml(cfg.name)}",
        f"title = {_toml(cfg.title)}",
        f"notebooks = {_toml(cfg.notebooks.as_posix())}",
        f"run_date = {_toml(cfg.run_date)}",
    ]
    for section in ("corpus", "compare", "units", "tokenizer", "codebook", "topics", "stats", "scale"):
        lines.append(f"\n[{section}]")
        for key, value in d[section].items():
            if value is None:
                continue
            lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"


# -- index ----------------------------------------------------------------------------
def _run_record(cfg: StudyConfig, study, notebooks: Sequence[Path]) -> dict:
    docs = study.documents
    dates = docs["date"].dropna() if "date" in docs.columns else []
    places = docs["place"].dropna().astype(str).unique() if "place" in docs.columns else []
    return {
        "study": cfg.name,
        "title": cfg.title,
        "software": f"discourse {__version__}",
        "run_date": cfg.run_date,
        "config": cfg.path.name,
        "config_sha256": _digest(cfg.path),
        "manifest": Path(cfg.corpus.manifest).name,
        "manifest_sha256": _digest(Path(cfg.corpus.manifest)),
        "bundled_corpus": not cfg.overridden,
        "n_documents": int(len(docs)),
        "n_quarantined": int(len(study.quarantine)),
        "n_units": int(len(study.paragraphs)),
        "n_tokens": int(docs["n_tokens"].sum()) if "n_tokens" in docs.columns else None,
        "date_range": [str(min(dates).date()), str(max(dates).date())] if len(dates) else None,
        "n_undated": int(docs["date"].isna().sum()) if "date" in docs.columns else None,
        "n_places": int(len(places)),
        "notebooks": [p.stem for p in notebooks],
    }


def write_root_index(reports_root: Path, title: str = "Reports") -> Path:
    """``<out>/reports/index.html``: every study found under the folder, with its run box."""
    from discourse.report import write_study_list

    studies = []
    for rec_path in sorted(reports_root.glob(f"*/{RUN_RECORD}")):
        try:
            studies.append(json.loads(rec_path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    order = {c.name: i for i, c in enumerate(_bundled_names())}
    studies.sort(key=lambda r: (order.get(r.get("config", ""), 99), r.get("study", "")))
    return write_study_list(studies, reports_root, title=title)


def _bundled_names() -> list[Path]:
    return bundled_configs()


# -- the run ----------------------------------------------------------------------------
def _is_bundled(cfg: StudyConfig, out: Path | None) -> bool:
    bundled_paths = {p.resolve() for p in bundled_configs()}
    return cfg.path.resolve() in bundled_paths and not cfg.overridden and (
        out is None or out.resolve() == config.PROJ_ROOT.resolve()
    )


def _log(msg: str) -> None:
    print(f"discourse report: {msg}", file=sys.stderr, flush=True)


def run_study(
    cfg: StudyConfig | str | Path | None = None,
    *,
    out: str | Path | None = None,
    manifest: str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    notebooks: Sequence[Path] | None = None,
    html: bool = True,
    timeout: float | None = None,
    kernel_name: str | None = None,
) -> StudyRun:
    """Prepare, execute, render and publish one study, all or nothing (module docstring).

    Raises
    ------
    ReportError
        For a configuration, corpus or notebook failure, with one short message.
    """
    from discourse.report import (
        KERNEL_NAME,
        execute_notebook,
        find_notebooks,
        notebook_summary,
        render_html,
        write_index,
    )
    from discourse.study.prepare import StudyDataError, prepare

    try:
        if not isinstance(cfg, StudyConfig):
            cfg = load_config(cfg)
        cfg = cfg.with_overrides(manifest=manifest, columns=columns)
    except ConfigError as exc:
        raise ReportError(str(exc)) from None
    out_path = Path(out).resolve() if out is not None else None
    bundled = _is_bundled(cfg, out_path)
    if not bundled and out_path is None:
        raise ReportError("--out is required for a corpus other than the bundled one: bundled results are never overwritten")
    if out_path is not None and out_path.exists() and not out_path.is_dir():
        raise ReportError(f"--out {out_path} is a file, not a folder")
    if not bundled and out_path is not None and out_path == config.PROJ_ROOT.resolve():
        raise ReportError(f"--out must not be the project folder ({config.PROJ_ROOT}) for another corpus")
    root = config.PROJ_ROOT if bundled else out_path
    assert root is not None
    dirs = _study_dirs(cfg, root, bundled)
    paths = list(notebooks) if notebooks else find_notebooks(cfg.notebooks)
    result = StudyRun(config=cfg, out=root)

    with run_lock(root):
        staging = root / ".staging" / f"{cfg.name}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        stage = {
            "notebooks": staging / "notebooks" / cfg.name,
            "figures": staging / "figures" / cfg.name,
            "reports": staging / "reports" / cfg.name,
            "processed": staging / "data" / "processed" / cfg.name,
        }
        for p in stage.values():
            p.mkdir(parents=True, exist_ok=True)
        interim = root / "data" / "interim"
        saved_interim = config.INTERIM_DATA_DIR
        try:
            config.INTERIM_DATA_DIR = interim
            t0 = time.perf_counter()
            _log(f"{cfg.name}: checking the configuration and preparing the corpus")
            try:
                study = prepare(cfg, processed_dir=stage["processed"], progress=True)
            except (ConfigError, StudyDataError, ValueError, OSError) as exc:
                raise ReportError(f"{cfg.name}: {type(exc).__name__}: {exc}") from None
            _log(f"{cfg.name}: prepared {len(study.documents)} documents in {time.perf_counter() - t0:.1f} s")
            if cfg.overridden:
                cfg_path = staging / "study.toml"
                atomic_write_text(cfg_path, effective_config_text(cfg))
            else:
                cfg_path = cfg.path
            env = {
                "DISCOURSE_OUT_DIR": str(staging),
                "DISCOURSE_INTERIM_DIR": str(interim),
            }
            bundled_corpus = not cfg.overridden and cfg.path.resolve() in {p.resolve() for p in bundled_configs()}
            # a parameters cell papermill injected in an earlier run is never carried into this one
            remove = ("injected-parameters",) if bundled_corpus else ("injected-parameters", BUNDLED_PROSE_TAG)
            ran: list[Path] = []
            failure: ReportError | None = None
            from tqdm import tqdm

            bar = tqdm(paths, desc=f"{cfg.name}: notebooks", unit="nb", disable=not sys.stderr.isatty(),
                       file=sys.stderr, leave=False)
            for nb in bar:
                bar.set_postfix_str(nb.stem)
                target = stage["notebooks"] / nb.name
                t1 = time.perf_counter()
                try:
                    execute_notebook(
                        nb,
                        target,
                        # on its own corpus a bundled study's notebooks keep their default (a relative
                        # path), so the stored notebooks hold no path of this checkout
                        parameters=None if bundled_corpus else {"config_path": str(cfg_path)},
                        env=env,
                        kernel_name=kernel_name or KERNEL_NAME,
                        timeout=timeout,
                        remove_tags=remove,
                        cwd=nb.parent,
                    )
                except ReportError as exc:
                    failure = exc
                    break
                ran.append(target)
                _log(f"{cfg.name}: {nb.name} ran in {time.perf_counter() - t1:.1f} s")
            if failure is not None:
                _publish_failure(cfg, root, ran, failure, html, staging=staging)
                raise failure
            result.record = _run_record(cfg, study, ran)
            if html:
                entries = []
                for nb_path in ran:
                    render_html(nb_path, stage["reports"], run_info=result.record, siblings=ran, out_root=staging)
                    nb_title, summary = notebook_summary(nb_path)
                    entries.append((nb_path.stem, nb_title, summary))
                write_index(entries, stage["reports"], title=cfg.title, run_info=result.record)
            atomic_write_text(
                stage["reports"] / RUN_RECORD, json.dumps(result.record, indent=1, ensure_ascii=False) + "\n"
            )
            # Publish: every folder of the study is replaced only now.
            for key in ("processed", "figures", "reports"):
                _replace_dir(stage[key], dirs[key])
            if bundled:
                for nb_path in ran:
                    os.replace(nb_path, dirs["notebooks"] / nb_path.name)
            else:
                _replace_dir(stage["notebooks"], dirs["notebooks"])
            shutil.rmtree(root / "reports" / f"{cfg.name}-failed", ignore_errors=True)
            result.notebooks = [dirs["notebooks"] / p.name for p in ran]
            result.reports_dir = dirs["reports"]
            if html:
                result.index = write_root_index(root / "reports", title=_root_title(bundled, cfg))
        finally:
            config.INTERIM_DATA_DIR = saved_interim
            shutil.rmtree(staging, ignore_errors=True)
            with contextlib.suppress(OSError):
                (root / ".staging").rmdir()
    return result


def _root_title(bundled: bool, cfg: StudyConfig) -> str:
    return "疫情防控 in Chinese government texts: the studies' reports" if bundled else f"Reports: {cfg.title}"


def _publish_failure(
    cfg: StudyConfig, root: Path, ran: Sequence[Path], failure: ReportError, html: bool, *, staging: Path
) -> None:
    """Render what ran, and a page saying what failed, beside the good results."""
    from discourse.report import render_html, write_failure_page

    failed = root / "reports" / f"{cfg.name}-failed"
    tmp = failed.with_name(f".{failed.name}.new-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    rendered = []
    if html:
        for nb_path in ran:
            with contextlib.suppress(ReportError):
                render_html(nb_path, tmp, siblings=ran, out_root=staging)
                rendered.append(nb_path.stem)
    write_failure_page(tmp, title=f"{cfg.title}: the run failed", message=str(failure), rendered=rendered)
    _replace_dir(tmp, failed)
    _log(f"{cfg.name}: FAILED; the last good results are untouched; what ran is in {failed}")


def run_all(
    configs: Sequence[str | Path] | None = None,
    *,
    out: str | Path | None = None,
    manifest: str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    html: bool = True,
    timeout: float | None = None,
) -> list[StudyRun]:
    """Run several studies (default: every bundled configuration), one after the other."""
    files = list(configs) if configs else bundled_configs()
    return [run_study(f, out=out, manifest=manifest, columns=columns, html=html, timeout=timeout) for f in files]


__all__ = [
    "BUNDLED_PROSE_TAG",
    "StudyRun",
    "effective_config_text",
    "run_all",
    "run_lock",
    "run_study",
    "write_root_index",
]
