"""Figures for many groups: small multiples with intervals, ranked intervals, the word-parameter plot.

Every function takes a tidy table and returns a :class:`~matplotlib.figure.Figure`;
none draws one legend entry per document, so they stay legible with hundreds
of places (aggregated by level or year, or top-N with the rest named as such).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from discourse.plotting.style import _ensure_style, bilingual

_PALETTE = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6c4f9e", "#00798c", "#8d6a9f", "#444444")


def _colours(values: Sequence[object], palette: Mapping[object, str] | None) -> dict[object, str]:
    if palette:
        return {v: palette.get(v, _PALETTE[i % len(_PALETTE)]) for i, v in enumerate(values)}
    return {v: _PALETTE[i % len(_PALETTE)] for i, v in enumerate(values)}


def plot_interval_facets(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    low: str,
    high: str,
    facet: str,
    hue: str | None = None,
    facet_labels: Mapping[object, str] | None = None,
    hue_labels: Mapping[object, str] | None = None,
    palette: Mapping[object, str] | None = None,
    ylabel: str = "",
    title: str = "",
    percent: bool = False,
    ncols: int = 4,
) -> Figure:
    """Small multiples: one panel per ``facet`` value, ``y`` over ``x`` with its interval (and lines per ``hue``)."""
    _ensure_style()
    facets = list(dict.fromkeys(df[facet].astype(str)))
    ncols = min(ncols, max(1, len(facets)))
    nrows = int(np.ceil(len(facets) / ncols))
    fig = Figure(figsize=(3.1 * ncols + 0.6, 2.6 * nrows + 0.8), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False)
    hues = list(dict.fromkeys(df[hue].astype(str))) if hue else [None]
    colours = _colours(hues, palette)
    xs = sorted(df[x].astype(str).unique())
    for k, f in enumerate(facets):
        ax = axes[k // ncols][k % ncols]
        sub = df[df[facet].astype(str) == f]
        for j, h in enumerate(hues):
            part = sub if h is None else sub[sub[hue].astype(str) == h]
            if part.empty:
                continue
            pos = np.array([xs.index(v) for v in part[x].astype(str)]) + (j - (len(hues) - 1) / 2) * 0.12
            est = part[y].to_numpy(dtype=float)
            lo = part[low].to_numpy(dtype=float)
            hi = part[high].to_numpy(dtype=float)
            err = np.vstack([np.where(np.isnan(lo), 0, est - lo), np.where(np.isnan(hi), 0, hi - est)])
            label = (hue_labels or {}).get(h, h) if h is not None else None
            ax.errorbar(pos, est, yerr=err, fmt="-o", ms=3.5, lw=1.2, capsize=2, color=colours[h], label=label)
        ax.set_title((facet_labels or {}).get(f, f), fontsize=10)
        ax.set_xticks(range(len(xs)), xs, fontsize=8)
        if percent:
            ax.yaxis.set_major_formatter(lambda v, _p: f"{100 * v:.0f}%")
        ax.grid(axis="y", alpha=0.3)
    for k in range(len(facets), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    axes[0][0].set_ylabel(ylabel)
    if hue and len(hues) > 1:
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(hues), 5), fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def plot_ranked_intervals(
    df: pd.DataFrame,
    *,
    label: str,
    estimate: str,
    low: str,
    high: str,
    raw: str | None = None,
    n_top: int = 15,
    reference: float | None = 1.0,
    xlabel: str = "",
    title: str = "",
    log: bool = True,
) -> Figure:
    """The ``n_top`` highest and lowest groups by ``estimate`` with intervals; the rest counted in the title."""
    _ensure_style()
    d = df.sort_values(estimate, ascending=False, kind="mergesort").reset_index(drop=True)
    n_rest = max(0, len(d) - 2 * n_top)
    shown = pd.concat([d.head(n_top), d.tail(n_top)]).drop_duplicates().reset_index(drop=True)
    fig = Figure(figsize=(7.0, 0.22 * len(shown) + 1.2), layout="constrained")
    ax = fig.subplots()
    ypos = np.arange(len(shown))[::-1]
    est = shown[estimate].to_numpy(dtype=float)
    ax.errorbar(est, ypos, xerr=np.vstack([est - shown[low], shown[high] - est]), fmt="o", ms=4, color="#1b6ca8",
                capsize=2, lw=1, label="shrunken estimate, 95% interval")
    if raw is not None:
        ax.plot(shown[raw], ypos, "x", color="#d1495b", ms=4, label="raw ratio")
    if reference is not None:
        ax.axvline(reference, color="#888", lw=0.8)
    ax.set_yticks(ypos, shown[label].astype(str), fontsize=8)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    full = title + (f" (top and bottom {n_top}; {n_rest} other groups not shown)" if n_rest else "")
    ax.set_title(full, fontsize=10)
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    return fig


def plot_word_parameters(
    words: pd.DataFrame,
    *,
    word: str = "word",
    beta: str = "beta",
    psi: str = "psi",
    gloss: Callable[[str], str | None] | None = None,
    n_labels: int = 10,
    title: str = "",
) -> Figure:
    """The "Eiffel tower" plot of a scaling model: word weight β against word fixed effect ψ, extremes labelled."""
    _ensure_style()
    fig = Figure(figsize=(9.0, 5.5), layout="constrained")
    ax = fig.subplots()
    ax.scatter(words[beta], words[psi], s=6, color="#999", alpha=0.6, lw=0)
    span = float(words[psi].max() - words[psi].min()) or 1.0
    gap = 0.045 * span  # labels of one side are spread so that none overlaps the next
    b_lo, b_hi = float(words[beta].min()), float(words[beta].max())
    width = (b_hi - b_lo) or 1.0
    # room for a column of labels on each side, inside the axes (never over the ticks or the axis title)
    ax.set_xlim(b_lo - 0.9 * width, b_hi + 0.9 * width)
    for side, ext in (("left", words.nsmallest(n_labels, beta)), ("right", words.nlargest(n_labels, beta))):
        ext = ext.sort_values(psi, kind="mergesort")
        ys = ext[psi].to_numpy(dtype=float).copy()
        for i in range(1, len(ys)):
            ys[i] = max(ys[i], ys[i - 1] + gap)
        x_text = b_lo - 0.06 * width if side == "left" else b_hi + 0.06 * width
        for (_, r), y in zip(ext.iterrows(), ys):
            g = gloss(str(r[word])) if gloss else None
            ax.annotate(bilingual(r[word], g, sep=" "), (r[beta], r[psi]), xytext=(x_text, y), fontsize=7,
                        ha="left" if side == "right" else "right", va="center",
                        arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "#777"})
    ax.set_xlabel("β (word weight: which pole the word marks)")
    ax.set_ylabel("ψ (word fixed effect: overall frequency)")
    ax.set_title(title, fontsize=10)
    return fig


def plot_positions_by_group(
    df: pd.DataFrame,
    *,
    position: str,
    se: str,
    group: str,
    group_labels: Mapping[object, str] | None = None,
    title: str = "",
) -> Figure:
    """Positions (θ ± 1.96 SE) of many documents as strips, one row per group; no per-document legend."""
    _ensure_style()
    groups = list(dict.fromkeys(df[group].astype(str)))
    fig = Figure(figsize=(7.5, 0.9 * len(groups) + 1.2), layout="constrained")
    ax = fig.subplots()
    rng = np.random.default_rng(0)
    for i, g in enumerate(groups):
        sub = df[df[group].astype(str) == g]
        yy = len(groups) - 1 - i + rng.uniform(-0.25, 0.25, len(sub))
        ax.errorbar(sub[position], yy, xerr=1.96 * sub[se], fmt="o", ms=2.5, lw=0.5, alpha=0.6,
                    color=_PALETTE[i % len(_PALETTE)])
        ax.plot([sub[position].median()] * 2, [len(groups) - 1 - i - 0.35, len(groups) - 1 - i + 0.35],
                color="black", lw=1.5)
    ax.set_yticks(range(len(groups))[::-1], [f"{(group_labels or {}).get(g, g)} (n = {int((df[group].astype(str) == g).sum())})"
                                               for g in groups], fontsize=9)
    ax.set_xlabel("θ (position on the first dimension; black bar: median)")
    ax.set_title(title, fontsize=10)
    return fig


def plot_positions_facets(
    df: pd.DataFrame,
    *,
    position: str,
    se: str,
    facet: str,
    group: str,
    group_labels: Mapping[object, str] | None = None,
    group_order: Sequence[object] | None = None,
    facet_labels: Mapping[object, str] | None = None,
    ncols: int = 3,
    title: str = "",
    xlabel: str = "θ (position on each panel's own scale)",
) -> Figure:
    """Small multiples of many documents' positions: one panel per ``facet``, one strip per ``group``.

    Each document is a dot with its 95% interval (± 1.96 ``se``) as a thin
    line, jittered vertically inside its group's strip (a fixed seed), and a
    black bar marks the group's median; the tick labels give each group's
    number of documents in that panel. No document is labelled, so a panel
    stays legible with a few hundred documents. Panels do not share the x
    axis: positions fitted separately per facet are on their own scales.

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2021] * 3 + [2022] * 3, "level": list("abbabb"),
    ...                   "theta": [0.1, -1, 1, 0.5, 0, -0.5], "se": 0.2})
    >>> fig = plot_positions_facets(d, position="theta", se="se", facet="year", group="level")
    >>> sum(ax.get_visible() for ax in fig.axes)
    2
    """
    _ensure_style()
    facets = list(dict.fromkeys(df[facet].astype(str)))
    if group_order is not None:
        present = set(df[group].astype(str))
        groups = [str(g) for g in group_order if str(g) in present]
        groups += sorted(present - set(groups))
    else:
        groups = list(dict.fromkeys(df[group].astype(str)))
    colours = {g: _PALETTE[i % len(_PALETTE)] for i, g in enumerate(groups)}
    ncols = min(ncols, max(1, len(facets)))
    nrows = int(np.ceil(len(facets) / ncols))
    fig = Figure(figsize=(3.4 * ncols + 0.8, (0.55 * len(groups) + 0.9) * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    rng = np.random.default_rng(0)
    for k, f in enumerate(facets):
        ax = axes[k // ncols][k % ncols]
        sub = df[df[facet].astype(str) == f]
        ticks, labels = [], []
        for i, g in enumerate(groups):
            part = sub[sub[group].astype(str) == g]
            y0 = len(groups) - 1 - i
            ticks.append(y0)
            labels.append(f"{(group_labels or {}).get(g, g)} ({len(part)})")
            if part.empty:
                continue
            yy = y0 + rng.uniform(-0.28, 0.28, len(part))
            x = part[position].to_numpy(dtype=float)
            half = 1.96 * part[se].to_numpy(dtype=float)
            ax.hlines(yy, x - half, x + half, color=colours[g], lw=0.5, alpha=0.35)
            ax.plot(x, yy, "o", ms=2.2, color=colours[g], alpha=0.75, mec="none")
            med = float(np.nanmedian(x))
            ax.plot([med, med], [y0 - 0.38, y0 + 0.38], color="black", lw=1.6)
        ax.set_yticks(ticks, labels, fontsize=7.5)
        ax.set_ylim(-0.6, len(groups) - 0.4)
        ax.axvline(0, color="#bbb", lw=0.6, zorder=0)
        ax.set_title((facet_labels or {}).get(f, f), fontsize=10)
        ax.tick_params(axis="x", labelsize=7.5)
        ax.grid(axis="x", alpha=0.25)
    for k in range(len(facets), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    fig.supxlabel(xlabel + "; dots with 95% intervals, black bar: median", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


__all__ = ["plot_interval_facets", "plot_positions_by_group", "plot_positions_facets", "plot_ranked_intervals", "plot_word_parameters"]
