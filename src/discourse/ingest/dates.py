"""Parsing dates of varying precision, as they appear in manifests and texts.

A manifest may give ``2022-12-11`` (day), ``2022-12`` (month), ``2022`` (year)
or the Chinese forms ``2022年12月11日``, ``2022年12月``, ``2022年``. A date of
month or year precision is represented by the first day of its period, and its
precision is kept beside it, so that a time axis can draw it honestly.
"""

from __future__ import annotations

import re

import pandas as pd

PRECISIONS: tuple[str, ...] = ("day", "month", "year")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"), "day"),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]$"), "day"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})年(\d{1,2})月(?:份)?$"), "month"),
    (re.compile(r"^(\d{4})年?$"), "year"),
)


class DateParseError(ValueError):
    """A date string could not be parsed."""


def parse_date(value: object) -> tuple[pd.Timestamp | None, str | None]:
    """Parse one date of day, month or year precision.

    Parameters
    ----------
    value : str or None
        The date as written. Empty strings and None mean "unknown".

    Returns
    -------
    (Timestamp or None, precision or None)
        The first day of the period and ``"day"``, ``"month"`` or ``"year"``.

    Raises
    ------
    DateParseError
        When the value is not empty and matches no known form, or names an
        impossible date (2022-02-30).

    Examples
    --------
    >>> parse_date("2022年12月11日")
    (Timestamp('2022-12-11 00:00:00'), 'day')
    >>> parse_date("2021-10")
    (Timestamp('2021-10-01 00:00:00'), 'month')
    >>> parse_date("")
    (None, None)
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None, None
    s = str(value).strip()
    if not s:
        return None, None
    for pattern, precision in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        parts = [int(g) for g in m.groups()]
        year, month, day = (parts + [1, 1])[:3]
        try:
            return pd.Timestamp(year=year, month=month, day=day), precision
        except ValueError as exc:
            raise DateParseError(f"{s!r} is not a valid date ({exc})") from exc
    raise DateParseError(
        f"cannot parse {s!r} as a date; use YYYY-MM-DD, YYYY-MM, YYYY or 2022年12月11日"
    )


def coarser(precision_a: str | None, precision_b: str | None) -> str | None:
    """Return the coarser of two precisions (``None`` counts as unknown).

    Examples
    --------
    >>> coarser("day", "month")
    'month'
    """
    if precision_a is None or precision_b is None:
        return None
    return max(precision_a, precision_b, key=PRECISIONS.index)


__all__ = ["PRECISIONS", "DateParseError", "parse_date", "coarser"]
