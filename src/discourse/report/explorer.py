"""Interactive views for the reports: a term explorer and a topic browser, offline.

:func:`term_explorer` is in the spirit of scattertext's explorer: the terms of
two groups (periods, levels, a place against the rest) as a scatter of their
rates per 1,000 tokens on log scales, hover for counts, rates, gloss and the
comparison statistic, a search box (term or English gloss) that highlights the
matches, and a click (or an exact search hit) that shows the term's
concordance lines. :func:`topic_browser` lists a topic model's topics; for the
selected one it shows the top terms with glosses, prevalence by group with
intervals and representative passages.

Each returns a self-contained HTML fragment (:class:`Fragment`, shown as HTML
in a notebook): inline ``<style>``, the data as JSON in a
``<script type="application/json">`` block with ``<``, ``>``, ``&`` escaped
(:func:`discourse.report.safety.json_script`), and the static project script
from ``report/assets/`` (recognised by its hash by
:func:`discourse.report.safety.check_inert_html`). Corpus text is only ever
put into the page with ``textContent``.

Page size: a report page should stay under :data:`PAGE_BUDGET_BYTES` (5 MB);
each explorer's data is held to ``max_bytes`` (default 1.5 MB): when the terms
would exceed it, the least distinctive terms are left out (the UI says how
many are shown of how many).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from discourse.report.safety import json_script, script_tag, style_tag

#: The size limit chosen for one report page (bytes).
PAGE_BUDGET_BYTES: int = 5_000_000
#: Default data budget of one explorer (bytes of JSON).
EXPLORER_BUDGET_BYTES: int = 1_500_000
#: Default colours of the two groups (colour-blind safe pair).
GROUP_COLORS: tuple[str, str] = ("#1f6fb4", "#d95f02")

_TERM_COLS = ("term", "count_a", "count_b", "rate_a", "rate_b", "statistic")
_CONC_COLS = ("term", "doc", "left", "keyword", "right")


@dataclass(frozen=True)
class Fragment:
    """An HTML fragment that displays in a notebook; ``notes`` says what was cut to fit."""

    html: str
    n_items: int
    n_shown: int
    n_bytes: int
    notes: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<{self.n_shown} of {self.n_items} items, {self.n_bytes:,} bytes of data>"


def _num(v) -> float | None:
    if v is None or v is pd.NA:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _text(v) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)


def _require(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{what} must be a DataFrame, got {type(df).__name__}")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KeyError(f"{what} has no column(s) {missing}; it has {list(df.columns)}")


def _uid(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()[:12]


def _size(obj) -> int:
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def term_explorer(
    term_table: pd.DataFrame,
    *,
    concordance: pd.DataFrame | None = None,
    group_a: str,
    group_b: str,
    gloss: Callable[[str], str | None] | Mapping[str, str] | None = None,
    max_terms: int = 2000,
    max_lines: int = 50,
    title: str | None = None,
    stat_name: str = "z (log-odds)",
    threshold: float = 1.96,
    colors: tuple[str, str] = GROUP_COLORS,
    n_labels: int = 8,
    n_side: int = 15,
    max_bytes: int = EXPLORER_BUDGET_BYTES,
) -> Fragment:
    """A scattertext-like term explorer for two groups, as a self-contained HTML fragment.

    Parameters
    ----------
    term_table : DataFrame
        One row per term: ``term``, ``count_a``, ``count_b``, ``rate_a``,
        ``rate_b`` (per 1,000 tokens), ``statistic`` (positive: relatively more
        frequent in ``group_a``, e.g. the regularised log-odds z), optional
        ``gloss``.
    concordance : DataFrame, optional
        ``term, doc, left, keyword, right``: the lines of each term, in the
        order to show; at most ``max_lines`` per term go into the page (the UI
        gives the total).
    group_a, group_b : str
        Display names of the two groups (x and y axis).
    gloss : callable or mapping, optional
        English gloss of a term, used where the table has no ``gloss``.
    max_terms : int
        At most this many terms, the most distinctive (largest
        ``|statistic|``, then most frequent) first.
    max_lines : int
        Concordance lines per term in the page.
    title, stat_name : str
    threshold : float
        ``|statistic|`` from which a point takes its group's colour.
    colors : (str, str)
    n_labels, n_side : int
        Terms labelled in the plot and listed beside it, per group.
    max_bytes : int
        Budget of the explorer's data (JSON bytes); terms are dropped from the
        least distinctive end until it fits, and the UI says so.

    Returns
    -------
    Fragment

    Examples
    --------
    >>> terms = pd.DataFrame({"term": ["隔离", "</script>"], "count_a": [9, 1], "count_b": [2, 4],
    ...     "rate_a": [4.5, 0.5], "rate_b": [1.0, 2.0], "statistic": [2.5, -1.1]})
    >>> conc = pd.DataFrame({"term": ["隔离"], "doc": ["Hami 2020"], "left": ["居家"],
    ...     "keyword": ["隔离"], "right": ["观察"]})
    >>> frag = term_explorer(terms, concordance=conc, group_a="2020", group_b="2022")
    >>> frag.n_shown, "</script>" in frag.html.split('class="dx-data">')[1].split("</script>")[0]
    (2, False)
    """
    _require(term_table, _TERM_COLS, "term_table")
    if concordance is not None:
        _require(concordance, _CONC_COLS, "concordance")
    if max_terms < 1 or max_lines < 0:
        raise ValueError("max_terms must be >= 1 and max_lines >= 0")
    if term_table["term"].isna().any():
        raise ValueError("term_table: column 'term' has missing values")
    if term_table["term"].astype(str).duplicated().any():
        dup = term_table.loc[term_table["term"].astype(str).duplicated(), "term"].astype(str).tolist()[:5]
        raise ValueError(f"term_table: duplicated terms {dup}")
    for c in ("count_a", "count_b", "rate_a", "rate_b"):
        v = pd.to_numeric(term_table[c], errors="coerce")
        if v.isna().any() or (v < 0).any():
            raise ValueError(f"term_table: column {c!r} must be non-negative numbers")

    def gloss_of(term: str, row_gloss) -> str:
        if _text(row_gloss):
            return _text(row_gloss)
        if gloss is None:
            return ""
        g = gloss.get(term) if isinstance(gloss, Mapping) else gloss(term)
        return _text(g)

    tt = term_table.copy()
    tt["_abs"] = pd.to_numeric(tt["statistic"], errors="coerce").abs().fillna(0.0)
    tt["_n"] = pd.to_numeric(tt["count_a"]) + pd.to_numeric(tt["count_b"])
    tt["_t"] = tt["term"].astype(str)
    tt = tt.sort_values(["_abs", "_n", "_t"], ascending=[False, False, True], kind="mergesort")
    n_total = len(tt)
    tt = tt.head(max_terms)

    lines_by_term: dict[str, list[list[str]]] = {}
    totals: dict[str, int] = {}
    if concordance is not None:
        for term, grp in concordance.groupby(concordance["term"].astype(str), sort=False):
            totals[term] = len(grp)
            lines_by_term[term] = [
                [_text(r.doc), _text(r.left), _text(r.keyword), _text(r.right)]
                for r in grp.head(max_lines).itertuples(index=False)
            ]

    terms, conc, conc_total = [], [], []
    used = 0
    base = 400  # the JSON's fixed part
    cut_for_budget = False
    for r in tt.itertuples(index=False):
        term = str(r.term)
        row = [term, gloss_of(term, getattr(r, "gloss", None)), int(r.count_a), int(r.count_b),
               round(float(r.rate_a), 6), round(float(r.rate_b), 6), _num(r.statistic) or 0.0]
        lines = lines_by_term.get(term, [])
        cost = _size(row) + _size(lines) + 8
        if base + used + cost > max_bytes:
            cut_for_budget = True
            break
        used += cost
        terms.append(row)
        conc.append(lines)
        conc_total.append(totals.get(term, 0))

    notes = []
    if len(terms) < n_total:
        why = (f"the page-size budget ({max_bytes / 1e6:g} MB of data for this explorer)" if cut_for_budget
               else f"the limit of {max_terms:,} terms")
        notes.append(f"Showing the {len(terms):,} most distinctive of {n_total:,} terms ({why}).")
    if concordance is not None:
        notes.append(f"Concordance: at most {max_lines} lines per term are in the page.")
    notes.append("Points are jittered slightly so that terms with equal counts do not hide one another; "
                 "a rate of 0 is drawn at half the smallest rate.")

    data = {
        "labels": {"a": str(group_a), "b": str(group_b)},
        "colors": {"a": colors[0], "b": colors[1]},
        "stat_name": str(stat_name),
        "threshold": float(threshold),
        "n_labels": int(n_labels),
        "n_side": int(n_side),
        "max_lines": int(max_lines),
        "n_terms_total": n_total,
        "terms": terms,
        "conc": conc,
        "conc_total": conc_total,
    }
    block = json_script(data, css_class="dx-data")
    esc = html.escape
    legend = (f'<span style="color:{esc(colors[0])}">&#9679;</span> {esc(stat_name)} &ge; {threshold:g} '
              f'(more frequent in {esc(str(group_a))}) &nbsp; <span style="color:{esc(colors[1])}">&#9679;</span> '
              f'&le; &minus;{threshold:g} (more frequent in {esc(str(group_b))}) &nbsp; '
              '<span style="color:#b5b5b5">&#9679;</span> in between')
    uid = _uid(group_a, group_b, terms[:50])
    parts = [
        f'<div class="discourse-explorer" id="dx-{uid}">',
        style_tag("explorer.css"),
        f'<p class="dx-title">{esc(title or f"Terms of {group_a} and {group_b}")}</p>',
        f'<p class="dx-note">{legend}</p>',
        *(f'<p class="dx-note">{esc(n)}</p>' for n in notes),
        '<p class="dx-nojs dx-note">This explorer needs JavaScript in the browser.</p>',
        '<div class="dx-controls"><label>Find a term <input type="search" class="dx-search" '
        'placeholder="Chinese term or English gloss" aria-label="Find a term"></label>'
        '<span class="dx-status" aria-live="polite"></span></div>',
        '<div class="dx-hits"></div>',
        '<div class="dx-main"><div class="dx-plot"></div><div class="dx-side"></div></div>',
        '<div class="dx-tip" hidden></div>',
        '<div class="dx-conc" aria-live="polite"><p class="dx-note">Click a point or a term, '
        'or search, to see its concordance lines.</p></div>',
        block,
        script_tag("explorer.js"),
        "</div>",
    ]
    return Fragment(html="\n".join(parts), n_items=n_total, n_shown=len(terms),
                    n_bytes=len(block.encode("utf-8")), notes=tuple(notes))


def topic_browser(
    topics: pd.DataFrame,
    passages: pd.DataFrame | None = None,
    prevalence: pd.DataFrame | None = None,
    *,
    group: str | None = None,
    gloss: Callable[[str], str | None] | Mapping[str, str] | None = None,
    n_terms: int = 10,
    n_passages: int = 3,
    max_chars: int = 300,
    title: str | None = None,
    interval: str = "95% bootstrap interval",
    max_bytes: int = EXPLORER_BUDGET_BYTES,
) -> Fragment:
    """A topic browser: pick a topic; see its terms, passages and prevalence by group.

    Parameters
    ----------
    topics : DataFrame
        Tidy top terms, as ``TopicModel.top_terms()``: ``topic, term, weight``
        and optionally ``label``, ``rank``, ``gloss``.
    passages : DataFrame, optional
        ``topic, doc, text`` (optionally ``weight``: highest first);
        ``n_passages`` per topic, each cut to ``max_chars`` characters.
    prevalence : DataFrame, optional
        As ``topic_shares``: ``<group>, topic, share`` and optionally
        ``ci_low, ci_high, n_units``.
    group : str, optional
        The group column of ``prevalence``; default: its only column that is
        not ``topic, share, ci_low, ci_high, n_units``.
    gloss : callable or mapping, optional
    interval : str
        What ``ci_low``/``ci_high`` are, said in the UI.
    max_bytes : int
        Data budget; passages are dropped (from the last) until it fits.

    Returns
    -------
    Fragment

    Examples
    --------
    >>> top = pd.DataFrame({"topic": ["T01", "T01"], "term": ["核酸", "检测"], "weight": [0.9, 0.5]})
    >>> prev = pd.DataFrame({"city": ["Hami", "Jiyuan"], "topic": ["T01", "T01"], "share": [0.4, 0.1],
    ...     "ci_low": [0.3, 0.05], "ci_high": [0.5, 0.2]})
    >>> topic_browser(top, prevalence=prev).n_shown
    1
    """
    _require(topics, ("topic", "term", "weight"), "topics")
    if passages is not None:
        _require(passages, ("topic", "doc", "text"), "passages")
    if prevalence is not None:
        _require(prevalence, ("topic", "share"), "prevalence")
        if group is None:
            rest = [c for c in prevalence.columns if c not in ("topic", "share", "ci_low", "ci_high", "n_units")]
            if len(rest) != 1:
                raise ValueError(f"prevalence: pass group= (candidate columns: {rest})")
            group = rest[0]
        _require(prevalence, (group,), "prevalence")

    def gloss_of(term: str, row_gloss) -> str:
        if _text(row_gloss):
            return _text(row_gloss)
        if gloss is None:
            return ""
        return _text(gloss.get(term) if isinstance(gloss, Mapping) else gloss(term))

    ids = list(dict.fromkeys(topics["topic"].astype(str)))
    out = []
    for tid in ids:
        t = topics[topics["topic"].astype(str) == tid]
        if "rank" in t.columns:
            t = t.sort_values("rank", kind="mergesort")
        else:
            t = t.sort_values("weight", ascending=False, kind="mergesort")
        label = _text(t["label"].iloc[0]) if "label" in t.columns else ""
        terms = [[str(r.term), gloss_of(str(r.term), getattr(r, "gloss", None)), round(float(r.weight), 4)]
                 for r in t.head(n_terms).itertuples(index=False)]
        ps = []
        if passages is not None:
            p = passages[passages["topic"].astype(str) == tid]
            if "weight" in p.columns:
                p = p.sort_values("weight", ascending=False, kind="mergesort")
            for r in p.head(n_passages).itertuples(index=False):
                text = _text(r.text)
                ps.append([_text(r.doc), text if len(text) <= max_chars else text[: max_chars - 1] + "\u2026"])
        prev = []
        if prevalence is not None:
            q = prevalence[prevalence["topic"].astype(str) == tid]
            for r in q.itertuples(index=False):
                d = r._asdict()
                n_units = _num(d.get("n_units"))
                prev.append([_text(d[group]), _num(d["share"]) or 0.0, _num(d.get("ci_low")), _num(d.get("ci_high")),
                             None if n_units is None else int(n_units)])
        out.append({"id": tid, "label": label, "terms": terms, "passages": ps, "prev": prev})

    data = {"topics": out, "group_name": str(group or "group"), "interval": str(interval)}
    dropped = 0
    while _size(data) > max_bytes and any(t["passages"] for t in out):
        longest = max(range(len(out)), key=lambda k: (len(out[k]["passages"]), -k))
        out[longest]["passages"].pop()
        dropped += 1
    if _size(data) > max_bytes:
        raise ValueError(f"topic_browser: {len(out)} topics need {_size(data):,} bytes even without passages "
                         f"(budget {max_bytes:,}); show fewer terms or topics")
    notes = [f"Passages cut to {max_chars} characters; up to {n_passages} per topic."]
    if dropped:
        notes.append(f"{dropped} passages left out to keep the page under its size budget ({max_bytes / 1e6:g} MB).")
    block = json_script(data, css_class="dx-data")
    esc = html.escape
    parts = [
        f'<div class="discourse-topics" id="dx-{_uid(ids, out[:3])}">',
        style_tag("explorer.css"),
        f'<p class="dx-title">{esc(title or "Topics")}</p>',
        *(f'<p class="dx-note">{esc(n)}</p>' for n in notes),
        '<p class="dx-nojs dx-note">The topic browser needs JavaScript.</p>',
        '<div class="dx-tmain"><div class="dx-tlist" role="list" aria-label="Topics"></div>'
        '<div class="dx-tview" aria-live="polite"></div></div>',
        block,
        script_tag("topics.js"),
        "</div>",
    ]
    return Fragment(html="\n".join(parts), n_items=len(ids), n_shown=len(out),
                    n_bytes=len(block.encode("utf-8")), notes=tuple(notes))


__all__ = ["PAGE_BUDGET_BYTES", "EXPLORER_BUDGET_BYTES", "Fragment", "term_explorer", "topic_browser"]
