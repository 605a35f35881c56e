"""Token lists on disk, in numbered Parquet parts read back one at a time.

A :class:`TokenStore` holds a units table with a ``tokens`` column (and any
other columns) as ``part-00000.parquet``, ``part-00001.parquet`` … in one
folder. It is the source of the streaming topic pipeline
(:mod:`discourse.analysis.streaming`) when a corpus's tokens do not fit in
memory: each part is written once, atomically (a temporary file renamed into
place, so a reader never sees a partial part), and read back alone.

The tokens are stored as ``list<dictionary<string>>`` (each distinct token
once per part) and read back through the dictionary, so a token string is
created once per part, not once per occurrence.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from discourse.io import atomic_open
from discourse.segment.cache import _from_arrow_lists, _to_arrow_lists

_PART = re.compile(r"^part-(\d{5,})\.parquet$")


class TokenStore:
    """A folder of numbered Parquet parts of a units table with a ``tokens`` column.

    Parameters
    ----------
    folder : path-like
        Created on the first :meth:`write`.
    tokens_col : str, default "tokens"

    Examples
    --------
    >>> import tempfile
    >>> store = TokenStore(tempfile.mkdtemp())
    >>> store.write(0, pd.DataFrame({"doc_id": ["a"], "tokens": [["核酸", "检测"]]})).name
    'part-00000.parquet'
    >>> _ = store.write(1, pd.DataFrame({"doc_id": ["b", "c"], "tokens": [["疫苗"], []]}))
    >>> [len(p) for p in store.read()], store.n_units()
    ([1, 2], 3)
    >>> next(store.read(columns=["tokens"]))["tokens"].tolist()
    [['核酸', '检测']]
    """

    def __init__(self, folder: str | os.PathLike[str], *, tokens_col: str = "tokens") -> None:
        self.folder = Path(folder)
        self.tokens_col = tokens_col

    def part_path(self, i: int) -> Path:
        """Path of part *i*."""
        if i < 0:
            raise ValueError(f"part numbers start at 0, got {i}")
        return self.folder / f"part-{i:05d}.parquet"

    def write(self, i: int, units: pd.DataFrame) -> Path:
        """Write *units* as part *i* (replacing an older part *i*), atomically."""
        col = self.tokens_col
        if col not in units.columns:
            raise KeyError(f"TokenStore.write: part {i} has no {col!r} column (columns: {list(units.columns)})")
        lists = units[col].tolist()
        for j, t in enumerate(lists):
            if not isinstance(t, list):
                raise TypeError(f"TokenStore.write: part {i}, row {j}: {col!r} holds {type(t).__name__}, not a list")
        rest = units.drop(columns=[col]).reset_index(drop=True)
        table = pa.Table.from_pandas(rest, preserve_index=False)
        table = table.append_column(col, _to_arrow_lists(lists))
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.part_path(i)
        with atomic_open(path, "wb") as fh:
            pq.write_table(table, fh)
        return path

    def parts(self) -> list[Path]:
        """The complete parts, in number order (temporary files are never listed)."""
        if not self.folder.is_dir():
            return []
        found = [(int(m.group(1)), p) for p in self.folder.iterdir() if (m := _PART.match(p.name))]
        return [p for _i, p in sorted(found)]

    def read(self, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        """Yield the parts one at a time, as DataFrames (tokens as lists of str)."""
        col = self.tokens_col
        for path in self.parts():
            try:
                table = pq.read_table(path, columns=list(columns) if columns is not None else None)
            except (OSError, pa.ArrowException) as exc:
                raise OSError(f"token store part {path} cannot be read: {exc}") from exc
            names = table.column_names
            plain = table.drop_columns([col]) if col in names else table
            df = plain.to_pandas()
            if col in names:
                df[col] = pd.Series(_from_arrow_lists(table.column(col)), index=df.index, dtype=object)
                df = df[names]
            yield df

    def n_units(self) -> int:
        """Rows over all parts (from the Parquet footers)."""
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self.parts())


__all__ = ["TokenStore"]
