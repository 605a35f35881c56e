"""The corpus stages on a Dask cluster, over partitions written as Parquet.

:func:`dask_corpus_stages` is what :func:`discourse.study.prepare.prepare`
runs when the configuration says ``[scale] backend = "dask"``. It produces
the same :class:`~discourse.study.prepare.CorpusStages` as the single-process
path (:func:`~discourse.study.prepare.local_corpus_stages`): same rows, order,
dtypes and values, so the tables :func:`~discourse.study.prepare.write_tables`
writes are byte-identical. It calls the same pure functions, per partition of
``[scale] partition_size`` documents:

1. the client writes the documents (with their raw text) as input partitions;
2. *boilerplate counts* (profiles with the cross-document boilerplate
   detector, ``news_feed`` and ``markdown_archive``): each partition runs the
   rules that precede the detector and counts, per line, the documents it
   occurs in; the client adds the counts and keeps the lines the detector's
   rule keeps (:class:`discourse.cleaning.boilerplate.BoilerplateDetector`:
   at least ``max(min_docs, ceil(min_share × n))`` documents of the corpus);
3. *cleaning*: :func:`discourse.cleaning.clean_corpus` with the configured
   profile, the boilerplate step reading the corpus-wide lines of step 2
   instead of fitting on its partition; the quarantine's share is checked,
   and its rows ordered, over the whole corpus as ``clean_corpus`` does;
4. the client builds the documents table
   (:func:`~discourse.study.prepare.build_documents`: place, time bins,
   labels, the time sort) over the whole corpus;
5. *units*: the sorted documents in partitions again:
   :func:`discourse.ingest.units.split_paragraphs`, the passage selection and
   the tokenizer (one process per worker, no token cache: the partitions are
   the checkpoint).

Every partition is a folder of Parquet files written under a temporary name
and renamed into place when complete, under
``<discourse.config.INTERIM_DATA_DIR>/partitions/<prepare key>-s<size>/<stage>/part-00000``:
a rerun after a failure (a killed worker that exhausted the scheduler's
retries, a stopped client) submits only the partitions missing, and a
half-written partition (a ``.part-00000.tmp-…`` folder) is never read. The
files keep each column's exact pandas dtype in their metadata.

A worker that dies while it runs a task is replaced (the nanny restarts it)
and the scheduler runs the task again elsewhere; when one task has killed
``distributed.scheduler.allowed-failures`` workers the run stops with a
:class:`ScaleError` saying which partition, where the finished partitions
are and that a rerun continues from them.

The cluster is a local one sized to the machine by default
(``n_workers = [scale] n_workers or os.cpu_count()``, one thread each, in
processes), or the scheduler at ``[scale] scheduler``. Workers must run the
same versions of Python, this library and its dependencies (checked on
connecting), and see the project folder (the corpus, the codebook and
lexicon files, the interim folder) at the same paths: a shared filesystem.
"""

from __future__ import annotations

import base64
import functools
import inspect
import json
import math
import os
import pickle
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from discourse import __version__, config
from discourse.study.prepare import CorpusStages, _select, _stage, build_documents, build_tokenizer, prepare_key
from discourse.study.settings import ScaleSettings, StudyConfig

#: Name of the folder (under the interim folder) holding the partitions.
PARTITIONS_DIR = "partitions"
#: Parquet metadata key holding each column's pandas dtype.
_DTYPES_KEY = b"discourse.dtypes"
#: Parquet metadata key listing the columns of Python lists (token lists).
_LISTS_KEY = b"discourse.lists"
#: Parquet metadata key: the missing-value object of each object column (None, pd.NA or NaN).
_NA_KEY = b"discourse.na"
_NA_VALUES = {"None": None, "NA": pd.NA, "nan": float("nan")}
#: Stage names, in the order they run.
STAGES = ("docs", "boilerplate", "clean", "units-input", "units")


class ScaleError(RuntimeError):
    """The distributed run failed; the message says where and how to continue."""


# -- partitions on disk -------------------------------------------------------------------
def partition_bounds(n_rows: int, size: int) -> list[tuple[int, int]]:
    """``(start, end)`` row ranges of partitions of at most *size* rows.

    Examples
    --------
    >>> partition_bounds(5, 2)
    [(0, 2), (2, 4), (4, 5)]
    >>> partition_bounds(0, 200)
    []
    """
    if size < 1:
        raise ValueError(f"[scale] partition_size must be at least 1, got {size!r}")
    return [(a, min(a + size, n_rows)) for a in range(0, n_rows, size)]


def partition_name(i: int) -> str:
    """Folder name of partition *i*.

    Examples
    --------
    >>> partition_name(7)
    'part-00007'
    """
    return f"part-{i:05d}"


def run_folder(cfg: StudyConfig, docs: pd.DataFrame, root: str | os.PathLike[str] | None = None) -> Path:
    """The partitions folder of one run: keyed by the prepare key and the partition size."""
    base = Path(root) if root is not None else Path(config.INTERIM_DATA_DIR) / PARTITIONS_DIR
    return base / f"{prepare_key(cfg, docs)[:24]}-s{cfg.scale.partition_size}"


def _write_table(df: pd.DataFrame, path: Path) -> None:
    from discourse.segment.cache import _to_arrow_lists

    lists = [c for c in df.columns if df[c].dtype == object and len(df) and isinstance(df[c].iloc[0], list)]
    # Lists of strings (tokens) are stored dictionary-encoded, as in the token
    # cache: read back, they need no hashing, and each distinct token is one
    # string. Any other list column is left to pyarrow.
    encoded = {}
    for c in lists:
        values = df[c].tolist()
        if all(type(v) is list for v in values):
            try:
                encoded[c] = _to_arrow_lists(values)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                pass
    table = pa.Table.from_pandas(df.drop(columns=list(encoded)), preserve_index=False)
    for c, arr in encoded.items():
        table = table.append_column(str(c), arr)
    table = table.select([str(c) for c in df.columns])
    meta = dict(table.schema.metadata or {})
    meta[_DTYPES_KEY] = base64.b64encode(pickle.dumps(dict(df.dtypes.items()))).decode("ascii").encode()
    meta[_LISTS_KEY] = "\x1f".join(map(str, lists)).encode()
    meta[_NA_KEY] = json.dumps({str(c): _na_name(df[c]) for c in df.columns if df[c].dtype == object
                                and c not in lists and df[c].isna().any()}).encode()
    # LZ4 rather than the default Snappy: files of the same size, read back in
    # about 70 % of the time (measured on the corpus's cleaned texts).
    pq.write_table(table.replace_schema_metadata(meta), path, compression="lz4")


def _read_table(path: Path) -> pd.DataFrame:
    from discourse.segment.cache import _from_arrow_lists

    table = pq.read_table(path)
    meta = table.schema.metadata or {}
    dtypes: dict = pickle.loads(base64.b64decode(meta[_DTYPES_KEY])) if _DTYPES_KEY in meta else {}
    lists = [c for c in meta.get(_LISTS_KEY, b"").decode().split("\x1f") if c]
    plain = table.drop_columns(lists) if lists else table
    df = plain.to_pandas()
    for c in lists:
        df[c] = pd.Series(_from_arrow_lists(table.column(c)), index=df.index, dtype=object)
    df = df[[c for c in table.column_names]]
    for c, dtype in dtypes.items():
        if c in df.columns and df[c].dtype != dtype and c not in lists:
            df[c] = df[c].astype(dtype)
    for c, na in json.loads(meta.get(_NA_KEY, b"{}")).items():
        df[c] = df[c].where(df[c].notna(), _NA_VALUES[na])
    return df


def _na_name(col: pd.Series) -> str:
    """How an object column spells a missing value (its first one): None, pd.NA or NaN."""
    v = col[col.isna()].iloc[0]
    return "None" if v is None else "NA" if v is pd.NA else "nan"


def write_partition(folder: Path, name: str, tables: Mapping[str, pd.DataFrame]) -> Path:
    """Write one partition (a folder of Parquet files) atomically.

    The tables go into ``.<name>.tmp-<random>`` beside the target, which is
    renamed to *name* when every file is written; if another attempt of the
    same task got there first, its partition is kept and this one dropped.
    """
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    tmp = folder / f".{name}.tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    try:
        for table_name, df in tables.items():
            _write_table(df, tmp / f"{table_name}.parquet")
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.is_dir():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def read_partition(path: Path) -> dict[str, pd.DataFrame]:
    """The tables of one complete partition (``name -> DataFrame``)."""
    if not path.is_dir():
        raise ScaleError(
            f"partition {path} is missing: the workers write partitions there, so this process and the "
            "workers must see the interim folder at the same path (a shared filesystem)"
        )
    return {p.stem: _read_table(p) for p in sorted(path.glob("*.parquet"))}


def complete_partitions(folder: Path) -> list[str]:
    """Names of the complete partitions in *folder* (temporary folders are not listed).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = write_partition(d, "part-00000", {"t": pd.DataFrame({"a": [1]})})
    >>> (d / ".part-00001.tmp-x").mkdir()
    >>> complete_partitions(d)
    ['part-00000']
    """
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


# -- concatenation with the single-process dtypes ----------------------------------------------
def concat_parts(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate partition tables as if the table had been built at once.

    Empty partitions are left out (their columns may have other dtypes);
    a categorical column whose partitions have different categories gets
    the categories inferred from all values, as ``astype("category")`` on
    the whole column would.
    """
    if not parts:
        raise ValueError("no partitions to concatenate")
    full = [p for p in parts if len(p)] or [parts[0]]
    out = pd.concat(full, ignore_index=True) if len(full) > 1 else full[0].reset_index(drop=True)
    for c in out.columns:
        if isinstance(full[0][c].dtype, pd.CategoricalDtype) and not isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype("category")
    return out


# -- the cluster ---------------------------------------------------------------------------
@contextmanager
def dask_client(scale: ScaleSettings, client=None) -> Iterator[object]:
    """A ``distributed.Client``: *client*, the ``[scale] scheduler``, or a local cluster.

    The local cluster has ``[scale] n_workers`` workers (default: the
    machine's cores), one thread each, in processes; its HTTP server listens
    on a free port. Connecting to a scheduler waits at most
    ``distributed.comm.timeouts.connect``.
    """
    if client is not None:
        yield client
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask is an optional dependency
        raise ScaleError(
            '[scale] backend = "dask" needs dask and distributed: pip install "dask[dataframe]" distributed'
        ) from exc
    if scale.scheduler:
        try:
            import dask

            c = Client(scale.scheduler, timeout=dask.config.get("distributed.comm.timeouts.connect"))
        except (OSError, TimeoutError) as exc:
            raise ScaleError(f"[scale] scheduler = {scale.scheduler!r}: cannot connect ({exc})") from exc
        with c:
            yield c
        return
    n = scale.n_workers or os.cpu_count() or 1
    # dashboard_address=None would still start the scheduler's HTTP server on port 8787 (and warn when
    # another cluster has it): a free port instead, and no dashboard without bokeh.
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as c:
            yield c


def _library_version() -> str:
    import discourse

    return discourse.__version__


def check_workers(client) -> None:
    """Fail with a clear message unless every worker runs this library's version (and dask's)."""
    try:
        client.get_versions(check=True)
    except ValueError as exc:
        raise ScaleError(f"the Dask workers' packages differ from this process's: {exc}") from exc
    found = client.run(_library_version)
    wrong = {w: v for w, v in found.items() if v != __version__}
    if wrong:
        listed = ", ".join(f"{w} has {v}" for w, v in sorted(wrong.items()))
        raise ScaleError(f"the Dask workers must run discourse {__version__}: {listed}")
    if not found:
        raise ScaleError("the Dask cluster has no workers")


def _run_stage(
    client,
    stage: str,
    label: str,
    folder: Path,
    tasks: Sequence[tuple[str, Callable, tuple]],
    progress: bool,
    sizes: Mapping[str, int] | None = None,
) -> None:
    """Run the tasks whose partitions are missing; wait for all; explain a failure.

    Task keys are ``discourse-<stage>-<partition>-<token>``. With *sizes*
    (characters per partition) the larger partitions are given the higher
    priority, so that they start first and the stage does not end with one
    worker on a large partition while the others wait (longest first).
    """
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    done = set(complete_partitions(folder))
    todo = [(name, func, args) for name, func, args in tasks if name not in done]
    with _stage(f"{label}: {len(todo)} of {len(tasks)} partitions to run", progress):
        if not todo:
            return
        token = uuid.uuid4().hex[:8]
        futures = {
            client.submit(
                func, *args, key=f"discourse-{stage}-{name}-{token}", pure=False, priority=(sizes or {}).get(name, 0)
            ): name
            for name, func, args in todo
        }
        try:
            for fut in as_completed(futures):
                fut.result()
        except KilledWorker as exc:
            for f in futures:
                f.cancel()
            complete = set(complete_partitions(folder))
            missing = [n for n, _, _ in tasks if n not in complete]
            name = next((n for f, n in futures.items() if f.key == getattr(exc, "task", None)), None)
            name = name or next((n for f, n in futures.items() if f.status == "error"), "?")
            allowed = getattr(exc, "allowed_failures", None)
            if allowed is None:
                import dask

                allowed = dask.config.get("distributed.scheduler.allowed-failures")
            listed = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            raise ScaleError(
                f"{label}: the task of partition {name} was on Dask workers that died {allowed + 1} times "
                f"(distributed.scheduler.allowed-failures = {allowed}); a worker running out of memory is the "
                f"usual cause: lower [scale] partition_size or give the workers more memory. "
                f"{len(tasks) - len(missing)} of {len(tasks)} partitions of this stage are written under {folder} "
                f"(not written: {listed or 'none'}); running the study again continues from them."
            ) from exc
        except BaseException:
            for f in futures:
                f.cancel()
            raise


def _partition_sizes(texts: pd.Series, names: Sequence[str], bounds: Sequence[tuple[int, int]]) -> dict[str, int]:
    """Characters of each partition's texts (rows ``[a, b)`` of *texts*).

    Examples
    --------
    >>> _partition_sizes(pd.Series(["ab", "c", None, "def"]), ["p0", "p1"], [(0, 2), (2, 4)])
    {'p0': 3, 'p1': 3}
    """
    lengths = texts.str.len().fillna(0).to_numpy(dtype="int64")
    return {n: int(lengths[a:b].sum()) for n, (a, b) in zip(names, bounds)}


# -- the tasks (run on the workers) --------------------------------------------------------------
def _boilerplate_index(profile: str) -> int | None:
    from discourse.cleaning import boilerplate
    from discourse.cleaning.profiles import profile_rules

    for i, r in enumerate(profile_rules(profile)):
        if getattr(r.func, "func", r.func) is boilerplate.boilerplate_lines:
            return i
    return None


def _clean_defaults() -> dict[str, object]:
    from discourse.cleaning import clean_corpus

    params = inspect.signature(clean_corpus).parameters
    return {k: params[k].default for k in ("boilerplate_min_share", "boilerplate_min_docs", "boilerplate_min_chars")}


def _task_boilerplate_counts(src: Path, out: Path, name: str, profile: str) -> str:
    """Partition task: document counts of the lines the boilerplate detector would see."""
    from discourse.cleaning import clean_corpus
    from discourse.cleaning.profiles import profile_rules

    docs = read_partition(src)["docs"]
    k = _boilerplate_index(profile)
    res = clean_corpus(docs, rules=profile_rules(profile)[:k], max_quarantine_share=1.0)
    min_chars = int(_clean_defaults()["boilerplate_min_chars"])  # type: ignore[call-overload]
    counts: Counter = Counter()
    for text in res.documents["clean_text"].astype(str):
        counts.update({s for s in (line.strip() for line in text.split("\n")) if len(s) >= min_chars})
    # documents reaching the detector: those left and those that became empty (which count, with no lines)
    n_docs = len(res.documents) + int((res.quarantine["rule"] == "empty_text").sum())
    table = pd.DataFrame({"line": pd.array(list(counts), dtype="string"),
                          "n": pd.array(list(counts.values()), dtype="int64")})
    write_partition(out, name, {"counts": table, "n_docs": pd.DataFrame({"n_docs": [n_docs]})})
    return name


def _corpus_boilerplate(lines: Mapping[str, int], text: str, ctx=None):
    """The boilerplate rule with the lines counted over the whole corpus."""
    from discourse.cleaning import boilerplate
    from discourse.cleaning.rules import Context

    ctx = ctx if ctx is not None else Context()
    ctx.state[boilerplate.STATE_KEY] = dict(lines)
    return boilerplate.boilerplate_lines(text, ctx)


def _task_clean(src: Path, out: Path, name: str, profile: str, lines: Mapping[str, int] | None) -> str:
    """Partition task: clean_corpus with the profile (boilerplate lines from the whole corpus)."""
    from discourse.cleaning import clean_corpus
    from discourse.cleaning.profiles import profile_rules

    docs = read_partition(src)["docs"]
    k = _boilerplate_index(profile)
    if k is None:
        res = clean_corpus(docs, profile=profile, max_quarantine_share=1.0)
        documents, audit = res.documents, res.audit
    else:
        rules = profile_rules(profile)
        bp = rules[k]
        rules[k] = type(bp)(bp.name, functools.partial(_corpus_boilerplate, dict(lines or {})), bp.description,
                            bp.action)
        res = clean_corpus(docs, rules=rules, max_quarantine_share=1.0)
        # a rules= pipeline is recorded as "custom": it is the profile, with the corpus's lines
        documents, audit = res.documents.copy(), res.audit.copy()
        audit["profile"] = pd.array([profile] * len(audit), dtype=audit["profile"].dtype)
        documents["profile"] = pd.Series([profile] * len(documents), index=documents.index).astype("category")
    write_partition(out, name, {"documents": documents, "audit": audit, "metadata": res.metadata,
                                "quarantine": res.quarantine})
    return name


#: Tokenizers of this worker process by cache key: the derived state (dictionary) is built once per process.
_TOKENIZERS: dict[str, object] = {}


def _worker_tokenizer(tokenizer):
    key = tokenizer.cache_key() if hasattr(tokenizer, "cache_key") else None
    if key is None:
        return tokenizer
    return _TOKENIZERS.setdefault(key, tokenizer)


def _task_units(src: Path, out: Path, name: str, cfg: StudyConfig, tokenizer) -> str:
    """Partition task: paragraphs, passage selection and tokens of sorted documents."""
    from discourse.ingest.units import split_paragraphs
    from discourse.segment import tokenize_units

    tokenizer = _worker_tokenizer(tokenizer)
    docs = read_partition(src)["docs"]
    paragraphs = split_paragraphs(docs[["doc_id", "clean_text"]])
    n_all = paragraphs.groupby("doc_id", observed=True)["text"].agg(lambda s: int(s.str.len().sum()))
    paragraphs = _select(paragraphs, cfg)
    paragraphs = tokenize_units(paragraphs, tokenizer, n_jobs=1, cache=False)
    write_partition(out, name, {"paragraphs": paragraphs, "n_all": n_all.rename("text").reset_index()})
    return name


# -- the corpus-wide steps (in the client) ----------------------------------------------------------
def _order_quarantine(quarantine: pd.DataFrame, docs: pd.DataFrame, profile: str) -> pd.DataFrame:
    """Quarantine rows in clean_corpus's order: before the detector, after it, then empty texts; doc order within."""
    from discourse.cleaning.pipeline import INPUT_RULES
    from discourse.cleaning.profiles import profile_rules

    names = [r.name for r in INPUT_RULES] + [r.name for r in profile_rules(profile)]
    k = _boilerplate_index(profile)
    split = len(INPUT_RULES) + (k if k is not None else len(names))
    pos = {n: i for i, n in enumerate(names)}
    rule = quarantine["rule"].astype("object")
    group = [2 if r == "empty_text" else 0 if r == "input" or pos.get(r, 0) < split else 1 for r in rule]
    where = {d: i for i, d in enumerate(docs["doc_id"].astype(str))}
    order = sorted(range(len(quarantine)), key=lambda i: (group[i], where.get(str(quarantine["doc_id"].iloc[i]), -1)))
    return quarantine.iloc[order].reset_index(drop=True)


def _check_quarantine_share(quarantine: pd.DataFrame, n_docs: int, share: float) -> None:
    """The share check of clean_corpus, over the whole corpus (same error and message)."""
    from discourse.cleaning.pipeline import CleaningError

    n_q = len(quarantine)
    if n_q and n_q > share * n_docs:
        rows = list(zip(quarantine["doc_id"], quarantine["rule"], quarantine["error_type"]))
        listed = "; ".join(f"{d} ({rule}: {et})" for d, rule, et in rows[:20])
        raise CleaningError(
            f"{n_q} of {n_docs} documents quarantined ({n_q / n_docs:.1%} > max_quarantine_share "
            f"{share:.1%}): {listed}" + (" …" if n_q > 20 else "")
        )


def _corpus_lines(folder: Path, names: Sequence[str]) -> dict[str, int]:
    """Add the partitions' line counts; keep the lines the detector keeps (one source)."""
    d = _clean_defaults()
    counts: Counter = Counter()
    n_docs = 0
    for name in names:
        part = read_partition(folder / name)
        n_docs += int(part["n_docs"]["n_docs"].iloc[0])
        counts.update(dict(zip(part["counts"]["line"].astype(str), part["counts"]["n"].astype(int))))
    need = max(int(d["boilerplate_min_docs"]), math.ceil(float(d["boilerplate_min_share"]) * n_docs))  # type: ignore[arg-type]
    return {line: n for line, n in counts.items() if n >= need}


# -- the stages -----------------------------------------------------------------------------------
def dask_corpus_stages(
    cfg: StudyConfig,
    docs: pd.DataFrame,
    *,
    progress: bool = False,
    client=None,
    root: str | os.PathLike[str] | None = None,
    keep_partitions: bool = False,
) -> CorpusStages:
    """The corpus stages (clean → units → selection → tokens) on a Dask cluster.

    Parameters
    ----------
    cfg : StudyConfig
        The study; ``[scale]`` says where to run (see :func:`dask_client`)
        and how many documents make a partition.
    docs : pandas.DataFrame
        The loaded corpus (:func:`discourse.study.prepare.load_documents`).
    progress : bool
        A line per stage with its time on stderr.
    client : distributed.Client, optional
        Run on this client instead of the one ``[scale]`` describes.
    root : path-like, optional
        Where the partitions go (default
        ``discourse.config.INTERIM_DATA_DIR / "partitions"``).
    keep_partitions : bool
        Keep the partitions after a successful run (they are removed by
        default: the prepared tables are cached by
        :func:`~discourse.study.prepare.prepare`; after a failure they are
        always kept, so that a rerun continues from them).

    Returns
    -------
    CorpusStages
        Equal to :func:`discourse.study.prepare.local_corpus_stages` on the
        same input.

    Raises
    ------
    ScaleError
        The cluster cannot be reached, its workers run other versions, or a
        partition killed too many workers.
    discourse.cleaning.CleaningError
        Too many documents were quarantined (as in the single-process path).
    """
    if docs["doc_id"].duplicated().any():
        dup = docs["doc_id"][docs["doc_id"].duplicated()].tolist()
        raise ValueError(f"documents table: doc_id not unique: {dup[:5]}")
    profile = cfg.corpus.profile
    folder = run_folder(cfg, docs, root)
    bounds = partition_bounds(len(docs), cfg.scale.partition_size)
    names = [partition_name(i) for i in range(len(bounds))]
    tokenizer = build_tokenizer(cfg, docs)

    with _stage(f"input partitions ({len(bounds)} of ≤ {cfg.scale.partition_size} documents)", progress):
        have = set(complete_partitions(folder / "docs"))
        for name, (a, b) in zip(names, bounds):
            if name not in have:
                write_partition(folder / "docs", name, {"docs": docs.iloc[a:b].reset_index(drop=True)})

    with dask_client(cfg.scale, client) as c:
        check_workers(c)
        lines = None
        if _boilerplate_index(profile) is not None:
            _run_stage(c, "boilerplate", "boilerplate counts", folder / "boilerplate", [
                (n, _task_boilerplate_counts, (folder / "docs" / n, folder / "boilerplate", n, profile)) for n in names
            ], progress)
            lines = _corpus_lines(folder / "boilerplate", names)
        _run_stage(c, "clean", f"cleaning (profile {profile})", folder / "clean", [
            (n, _task_clean, (folder / "docs" / n, folder / "clean", n, profile, lines)) for n in names
        ], progress, _partition_sizes(docs["text"], names, bounds))

        with _stage("documents table (whole corpus)", progress):
            parts = [read_partition(folder / "clean" / n) for n in names]
            quarantine = _order_quarantine(concat_parts([p["quarantine"] for p in parts]), docs, profile)
            _check_quarantine_share(quarantine, len(docs), cfg.corpus.max_quarantine_share)
            cleaned = concat_parts([p["documents"] for p in parts])
            audit = concat_parts([p["audit"] for p in parts])
            metadata = concat_parts([p["metadata"] for p in parts])
            del parts
            documents, notes = build_documents(docs, cleaned, cfg)
            del cleaned
            ubounds = partition_bounds(len(documents), cfg.scale.partition_size)
            unames = [partition_name(i) for i in range(len(ubounds))]
            have = set(complete_partitions(folder / "units-input"))
            for name, (a, b) in zip(unames, ubounds):
                if name not in have:
                    chunk = documents.iloc[a:b][["doc_id", "clean_text"]].reset_index(drop=True)
                    write_partition(folder / "units-input", name, {"docs": chunk})

        _run_stage(c, "units", "paragraphs and tokens", folder / "units", [
            (n, _task_units, (folder / "units-input" / n, folder / "units", n, cfg, tokenizer)) for n in unames
        ], progress, _partition_sizes(documents["clean_text"], unames, ubounds))

    with _stage("gathering the units", progress):
        parts = [read_partition(folder / "units" / n) for n in unames]
        paragraphs = concat_parts([p["paragraphs"] for p in parts])
        n_all_df = concat_parts([p["n_all"] for p in parts])
        n_all = n_all_df.set_index("doc_id")["text"].sort_index(kind="mergesort")
        del parts
    if not keep_partitions:
        shutil.rmtree(folder, ignore_errors=True)
    return CorpusStages(documents, notes, audit, metadata, quarantine, paragraphs, n_all, tokenizer)


__all__ = [
    "PARTITIONS_DIR",
    "STAGES",
    "ScaleError",
    "check_workers",
    "complete_partitions",
    "concat_parts",
    "dask_client",
    "dask_corpus_stages",
    "partition_bounds",
    "partition_name",
    "read_partition",
    "run_folder",
    "write_partition",
]
