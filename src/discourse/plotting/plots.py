"""Plot functions: tidy data in, a matplotlib ``Figure`` out.

Every function takes a tidy DataFrame (column names are parameters with the
defaults the analysis modules produce) and an optional ``ax``; it returns the
Figure and never saves or shows it (:func:`discourse.plotting.save_figure`
does the saving). Figures are created with :class:`matplotlib.figure.Figure`,
not through pyplot, so a notebook shows each figure exactly once and nothing
accumulates in pyplot's registry. The project style is applied first.

Chinese terms get English glosses from the data: ``gloss`` is either the name
of a column holding the gloss, or a callable ``term -> gloss or None`` (e.g.
:func:`discourse.segment.gloss`); nothing is translated here.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from discourse.plotting.style import (
    PRECISION_MARKERS,
    _ensure_style,
    bilingual,
    color_for,
    group_colors,
    period_label,
)

Gloss = str | Callable[[str], "str | None"] | None


# -- helpers ----------------------------------------------------------------
def _figure(ax: Axes | None, figsize: tuple[float, float] | None = None) -> tuple[Figure, Axes]:
    _ensure_style()
    if ax is not None:
        try:
            return ax.get_figure(root=True), ax
        except TypeError:  # matplotlib < 3.10
            return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _require(df: pd.DataFrame, cols: Sequence[str | None], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{what} needs a pandas DataFrame, not {type(df).__name__}")
    missing = [c for c in cols if c is not None and c not in df.columns]
    if missing:
        raise KeyError(f"{what}: missing column(s) {missing}; the frame has {list(df.columns)}")


def _glosses(df: pd.DataFrame, term_col: str, gloss: Gloss) -> list[str | None]:
    if gloss is None:
        return [None] * len(df)
    if isinstance(gloss, str):
        _require(df, [gloss], "gloss column")
        return [None if pd.isna(g) else str(g) for g in df[gloss]]
    if callable(gloss):
        return [gloss(str(t)) for t in df[term_col]]
    raise TypeError("gloss must be a column name, a callable term -> gloss, or None")


def _term_labels(df: pd.DataFrame, term_col: str, gloss: Gloss, sep: str = " ") -> list[str]:
    return [bilingual(t, g, sep=sep) for t, g in zip(df[term_col], _glosses(df, term_col, gloss))]


def _precision(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "unknown"
    return str(value) if str(value) in PRECISION_MARKERS else "unknown"


def _date_span(ts: pd.Timestamp, precision: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    if precision == "month":
        return ts, ts + pd.offsets.MonthEnd(0)
    if precision == "year":
        return ts, ts + pd.offsets.YearEnd(0)
    return ts, ts


def _date_axis(ax: Axes) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.xaxis.set_minor_locator(mdates.MonthLocator())


def _period_rows(periods) -> list[tuple[str, pd.Timestamp, pd.Timestamp | None]]:
    """``(name, start, end)`` from objects with those attributes or a DataFrame with those columns."""
    if periods is None:
        return []
    if isinstance(periods, pd.DataFrame):
        _require(periods, ["name", "start", "end"], "periods")
        items = periods.itertuples(index=False)
    else:
        items = periods
    out = []
    for p in items:
        end = getattr(p, "end", None)
        out.append((str(p.name), pd.Timestamp(p.start), None if end is None or pd.isna(end) else pd.Timestamp(end)))
    return out


def _shade_periods(ax: Axes, start: pd.Timestamp, end: pd.Timestamp, periods, colors: Mapping[str, str] | None,
                   glosses: Mapping[str, str] | None, *, labels: bool = True) -> None:
    for name, p_start, p_end in _period_rows(periods):
        lo = max(p_start, start)
        hi = min(p_end + pd.Timedelta(days=1) if p_end is not None else end, end)
        if lo >= hi:
            continue
        ax.axvspan(lo, hi, color=color_for(name, colors), alpha=0.18, lw=0, zorder=0)
        if labels:
            ax.text(
                lo + (hi - lo) / 2, 1.0, period_label(name, glosses), transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=8, color="#333333",
            )


def _color_keys(docs: pd.DataFrame, color_col: str, label_col: str) -> pd.Series:
    """The value each row's colour follows: ``color_col``, or the label where it is missing."""
    keys = docs[color_col].astype("string")
    return keys.fillna(docs[label_col].astype("string")).fillna("").astype(str).reset_index(drop=True)


def _top_groups(values: Sequence, weights: pd.Series | None, max_groups: int | None) -> tuple[list, list]:
    """The groups to draw (at most ``max_groups``, largest ``weights`` first) and the rest, named."""
    groups = list(values)
    if max_groups is None or len(groups) <= max_groups:
        return groups, []
    if weights is not None:
        order = weights.reindex(groups).fillna(0).sort_values(ascending=False, kind="mergesort").index.tolist()
    else:
        order = groups
    keep = set(order[:max_groups])
    return [g for g in groups if g in keep], [g for g in groups if g not in keep]


def _rest_note(fig: Figure, rest: Sequence, what: str) -> None:
    if not rest:
        return
    names = ", ".join(map(str, rest[:12])) + (f" and {len(rest) - 12} more" if len(rest) > 12 else "")
    fig.text(0.01, 0.0, textwrap.fill(f"Not shown ({len(rest)} {what}): {names}.", 150), fontsize=7,
             color="#555555", ha="left", va="bottom")


# -- 1. document length -------------------------------------------------------
def plot_document_lengths(
    docs: pd.DataFrame,
    *,
    date_col: str = "date",
    label_col: str = "label",
    before_col: str | None = "n_chars_raw",
    after_col: str = "n_chars_clean",
    precision_col: str | None = "date_precision",
    color_col: str | None = None,
    colors: Mapping[str, str] | None = None,
    label_points: bool | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Characters per document before and after cleaning, on a real date axis.

    Each document is a vertical segment from its clean length (filled marker)
    to its raw length (open marker) at its date; a month-precise date is drawn
    as a horizontal bar across its month. Undated documents are listed in a
    note instead of being placed at a made-up date.

    Parameters
    ----------
    docs : DataFrame
        One row per document with ``date_col``, ``label_col``, ``after_col``
        and (optionally) ``before_col`` and ``precision_col``; the defaults
        match ``discourse.cleaning``'s documents table (``n_chars_raw``,
        ``n_chars_clean``) joined with the corpus's ``label`` and ``date``.
    color_col : str, optional
        Column the colour follows (e.g. the place, so that a place keeps its
        colour across years); default ``label_col``. A legend names its values
        when the points are not labelled.
    colors : mapping, optional
        Value of ``color_col`` -> colour (e.g. the study's palette).
    label_points : bool, optional
        Write each document's label at its point; default: with at most 8
        documents (more labels overlap; the legend and the table name them).

    Returns
    -------
    Figure

    Examples
    --------
    >>> docs = pd.DataFrame({"label": ["Hami", "XX-1"],
    ...     "date": pd.to_datetime(["2020-09-21", "2021-10-01"]),
    ...     "date_precision": ["day", "month"],
    ...     "n_chars_raw": [3000, 5200], "n_chars_clean": [2500, 4800]})
    >>> fig = plot_document_lengths(docs)
    >>> fig.axes[0].get_ylabel()
    'characters'
    """
    _require(docs, [date_col, label_col, before_col, after_col, precision_col], "plot_document_lengths")
    fig, ax = _figure(ax, (7.0, 3.8))
    dates = pd.to_datetime(docs[date_col])
    undated = []
    color_col = color_col or label_col
    _require(docs, [color_col], "plot_document_lengths")
    keys = _color_keys(docs, color_col, label_col)
    cmap = group_colors(keys, palette=colors)
    if label_points is None:
        label_points = len(docs) <= 8
    for i, row in enumerate(docs.itertuples(index=False)):
        r = dict(zip(docs.columns, row))
        label, ts = r[label_col], dates.iloc[i]
        if pd.isna(ts):
            undated.append(str(label))
            continue
        prec = _precision(r.get(precision_col)) if precision_col else "day"
        color = cmap[keys.iloc[i]]
        after = float(r[after_col])
        lo, hi = _date_span(ts, prec)
        x = lo + (hi - lo) / 2
        if before_col is not None:
            before = float(r[before_col])
            ax.plot([x, x], [after, before], color=color, lw=1.2, zorder=2)
            ax.plot([x], [before], marker=PRECISION_MARKERS[prec], mfc="white", mec=color, ms=6, ls="", zorder=3)
        ax.plot([x], [after], marker=PRECISION_MARKERS[prec], color=color, ms=6, ls="", zorder=3)
        if hi > lo:
            ax.plot([lo, hi], [after, after], color=color, lw=3, alpha=0.5, solid_capstyle="butt", zorder=2)
        top = float(r[before_col]) if before_col is not None else after
        if label_points:
            ax.annotate(str(label), (x, top), xytext=(0, 5), textcoords="offset points",
                        ha="center", va="bottom", fontsize=8, color=color)
    _date_axis(ax)
    ax.set_ylabel("characters")
    ax.set_ylim(bottom=0)
    ax.margins(x=0.08, y=0.15)
    handles = [Line2D([], [], marker="o", color="#555555", ls="", label="after cleaning")]
    if before_col is not None:
        handles.insert(0, Line2D([], [], marker="o", mfc="white", mec="#555555", ls="", label="raw (before cleaning)"))
    if precision_col and (docs[precision_col].astype("string") == "month").any():
        handles.append(Line2D([], [], marker="s", color="#555555", ls="", label="date known to the month"))
    ax.legend(handles=handles, loc="upper left")
    if not label_points:
        shown, rest = _top_groups(list(cmap), None, 12)
        ax.add_artist(ax.legend(handles=handles, loc="upper left"))
        ax.legend(handles=[Line2D([], [], marker="o", color=cmap[g], ls="", label=str(g)) for g in shown],
                  title=color_col, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)
        _rest_note(fig, rest, f"values of {color_col}, drawn in their colours")
    if undated:
        ax.text(1.0, -0.14, "undated, not shown: " + ", ".join(undated), transform=ax.transAxes,
                ha="right", va="top", fontsize=7.5, color="#555555")
    ax.set_title("Document length before and after cleaning")
    return fig


# -- 2. cleaning audit --------------------------------------------------------
#: How edits that are not deletions are drawn in :func:`plot_cleaning_audit`.
_ACTION_STYLE: dict[str, dict] = {
    "replaced": {"hatch": "////", "fc": "white", "ec": "#555555", "label": "replaced (characters swapped, e.g. , → ，)"},
    "moved": {"hatch": "....", "fc": "white", "ec": "#555555", "label": "moved (kept, put elsewhere)"},
}


def plot_cleaning_audit(
    audit: pd.DataFrame,
    *,
    doc_col: str = "doc_id",
    rule_col: str = "rule",
    value_col: str = "chars_removed",
    action_col: str | None = "action",
    doc_order: Sequence[str] | None = None,
    max_rules: int = 9,
    ax: Axes | None = None,
) -> Figure:
    """Characters deleted per document and cleaning rule, with replaced and moved ones apart.

    Parameters
    ----------
    audit : DataFrame
        The cleaning audit, one row per edit (``doc_id, step, rule, start,
        end, removed, replacement[, action]``: the length of ``removed`` is
        counted) or per document and rule (``audit_summary``:
        ``chars_removed``); values are summed per ``doc_col`` and ``rule_col``.
    action_col : str, optional
        With an edit audit that has it (``removed``, ``replaced``,
        ``moved``): deletions are the stacked coloured bars, by rule;
        replaced and moved characters are drawn after them as hatched
        segments, and each bar's label gives the three counts and the net
        change of length (raw minus clean length, which is what the documents
        table reports as ``n_chars_removed``).
    doc_order : sequence, optional
        Order of the documents (top to bottom); defaults to the table's order.
    max_rules : int
        The rules that removed most characters overall get their own colour;
        the others are drawn together, in grey, as "other rules (n)".

    Examples
    --------
    >>> audit = pd.DataFrame({"doc_id": ["a", "a", "b"], "rule": ["footer", "spam", "footer"],
    ...                       "chars_removed": [120, 30, 80]})
    >>> fig = plot_cleaning_audit(audit)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['a', 'b']
    >>> edits = pd.DataFrame({"doc_id": ["a", "a"], "rule": ["footer", "punct"], "removed": ["abcd", ","],
    ...                       "replacement": ["", "，"], "action": ["removed", "replaced"]})
    >>> fig = plot_cleaning_audit(edits)
    >>> [t.get_text() for t in fig.axes[0].texts]
    [' 4 deleted · 1 replaced · net −4']
    """
    by_action = action_col is not None and action_col in audit.columns and "removed" in audit.columns
    extra = pd.DataFrame()
    net = None
    if by_action:
        n_removed = audit["removed"].astype("string").str.len().fillna(0)
        n_inserted = (audit["replacement"].astype("string").str.len().fillna(0)
                      if "replacement" in audit.columns else 0 * n_removed)
        act = audit[action_col].astype("string").fillna("removed")
        net = (n_removed - n_inserted).groupby(audit[doc_col]).sum()
        frame = audit.assign(**{value_col: n_removed, "_act": act})
        extra = frame[frame["_act"] != "removed"].groupby([doc_col, "_act"])[value_col].sum().unstack("_act", fill_value=0)
        audit = frame[frame["_act"] == "removed"]
    elif value_col not in audit.columns and "removed" in audit.columns:
        audit = audit.assign(**{value_col: audit["removed"].astype("string").str.len().fillna(0)})
    _require(audit, [doc_col, rule_col, value_col], "plot_cleaning_audit")
    table = (
        audit.groupby([doc_col, rule_col], sort=False, observed=True)[value_col].sum()
        .unstack(rule_col, fill_value=0)
    )
    docs = list(doc_order) if doc_order is not None else list(pd.unique(audit[doc_col]))
    table = table.reindex(docs).fillna(0)
    rules = table.sum(axis=0).sort_values(ascending=False, kind="stable").index.tolist()
    if len(rules) > max_rules:
        rest = rules[max_rules:]
        other = f"other rules ({len(rest)})"
        table = table[rules[:max_rules]].assign(**{other: table[rest].sum(axis=1)})
        rules = rules[:max_rules] + [other]
    colors = group_colors(rules)
    if len(rules) > max_rules:
        colors[rules[-1]] = "#BBBBBB"
    fig, ax = _figure(ax, (7.5, 0.55 * len(docs) + 1.8))
    y = np.arange(len(docs))
    left = np.zeros(len(docs))
    for rule in rules:
        vals = table[rule].to_numpy(dtype=float)
        ax.barh(y, vals, left=left, color=colors[rule], label=str(rule), height=0.6, edgecolor="white", linewidth=0.5)
        left += vals
    deleted = left.copy()
    extra = extra.reindex(docs).fillna(0) if not extra.empty else extra
    for action, style in _ACTION_STYLE.items():
        if action not in extra.columns:
            continue
        vals = extra[action].to_numpy(dtype=float)
        ax.barh(y, vals, left=left, height=0.6, linewidth=0.6, **style)
        left += vals
    for k, (yi, total) in enumerate(zip(y, left)):
        if by_action:
            parts = [f"{int(round(deleted[k])):,} deleted"]
            for action in _ACTION_STYLE:
                if action in extra.columns and extra[action].iloc[k]:
                    parts.append(f"{int(round(extra[action].iloc[k])):,} {action}")
            n_net = int(net.get(docs[k], 0)) if net is not None else 0
            parts.append(f"net {_signed(-n_net)}")
            text = " " + " · ".join(parts)
        else:
            text = f" {int(round(total)):,}"
        ax.text(total, yi, text, va="center", ha="left", fontsize=7.5)
    ax.set_yticks(y, [str(d) for d in docs])
    ax.invert_yaxis()
    ax.set_xlabel("characters deleted, replaced or moved" if by_action else "characters removed or replaced")
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, float(left.max() if len(left) else 1) * (1.55 if by_action else 1.12) or 1)
    ax.legend(title="rule (deleted)" if by_action else "rule", loc="upper left", bbox_to_anchor=(1.0, 1.0),
              fontsize=7.5)
    ax.set_title("Cleaning audit: characters deleted by rule" + (", and replaced or moved" if by_action else ""))
    return fig


def _signed(v: int) -> str:
    return f"\u2212{abs(v):,}" if v < 0 else f"+{v:,}" if v > 0 else "0"


# -- 3. keyness ----------------------------------------------------------------
def plot_keyness(
    keyness: pd.DataFrame,
    *,
    term_col: str = "term",
    value_col: str = "log_ratio",
    g2_col: str | None = "g2",
    gloss: Gloss = None,
    n_terms: int = 12,
    target: str = "target",
    reference: str = "reference",
    ax: Axes | None = None,
) -> Figure:
    """Diverging bar chart of keyness (log ratio), with G² written at each bar.

    The ``n_terms`` most positive and ``n_terms`` most negative terms are shown;
    bars to the right are key in the target corpus, to the left in the reference.

    Parameters
    ----------
    keyness : DataFrame
        One row per term with ``term_col``, ``value_col`` and ``g2_col``.
    gloss : str or callable, optional
        Column name of English glosses, or a callable ``term -> gloss``.
    target, reference : str
        Names of the two corpora, for the axis label.

    Examples
    --------
    >>> k = pd.DataFrame({"term": ["清零", "优化", "常态化"], "log_ratio": [2.1, -1.5, 0.4],
    ...                   "g2": [14.2, 9.8, 0.5], "gloss": ["zeroing", "optimise", "normalised"]})
    >>> fig = plot_keyness(k, gloss="gloss", n_terms=2)
    >>> fig.axes[0].get_yticklabels()[0].get_text()
    '清零 (zeroing)'
    """
    _require(keyness, [term_col, value_col, g2_col], "plot_keyness")
    df = keyness.dropna(subset=[value_col])
    pos = df[df[value_col] > 0].sort_values(value_col, ascending=False, kind="stable").head(n_terms)
    neg = df[df[value_col] < 0].sort_values(value_col, ascending=True, kind="stable").head(n_terms)
    df = pd.concat([pos, neg.iloc[::-1]])
    fig, ax = _figure(ax, (7.0, 0.28 * len(df) + 1.4))
    y = np.arange(len(df))
    vals = df[value_col].to_numpy(dtype=float)
    colors = np.where(vals > 0, "#D55E00", "#0072B2")
    ax.barh(y, vals, color=colors, height=0.7)
    if g2_col is not None:
        for yi, v, g in zip(y, vals, df[g2_col]):
            ax.text(v, yi, f" G²={g:.1f} " if pd.notna(g) else "", va="center",
                    ha="left" if v > 0 else "right", fontsize=7.5, color="#333333")
    ax.set_yticks(y, _term_labels(df, term_col, gloss))
    ax.invert_yaxis()
    ax.axvline(0, color="#333333", lw=0.8)
    ax.grid(axis="y", visible=False)
    lim = max(1.0, float(np.nanmax(np.abs(vals))) if len(vals) else 1.0) * 1.45
    ax.set_xlim(-lim, lim)
    ax.set_xlabel(f"log₂ ratio  (← key in {reference}   |   key in {target} →)")
    ax.set_title(f"Keyness: {target} vs {reference}")
    return fig


# -- 4. topic top terms --------------------------------------------------------
def plot_topic_terms(
    terms: pd.DataFrame,
    *,
    topic_col: str = "topic",
    term_col: str = "term",
    weight_col: str = "weight",
    label_col: str | None = None,
    gloss: Gloss = None,
    n_terms: int = 8,
    ncols: int = 3,
) -> Figure:
    """Small multiples of horizontal bars: the top terms of each topic.

    Parameters
    ----------
    terms : DataFrame
        Long table, one row per topic and term (e.g. ``TopicModel.top_terms()``:
        ``topic, label, rank, term, weight``).
    label_col : str, optional
        Column with a display title per topic (defaults to the topic id).

    Examples
    --------
    >>> t = pd.DataFrame({"topic": ["T01"] * 2 + ["T02"] * 2, "term": ["核酸", "检测", "疫苗", "接种"],
    ...                   "weight": [0.5, 0.3, 0.6, 0.2]})
    >>> fig = plot_topic_terms(t, n_terms=2, ncols=2)
    >>> [a.get_title(loc="left") for a in fig.axes]
    ['T01', 'T02']
    """
    _require(terms, [topic_col, term_col, weight_col, label_col], "plot_topic_terms")
    topics = list(pd.unique(terms[topic_col]))
    if not topics:
        raise ValueError("plot_topic_terms: no topics in the table")
    ncols = max(1, min(ncols, len(topics)))
    nrows = int(np.ceil(len(topics) / ncols))
    _ensure_style()
    fig = Figure(figsize=(3.0 * ncols + 0.6, (0.24 * n_terms + 0.7) * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    palette = group_colors([str(t) for t in topics])
    for k, topic in enumerate(topics):
        ax = axes[k // ncols][k % ncols]
        sub = terms[terms[topic_col] == topic].sort_values(weight_col, ascending=False, kind="stable").head(n_terms)
        y = np.arange(len(sub))
        ax.barh(y, sub[weight_col].to_numpy(dtype=float), color=palette[str(topic)], height=0.7)
        ax.set_yticks(y, _term_labels(sub, term_col, gloss))
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", labelsize=8)
        title = str(sub[label_col].iloc[0]) if label_col and len(sub) else str(topic)
        ax.set_title(title, fontsize=9.5)
    for k in range(len(topics), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    fig.supxlabel("term weight", fontsize=9)
    return fig


# -- 5. topic shares -----------------------------------------------------------
def plot_topic_shares(
    shares: pd.DataFrame,
    *,
    group_col: str = "label",
    topic_col: str = "topic",
    share_col: str = "share",
    low_col: str | None = "ci_low",
    high_col: str | None = "ci_high",
    topic_labels: Mapping[str, str] | None = None,
    colors: Mapping[str, str] | None = None,
    markers: Mapping[str, str] | None = None,
    max_groups: int | None = 12,
    title: str = "Topic shares by group",
    ax: Axes | None = None,
) -> Figure:
    """Topic shares per group with bootstrap confidence intervals.

    One row per topic; within it one dot per group (colour per city),
    with a horizontal error bar from ``low_col`` to ``high_col``.

    Parameters
    ----------
    shares : DataFrame
        As returned by :func:`discourse.analysis.topics.topic_shares`
        (``*by, topic, share, ci_low, ci_high, n_units``).
    topic_labels : mapping, optional
        Topic id -> display label (e.g. its top terms with glosses).
    colors, markers : mapping, optional
        Group -> colour / marker (e.g. a document's place colour and its
        rank in time within the place).
    max_groups : int, optional
        At most this many groups are drawn (those with the most units, else
        the first); the others are named under the figure.

    Examples
    --------
    >>> s = pd.DataFrame({"label": ["Hami", "Hami", "Jiyuan", "Jiyuan"], "topic": ["T01", "T02"] * 2,
    ...                   "share": [0.7, 0.3, 0.2, 0.8], "ci_low": [0.6, 0.2, 0.1, 0.7],
    ...                   "ci_high": [0.8, 0.4, 0.3, 0.9]})
    >>> fig = plot_topic_shares(s)
    >>> fig.axes[0].get_xlabel()
    'share of units (95% bootstrap CI)'
    """
    _require(shares, [group_col, topic_col, share_col, low_col, high_col], "plot_topic_shares")
    topics = list(pd.unique(shares[topic_col]))
    groups = list(pd.unique(shares[group_col].dropna()))
    weight = shares.groupby(group_col)["n_units"].max() if "n_units" in shares.columns else None
    groups, rest = _top_groups(groups, weight, max_groups)
    colors = group_colors(groups, palette=colors)
    markers = dict(markers or {})
    fig, ax = _figure(ax, (7.5, 0.32 * len(topics) * max(1, len(groups)) ** 0.5 + 1.8))
    n = len(groups)
    offsets = (np.arange(n) - (n - 1) / 2) * (0.7 / max(n, 1))
    for j, g in enumerate(groups):
        sub = shares[shares[group_col] == g].set_index(topic_col).reindex(topics)
        y = np.arange(len(topics)) + offsets[j]
        x = sub[share_col].to_numpy(dtype=float)
        if low_col and high_col:
            lo = x - sub[low_col].to_numpy(dtype=float)
            hi = sub[high_col].to_numpy(dtype=float) - x
            ax.errorbar(x, y, xerr=np.vstack([lo, hi]), fmt=markers.get(str(g), "o"), color=colors[g], ms=4.5,
                        elinewidth=1.2, capsize=0, label=str(g))
        else:
            ax.plot(x, y, markers.get(str(g), "o"), color=colors[g], ms=4.5, label=str(g))
    for k in range(1, len(topics)):
        ax.axhline(k - 0.5, color="#eeeeee", lw=0.8, zorder=0)
    labels = [topic_labels.get(t, str(t)) if topic_labels else str(t) for t in topics]
    ax.set_yticks(np.arange(len(topics)), labels)
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("share of units (95% bootstrap CI)" if low_col else "share of units")
    ax.legend(title=group_col, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)
    ax.set_title(title)
    _rest_note(fig, rest, "groups")
    return fig


# -- 6. timeline ---------------------------------------------------------------
def plot_timeline(
    docs: pd.DataFrame,
    milestones: pd.DataFrame | None = None,
    *,
    start: str = "2020-09-01",
    end: str = "2022-12-31",
    date_col: str = "date",
    precision_col: str | None = "date_precision",
    label_col: str = "label",
    source_col: str | None = "date_source",
    scope: Sequence[str] | None = ("national",),
    periods=None,
    period_colors: Mapping[str, str] | None = None,
    period_glosses: Mapping[str, str] | None = None,
    color_col: str | None = None,
    colors: Mapping[str, str] | None = None,
    title: str = "Documents and national policy milestones",
    ax: Axes | None = None,
) -> Figure:
    """The documents on a time axis with the policy periods and milestones the caller passes.

    ``periods`` are shaded and labelled with their glosses; each milestone
    inside the window is a dashed line with its short bilingual label. Each
    document is a row; its marker shows how precise its date is: a circle for
    a day, a square with a bar across the month for a month; an open marker
    when the date is the publication date, not the event's (``date_source``);
    undated documents get an ``X`` at the right edge.

    Parameters
    ----------
    docs : DataFrame
        Documents table (:func:`discourse.ingest.corpus.load_corpus`).
    milestones : DataFrame, optional
        ``date, short_zh, short_en`` (optionally ``date_precision, scope``);
        None draws no milestone.
    periods : sequence or DataFrame, optional
        Objects with ``name, start, end`` (``end`` inclusive, None: open) or a
        table with those columns; None shades nothing.
    period_colors, period_glosses : mapping, optional
        Period name -> colour / English gloss.
    color_col : str, optional
        Column the documents' colour follows (e.g. the place); default the label.
    colors : mapping, optional
        Value of ``color_col`` -> colour.
    start, end : str
        The window (default 2020-09 to 2022-12).
    scope : sequence of str, optional
        Milestone scopes to draw (``national``, ``local``); None draws all.

    Examples
    --------
    >>> docs = pd.DataFrame({"label": ["Hami", "XX-1"],
    ...     "date": pd.to_datetime(["2020-09-21", "2021-10-01"]), "date_precision": ["day", "month"]})
    >>> periods = pd.DataFrame({"name": ["A"], "start": pd.to_datetime(["2020-01-01"]), "end": [None]})
    >>> fig = plot_timeline(docs, periods=periods)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['Hami', 'XX-1']
    """
    color_col = color_col or label_col
    _require(docs, [date_col, label_col, precision_col, color_col], "plot_timeline")
    if milestones is None:
        milestones = pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "short_zh": [], "short_en": []})
    _require(milestones, ["date", "short_zh", "short_en"], "plot_timeline milestones")
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    keys = _color_keys(docs, color_col, label_col)
    cmap = group_colors(keys, palette=colors)
    fig, ax = _figure(ax, (9.0, 0.3 * len(docs) + 4.2))
    _shade_periods(ax, t0, t1, periods, period_colors, period_glosses)
    ms = milestones[(milestones["date"] >= t0) & (milestones["date"] <= t1)]
    if scope is not None and "scope" in ms.columns:
        ms = ms[ms["scope"].astype("string").isin(list(scope))]
    for m in ms.itertuples(index=False):
        ax.axvline(m.date, color="#444444", lw=0.8, ls="--", zorder=1)
        prec = _precision(getattr(m, "date_precision", "day"))
        if prec in ("month", "year"):  # the milestone is known only to the month: hatch it
            lo, hi = _date_span(m.date, prec)
            ax.axvspan(lo, hi + pd.Timedelta(days=1), fc="none", ec="#888888", hatch="///", lw=0, zorder=1)
        ax.text(m.date, 0.985, bilingual(m.short_zh, m.short_en, sep=" ") + " ", transform=ax.get_xaxis_transform(),
                rotation=90, ha="right", va="top", fontsize=7, color="#222222", zorder=4,
                bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.75))
    dates = pd.to_datetime(docs[date_col])
    n = len(docs)
    ys = np.arange(n) + 1.0
    edge_x = t1 + pd.Timedelta(days=20)
    used: set[str] = set()
    for i in range(n):
        color = cmap[keys.iloc[i]]
        prec = _precision(docs[precision_col].iloc[i]) if precision_col else "day"
        ts = dates.iloc[i]
        open_marker = (
            source_col is not None and source_col in docs.columns
            and pd.notna(docs[source_col].iloc[i]) and str(docs[source_col].iloc[i]) != "event_date"
        )
        if pd.isna(ts):
            ax.plot([edge_x], [ys[i]], marker=PRECISION_MARKERS["unknown"], color=color, ms=8, ls="",
                    clip_on=False, zorder=5)
            used.add("unknown")
            continue
        lo, hi = _date_span(ts, prec)
        if hi > lo:
            ax.plot([lo, hi + pd.Timedelta(days=1)], [ys[i], ys[i]], color=color, lw=5, alpha=0.45,
                    solid_capstyle="butt", zorder=4)
        x = lo + (hi - lo) / 2
        ax.plot([x], [ys[i]], marker=PRECISION_MARKERS[prec], ms=8, ls="", zorder=5,
                color=color, mfc="white" if open_marker else color, mec=color, mew=1.6)
        used.add(prec)
        if open_marker:
            used.add("publication")
    ax.set_xlim(t0, edge_x + pd.Timedelta(days=15))
    band = max(4.0, 0.9 * n)  # room above the documents for the milestone labels
    ax.set_ylim(n + 0.6, 0.4 - band)
    ax.set_yticks(ys, [str(v) for v in docs[label_col]])
    ax.grid(axis="y", visible=False)
    _date_axis(ax)
    handles = []
    names = {"day": "date known to the day", "month": "known to the month (bar = the month)",
             "year": "known to the year", "unknown": "date unknown"}
    for key in ("day", "month", "year", "unknown"):
        if key in used:
            handles.append(Line2D([], [], marker=PRECISION_MARKERS[key], color="#555555", ls="", label=names[key]))
    if "publication" in used:
        handles.append(Line2D([], [], marker="o", mfc="white", mec="#555555", ls="",
                              label="publication date (event date unknown)"))
    handles.append(Line2D([], [], color="#444444", lw=0.8, ls="--", label="national milestone"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=3, fontsize=7.5)
    ax.set_title(title, pad=28)
    return fig


# -- 7. similarity heatmap -------------------------------------------------------
def cluster_order(sim: pd.DataFrame) -> list:
    """Leaf order of an average-linkage clustering of a similarity matrix.

    Distances are ``1 - similarity``; the leaves are put in optimal order
    (:func:`scipy.cluster.hierarchy.optimal_leaf_ordering`), which is
    deterministic.

    Examples
    --------
    >>> s = pd.DataFrame([[1, .1, .9], [.1, 1, .2], [.9, .2, 1]], index=list("abc"), columns=list("abc"))
    >>> cluster_order(s)  # a and c, the similar pair, side by side
    ['b', 'c', 'a']
    """
    from scipy.cluster.hierarchy import linkage, optimal_leaf_ordering
    from scipy.spatial.distance import squareform

    if len(sim) < 3:
        return list(sim.index)
    d = 1.0 - sim.to_numpy(dtype=float)
    d = (d + d.T) / 2
    np.fill_diagonal(d, 0.0)
    d = np.clip(d, 0.0, None)
    cond = squareform(d, checks=False)
    z = optimal_leaf_ordering(linkage(cond, method="average"), cond)
    from scipy.cluster.hierarchy import leaves_list

    return [sim.index[i] for i in leaves_list(z)]


def _square_from_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    labels = sorted(set(pairs["a"]) | set(pairs["b"]), key=str)
    sq = pd.DataFrame(np.nan, index=labels, columns=labels)
    for a, b, v in pairs[["a", "b", "similarity"]].itertuples(index=False):
        sq.loc[a, b] = sq.loc[b, a] = v
    for lab in labels:
        if pd.isna(sq.loc[lab, lab]):
            sq.loc[lab, lab] = 1.0
    return sq


def plot_similarity_heatmap(
    sim: pd.DataFrame,
    *,
    order: str | Sequence | None = "cluster",
    annotate: bool = True,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "viridis",
    title: str = "Similarity between documents",
    ax: Axes | None = None,
) -> Figure:
    """A similarity matrix as a heatmap, rows and columns in cluster order.

    Parameters
    ----------
    sim : DataFrame
        Square, with the same labels on index and columns (as
        :func:`discourse.analysis.similarity.document_similarity` returns it), or the
        long table of pairs ``a, b, similarity`` (the diagonal is then 1).
    order : "cluster", a sequence of labels, or None
        ``"cluster"`` uses :func:`cluster_order`; None keeps the given order.
    annotate : bool
        Write the value in each cell.
    vmin, vmax : float, optional
        Ends of the colour scale; default: the range of the off-diagonal
        cells, so that their differences are visible (a document's
        similarity with itself, 1, would otherwise take the whole scale).
        The diagonal is drawn in light grey and labelled "1".

    Examples
    --------
    >>> s = pd.DataFrame([[1, .3], [.3, 1]], index=["Hami", "Jiyuan"], columns=["Hami", "Jiyuan"])
    >>> fig = plot_similarity_heatmap(s)
    >>> len(fig.axes)  # the heatmap and its colour bar
    2
    """
    if isinstance(sim, pd.DataFrame) and {"a", "b", "similarity"} <= set(sim.columns):
        sim = _square_from_pairs(sim)
    if not isinstance(sim, pd.DataFrame) or sim.shape[0] != sim.shape[1]:
        raise ValueError("plot_similarity_heatmap needs a square DataFrame (labels on index and columns)")
    if list(sim.index) != list(sim.columns):
        sim = sim.reindex(columns=sim.index)
        if sim.isna().all(axis=None):
            raise ValueError("plot_similarity_heatmap: index and columns carry different labels")
    if isinstance(order, str) and order == "cluster":
        labels = cluster_order(sim)
    elif order is None:
        labels = list(sim.index)
    else:
        labels = list(order)
    m = sim.loc[labels, labels].to_numpy(dtype=float)
    n = len(labels)
    off = m[~np.eye(n, dtype=bool)] if n > 1 else m.ravel()
    off = off[np.isfinite(off)]
    if vmin is None:
        vmin = float(off.min()) if off.size else 0.0
    if vmax is None:
        vmax = float(off.max()) if off.size else 1.0
    if vmax <= vmin:
        vmax = vmin + 1e-9
    shown = m.copy()
    if n > 1:
        np.fill_diagonal(shown, np.nan)
    big = n > 25
    annotate = annotate and not big
    side = min(0.6 * n + 2.4, 12.0)
    fig, ax = _figure(ax, (side + 1.0, side))
    cm = mpl.colormaps[cmap].with_extremes(bad="#e8e8e8")
    im = ax.imshow(np.ma.masked_invalid(shown), cmap=cm, vmin=vmin, vmax=vmax)
    ticks = np.arange(n)
    fs = 8 if n <= 25 else max(3.0, 8 * 25 / n)
    ax.set_xticks(ticks, [str(v) for v in labels], rotation=45 if n <= 25 else 90, ha="right" if n <= 25 else "center",
                  fontsize=fs)
    ax.set_yticks(ticks, [str(v) for v in labels], fontsize=fs)
    ax.grid(False)
    if annotate:
        mid = (vmin + vmax) / 2
        for i in range(n):
            for j in range(n):
                if i == j:
                    ax.text(j, i, "1", ha="center", va="center", fontsize=8, color="#777777")
                elif np.isfinite(m[i, j]):
                    ax.text(j, i, f"{m[i, j]:.3f}", ha="center", va="center", fontsize=8,
                            color="white" if m[i, j] < mid else "black")
    fig.colorbar(im, ax=ax, shrink=0.8, label=f"similarity (scale: off-diagonal range {vmin:.3f}–{vmax:.3f})")
    ax.set_title(title)
    return fig


# -- 8. discourse-feature rates ---------------------------------------------------
def plot_feature_rates(
    rates: pd.DataFrame,
    *,
    feature_col: str = "feature",
    group_col: str = "doc_id",
    rate_col: str = "per_1000",
    count_col: str | None = "count",
    gloss: Gloss = None,
    unit: str = "per 1,000 word tokens",
    colors: Mapping[str, str] | None = None,
    markers: Mapping[str, str] | None = None,
    max_groups: int | None = 12,
    annotate_counts: bool | None = None,
    title: str = "Discourse features per document",
    ax: Axes | None = None,
) -> Figure:
    """Dot plot of discourse-feature rates per document, counts written beside.

    One row per feature, one dot per document (colour per city); the raw
    count is annotated next to each dot, so a reader sees how few
    occurrences a rate rests on.

    Parameters
    ----------
    rates : DataFrame
        Long table, one row per feature and document, as returned by
        :func:`discourse.analysis.features.discourse_features` (``doc_id, category,
        feature, count, n_tokens, per_1000``).
    gloss : str or callable, optional
        English gloss of each feature name (column or callable).
    unit : str
        Unit of the rate, for the axis label.
    colors, markers : mapping, optional
        Group -> colour / marker (e.g. a document's place colour, so that a
        place keeps its colour across years, and its rank in time).
    max_groups : int, optional
        At most this many groups (those with the highest total count); the
        others are named under the figure.
    annotate_counts : bool, optional
        Write the raw count beside each dot; default with at most 6 groups
        (beyond that the labels merge; the table gives the counts).
    title : str

    Examples
    --------
    >>> r = pd.DataFrame({"feature": ["要求"] * 2, "doc_id": ["hami-2020", "jiyuan-2022"],
    ...                   "per_1000": [1.2, 0.4], "count": [5, 2]})
    >>> fig = plot_feature_rates(r, gloss=lambda t: "demand")
    >>> fig.axes[0].get_yticklabels()[0].get_text()
    '要求 (demand)'
    """
    _require(rates, [feature_col, group_col, rate_col, count_col], "plot_feature_rates")
    feats = list(pd.unique(rates[feature_col]))
    groups = list(pd.unique(rates[group_col].dropna()))
    weight = rates.groupby(group_col)[count_col].sum() if count_col else None
    groups, rest = _top_groups(groups, weight, max_groups)
    colors = group_colors(groups, palette=colors)
    markers = dict(markers or {})
    n = len(groups)
    if annotate_counts is None:
        annotate_counts = n <= 6
    fig, ax = _figure(ax, (7.5, (0.42 + 0.05 * max(0, n - 5)) * len(feats) + 1.6))
    offsets = (np.arange(n) - (n - 1) / 2) * (0.6 / max(n, 1))
    row = {f: i for i, f in enumerate(feats)}
    for j, g in enumerate(groups):
        sub = rates[rates[group_col] == g]
        y = sub[feature_col].map(row).to_numpy(dtype=float) + offsets[j]
        x = sub[rate_col].to_numpy(dtype=float)
        ax.plot(x, y, markers.get(str(g), "o"), color=colors[g], ms=5, ls="", label=str(g))
        if count_col is not None and annotate_counts:
            for xi, yi, c in zip(x, y, sub[count_col]):
                if np.isfinite(xi) and pd.notna(c):
                    ax.annotate(f"{int(c)}", (xi, yi), xytext=(5, 0), textcoords="offset points",
                                va="center", ha="left", fontsize=6.5, color=colors[g])
    for k in range(1, len(feats)):
        ax.axhline(k - 0.5, color="#eeeeee", lw=0.8, zorder=0)
    frame = pd.DataFrame({feature_col: feats})
    ax.set_yticks(np.arange(len(feats)), _term_labels(frame, feature_col, gloss))
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    ax.margins(x=0.1)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"rate {unit}" + ("  (numbers: raw counts)" if count_col and annotate_counts else ""))
    ax.legend(title=group_col, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)
    ax.set_title(title)
    _rest_note(fig, rest, "groups")
    return fig


# -- 9. robustness --------------------------------------------------------------
def plot_robustness(
    results: pd.DataFrame,
    *,
    variant_col: str = "variant",
    value_col: str = "value",
    finding_col: str | None = "finding",
    low_col: str | None = None,
    high_col: str | None = None,
    baseline: str | None = None,
    reference: float | None = None,
    ncols: int = 2,
) -> Figure:
    """A finding's value across preprocessing variants (preText-style check).

    One panel per finding (``finding_col``), one row per variant; the
    baseline variant is drawn in black, the others in grey, with optional
    interval bars and a reference line (e.g. 0 for "no difference").

    Parameters
    ----------
    results : DataFrame
        Long table ``finding, variant, value[, low, high]``.
    baseline : str, optional
        The variant used in the main analysis.
    reference : float, optional
        Value of "no effect", drawn as a vertical line.

    Examples
    --------
    >>> r = pd.DataFrame({"finding": ["keyness 清零"] * 3, "variant": ["baseline", "no lexicon", "k+2"],
    ...                   "value": [2.1, 1.8, 2.3]})
    >>> fig = plot_robustness(r, baseline="baseline", reference=0.0)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['baseline', 'no lexicon', 'k+2']
    """
    _require(results, [variant_col, value_col, finding_col, low_col, high_col], "plot_robustness")
    findings = list(pd.unique(results[finding_col])) if finding_col else [None]
    ncols = max(1, min(ncols, len(findings)))
    nrows = int(np.ceil(len(findings) / ncols))
    nvar = results[variant_col].nunique()
    _ensure_style()
    width = 40 if ncols > 1 else 80  # characters of a panel title per line
    titles = [textwrap.fill(str(f), width) if f is not None else None for f in findings]
    n_lines = max((t.count("\n") + 1 for t in titles if t), default=1)
    fig = Figure(figsize=(4.6 * ncols + 1.0, (0.3 * nvar + 0.8 + 0.2 * n_lines) * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for k, finding in enumerate(findings):
        ax = axes[k // ncols][k % ncols]
        sub = results if finding is None else results[results[finding_col] == finding]
        y = np.arange(len(sub))
        x = sub[value_col].to_numpy(dtype=float)
        variants = [str(v) for v in sub[variant_col]]
        colors = ["#000000" if baseline is not None and v == str(baseline) else "#888888" for v in variants]
        if low_col and high_col:
            lo = x - sub[low_col].to_numpy(dtype=float)
            hi = sub[high_col].to_numpy(dtype=float) - x
            for yi, xi, l, h, c in zip(y, x, lo, hi, colors):
                ax.errorbar([xi], [yi], xerr=[[l], [h]], fmt="o", color=c, ms=5, capsize=0)
        else:
            ax.scatter(x, y, c=colors, s=28, zorder=3)
        if baseline is not None and str(baseline) in variants:
            ax.axvline(x[variants.index(str(baseline))], color="#000000", lw=0.6, ls=":")
        if reference is not None:
            ax.axvline(reference, color="#D55E00", lw=0.8)
        ax.set_yticks(y, variants)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.margins(x=0.15)
        if finding is not None:
            ax.set_title(titles[k], fontsize=9, loc="left")
    for k in range(len(findings), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    fig.supxlabel(value_col, fontsize=9)
    return fig


__all__ = [
    "plot_document_lengths",
    "plot_cleaning_audit",
    "plot_keyness",
    "plot_topic_terms",
    "plot_topic_shares",
    "plot_timeline",
    "cluster_order",
    "plot_similarity_heatmap",
    "plot_feature_rates",
    "plot_robustness",
]
