"""Adoption of terms by units over time: first use and cumulative adoption curves.

A unit (a place) *adopts* a term when a text of it first uses the term. What
we observe is a sequence of texts per unit, so:

* a unit seen using the term has an adoption time (its first text using it);
* a unit seen after the term's release but never using it is a non-adopter
  *so far*: right-censored at its last observed text;
* a unit never seen after the release tells nothing about adoption and is
  left out (not counted as a non-adopter).

:func:`first_use` builds that table per (term, unit); :func:`adoption_curve`
turns it into Kaplan–Meier estimates of the cumulative share adopted,
``1 - S(t)``, over time since release (statsmodels
:class:`~statsmodels.duration.survfunc.SurvfuncRight`), with pointwise
log–log intervals from Greenwood's variance (the default of R's
``survival::survfit``).

Uses before the release date (a term can circulate before the meeting that
canonises it) are kept as adoption at time 0 and flagged
(``used_before_release``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sst
from statsmodels.duration.survfunc import SurvfuncRight

__all__ = ["first_use", "adoption_curve"]

_STATUSES = ["adopted", "censored", "not_observed"]


def _term_counts(docs, terms, text_col, count_cols) -> dict[str, np.ndarray]:
    if count_cols is not None:
        missing = [c for c in count_cols.values() if c not in docs.columns]
        if missing:
            raise ValueError(f"docs has no count column(s) {missing}")
        return {t: pd.to_numeric(docs[c], errors="raise").fillna(0).to_numpy() for t, c in count_cols.items()}
    if text_col not in docs.columns:
        raise ValueError(f"docs has no text column {text_col!r} (or pass count_cols=)")
    texts = docs[text_col]
    bad = texts.map(lambda t: not isinstance(t, str))
    if bad.any():
        raise ValueError(f"docs.{text_col} is not text in row {docs.index[bad.to_numpy()][0]!r}")
    return {t: texts.map(lambda s, t=t: s.count(t)).to_numpy() for t in terms}


def first_use(
    docs: pd.DataFrame,
    *,
    unit: str,
    time: str,
    terms: Sequence[str] | None = None,
    text_col: str = "text",
    count_cols: Mapping[str, str] | None = None,
    release: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """First and last observation and first use of each term per unit.

    Parameters
    ----------
    docs : DataFrame
        One row per text, with the ``unit`` and ``time`` columns and either a
        text column (terms are counted as substrings) or count columns.
    unit, time : str
        Column names. ``time`` may be datetimes or numbers (e.g. years).
    terms : sequence of str
        Terms to look for in ``text_col`` (exact substring counts). Resolve
        senses or variants first (e.g. with :mod:`discourse.analysis.senses`)
        and pass ``count_cols`` when a term needs more than a substring.
    count_cols : mapping term -> column, optional
        Use these count columns instead of searching the text.
    release : mapping term -> time, optional
        Release date of each term (same type as ``time``). Without it,
        nothing is censored and status is ``adopted`` or ``censored``
        (= never used while observed).

    Returns
    -------
    DataFrame, one row per (term, unit), sorted by term then unit, with
    ``term``, ``unit`` (the unit's values), ``release``, ``first_obs``,
    ``last_obs``, ``n_docs``, ``n_docs_after_release``, ``first_use``,
    ``n_uses`` (total count), ``observed_after_release``,
    ``used_before_release`` and ``status`` (``adopted`` /
    ``censored`` — observed after release, never used, censored at
    ``last_obs`` / ``not_observed`` — never observed after the release).

    Examples
    --------
    >>> docs = pd.DataFrame({"place": ["A", "A", "B", "C"], "year": [2021, 2022, 2022, 2020],
    ...                      "text": ["动态清零", "动态清零", "经济", "动态"]})
    >>> t = first_use(docs, unit="place", time="year", terms=["动态清零"], release={"动态清零": 2021})
    >>> t[["unit", "first_use", "last_obs", "status"]]
      unit  first_use  last_obs        status
    0    A     2021.0      2022       adopted
    1    B        NaN      2022      censored
    2    C        NaN      2020  not_observed
    """
    if count_cols is None and not terms:
        raise ValueError("give terms= (searched in the text) or count_cols=")
    for c in (unit, time):
        if c not in docs.columns:
            raise ValueError(f"docs has no column {c!r}")
    if docs[time].isna().any():
        raise ValueError(f"docs.{time} is missing in row {docs.index[docs[time].isna().to_numpy()][0]!r}")
    counts = _term_counts(docs, terms, text_col, count_cols)
    release = dict(release or {})
    base = pd.DataFrame({"unit": docs[unit].to_numpy(), "time": docs[time].to_numpy()})
    rows = []
    for term, cnt in counts.items():
        rel = release.get(term)
        if rel is not None and pd.api.types.is_datetime64_any_dtype(base["time"]):
            rel = pd.Timestamp(rel)
        d = base.assign(n=cnt)
        after = d["time"] >= rel if rel is not None else pd.Series(True, index=d.index)
        d = d.assign(after=after.to_numpy(), used_time=d["time"].where(d["n"] > 0))
        g = d.groupby("unit", sort=True, observed=True)
        tab = pd.DataFrame(
            {
                "first_obs": g["time"].min(),
                "last_obs": g["time"].max(),
                "n_docs": g.size(),
                "n_docs_after_release": g["after"].sum().astype(np.int64),
                "first_use": g["used_time"].min(),
                "n_uses": g["n"].sum(),
            }
        ).reset_index()
        tab.insert(0, "term", term)
        tab.insert(2, "release", rel)
        tab["observed_after_release"] = tab["n_docs_after_release"] > 0
        adopted = tab["first_use"].notna()
        tab["used_before_release"] = (
            adopted & (tab["first_use"] < rel) if rel is not None else False
        )
        tab["status"] = np.where(
            adopted, "adopted", np.where(tab["observed_after_release"], "censored", "not_observed")
        )
        rows.append(tab)
    out = pd.concat(rows, ignore_index=True)
    out["status"] = pd.Categorical(out["status"], categories=_STATUSES)
    out["term"] = out["term"].astype("string")
    return out


def _durations(tab: pd.DataFrame, time_unit: str) -> np.ndarray:
    end = tab["first_use"].where(tab["status"] == "adopted", tab["last_obs"])
    delta = end - tab["release"]
    if pd.api.types.is_timedelta64_dtype(delta):
        return (delta / pd.Timedelta(1, unit=time_unit)).to_numpy(dtype=float)
    return pd.to_numeric(delta).to_numpy(dtype=float)


def _km(durations: np.ndarray, events: np.ndarray, level: float) -> pd.DataFrame:
    cols = ["time", "n_at_risk", "n_adopting", "adopted", "se", "lower", "upper"]
    if events.sum() == 0:  # nobody adopted: the curve stays at 0
        return pd.DataFrame([[0.0, len(durations), 0, 0.0, 0.0, 0.0, 0.0]], columns=cols)
    sf = SurvfuncRight(durations, events)
    S, se = sf.surv_prob, sf.surv_prob_se
    z = sst.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        # log(-log S) interval (Kalbfleisch & Prentice); S in (0, 1) only
        se_ll = se / (S * np.abs(np.log(S)))
        lo_s = S ** np.exp(z * se_ll)
        hi_s = S ** np.exp(-z * se_ll)
    edge = (S >= 1) | (S <= 0) | ~np.isfinite(se_ll)
    lo_s = np.where(edge, S, lo_s)
    hi_s = np.where(edge, S, hi_s)
    return pd.DataFrame(
        {
            "time": sf.surv_times,
            "n_at_risk": np.asarray(sf.n_risk, dtype=np.int64),
            "n_adopting": np.asarray(sf.n_events, dtype=np.int64),
            "adopted": 1 - S,
            "se": se,
            "lower": 1 - hi_s,
            "upper": 1 - lo_s,
        }
    )


def adoption_curve(
    first_use_table: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    time_unit: str = "D",
    level: float = 0.95,
) -> pd.DataFrame:
    """Kaplan–Meier cumulative share of units adopting each term since its release.

    Units with status ``not_observed`` are excluded. Adopters have an event
    at ``first_use - release`` (0 when used before the release); observed
    non-adopters are right-censored at ``last_obs - release``. A group
    where nobody adopted gets one row at time 0 with ``adopted = 0``.

    Parameters
    ----------
    first_use_table : DataFrame
        Output of :func:`first_use` (with a release for every term), plus any
        ``by`` columns (e.g. merge the units' level first).
    by : str or list of str, optional
        Groups with a curve each (within each term).
    time_unit : str, default "D"
        Unit of time since release for datetime times (a
        :class:`pandas.Timedelta` unit); numeric times are differenced as is.
    level : float, default 0.95
        Level of the pointwise log–log confidence band.

    Returns
    -------
    DataFrame, one row per (term, group, event time): ``term``, the ``by``
    columns, ``time`` (since release), ``n_at_risk``, ``n_adopting``,
    ``adopted`` (= 1 - S(t)), ``se`` (Greenwood), ``lower``, ``upper``, and
    per group ``n_units`` (observed after release), ``n_adopted``,
    ``n_censored``.

    Examples
    --------
    >>> tab = pd.DataFrame({"term": "t", "unit": list("abcde"), "release": 0,
    ...                     "first_use": [2, 3, np.nan, 5, np.nan], "last_obs": [9, 9, 3, 9, 8],
    ...                     "status": ["adopted", "adopted", "censored", "adopted", "censored"]})
    >>> adoption_curve(tab)[["time", "n_at_risk", "adopted"]].round(2)
       time  n_at_risk  adopted
    0   2.0          5      0.2
    1   3.0          4      0.4
    2   5.0          2      0.7
    """
    by_ = [] if by is None else ([by] if isinstance(by, str) else list(by))
    need = ["term", "release", "first_use", "last_obs", "status", *by_]
    missing = [c for c in need if c not in first_use_table.columns]
    if missing:
        raise ValueError(f"first_use_table has no column(s) {missing}")
    tab = first_use_table[first_use_table["status"].astype(str) != "not_observed"]
    if tab["release"].isna().any():
        t = tab.loc[tab["release"].isna(), "term"].iloc[0]
        raise ValueError(f"term {t!r} has no release date: adoption curves need one per term")
    out = []
    for keys, g in tab.groupby(["term", *by_], sort=True, observed=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        dur = np.clip(_durations(g, time_unit), 0, None)
        ev = (g["status"].astype(str) == "adopted").to_numpy().astype(int)
        km = _km(dur, ev, level)
        head = pd.DataFrame({name: [v] * len(km) for name, v in zip(["term", *by_], keys)})
        km = pd.concat([head, km.reset_index(drop=True)], axis=1)
        km["n_units"] = len(g)
        km["n_adopted"] = int(ev.sum())
        km["n_censored"] = int(len(g) - ev.sum())
        out.append(km)
    if not out:
        return pd.DataFrame(columns=["term", *by_, "time", "n_at_risk", "n_adopting", "adopted",
                                     "se", "lower", "upper", "n_units", "n_adopted", "n_censored"])
    return pd.concat(out, ignore_index=True)
