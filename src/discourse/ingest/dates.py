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


#: Earliest plausible date of a document by default: the founding of the PRC.
DEFAULT_EARLIEST = pd.Timestamp("1949-10-01")


def default_date_range() -> tuple[pd.Timestamp, pd.Timestamp]:
    """The default plausible range: 1949-10-01 to one year after today.

    Examples
    --------
    >>> lo, hi = default_date_range()
    >>> str(lo.date()), hi > pd.Timestamp.today()
    ('1949-10-01', True)
    """
    return DEFAULT_EARLIEST, pd.Timestamp.today().normalize() + pd.DateOffset(years=1)


def resolve_date_range(
    date_range: tuple[object, object] | None,
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Turn a ``date_range`` argument into two bounds (None = unbounded).

    Parameters
    ----------
    date_range : (start, end) or None
        None gives :func:`default_date_range`; each bound may be a date string
        (any form :func:`parse_date` reads), a Timestamp, or None for no bound.

    Examples
    --------
    >>> resolve_date_range(("2019", None))
    (Timestamp('2019-01-01 00:00:00'), None)
    """
    if date_range is None:
        return default_date_range()
    try:
        lo, hi = date_range
    except (TypeError, ValueError) as exc:
        raise ValueError(f"date_range must be a pair (start, end), not {date_range!r}") from exc
    bounds = []
    for bound in (lo, hi):
        if bound is None:
            bounds.append(None)
        elif isinstance(bound, pd.Timestamp):
            bounds.append(bound)
        else:
            stamp, _ = parse_date(bound) if isinstance(bound, str) else (pd.Timestamp(bound), "day")
            bounds.append(stamp)
    return bounds[0], bounds[1]


def period_end(stamp: pd.Timestamp, precision: str | None) -> pd.Timestamp:
    """Last day of the period a date of *precision* stands for.

    Examples
    --------
    >>> period_end(pd.Timestamp("2022-02-01"), "month")
    Timestamp('2022-02-28 00:00:00')
    """
    if precision == "year":
        return pd.Timestamp(year=stamp.year, month=12, day=31)
    if precision == "month":
        return stamp + pd.offsets.MonthEnd(0)
    return stamp


def _iso(bound: pd.Timestamp | None) -> str:
    return "…" if bound is None else f"{bound.year:04d}-{bound.month:02d}-{bound.day:02d}"


def check_date_range(
    stamp: pd.Timestamp,
    precision: str | None,
    bounds: tuple[pd.Timestamp | None, pd.Timestamp | None],
) -> str | None:
    """Return why *stamp* lies outside *bounds*, or None when it is inside.

    A date of month or year precision is inside when its period overlaps the
    range (``1949`` is inside a range that starts on 1949-10-01).

    Examples
    --------
    >>> bounds = (pd.Timestamp("1949-10-01"), pd.Timestamp("2030-01-01"))
    >>> check_date_range(pd.Timestamp("1949-01-01"), "year", bounds) is None
    True
    >>> check_date_range(pd.Timestamp("2099-01-01"), "year", bounds)
    'date 2099 is outside the plausible range 1949-10-01 .. 2030-01-01'
    """
    lo, hi = bounds
    end = period_end(stamp, precision)
    if (lo is not None and end < lo) or (hi is not None and stamp > hi):
        shown = {"year": f"{stamp.year:04d}", "month": f"{stamp.year:04d}-{stamp.month:02d}"}.get(
            precision or "day", f"{stamp.year:04d}-{stamp.month:02d}-{stamp.day:02d}"
        )
        return f"date {shown} is outside the plausible range {_iso(lo)} .. {_iso(hi)}"
    return None


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


__all__ = [
    "DEFAULT_EARLIEST",
    "PRECISIONS",
    "DateParseError",
    "check_date_range",
    "coarser",
    "default_date_range",
    "parse_date",
    "period_end",
    "resolve_date_range",
]
