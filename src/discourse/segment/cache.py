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
import contextlib
import gc
import hashlib
import os
from collections.abc import Iterator, Sequence
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
_WORKER_KEYS: Sequence[str] | None = None
#: Suffix of cache shards (Arrow IPC files).
SHARD_SUFFIX = ".arrow"


def _init_worker(
    tokenizer, single_threaded: bool = False, texts: Sequence[str] = (), keys: Sequence[str] | None = None
) -> None:
    global _WORKER_TOKENIZER, _WORKER_TEXTS, _WORKER_KEYS
    _WORKER_TOKENIZER = tokenizer
    _WORKER_TEXTS, _WORKER_KEYS = texts, keys
    if single_threaded:  # one worker per core already: no Arrow thread pools on top
        pa.set_cpu_count(1)
        pa.set_io_thread_count(1)


def _shard_path(folder: Path, keys: Sequence[str]) -> Path:
    name = hashlib.blake2b("".join(keys).encode(), digest_size=12).hexdigest()
    return Path(folder) / f"{name}{SHARD_SUFFIX}"


def _write_table(path: Path, keys: Sequence[str], tokens: pa.Array) -> None:
    table = pa.table({"key": pa.array(list(keys), pa.string()), "tokens": tokens})
    with atomic_open(path, "wb") as fh:
        pf.write_feather(table, fh, compression="uncompressed")


def _write_shard(folder: Path, keys: Sequence[str], token_lists: Sequence[list[str]]) -> Path:
    """Write one cache shard (atomically) for *keys* and their token lists."""
    path = _shard_path(folder, keys)
    _write_table(path, keys, _to_arrow_lists(token_lists))
    return path


def _ids_to_arrow_lists(ids: np.ndarray, offsets: np.ndarray, vocab: Sequence[str]) -> pa.Array:
    """Token ids (see :meth:`Tokenizer.encode`) -> ``large_list<dictionary<int32, string>>``.

    The shard's dictionary holds only the tokens it uses, in id order, so
    the strings are encoded once per shard and never hashed.
    """
    counts = np.bincount(ids, minlength=len(vocab)) if len(ids) else np.zeros(len(vocab), dtype=np.int64)
    used = np.flatnonzero(counts)
    remap = np.zeros(len(vocab), dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    dictionary = pa.array([vocab[i] for i in used.tolist()], pa.string())
    values = pa.DictionaryArray.from_arrays(pa.array(remap[ids]), dictionary)
    return pa.LargeListArray.from_arrays(pa.array(offsets), values)


def _as_list(texts) -> list[str]:
    """A slice of texts as a list of str (a pandas string array is converted here)."""
    return texts if isinstance(texts, list) else list(texts.tolist())


def _work(texts: Sequence[str], keys: Sequence[str] | None = None, folder: Path | None = None) -> list[str] | str:
    """Segment *texts*; return the joined tokens, or write them as a shard.

    With *folder* the result goes to the cache only (the caller reads it
    back through the dictionary, which shares token strings) and the
    shard's path is returned, so nothing large travels between processes;
    the texts' keys are computed here when *keys* is None. A tokenizer with
    an ``encode`` method (:class:`Tokenizer`) hands over integer ids, so no
    token string is built in the worker.
    """
    tok = _WORKER_TOKENIZER
    texts = _as_list(texts)
    if folder is not None and keys is None:
        keys = [text_key(t) for t in texts]
    if folder is not None and hasattr(tok, "encode"):
        ids, offsets, vocab = tok.encode(texts)
        path = _shard_path(folder, keys)
        _write_table(path, keys, _ids_to_arrow_lists(ids, offsets, vocab))
        return str(path)
    lists = [tok(t) for t in texts]
    if folder is None:
        return [_SEP.join(t) for t in lists]
    return str(_write_shard(folder, keys, lists))


def _work_range(bounds: tuple[int, int], folder: Path | None) -> list[str] | str:
    """:func:`_work` on the worker's texts ``[a, b)``."""
    a, b = bounds
    keys = _WORKER_KEYS[a:b] if folder is not None and _WORKER_KEYS is not None else None
    return _work(_WORKER_TEXTS[a:b], keys, folder)


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _chunk_bounds(lengths: Sequence[int], n: int) -> list[tuple[int, int]]:
    """``(start, end)`` of contiguous chunks with roughly equal character counts.

    Examples
    --------
    >>> _chunk_bounds([5, 5, 5, 5], 2)
    [(0, 2), (2, 4)]
    """
    total = sum(lengths)
    target = max(total // n, 1)
    out, start, acc = [], 0, 0
    for i, length in enumerate(lengths):
        acc += length
        if acc >= target:
            out.append((start, i + 1))
            start, acc = i + 1, 0
    if start < len(lengths):
        out.append((start, len(lengths)))
    return out


def _chunks_in_order(
    texts: Sequence[str],
    tokenizer,
    n_jobs: int | None,
    *,
    keys: Sequence[str] | None = None,
    folder: Path | None = None,
    lengths: Sequence[int] | None = None,
):
    """Yield each chunk's result, in input order, as soon as it is ready.

    Without *folder* a result is the chunk's joined token strings; with it,
    the path of the cache shard the worker wrote (the worker computes the
    texts' keys when *keys* is None). Yielding chunk by chunk lets the
    caller read a shard while the workers segment the next ones. *texts*
    may be a list or a pandas string array (each worker then converts its
    own chunk); *lengths* are the texts' lengths when already known.
    """
    lengths = [len(t) for t in texts] if lengths is None else lengths
    n = _n_processes(lengths, n_jobs)
    if n <= 1:
        _init_worker(tokenizer)
        try:
            yield _work(texts, keys, folder)
        finally:
            _init_worker(None)
        return
    if hasattr(tokenizer, "_get_state"):
        tokenizer._get_state()  # built once here; forked workers inherit it
    bounds = _chunk_bounds(lengths, n * 8)
    init = (tokenizer, True, texts, None if keys is None else list(keys))
    with cf.ProcessPoolExecutor(max_workers=n, initializer=_init_worker, initargs=init) as ex:
        yield from ex.map(_work_range, bounds, [folder] * len(bounds))


def _n_processes(lengths: Sequence[int], n_jobs: int | None) -> int:
    """Worker processes for texts of these lengths (1: work in the calling process)."""
    n = available_cores() if n_jobs is None or n_jobs < 1 else n_jobs
    n = min(n, len(lengths))
    return 1 if sum(lengths) < PARALLEL_MIN_CHARS else n


def _encoded_lists(tokenizer, texts: Sequence[str]) -> list[list[str]]:
    """Token lists of *texts* through :meth:`Tokenizer.encode` (each token string shared)."""
    ids, offsets, vocab = tokenizer.encode(texts)
    strings = np.array(list(vocab) + [""], dtype=object)[:-1]
    bounds = offsets.tolist()
    with gc_paused():
        flat = strings[ids].tolist()
        return [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _segment_lists(texts: list[str], tokenizer, n_jobs: int | None) -> list[list[str]]:
    """Token lists of *texts*, in order (no cache).

    In this process a tokenizer with ``encode`` numbers the words in
    batches (no memo lookup per word, and no joining and splitting); worker
    processes hand back joined token strings.
    """
    lengths = [len(t) for t in texts]
    if _n_processes(lengths, n_jobs) <= 1 and hasattr(tokenizer, "encode"):
        return _encoded_lists(tokenizer, texts)
    joined = [s for part in _chunks_in_order(texts, tokenizer, n_jobs, lengths=lengths) for s in part]
    with gc_paused():
        return [s.split(_SEP) if s else [] for s in joined]


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
    return _segment_lists(list(texts), tokenizer, n_jobs)


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

    Each distinct token string is created once and shared by all lists; a
    null list gives an empty one. The collector is paused meanwhile
    (:func:`gc_paused`), which made this three times faster for the
    242,000 paragraphs of the gov-work-reports corpus.
    """
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks else pa.array([], col.type)
    if len(col) == 0:
        return []
    vals = pc.list_flatten(col)
    if not isinstance(vals, pa.DictionaryArray):
        vals = pc.dictionary_encode(vals)
    vocab = np.array(vals.dictionary.to_pylist() + [""], dtype=object)[:-1]
    idx = vals.indices.to_numpy(zero_copy_only=False)
    bounds = col.offsets.to_numpy(zero_copy_only=False)
    bounds = (bounds - bounds[0]).tolist()
    with gc_paused():
        flat = vocab[idx].tolist()
        return [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block that builds many lists.

    Lists of strings make no reference cycles, but each new list counts
    towards a collection, and a full collection walks every element of every
    list made so far: building the token lists of 242,000 paragraphs took
    three times as long with the collector running.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_shard(shard: Path, wanted: set[str], found: dict[str, list[str]]) -> None:
    """Add the token lists of the *wanted* keys in one shard to *found*."""
    table = pf.read_table(shard, memory_map=True)
    keys = table.column("key").to_pylist()
    if wanted.isdisjoint(keys):
        return
    for k, toks in zip(keys, _from_arrow_lists(table.column("tokens"))):
        if k in wanted:
            found[k] = toks


def _read_cache(folder: Path, wanted: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if not folder.is_dir():
        return found
    for shard in sorted(folder.glob(f"*{SHARD_SUFFIX}")):
        _read_shard(shard, wanted, found)
    return found


def _has_shards(folder: Path) -> bool:
    return folder.is_dir() and next(folder.glob(f"*{SHARD_SUFFIX}"), None) is not None


def _checked_texts(col: pd.Series, text_col: str) -> list[str]:
    """The column as a list of str; missing values become empty texts, anything else is an error."""
    texts: list[str] = []
    for i, (idx, t) in enumerate(col.items()):
        if t is None or (not isinstance(t, str) and pd.isna(t)):
            t = ""
        if not isinstance(t, str):
            raise TypeError(f"tokenize_units: row {i} (index {idx!r}) of column {text_col!r} is {type(t).__name__}, not str")
        texts.append(t)
    return texts


def _text_source(col: pd.Series, text_col: str):
    """Texts for the workers, and their lengths, converting as little as possible here.

    A pandas string column is handed over as its array (missing values
    filled with ""), and each worker converts its own chunk to Python
    strings; any other column is checked and converted here.
    """
    if isinstance(col.dtype, pd.StringDtype):
        if col.hasnans:
            col = col.fillna("")
        return col.array, col.str.len().to_numpy(dtype=np.int64).tolist()
    texts = _checked_texts(col, text_col)
    return texts, [len(t) for t in texts]


def _cached_lists(texts: list[str], tokenizer, n_jobs: int | None, folder: Path) -> list[list[str]]:
    """Token lists of *texts*: read from the cache, the missing ones segmented and added."""
    keys = [text_key(t) for t in texts]
    found = _read_cache(folder, set(keys))
    todo: dict[str, str] = {}
    for k, t in zip(keys, texts):
        if k not in found and k not in todo:
            todo[k] = t
    if todo:
        folder.mkdir(parents=True, exist_ok=True)
        wanted = set(todo)
        for shard in _chunks_in_order(list(todo.values()), tokenizer, n_jobs, keys=list(todo), folder=folder):
            _read_shard(Path(shard), wanted, found)  # while the workers go on
        lost = [k for k in todo if k not in found]
        if lost:
            raise RuntimeError(f"{len(lost)} segmented texts are missing from the cache folder {folder}")
    seen: set[str] = set()
    lists = []
    for k in keys:  # rows with the same text get their own list objects
        lists.append(found[k] if k not in seen else list(found[k]))
        seen.add(k)
    return lists


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
    col = df[text_col]
    folder = None if cache is False else cache_dir(tokenizer, None if cache is True else cache)
    if len(col) == 0:
        lists = []
    elif folder is not None and not _has_shards(folder):
        # Nothing cached for this tokenizer: no keys are needed before
        # segmenting. The workers convert and hash their own chunks, and
        # each shard holds the tokens of its chunk in row order.
        source, lengths = _text_source(col, text_col)
        folder.mkdir(parents=True, exist_ok=True)
        lists = []
        for shard in _chunks_in_order(source, tokenizer, n_jobs, folder=folder, lengths=lengths):
            lists.extend(_from_arrow_lists(pf.read_table(shard, memory_map=True).column("tokens")))
        if len(lists) != len(col):
            raise RuntimeError(f"the cache folder {folder} holds {len(lists)} token lists for {len(col)} texts")
    else:
        texts = _checked_texts(col, text_col)
        if folder is None:
            lists = _segment_lists(texts, tokenizer, n_jobs)
        else:
            lists = _cached_lists(texts, tokenizer, n_jobs, folder)

    out = df.copy()
    out["tokens"] = pd.Series(lists, index=df.index, dtype=object)
    return out


__all__ = ["tokenize_units", "segment_texts", "cache_dir", "text_key", "available_cores", "PARALLEL_MIN_CHARS"]
