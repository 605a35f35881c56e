"""National COVID-19 policy periods and milestones, defined in one place.

The study compares texts across the policy arc of 2020-2023. The periods are
the phases named in national documents; each boundary is a milestone of
``data/milestones.csv`` (see ``data/milestones_README.md`` for the sources),
and a test checks that the constants here agree with that file.

======== ===================================== ============ ============ =====================
period   English                               from         to (incl.)   boundary milestone
======== ===================================== ============ ============ =====================
应急     emergency response                    2020-01-20   2020-05-06   class-b-as-a
常态化   normalised prevention                 2020-05-07   2021-07-31   normalised-guidance
动态清零 dynamic zero-COVID                    2021-08-01   2022-11-10   dynamic-zero (month)
优化     optimisation / reopening              2022-11-11   2023-01-07   twenty-measures
乙类乙管 class-B management                    2023-01-08   open         class-b
======== ===================================== ============ ============ =====================

The 动态清零 boundary rests on a month-precise milestone (the term has no
single founding document); its first day is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from discourse import config
from discourse.ingest.dates import PRECISIONS, DateParseError, parse_date


@dataclass(frozen=True)
class Period:
    """One national policy period (``end`` is inclusive; None = open)."""

    name: str
    name_en: str
    start: pd.Timestamp
    end: pd.Timestamp | None
    milestone_id: str


#: The periods in time order. The one definition of the period boundaries.
PERIODS: tuple[Period, ...] = (
    Period("应急", "emergency response", pd.Timestamp("2020-01-20"), pd.Timestamp("2020-05-06"), "class-b-as-a"),
    Period("常态化", "normalised prevention", pd.Timestamp("2020-05-07"), pd.Timestamp("2021-07-31"), "normalised-guidance"),
    Period("动态清零", "dynamic zero-COVID", pd.Timestamp("2021-08-01"), pd.Timestamp("2022-11-10"), "dynamic-zero"),
    Period("优化", "optimisation / reopening", pd.Timestamp("2022-11-11"), pd.Timestamp("2023-01-07"), "twenty-measures"),
    Period("乙类乙管", "class-B management", pd.Timestamp("2023-01-08"), None, "class-b"),
)

#: Period names in time order (Chinese), and their English glosses.
PERIOD_ORDER: tuple[str, ...] = tuple(p.name for p in PERIODS)
PERIOD_GLOSSES: dict[str, str] = {p.name: p.name_en for p in PERIODS}

#: Columns of ``data/milestones.csv``.
MILESTONE_COLUMNS: tuple[str, ...] = (
    "milestone_id", "date", "date_precision", "scope", "event_zh", "event_en",
    "short_zh", "short_en", "phase_from", "phase_to", "issuer_zh", "issuer_en",
    "document", "source_url", "source_note", "note",
)


def milestones_path() -> Path:
    """Path of the bundled milestones file (``data/milestones.csv``)."""
    return config.DATA_DIR / "milestones.csv"


def _period_at(ts: pd.Timestamp) -> str | None:
    for p in PERIODS:
        if ts >= p.start and (p.end is None or ts <= p.end):
            return p.name
    return None


def _period_end(ts: pd.Timestamp, precision: str) -> pd.Timestamp:
    if precision == "day":
        return ts
    if precision == "month":
        return ts + pd.offsets.MonthEnd(0)
    if precision == "year":
        return ts + pd.offsets.YearEnd(0)
    raise ValueError(f"precision must be one of {PRECISIONS} or None, not {precision!r}")


def policy_period(date: object, precision: str | None = "day") -> str | None:
    """Name of the national policy period a date falls in.

    Parameters
    ----------
    date : str, datetime-like or None
        The date (``"2022-04-21"``, ``"2021-10"``, a Timestamp, ...). A string
        of month or year precision sets the precision itself.
    precision : {"day", "month", "year"} or None
        How precise a Timestamp is (a month-precise date is stored as the
        first day of its month). When the whole month or year does not lie in
        one period, the period is unknown and None is returned.

    Returns
    -------
    str or None
        ``"应急"``, ``"常态化"``, ``"动态清零"``, ``"优化"`` or ``"乙类乙管"``;
        None for a missing date, a date before 2020-01-20 or an ambiguous one.

    Examples
    --------
    >>> policy_period("2020-09-21"), policy_period("2022-11-11")
    ('常态化', '优化')
    >>> policy_period("2021-10"), policy_period("2022-11")  # the second straddles 11-11
    ('动态清零', None)
    """
    if date is None or (not isinstance(date, str) and pd.isna(date)):
        return None
    if isinstance(date, str):
        ts, parsed_precision = parse_date(date)
        if ts is None:
            return None
        precision = parsed_precision
    else:
        ts = pd.Timestamp(date)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    ts = ts.normalize()
    first = _period_at(ts)
    last = _period_at(_period_end(ts, precision or "day"))
    return first if first == last else None


def assign_periods(
    dates: Iterable[object], precisions: Iterable[str | None] | None = None
) -> pd.Series:
    """Vectorised :func:`policy_period`: an ordered categorical Series.

    Examples
    --------
    >>> s = assign_periods(pd.to_datetime(["2020-09-21", "2022-12-11"]))
    >>> s.tolist(), s.cat.ordered
    (['常态化', '优化'], True)
    """
    dates = list(dates)
    if precisions is None:
        precisions = ["day"] * len(dates)
    else:
        precisions = [None if p is None or pd.isna(p) else str(p) for p in precisions]
        if len(precisions) != len(dates):
            raise ValueError(f"{len(dates)} dates but {len(precisions)} precisions")
    values = [policy_period(d, p or "day") for d, p in zip(dates, precisions)]
    return pd.Series(pd.Categorical(values, categories=list(PERIOD_ORDER), ordered=True))


def load_milestones(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the policy milestones file.

    Parameters
    ----------
    path : path-like, optional
        Defaults to ``data/milestones.csv``.

    Returns
    -------
    DataFrame
        The columns of :data:`MILESTONE_COLUMNS`, ``date`` as datetime64 (first
        day of the month for month precision), empty cells as NA, in date order.

    Raises
    ------
    ValueError
        Naming the file, row (1-based, header not counted) and field of the
        first problem: a missing column, an unparseable date, a precision that
        disagrees with the date, rows out of date order, a duplicate id, or a
        row with neither ``source_url`` nor ``source_note``.

    Examples
    --------
    >>> m = load_milestones()
    >>> m.loc[m.milestone_id == "twenty-measures", "document"].item()
    '联防联控机制综发〔2022〕101号'
    """
    path = Path(path) if path is not None else milestones_path()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in MILESTONE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    dates, previous = [], None
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        try:
            ts, precision = parse_date(row.date)
        except DateParseError as exc:
            raise ValueError(f"{path}: row {i}, field 'date': {exc}") from exc
        if ts is None:
            raise ValueError(f"{path}: row {i}, field 'date': empty")
        if row.date_precision != precision:
            raise ValueError(
                f"{path}: row {i}, field 'date_precision': {row.date_precision!r} "
                f"but the date {row.date!r} has precision {precision!r}"
            )
        if previous is not None and ts < previous:
            raise ValueError(f"{path}: row {i}, field 'date': {row.date} is before the previous row")
        if not (row.source_url.strip() or row.source_note.strip()):
            raise ValueError(f"{path}: row {i}, fields 'source_url'/'source_note': no source given")
        previous = ts
        dates.append(ts)
    dup = frame["milestone_id"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().argmax()) + 1
        raise ValueError(f"{path}: row {i}, field 'milestone_id': duplicate {frame.milestone_id.iloc[i - 1]!r}")
    out = frame[list(MILESTONE_COLUMNS)].replace("", pd.NA)
    out["date"] = pd.to_datetime(pd.Series(dates, dtype="datetime64[ns]"))
    for col in ("date_precision", "scope"):
        out[col] = out[col].astype("category")
    return out.reset_index(drop=True)


__all__ = [
    "Period",
    "PERIODS",
    "PERIOD_ORDER",
    "PERIOD_GLOSSES",
    "MILESTONE_COLUMNS",
    "milestones_path",
    "policy_period",
    "assign_periods",
    "load_milestones",
]
