"""Atomic writing of derived files.

A derived file is first written to a temporary file in the destination
folder and then moved into place with :func:`os.replace`, which is atomic on
POSIX and Windows: a reader never sees a half-written file, and a crash
leaves the previous version intact.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pandas as pd


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temporary file that replaces *path* when the block succeeds.

    Parameters
    ----------
    path : path-like
        Destination file. Its parent folder is created when missing.
    mode : {"w", "wb"}
        Text or binary mode. Text mode defaults to UTF-8 and ``\\n`` newlines.
    **kwargs
        Passed to :func:`open`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_open(d / "a.txt") as fh:
    ...     _ = fh.write("疫情防控")
    >>> (d / "a.txt").read_text(encoding="utf-8")
    '疫情防控'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open supports modes 'w' and 'wb', not {mode!r}")
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if mode == "w":
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "\n")
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write *text* (UTF-8) to *path* atomically and return the path."""
    with atomic_open(path, "w") as fh:
        fh.write(text)
    return Path(path)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write *data* to *path* atomically and return the path."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def atomic_write_csv(df: pd.DataFrame, path: str | os.PathLike[str], **kwargs) -> Path:
    """Write *df* as UTF-8 CSV (no index, ``\\n`` line ends) atomically.

    The CSV is readable by ``pandas.read_csv`` and R's ``readr::read_csv``.
    """
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\n")
    with atomic_open(path, "w") as fh:
        df.to_csv(fh, **kwargs)
    return Path(path)


def atomic_write_parquet(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write *df* as Parquet (pyarrow) atomically."""
    with atomic_open(path, "wb") as fh:
        df.to_parquet(fh, index=False, engine="pyarrow")
    return Path(path)


__all__ = [
    "atomic_open",
    "atomic_write_text",
    "atomic_write_bytes",
    "atomic_write_csv",
    "atomic_write_parquet",
]
