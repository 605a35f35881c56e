"""Sense resolution for polysemous terms by ordered context rules.

A term such as 优化 is an ordinary verb (优化营商环境, "improve the business
environment") long before it names a policy (优化防控措施, the 二十条); 隔离
inside 居家隔离 (home isolation) is not 集中隔离 (central quarantine). Counting
the string mixes the senses. This module classifies every occurrence with
rules the study supplies (nothing here knows any term):

* :class:`SenseRules` — per term, an ordered list of ``(sense, rule)`` and a
  default sense. A rule is either a **pattern** (a regular expression that
  must match a stretch of the context window *overlapping the occurrence*,
  i.e. a compound or phrase containing it, such as ``居家隔离`` or
  ``优化.{0,4}措施``) or a **collocate set** (a set of strings any of which
  occurs anywhere in the window, such as ``{"二十条", "新十条"}``). The first
  rule that fires decides; otherwise the default sense.
* :func:`classify_senses` — one row per occurrence with its context.
* :func:`sense_counts` — counts and shares of senses per group.
* :func:`sense_precision` — precision of the classification on a
  hand-labelled sample, with Wilson intervals (statsmodels).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

__all__ = ["SenseRules", "classify_senses", "sense_counts", "sense_precision"]


def _compile(rule):
    if isinstance(rule, str):
        return ("pattern", re.compile(rule))
    if isinstance(rule, re.Pattern):
        return ("pattern", rule)
    if isinstance(rule, (set, frozenset, list, tuple)):
        items = [str(x) for x in rule]
        if not items or any(not x for x in items):
            raise ValueError(f"a collocate set must hold non-empty strings; got {rule!r}")
        return ("collocates", tuple(sorted(set(items))))
    raise TypeError(f"a sense rule must be a regex string or a set of collocates; got {rule!r}")


@dataclass(frozen=True)
class SenseRules:
    """Ordered sense rules per term.

    Parameters
    ----------
    rules : mapping term -> sequence of (sense, rule)
        ``rule`` is a regex string (must match a stretch overlapping the
        occurrence) or a set/list of collocates (any of them anywhere in
        the window).
    default : mapping term -> sense, or str
        Sense when no rule fires (one string for all terms).
    window : int, default 12
        Characters of context on each side.

    Examples
    --------
    >>> r = SenseRules({"隔离": [("home", "居家隔离"), ("central", "集中隔离")]}, default="other")
    >>> r.terms, r.default_for("隔离")
    (('隔离',), 'other')
    """

    rules: Mapping[str, Sequence[tuple[str, object]]]
    default: Mapping[str, str] | str = "other"
    window: int = 12
    _compiled: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.rules:
            raise ValueError("SenseRules needs at least one term")
        if int(self.window) < 0:
            raise ValueError(f"window must be >= 0; got {self.window!r}")
        comp = {}
        for term, lst in self.rules.items():
            if not term:
                raise ValueError("empty term in SenseRules")
            entries = []
            for i, item in enumerate(lst):
                try:
                    sense, rule = item
                except (TypeError, ValueError):
                    raise ValueError(f"rule {i} of {term!r} must be a (sense, rule) pair; got {item!r}") from None
                entries.append((str(sense), *_compile(rule), rule))
            comp[term] = entries
        if not isinstance(self.default, str):
            missing = [t for t in self.rules if t not in self.default]
            if missing:
                raise ValueError(f"no default sense for term(s) {missing}")
        object.__setattr__(self, "_compiled", comp)

    @property
    def terms(self) -> tuple[str, ...]:
        """The terms, longest first (so that a longer term is matched first)."""
        return tuple(sorted(self.rules, key=lambda t: (-len(t), t)))

    def default_for(self, term: str) -> str:
        return self.default if isinstance(self.default, str) else str(self.default[term])

    def classify(self, text: str, start: int, end: int) -> tuple[str, str]:
        """Sense and the rule that decided it, for ``text[start:end]``."""
        term = text[start:end]
        w = int(self.window)
        lo, hi = max(0, start - w), min(len(text), end + w)
        ctx = text[lo:hi]
        s, e = start - lo, end - lo
        for sense, kind, rule, raw in self._compiled[term]:
            if kind == "pattern":
                # a match starting anywhere up to the occurrence's end that
                # reaches into it (tried at every start, so overlapping
                # candidate matches are not missed)
                for p in range(0, e):
                    m = rule.match(ctx, p)
                    if m and m.end() > s:
                        return sense, str(raw if isinstance(raw, str) else raw.pattern)
            else:
                if any(c in ctx for c in rule):
                    return sense, "collocates:" + "|".join(rule)
        return self.default_for(term), "default"


def _id_col(units: pd.DataFrame, id_col: str | None) -> str:
    if id_col is not None:
        if id_col not in units.columns:
            raise ValueError(f"units has no id column {id_col!r}")
        return id_col
    for c in ("sent_id", "para_id", "doc_id"):
        if c in units.columns:
            return c
    raise ValueError("no id column: pass id_col= or give a doc_id/para_id/sent_id column")


def classify_senses(
    units: pd.DataFrame,
    rules: SenseRules,
    *,
    text_col: str = "text",
    id_col: str | None = None,
) -> pd.DataFrame:
    """Classify every occurrence of the rules' terms in the units' texts.

    Occurrences are found left to right, longest term first, without
    overlaps between terms.

    Returns
    -------
    DataFrame with ``doc_id`` (when the units have one), ``unit_id``,
    ``offset`` (in the unit text; ``doc_offset`` too when the units have a
    ``start`` column), ``term``, ``sense``, ``rule`` (the rule that fired, or
    ``"default"``), ``left``, ``right`` (``rules.window`` characters).

    Examples
    --------
    >>> rules = SenseRules({"优化": [("policy", {"二十条"}), ("ordinary", "优化营商环境")]},
    ...                    default="ordinary", window=4)
    >>> units = pd.DataFrame({"doc_id": ["d"], "text": ["落实二十条，优化防控措施；优化营商环境"]})
    >>> classify_senses(units, rules)[["offset", "term", "sense"]]
       offset term     sense
    0       6   优化    policy
    1      13   优化  ordinary
    """
    idc = _id_col(units, id_col)
    if text_col not in units.columns:
        raise ValueError(f"units has no text column {text_col!r}")
    finder = re.compile("|".join(re.escape(t) for t in rules.terms))
    w = int(rules.window)
    has_doc = "doc_id" in units.columns and idc != "doc_id"
    has_start = "start" in units.columns
    rows = []
    for rec in units.itertuples(index=False):
        r = rec._asdict()
        text = r[text_col]
        if not isinstance(text, str):
            raise ValueError(f"units.{text_col} is not text for unit {r[idc]!r}")
        for m in finder.finditer(text):
            sense, rule = rules.classify(text, m.start(), m.end())
            row = {
                "unit_id": r[idc],
                "offset": m.start(),
                "term": m.group(),
                "sense": sense,
                "rule": rule,
                "left": text[max(0, m.start() - w) : m.start()],
                "right": text[m.end() : m.end() + w],
            }
            if has_doc:
                row["doc_id"] = r["doc_id"]
            if has_start:
                row["doc_offset"] = int(r["start"]) + m.start()
            rows.append(row)
    cols = (["doc_id"] if has_doc else []) + ["unit_id", "offset"] + (["doc_offset"] if has_start else [])
    cols += ["term", "sense", "rule", "left", "right"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("term", "sense", "rule", "left", "right"):
        out[c] = out[c].astype("string")
    out["offset"] = out["offset"].astype(np.int64)
    return out


def sense_counts(occurrences: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Occurrences per (group, term, sense) with the sense's share of the term.

    Every sense seen for a term appears in every group (count 0 where
    absent), so shares across groups are comparable.

    Examples
    --------
    >>> occ = pd.DataFrame({"period": ["a", "a", "b"], "term": ["优化"] * 3,
    ...                     "sense": ["ordinary", "policy", "policy"]})
    >>> sense_counts(occ, by="period")
      period term     sense  n  n_term  share
    0      a   优化  ordinary  1       2    0.5
    1      a   优化    policy  1       2    0.5
    2      b   优化  ordinary  0       1    0.0
    3      b   优化    policy  1       1    1.0
    """
    by_ = [] if by is None else ([by] if isinstance(by, str) else list(by))
    missing = [c for c in [*by_, "term", "sense"] if c not in occurrences.columns]
    if missing:
        raise ValueError(f"occurrences has no column(s) {missing}")
    n = occurrences.groupby([*by_, "term", "sense"], observed=True).size().rename("n")
    senses = occurrences[["term", "sense"]].drop_duplicates()
    groups = (
        occurrences[by_].drop_duplicates() if by_ else pd.DataFrame(index=[0])
    )
    full = groups.merge(senses, how="cross")
    full = full.merge(n.reset_index(), on=[*by_, "term", "sense"], how="left")
    full["n"] = full["n"].fillna(0).astype(np.int64)
    full["n_term"] = full.groupby([*by_, "term"], observed=True)["n"].transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        full["share"] = np.where(full["n_term"] > 0, full["n"] / full["n_term"].clip(lower=1), np.nan)
    return full.sort_values([*by_, "term", "sense"], kind="mergesort").reset_index(drop=True)


def sense_precision(
    sample: pd.DataFrame,
    *,
    predicted: str = "sense",
    gold: str = "gold",
    level: float = 0.95,
) -> pd.DataFrame:
    """Precision of the sense classification on a hand-labelled sample.

    For each predicted sense (and ``"all"``): ``n`` labelled occurrences
    predicted with that sense, ``n_correct`` whose hand label agrees,
    ``precision`` and its Wilson interval (statsmodels
    ``proportion_confint(method="wilson")``). Rows without a gold label are
    ignored and counted in ``n_unlabelled``.

    Examples
    --------
    >>> s = pd.DataFrame({"term": "优化", "sense": ["policy"] * 4 + ["ordinary"] * 2,
    ...                   "gold": ["policy", "policy", "policy", "ordinary", "ordinary", "ordinary"]})
    >>> sense_precision(s)[["term", "sense", "n", "n_correct", "precision"]]
      term     sense  n  n_correct  precision
    0   优化       all  6          5   0.833333
    1   优化  ordinary  2          2   1.000000
    2   优化    policy  4          3   0.750000
    """
    for c in (predicted, gold):
        if c not in sample.columns:
            raise ValueError(f"sample has no column {c!r}")
    has_term = "term" in sample.columns
    lab = sample[sample[gold].notna()]
    n_unl = int(sample[gold].isna().sum())
    rows = []
    keys = lab.groupby("term", sort=True) if has_term else [(None, lab)]
    for term, g in keys:
        parts = [("all", g)] + [(str(k), v) for k, v in g.groupby(predicted, sort=True)]
        for sense, h in parts:
            n = len(h)
            k = int((h[predicted].astype(str) == h[gold].astype(str)).sum())
            lo, hi = proportion_confint(k, n, alpha=1 - level, method="wilson") if n else (np.nan, np.nan)
            row = {"sense": sense, "n": n, "n_correct": k,
                   "precision": k / n if n else np.nan, "lower": lo, "upper": hi}
            if has_term:
                row = {"term": term, **row}
            rows.append(row)
    out = pd.DataFrame(rows)
    out["n_unlabelled"] = n_unl
    return out
