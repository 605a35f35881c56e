"""Figures for diffusion: reuse against its baseline, adoption curves, sense shares.

Each function takes a tidy table and returns a :class:`~matplotlib.figure.Figure`;
groups are aggregated (one line per level, one panel per term), so the
figures stay legible with hundreds of places and have no per-place legend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from discourse.plotting.panels import _PALETTE, _colours
from discourse.plotting.style import _ensure_style

__all__ = ["plot_share_vs_baseline", "plot_adoption_curves", "plot_sense_shares"]


def _grid(n: int, ncols: int, w: float, h: float, sharey: bool = True):
    ncols = min(ncols, max(1, n))
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(w * ncols + 0.6, h * nrows + 0.9), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharey=sharey, squeeze=False)
    for k in range(n, nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    return fig, [axes[k // ncols][k % ncols] for k in range(n)]


def _err(est, lo, hi):
    est, lo, hi = (np.asarray(v, dtype=float) for v in (est, lo, hi))
    return np.vstack([np.where(np.isnan(lo), 0, est - lo), np.where(np.isnan(hi), 0, hi - est)])


def plot_share_vs_baseline(
    df: pd.DataFrame,
    *,
    x: str,
    facet: str,
    share: str = "share",
    baseline: str = "baseline",
    facet_labels: Mapping[object, str] | None = None,
    labels: tuple[str, str] = ("same-year reference", "other years (baseline)"),
    ylabel: str = "",
    title: str = "",
    ncols: int = 3,
) -> Figure:
    """One panel per ``facet``: ``share`` and ``baseline`` over ``x`` with their intervals (``<col>_low``, ``<col>_high``).

    Examples
    --------
    >>> d = pd.DataFrame({"level": ["a", "a"], "year": [1, 2], "share": [.2, .3], "share_low": [.1, .2],
    ...     "share_high": [.3, .4], "baseline": [.1, .1], "baseline_low": [.05, .05], "baseline_high": [.15, .15]})
    >>> len(plot_share_vs_baseline(d, x="year", facet="level").axes)
    1
    """
    _ensure_style()
    facets = list(dict.fromkeys(df[facet].astype(str)))
    fig, axes = _grid(len(facets), ncols, 3.3, 2.8)
    xs = sorted(df[x].astype(str).unique())
    for ax, f in zip(axes, facets):
        sub = df[df[facet].astype(str) == f]
        pos = np.array([xs.index(v) for v in sub[x].astype(str)])
        for j, (col, lab, colour, fmt) in enumerate(((share, labels[0], _PALETTE[0], "-o"),
                                                     (baseline, labels[1], "#888888", "--s"))):
            ax.errorbar(pos + (j - 0.5) * 0.12, sub[col], yerr=_err(sub[col], sub[f"{col}_low"], sub[f"{col}_high"]),
                        fmt=fmt, ms=3.5, lw=1.2, capsize=2, color=colour, label=lab)
        ax.set_title((facet_labels or {}).get(f, f), fontsize=10)
        ax.set_xticks(range(len(xs)), xs, fontsize=8)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel(ylabel)
    handles, labs = axes[0].get_legend_handles_labels()
    fig.legend(handles, labs, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def plot_adoption_curves(
    curves: pd.DataFrame,
    *,
    facet: str = "term",
    hue: str = "level",
    time: str = "date",
    adopted: str = "adopted",
    lower: str = "lower",
    upper: str = "upper",
    release: str | None = "release",
    facet_labels: Mapping[object, str] | None = None,
    hue_labels: Mapping[object, str] | None = None,
    hue_order: Sequence[object] | None = None,
    title: str = "",
    ncols: int = 4,
) -> Figure:
    """Small multiples of cumulative adoption: one panel per ``facet``, one step line with its band per ``hue``.

    The curve starts at 0 on the release date (``release`` column, drawn as
    a vertical line); each group's number of units is given in the legend of
    its panel (``n_units`` column when present), never one entry per unit.

    Examples
    --------
    >>> c = pd.DataFrame({"term": "t", "level": "a", "date": pd.to_datetime(["2022-01-10", "2023-01-10"]),
    ...     "adopted": [.2, .5], "lower": [.1, .3], "upper": [.3, .7], "n_units": 10,
    ...     "release": pd.Timestamp("2021-08-01")})
    >>> len(plot_adoption_curves(c).axes)
    1
    """
    _ensure_style()
    facets = list(dict.fromkeys(curves[facet].astype(str)))
    hues = list(hue_order) if hue_order is not None else list(dict.fromkeys(curves[hue].astype(str)))
    colours = _colours(hues, None)
    end = pd.Timestamp(curves[time].max())
    fig, axes = _grid(len(facets), ncols, 3.0, 2.5)
    for ax, f in zip(axes, facets):
        sub = curves[curves[facet].astype(str) == f]
        rel = pd.Timestamp(sub[release].iloc[0]) if release else pd.Timestamp(sub[time].min())
        for h in hues:
            part = sub[sub[hue].astype(str) == str(h)].sort_values(time, kind="mergesort")
            if part.empty:
                continue
            t = pd.concat([pd.Series([rel]), part[time], pd.Series([end])], ignore_index=True)
            y = np.r_[0.0, part[adopted].to_numpy(float), part[adopted].to_numpy(float)[-1]]
            lo = np.r_[0.0, part[lower].to_numpy(float), part[lower].to_numpy(float)[-1]]
            hi = np.r_[0.0, part[upper].to_numpy(float), part[upper].to_numpy(float)[-1]]
            n = f" (n={int(part['n_units'].iloc[0])})" if "n_units" in part.columns else ""
            label = (hue_labels or {}).get(h, str(h)) + n
            ax.step(t, y, where="post", color=colours[h], lw=1.4, label=label)
            ax.fill_between(t, lo, hi, step="post", color=colours[h], alpha=0.15, lw=0)
        ax.axvline(rel, color="#555", lw=0.8, ls=":")
        ax.set_ylim(0, 1)
        ax.set_title((facet_labels or {}).get(f, f), fontsize=10)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
        months = max(1, (end.year - rel.year) * 12 + end.month - rel.month)
        step = 3 if months <= 18 else (6 if months <= 36 else 12)
        loc = mdates.MonthLocator(bymonth=range(1, 13, step))
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6.5, loc="upper left", frameon=False)
    axes[0].set_ylabel("share of places adopted")
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def plot_sense_shares(
    counts: pd.DataFrame,
    *,
    x: str = "year",
    facet: str = "term",
    sense: str = "sense",
    n: str = "n",
    sense_order: Mapping[str, Sequence[str]] | None = None,
    title: str = "",
    ncols: int = 2,
) -> Figure:
    """Stacked bars of each sense's share of a term's occurrences per ``x``, one panel per term, totals above the bars.

    Examples
    --------
    >>> c = pd.DataFrame({"term": "t", "year": [1, 1, 2], "sense": ["a", "b", "a"], "n": [1, 3, 2]})
    >>> len(plot_sense_shares(c).axes)
    1
    """
    _ensure_style()
    facets = list(dict.fromkeys(counts[facet].astype(str)))
    fig, axes = _grid(len(facets), ncols, 3.8, 2.8)
    for ax, f in zip(axes, facets):
        sub = counts[counts[facet].astype(str) == f]
        wide = sub.pivot_table(index=x, columns=sense, values=n, aggfunc="sum", fill_value=0, observed=True)
        order = list((sense_order or {}).get(f, wide.columns))
        wide = wide[[c for c in order if c in wide.columns]]
        tot = wide.sum(axis=1)
        share = wide.div(tot.where(tot > 0), axis=0).fillna(0)
        xs = [str(v) for v in wide.index]
        bottom = np.zeros(len(xs))
        colours = _colours(list(wide.columns), None)
        for c in wide.columns:
            ax.bar(xs, share[c], bottom=bottom, color=colours[c], label=str(c), width=0.7)
            bottom += share[c].to_numpy()
        for i, t in enumerate(tot):
            ax.text(i, 1.01, f"n={int(t)}", ha="center", va="bottom", fontsize=7)
        ax.set_ylim(0, 1.12)
        ax.set_title(f, fontsize=10)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
        ax.legend(fontsize=7, loc="lower left", frameon=True)
    axes[0].set_ylabel("share of occurrences")
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
