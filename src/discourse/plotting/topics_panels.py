"""Topic figures for many groups: prevalence in small multiples, one line per group level.

Every function takes a tidy table and returns a :class:`~matplotlib.figure.Figure`.
Nothing here knows the study: group names, labels and colours are passed in.
A point without an interval (a group too small for one) is drawn hollow and
named in the legend, so a missing interval is never mistaken for a certain
estimate.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from discourse.plotting.style import _ensure_style

_PALETTE = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB", "#444444")


def plot_prevalence_facets(
    df: pd.DataFrame,
    *,
    x: str = "year",
    y: str = "share",
    low: str = "ci_low",
    high: str = "ci_high",
    facet: str = "topic",
    hue: str | None = "level",
    facet_labels: Mapping[object, str] | None = None,
    hue_labels: Mapping[object, str] | None = None,
    palette: Mapping[object, str] | None = None,
    ylabel: str = "share of passage words",
    title: str = "",
    ncols: int = 3,
    percent: bool = True,
) -> Figure:
    """Small multiples: one panel per ``facet`` (topic), ``y`` over ``x`` with shaded intervals, one line per ``hue``.

    Parameters
    ----------
    df : DataFrame
        Long table, one row per (facet, hue, x), e.g.
        :func:`discourse.analysis.topics.topic_prevalence` by year × level.
    x, y, low, high, facet, hue : str
        Columns. Rows whose ``low`` or ``high`` is NaN are drawn as hollow
        markers without a band.
    facet_labels, hue_labels : mapping, optional
        Display titles of the panels and legend names of the lines.
    palette : mapping, optional
        Colour per ``hue`` value.
    percent : bool, default True
        Format the y axis as percentages of shares in [0, 1].

    Returns
    -------
    Figure
        One legend for the whole figure (one entry per ``hue`` value, plus
        "no interval" when some point has none).

    Examples
    --------
    >>> d = pd.DataFrame({"topic": ["T01"] * 4, "level": ["a", "a", "b", "b"], "year": [2020, 2021] * 2,
    ...                   "share": [0.2, 0.3, 0.4, 0.35], "ci_low": [0.1, 0.2, np.nan, 0.3],
    ...                   "ci_high": [0.3, 0.4, np.nan, 0.4]})
    >>> fig = plot_prevalence_facets(d, ncols=1)
    >>> [t.get_text() for t in fig.legends[0].get_texts()]
    ['a', 'b', 'no interval (too few documents)']
    """
    for col in [x, y, low, high, facet] + ([hue] if hue else []):
        if col not in df.columns:
            raise KeyError(f"plot_prevalence_facets: no column {col!r} in the table")
    if df.empty:
        raise ValueError("plot_prevalence_facets: empty table")
    _ensure_style()
    facets = list(dict.fromkeys(df[facet].astype(str)))
    ncols = max(1, min(ncols, len(facets)))
    nrows = int(np.ceil(len(facets) / ncols))
    fig = Figure(figsize=(3.3 * ncols + 0.4, 2.5 * nrows + 1.0), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    hues = list(dict.fromkeys(df[hue].astype(str))) if hue else [""]
    colours = {h: (palette or {}).get(h, _PALETTE[i % len(_PALETTE)]) for i, h in enumerate(hues)}
    xs = sorted(df[x].unique())
    pos = {v: i for i, v in enumerate(xs)}
    any_missing = False
    for k, f in enumerate(facets):
        ax = axes[k // ncols][k % ncols]
        sub = df[df[facet].astype(str) == f]
        for h in hues:
            part = sub if not hue else sub[sub[hue].astype(str) == h]
            part = part.sort_values(x, kind="mergesort")
            if part.empty:
                continue
            px = np.array([pos[v] for v in part[x]], dtype=float)
            est = part[y].to_numpy(dtype=float)
            lo = part[low].to_numpy(dtype=float)
            hi = part[high].to_numpy(dtype=float)
            has = np.isfinite(lo) & np.isfinite(hi)
            c = colours[h]
            ax.plot(px, est, "-", color=c, lw=1.3)
            ax.fill_between(px, np.where(has, lo, est), np.where(has, hi, est), where=has, color=c, alpha=0.18,
                            lw=0, interpolate=False)
            ax.plot(px[has], est[has], "o", color=c, ms=3.5)
            if (~has).any():
                any_missing = True
                ax.plot(px[~has], est[~has], "o", mfc="white", mec=c, ms=4, mew=1.1)
        ax.set_title((facet_labels or {}).get(f, f), fontsize=8.5)
        ax.set_xticks(range(len(xs)), [str(v) for v in xs], fontsize=8)
        if percent:
            ax.yaxis.set_major_formatter(lambda v, _p: f"{100 * v:.0f}%")
        ax.grid(axis="y", alpha=0.3)
    for k in range(len(facets), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    for r in range(nrows):
        axes[r][0].set_ylabel(ylabel, fontsize=8.5)
    handles = [Line2D([], [], color=colours[h], marker="o", ms=3.5, lw=1.3,
                      label=(hue_labels or {}).get(h, h)) for h in hues] if hue else []
    if any_missing:
        handles.append(Line2D([], [], color="#555555", marker="o", mfc="white", ms=4, lw=0,
                              label="no interval (too few documents)"))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5), fontsize=8,
                   frameon=False)
    if title:
        fig.suptitle(title, fontsize=10.5)
    return fig


__all__ = ["plot_prevalence_facets"]
