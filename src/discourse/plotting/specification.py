"""The specification curve: one estimate per specification, sorted, above the choices that made it.

Simonsohn, Simmons & Nelson (2020, "Specification curve analysis",
*Nature Human Behaviour* 4, 1208–1214), Fig. 2: the upper panel shows the
estimate of every specification in rank order with its interval; the lower
panel has one row per level of each analytic choice and marks, under each
estimate, the levels that specification used. The baseline specification is
marked in both panels, so a reader sees where the reported analysis sits in
the distribution of defensible ones.

The function is domain-free: the choices are column names of a tidy table
(one row per specification), their levels are read from the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from discourse.plotting.style import _ensure_style

_HOLDS = "#0072B2"
_FAILS = "#999999"
_BASE = "#D55E00"


def _level_text(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    return str(value)


def specification_order(table: pd.DataFrame, *, value_col: str = "value", id_col: str | None = None) -> np.ndarray:
    """The row order of a specification curve: by value, ties (and missing values, last) by *id_col* or position.

    Examples
    --------
    >>> specification_order(pd.DataFrame({"value": [2.0, None, 1.0, 2.0]})).tolist()
    [2, 0, 3, 1]
    """
    v = pd.to_numeric(table[value_col], errors="coerce").to_numpy(dtype=float)
    tie = table[id_col].astype(str).to_numpy() if id_col else np.arange(len(table))
    # lexsort: last key first; missing values sort after every number
    return np.lexsort((tie, np.nan_to_num(v, nan=np.inf), np.isnan(v)))


def plot_specification_curve(
    table: pd.DataFrame,
    *,
    choices: Sequence[str],
    value_col: str = "value",
    low_col: str | None = "low",
    high_col: str | None = "high",
    holds_col: str | None = "holds",
    baseline_col: str | None = "is_baseline",
    id_col: str | None = None,
    choice_labels: Mapping[str, str] | None = None,
    reference: float | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    holds_labels: tuple[str, str] = ("holds", "does not hold"),
) -> Figure:
    """A specification curve: sorted estimates with intervals above an indicator matrix of the choices.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per specification, with *value_col* (the estimate), the
        optional interval columns *low_col* / *high_col*, *holds_col*
        (bool: the finding holds in that specification; drawn in colour,
        otherwise grey), *baseline_col* (bool: the baseline, marked by a
        vertical band and a diamond) and one column per choice.
    choices : sequence of str
        The choice columns, drawn as indicator rows from top to bottom;
        each level present in the data gets one row (``column = level``).
        A choice with a single level in *table* (nothing varies) is left out.
    id_col : str, optional
        Breaks ties in the sort (default: the row order).
    choice_labels : mapping, optional
        Display names of the choice columns (a missing or None name: the column name).
    reference : float, optional
        The value of "no effect", drawn as a horizontal line.
    ylabel, title : str, optional
        Axis label of the estimates (default *value_col*) and figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: ``fig.axes[0]`` the estimates, ``fig.axes[1]`` the
        indicator matrix (its y tick labels are the ``choice = level`` rows).

    Examples
    --------
    >>> t = pd.DataFrame({"value": [0.5, 1.5, 1.0], "low": [0.1, 1.0, 0.4], "high": [0.9, 2.0, 1.6],
    ...                   "holds": [False, True, True], "is_baseline": [False, False, True],
    ...                   "lexicon": [True, False, True], "unit": ["paragraph", "paragraph", "sentence"]})
    >>> fig = plot_specification_curve(t, choices=["lexicon", "unit"])
    >>> [tl.get_text() for tl in fig.axes[1].get_yticklabels()]
    ['lexicon = no', 'lexicon = yes', 'unit = paragraph', 'unit = sentence']
    >>> fig.axes[0].lines[0].get_ydata().tolist()   # the sorted estimates
    [0.5, 1.0, 1.5]
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"plot_specification_curve needs a pandas DataFrame, not {type(table).__name__}")
    if not choices:
        raise ValueError("choices needs at least one column")
    cols = [value_col, low_col, high_col, holds_col, baseline_col, id_col, *choices]
    missing = [c for c in cols if c is not None and c not in table.columns]
    if missing:
        raise KeyError(f"plot_specification_curve: missing column(s) {missing}; the frame has {list(table.columns)}")
    if table.empty:
        raise ValueError("plot_specification_curve: the table has no specification")
    _ensure_style()
    labels = dict(choice_labels or {})
    t = table.iloc[specification_order(table, value_col=value_col, id_col=id_col)].reset_index(drop=True)
    x = np.arange(len(t))
    v = pd.to_numeric(t[value_col], errors="coerce").to_numpy(dtype=float)
    holds = t[holds_col].fillna(False).astype(bool).to_numpy() if holds_col else np.ones(len(t), bool)
    base = t[baseline_col].fillna(False).astype(bool).to_numpy() if baseline_col else np.zeros(len(t), bool)

    rows: list[tuple[str, object]] = []
    choices = [c for c in choices if t[c].nunique(dropna=True) > 1] or list(choices[:1])
    for c in choices:
        levels = pd.unique(t[c].dropna())
        try:
            levels = sorted(levels)
        except TypeError:
            levels = sorted(levels, key=str)
        rows += [(c, lv) for lv in levels]

    n = len(t)
    fig = Figure(figsize=(min(11.0, 2.5 + 0.09 * n), 2.6 + 0.19 * len(rows)), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2.4, max(1.0, 0.19 * len(rows))])
    colors = np.where(holds, _HOLDS, _FAILS)
    top.plot(x, v, ls="none")  # the sorted estimates as data, first line of the axes (read by tests)
    if low_col and high_col:
        lo = pd.to_numeric(t[low_col], errors="coerce").to_numpy(dtype=float)
        hi = pd.to_numeric(t[high_col], errors="coerce").to_numpy(dtype=float)
        finite = np.concatenate([a[np.isfinite(a)] for a in (v, lo, hi)])
        cap = float(finite.max()) + 0.05 * float(np.ptp(finite) or 1.0) if finite.size else 1.0
        for xi, a, b, c in zip(x, lo, hi, colors):
            if np.isfinite(a) and np.isposinf(b):  # open upper end (e.g. a log ratio with a zero count)
                top.vlines(xi, a, cap, color=c, lw=1.0, alpha=0.8)
                top.plot([xi], [cap], marker="^", ms=3, color=c)
            elif np.isfinite(a) and np.isfinite(b):
                top.vlines(xi, a, b, color=c, lw=1.0, alpha=0.8)
            elif np.isfinite(a):  # a one-sided bound (e.g. a noise floor)
                top.plot([xi - 0.35, xi + 0.35], [a, a], color=c, lw=1.0)
    top.scatter(x, v, c=colors, s=14, zorder=3)
    if base.any():
        for xb in x[base]:
            for ax in (top, bottom):
                ax.axvspan(xb - 0.5, xb + 0.5, color=_BASE, alpha=0.15, lw=0)
        top.scatter(x[base], v[base], marker="D", s=40, facecolor="none", edgecolor=_BASE, lw=1.2, zorder=4)
    if reference is not None:
        top.axhline(reference, color="#000000", lw=0.6, ls="--")
    top.set_ylabel(ylabel or value_col, fontsize=9)
    top.grid(axis="x", visible=False)
    handles = [Line2D([], [], marker="o", ls="none", color=_HOLDS, label=holds_labels[0]),
               Line2D([], [], marker="o", ls="none", color=_FAILS, label=holds_labels[1])]
    if base.any():
        handles.append(Line2D([], [], marker="D", ls="none", mfc="none", mec=_BASE, label="baseline"))
    top.legend(handles=handles, fontsize=7, loc="upper left", frameon=False, ncols=len(handles))

    for r, (c, lv) in enumerate(rows):
        on = (t[c] == lv).to_numpy()
        bottom.scatter(x[on], np.full(on.sum(), r), marker="s", s=10, color="#333333")
        bottom.scatter(x[~on], np.full((~on).sum(), r), marker="s", s=10, color="#E5E5E5")
    bottom.set_yticks(range(len(rows)), [f"{labels.get(c) or c} = {_level_text(lv)}" for c, lv in rows], fontsize=7)
    bottom.set_ylim(len(rows) - 0.5, -0.5)
    for r in np.cumsum([sum(1 for c2, _ in rows if c2 == c) for c in choices])[:-1]:
        bottom.axhline(r - 0.5, color="#BBBBBB", lw=0.5)
    bottom.grid(False)
    bottom.set_xlim(-0.8, n - 0.2)
    bottom.set_xticks([])
    bottom.set_xlabel(f"{n} specifications, ranked by estimate", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9, x=0.01, ha="left")
    return fig


def specification_labels(table: pd.DataFrame, abbreviations: Mapping[str, str | None]) -> pd.Series:
    """Short readable labels of specifications, one per row, from their choice columns.

    A boolean choice becomes ``abbr+`` or ``abbr−``; an integer offset ``abbr``
    (0), ``abbr+1`` or ``abbr−1``; any other value ``abbr value`` (or the
    first four characters of the value alone when the abbreviation is None).
    Choices are joined by ", " in the order of *abbreviations*.

    Examples
    --------
    >>> t = pd.DataFrame({"lexicon": [False], "stopwords": [True], "directives": ["kept"],
    ...                   "unit": ["paragraph"], "k_offset": [-1]})
    >>> specification_labels(t, {"lexicon": "lex", "stopwords": "stop", "directives": "dir", "unit": None,
    ...                          "k_offset": "k"}).tolist()
    ['lex−, stop+, dir kept, para, k−1']
    """
    missing = [c for c in abbreviations if c not in table.columns]
    if missing:
        raise KeyError(f"specification_labels: missing choice column(s) {missing}")

    def one(col: str, abbr: str | None, v: object) -> str:
        if isinstance(v, (bool, np.bool_)):
            return f"{abbr or col}{'+' if v else '−'}"
        if isinstance(v, (int, np.integer)):
            return (abbr or col) if v == 0 else f"{abbr or col}{'+' if v > 0 else '−'}{abs(int(v))}"
        return f"{abbr} {v}" if abbr else str(v)[:4]

    parts = [[one(c, a, v) for v in table[c]] for c, a in abbreviations.items()]
    return pd.Series([", ".join(p) for p in zip(*parts)], index=table.index, name="specification", dtype="object")


__all__ = ["plot_specification_curve", "specification_labels", "specification_order"]
