"""Parallel, cached segmentation of a units table.

:func:`tokenize_units` adds a ``tokens`` column to a documents, paragraphs or
sentences table. Texts are segmented in worker processes on the available
cores (deterministic output order) and the token lists are cached on disk:

``<cache root>/tokens/<tokenizer.cache_key()[:24]>/<shard>.arrow``

Each shard is an Arrow IPC file (Feather v2, uncompressed) with the columns
``key`` (the first 128 bits of the SHA-256 of the UTF-8 text, as hex) and
``tokens`` (``large_list<dictionary<string>>``: each distinct token string
is stored once per shard, and read back through the dictionary so that a
warm read creates each distinct token string once). Arrow IPC rather than
Parquet because a token cache is written once and read whole: the file is
memory-mapped on reading, with no decoding or decompression, which made
writing and reading a shard about ten times faster than Parquet's. Each
worker process writes the shards of the texts it segmented, through
:func:`discourse.io.atomic_open`, so readers never see a partial file; a
later call reads the shards of the same tokenizer key and segments only the
texts it has not seen. Changing any tokenizer parameter, the lexicon or the
stopword files changes the key, hence the folder.

Texts reach the worker processes once, as initializer arguments (inherited
without pickling where processes are forked), and each task names a range
of them; the tokenizer's derived state is built in the parent first, so
forked workers inherit it instead of loading the dictionary again.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
from collections.abc import Sequence
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as pf

from discourse.io import atomic_open
from discourse.segment.tokenizer import Tokenizer

_SEP = "\x1f"
#: Below this many characters to segment, work stays in the calling process.
PARALLEL_MIN_CHARS = 200_000

_WORKER_TOKENIZER = None
_WORKER_TEXTS: Sequence[str] = ()
_WORKER_KEYS: Sequence[str] = ()
#: Suffix of cache shards (Arrow IPC files).
SHARD_SUFFIX = ".arrow"


def _init_worker(tokenizer, single_threaded: bool = False, texts: Sequence[str] = (), keys: Sequence[str] = ()) -> None:
    global _WORKER_TOKENIZER, _WORKER_TEXTS, _WORKER_KEYS
    _WORKER_TOKENIZER = tokenizer
    _WORKER_TEXTS, _WORKER_KEYS = texts, keys
    if single_threaded:  # one worker per core already: no Arrow thread pools on top
        pa.set_cpu_count(1)
        pa.set_io_thread_count(1)


def _write_shard(folder: Path, keys: Sequence[str], token_lists: Sequence[list[str]]) -> None:
    """Write one cache shard (atomically) for *keys* and their token lists."""
    table = pa.table({"key": pa.array(list(keys), pa.string()), "tokens": _to_arrow_lists(token_lists)})
    name = hashlib.blake2b("".join(keys).encode(), digest_size=12).hexdigest()
    with atomic_open(Path(folder) / f"{name}{SHARD_SUFFIX}", "wb") as fh:
        pf.write_feather(table, fh, compression="uncompressed")


def _work(texts: Sequence[str], keys: Sequence[str] | None = None, folder: Path | None = None) -> list[str]:
    """Segment *texts*; return the joined tokens, or write them as a shard.

    With *folder* the result goes to the cache only (the caller reads it
    back through the dictionary, which shares token strings) and an empty
    list is returned, so nothing large travels between processes.
    """
    tok = _WORKER_TOKENIZER
    lists = [tok(t) for t in texts]
    if folder is None:
        return [_SEP.join(t) for t in lists]
    _write_shard(folder, keys, lists)
    return []


def _work_range(bounds: tuple[int, int], folder: Path | None) -> list[str]:
    """:func:`_work` on the worker's texts ``[a, b)``."""
    a, b = bounds
    return _work(_WORKER_TEXTS[a:b], _WORKER_KEYS[a:b] if folder is not None else None, folder)


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _chunk_bounds(texts: Sequence[str], n: int) -> list[tuple[int, int]]:
    """``(start, end)`` of contiguous chunks with roughly equal character counts."""
    total = sum(len(t) for t in texts)
    target = max(total // n, 1)
    out, start, acc = [], 0, 0
    for i, t in enumerate(texts):
        acc += len(t)
        if acc >= target:
            out.append((start, i + 1))
            start, acc = i + 1, 0
    if start < len(texts):
        out.append((start, len(texts)))
    return out


def _segment_joined(
    texts: Sequence[str],
    tokenizer,
    n_jobs: int | None,
    *,
    keys: Sequence[str] | None = None,
    folder: Path | None = None,
) -> list[str]:
    """Joined token strings of *texts*, in order; with *folder*, cache shards.

    With *folder*, each chunk is written as its own cache shard by the
    process that segmented it (so the writing runs in parallel too) and the
    returned list is empty: read the tokens back from the cache.
    """
    n = available_cores() if n_jobs is None or n_jobs < 1 else n_jobs
    n = min(n, len(texts))
    keys = list(keys) if keys is not None else [""] * len(texts)
    if n <= 1 or sum(len(t) for t in texts) < PARALLEL_MIN_CHARS:
        _init_worker(tokenizer)
        try:
            return _work(texts, keys, folder)
        finally:
            _init_worker(None)
    if hasattr(tokenizer, "_get_state"):
        tokenizer._get_state()  # built once here; forked workers inherit it
    bounds = _chunk_bounds(texts, n * 8)
    init = (tokenizer, True, texts, keys)
    with cf.ProcessPoolExecutor(max_workers=n, initializer=_init_worker, initargs=init) as ex:
        parts = list(ex.map(_work_range, bounds, [folder] * len(bounds)))
    return [s for part in parts for s in part]


def segment_texts(texts: Sequence[str], tokenizer=None, *, n_jobs: int | None = None) -> list[list[str]]:
    """Segment *texts* in parallel (no cache); output in input order.

    Parameters
    ----------
    texts : sequence of str
    tokenizer : callable, optional
        A picklable ``str -> list[str]``; :class:`Tokenizer()` by default.
    n_jobs : int, optional
        Worker processes; all available cores by default. Small inputs
        (fewer than :data:`PARALLEL_MIN_CHARS` characters) run in-process.

    Examples
    --------
    >>> segment_texts(["坚持动态清零", "严格落实四方责任"], n_jobs=1)
    [['坚持', '动态清零'], ['严格', '落实', '四方责任']]
    """
    tokenizer = Tokenizer() if tokenizer is None else tokenizer
    return [s.split(_SEP) if s else [] for s in _segment_joined(list(texts), tokenizer, n_jobs)]


def text_key(text: str) -> str:
    """Cache key of one text (the first 128 bits of the SHA-256 of its UTF-8 bytes, hex).

    SHA-256 rather than BLAKE2b: OpenSSL's SHA-256 uses the processor's SHA
    instructions and hashed the corpus about 1.5 times faster here.

    Examples
    --------
    >>> text_key("疫情") == __import__("hashlib").sha256("疫情".encode()).hexdigest()[:32]
    True
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def cache_dir(tokenizer, root: str | os.PathLike[str] | None = None) -> Path:
    """Folder holding the cached tokens of *tokenizer*."""
    from discourse import config

    base = Path(root) if root is not None else Path(config.INTERIM_DATA_DIR)
    if not hasattr(tokenizer, "cache_key"):
        raise TypeError("caching needs a tokenizer with a cache_key() method (discourse.segment.Tokenizer)")
    return base / "tokens" / tokenizer.cache_key()[:24]


def _to_arrow_lists(token_lists: Sequence[list[str]]) -> pa.Array:
    """Token lists -> ``large_list<dictionary<int32, string>>``."""
    flat = list(chain.from_iterable(token_lists))
    offsets = np.zeros(len(token_lists) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in token_lists], out=offsets[1:])
    values = pc.dictionary_encode(pa.array(flat, pa.string()))
    return pa.LargeListArray.from_arrays(pa.array(offsets), values)


def _from_arrow_lists(col) -> list[list[str]]:
    """``list<string>`` (possibly dictionary-encoded values) -> Python lists.

    Each distinct token string is created once and shared by all lists.
    """
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks else pa.array([], col.type)
    if len(col) == 0:
        return []
    vals = pc.list_flatten(col)
    if not isinstance(vals, pa.DictionaryArray):
        vals = pc.dictionary_encode(vals)
    vocab = np.array(vals.dictionary.to_pylist() + [""], dtype=object)[:-1]
    flat = vocab[vals.indices.to_numpy(zero_copy_only=False)].tolist()
    lens = pc.fill_null(pc.list_value_length(col), 0).to_numpy(zero_copy_only=False)
    bounds = np.concatenate([[0], np.cumsum(lens)]).tolist()
    return [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _read_cache(folder: Path, wanted: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if not folder.is_dir():
        return found
    for shard in sorted(folder.glob(f"*{SHARD_SUFFIX}")):
        table = pf.read_table(shard, memory_map=True)
        keys = table.column("key").to_pylist()
        if wanted.isdisjoint(keys):
            continue
        for k, toks in zip(keys, _from_arrow_lists(table.column("tokens"))):
            if k in wanted:
                found[k] = toks
    return found


def tokenize_units(
    df: pd.DataFrame,
    tokenizer=None,
    *,
    text_col: str = "text",
    n_jobs: int | None = None,
    cache: bool | str | os.PathLike[str] = True,
) -> pd.DataFrame:
    """Return a copy of *df* with a ``tokens`` column (list of str per row).

    Parameters
    ----------
    df : pandas.DataFrame
        A units table (documents, paragraphs or sentences).
    tokenizer : Tokenizer, optional
        :class:`Tokenizer()` by default.
    text_col : str, default "text"
        Column holding the text; missing values count as empty text.
    n_jobs : int, optional
        Worker processes for the texts not in the cache; all available
        cores by default.
    cache : bool or path-like, default True
        ``True``: cache under ``discourse.config.INTERIM_DATA_DIR``; a path:
        cache under that folder instead; ``False``: no cache.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"text": ["坚持动态清零", "落实四方责任"]})
    >>> tokenize_units(units, cache=False)["tokens"].tolist()
    [['坚持', '动态清零'], ['落实', '四方责任']]
    """
    if text_col not in df.columns:
        raise KeyError(f"tokenize_units: column {text_col!r} not in the table (columns: {list(df.columns)})")
    tokenizer = Tokenizer() if tokenizer is None else tokenizer
    texts: list[str] = []
    for i, (idx, t) in enumerate(df[text_col].items()):
        if t is None or (not isinstance(t, str) and pd.isna(t)):
            t = ""
        if not isinstance(t, str):
            raise TypeError(f"tokenize_units: row {i} (index {idx!r}) of column {text_col!r} is {type(t).__name__}, not str")
        texts.append(t)

    if cache is False:
        joined = _segment_joined(texts, tokenizer, n_jobs)
        lists = [j.split(_SEP) if j else [] for j in joined]
    else:
        folder = cache_dir(tokenizer, None if cache is True else cache)
        keys = [text_key(t) for t in texts]
        found = _read_cache(folder, set(keys))
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts):
            if k not in found and k not in todo:
                todo[k] = t
        if todo:
            folder.mkdir(parents=True, exist_ok=True)
            _segment_joined(list(todo.values()), tokenizer, n_jobs, keys=list(todo), folder=folder)
            found.update(_read_cache(folder, set(todo)))
            lost = [k for k in todo if k not in found]
            if lost:
                raise RuntimeError(f"{len(lost)} segmented texts are missing from the cache folder {folder}")
        seen: set[str] = set()
        lists = []
        for k in keys:  # rows with the same text get their own list objects
            lists.append(found[k] if k not in seen else list(found[k]))
            seen.add(k)

    out = df.copy()
    out["tokens"] = pd.Series(lists, index=df.index, dtype=object)
    return out


__all__ = ["tokenize_units", "segment_texts", "cache_dir", "text_key", "available_cores", "PARALLEL_MIN_CHARS"]
