"""Wordfish positions of a handful of texts, and what so few texts cannot show.

The panel study scales hundreds of reports a year
(:func:`discourse.study.panel.wordfish_by_year`); a study of a few texts can
fit the same model, but with very little to learn it from. :func:`text_positions`
fits :class:`discourse.analysis.scaling.Wordfish` on the texts' token counts
and reports both kinds of standard error; :func:`positions_note` states, from
the fitted numbers, what such a fit cannot show.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from discourse.analysis.vocab import as_is
from discourse.config import RANDOM_STATE

#: How the sign of θ is fixed (said in the notebook).
DIRECTION_RULE: str = (
    "The sign of θ is fixed with Wordfish's dir option: the latest-dated text is placed above the earliest "
    "(by label order when the texts are undated); it says nothing about what the dimension is."
)


def text_positions(
    units: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    by: str = "label",
    stop_words: Iterable[str] = (),
    min_df: int = 2,
    n_boot: int = 100,
    tol: float = 1e-7,
    boot_tol: float = 1e-6,
    max_iter: int = 5000,
    random_state: int | None = RANDOM_STATE,
) -> pd.DataFrame:
    """Wordfish positions of each text (units pooled by ``by``) with two kinds of standard error.

    Tokens of the units are counted per text (``stop_words`` left out),
    keeping words that occur in at least ``min_df`` texts: a word in one
    text only tells the model nothing about the others. The direction is
    fixed by :data:`DIRECTION_RULE`. ``theta_se`` is the observed-information
    SE conditional on the word parameters (quanteda's); ``theta_se_boot``
    the parametric bootstrap of Slapin & Proksch (2008), which refits the
    whole model ``n_boot`` times and so carries the uncertainty of the word
    parameters too; intervals are ± 1.96 of the bootstrap SE. With so few
    texts the word weights of rare words creep along a flat ridge for
    hundreds of iterations, so the defaults allow ``max_iter = 5000`` at a
    tolerance ``tol = 1e-7`` on the log posterior (positions settle long
    before; ``attrs["converged"]`` says whether the main fit met it). The
    bootstrap refits stop at ``boot_tol`` (the positions, not the rare
    words' weights, are what they are for), which keeps them fast.

    Returns
    -------
    DataFrame ``label, place, date, n_tokens, n_counted, theta, theta_se,
    theta_se_boot, lower, upper``, in θ order; ``attrs`` hold ``n_docs``,
    ``n_words``, ``converged``, ``n_iter``, ``low`` and ``high`` (the
    direction texts), ``rho_length`` and ``p_length`` (Spearman correlation
    of θ with the number of tokens counted, exact p over all orderings),
    ``rho_date``, ``p_date`` and ``n_dated`` (the same with the date, over
    the dated texts).

    Raises
    ------
    ValueError
        With fewer than 3 texts, or fewer than 2 words at ``min_df``.

    Examples
    --------
    >>> units = pd.DataFrame({"label": list("aabbcc"), "tokens": [["防控", "疫情"], ["防控"],
    ...     ["疫情", "核酸"], ["核酸", "防控"], ["核酸", "核酸"], ["疫情"]]})
    >>> docs = pd.DataFrame({"label": list("abc"), "date": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01"])})
    >>> pos = text_positions(units, docs, min_df=2, n_boot=20, random_state=0)
    >>> pos.attrs["n_docs"], pos.attrs["high"], bool((pos["theta_se_boot"] > 0).all())
    (3, 'c', True)
    """
    from scipy import stats
    from sklearn.feature_extraction.text import CountVectorizer

    from discourse.analysis.scaling import Wordfish

    if by not in units.columns or "tokens" not in units.columns:
        raise ValueError(f"units need the columns {by!r} and 'tokens'")
    stop = set(stop_words)
    toks = units.groupby(units[by].astype(str), sort=True)["tokens"].agg(
        lambda s: [str(t) for x in s for t in x if str(t) not in stop])
    if len(toks) < 3:
        raise ValueError(f"Wordfish needs at least 3 texts; the units have {len(toks)} value(s) of {by!r}")
    vec = CountVectorizer(analyzer=as_is, min_df=int(min_df), lowercase=False)
    try:
        X = vec.fit_transform(toks.tolist())
    except ValueError:
        X = None
    if X is None or X.shape[1] < 2:
        raise ValueError(f"fewer than 2 words occur in at least {min_df} texts: nothing to scale")
    labels = toks.index.to_numpy(dtype=object)
    meta = documents.assign(**{by: documents[by].astype(str)}).drop_duplicates(by).set_index(by)
    dates = pd.to_datetime(meta["date"], errors="coerce").reindex(labels) if "date" in meta.columns else None
    if dates is not None and dates.notna().sum() >= 2 and dates.nunique() >= 2:
        order = np.lexsort((labels.astype(str), dates.to_numpy()))  # NaT sorts last: use the dated texts only
        dated = [i for i in order if pd.notna(dates.iloc[i])]
        low, high = int(dated[0]), int(dated[-1])
    else:
        low, high = 0, len(labels) - 1
    names = vec.get_feature_names_out()
    wf = Wordfish(dir=(low, high), tol=tol, max_iter=max_iter).fit(X, feature_names=names)
    boot = Wordfish(dir=(low, high), se_method="bootstrap", n_boot=int(n_boot), tol=boot_tol, max_iter=max_iter,
                    random_state=random_state).fit(X, feature_names=names)
    counted = np.asarray(X.sum(axis=1)).ravel()
    out = pd.DataFrame({by: labels})
    for col in ("place", "date"):
        out[col] = meta[col].reindex(labels).to_numpy() if col in meta.columns else pd.NA
    out["n_tokens"] = [sum(len(x) for x in units.loc[units[by].astype(str) == lb, "tokens"]) for lb in labels]
    out["n_counted"] = counted.astype(int)
    out["theta"] = wf.theta_
    out["theta_se"] = wf.theta_hessian_se_
    out["theta_se_boot"] = boot.theta_se_
    out["lower"] = out["theta"] - 1.96 * out["theta_se_boot"]
    out["upper"] = out["theta"] + 1.96 * out["theta_se_boot"]
    rho_len, p_len = _exact_spearman(wf.theta_, counted.astype(float), random_state)
    day = (dates - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float) if dates is not None else None
    rho_date, p_date = _exact_spearman(wf.theta_, day, random_state) if day is not None else (np.nan, np.nan)
    out = out.sort_values("theta", kind="mergesort").reset_index(drop=True)
    out.attrs.update(n_docs=len(labels), n_words=int(X.shape[1]), converged=bool(wf.converged_), n_iter=int(wf.n_iter_),
                     low=str(labels[low]), high=str(labels[high]), rho_length=rho_len, p_length=p_len,
                     rho_date=rho_date, p_date=p_date, n_dated=int(np.isfinite(day).sum()) if day is not None else 0,
                     min_df=int(min_df), n_boot=int(n_boot))
    return out


#: Up to this many texts the Spearman p is exact (all n! orderings: 40,320 at 8); above, it is a
#: seeded Monte Carlo permutation p over :data:`N_PERMUTATIONS` orderings.
EXACT_MAX_TEXTS = 8
N_PERMUTATIONS = 9999


def _exact_spearman(x: np.ndarray, y: np.ndarray, random_state: int | None = RANDOM_STATE) -> tuple[float, float]:
    """Spearman ρ of the finite pairs and its two-sided permutation p (NaN below 3 pairs).

    Exact over all orderings up to :data:`EXACT_MAX_TEXTS` pairs; above that
    (12 texts would be 479 million orderings), a seeded Monte Carlo p over
    :data:`N_PERMUTATIONS` random orderings.
    """
    from scipy import stats

    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.unique(y[ok]).size < 2:
        return np.nan, np.nan
    a, b = x[ok], y[ok]
    rho = float(stats.spearmanr(a, b).statistic)
    exact = len(a) <= EXACT_MAX_TEXTS
    res = stats.permutation_test((a, b), lambda u, v: stats.spearmanr(u, v).statistic, permutation_type="pairings",
                                 n_resamples=np.inf if exact else N_PERMUTATIONS, alternative="two-sided",
                                 random_state=None if exact else np.random.default_rng(random_state))
    return rho, float(res.pvalue)


def _p_basis(n: int) -> str:
    """How the p of a Spearman test over *n* texts was computed (for the note)."""
    if n <= EXACT_MAX_TEXTS:
        return f"exact p = {{p}} over all {_factorial(n)} orderings of {n} texts"
    return f"permutation p = {{p}} over {N_PERMUTATIONS:,} seeded random orderings of {n} texts"


def _overlapping_pairs(pos: pd.DataFrame) -> tuple[int, int]:
    lo, hi = pos["lower"].to_numpy(), pos["upper"].to_numpy()
    n = len(pos)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    return sum(1 for i, j in pairs if lo[i] <= hi[j] and lo[j] <= hi[i]), len(pairs)


def positions_note(positions: pd.DataFrame, *, by: str = "label") -> str:
    """What a Wordfish fit on so few texts cannot show, as Markdown generated from :func:`text_positions`.

    Examples
    --------
    >>> pos = pd.DataFrame({"label": list("abc"), "place": ["甲", "乙", "丙"], "date": pd.NaT,
    ...     "theta": [-1.0, 0.0, 1.0], "theta_se": [0.1] * 3, "theta_se_boot": [0.5] * 3,
    ...     "lower": [-1.98, -0.98, 0.02], "upper": [-0.02, 0.98, 1.98]})
    >>> pos.attrs.update(n_docs=3, n_words=40, converged=True, n_iter=12, low="a", high="c",
    ...     rho_length=0.5, p_length=1.0, rho_date=np.nan, p_date=np.nan, n_dated=0, min_df=2, n_boot=200)
    >>> print(positions_note(pos).splitlines()[0])
    - **Few observations per parameter.** 3 texts and 40 words (in at least 2 texts): each word's weight β and frequency ψ are estimated from 3 counts, one per text.
    """
    a = positions.attrs
    n, k = int(a["n_docs"]), int(a["n_words"])
    ov, pairs = _overlapping_pairs(positions)
    ratios = positions["theta_se_boot"] / positions["theta_se"]
    lo_r, hi_r = float(ratios.min()), float(ratios.max())
    length_p = _p_basis(n).format(p=f"{a['p_length']:.2f}")
    date_part = ""
    if np.isfinite(a.get("rho_date", np.nan)):
        n_dated = int(a["n_dated"])
        smallest = f", the smallest p possible is {2 / _factorial(n_dated):.3f}" if n_dated <= EXACT_MAX_TEXTS else ""
        date_p = _p_basis(n_dated).format(p=f"{a['p_date']:.3f}")
        date_part = (f"; against the date: ρ = {a['rho_date']:+.2f} ({date_p}"
                     f"{smallest}; the sign is fixed by the dates, so only the size of this ρ is evidence, and a date "
                     f"that is only an upper bound makes the order itself uncertain)")
    lines = [
        f"- **Few observations per parameter.** {n} texts and {k} words (in at least {a['min_df']} texts): each "
        f"word's weight β and frequency ψ are estimated from {n} counts, one per text.",
        f"- **What the intervals measure.** The bootstrap standard errors of θ (the model refitted {a['n_boot']} "
        f"times, a rough estimate with so few refits) are between {lo_r:.1f} and {hi_r:.1f} times the conditional "
        f"ones (which take the word parameters as known), text by text; "
        f"with them the 95% intervals of {ov} of the {pairs} pairs of texts overlap, on a scale where the texts' θ "
        f"have standard deviation 1. Both assume the model: they are the counting noise of these texts, not "
        f"whether other texts would span the same dimension, which {n} texts cannot estimate.",
        f"- **No check of what the dimension is.** θ against the number of tokens counted: Spearman ρ = "
        f"{a['rho_length']:+.2f} ({length_p}){date_part}. With {n} points a correlation cannot tell length, level, "
        f"date or genre apart from position, and the sign is only a convention ({a['high']} placed above {a['low']}).",
    ]
    places = positions["place"].astype("string")
    per_place = places.dropna().value_counts()
    n_missing = int(places.isna().sum())
    if len(per_place) and (per_place == 1).all():
        lines.append(f"- **City and date confounded.** Each of the {len(per_place)} named places has one text"
                     + (f" (and {n_missing} {'text has' if n_missing == 1 else 'texts have'} no place)" if n_missing else "")
                     + ", so a difference between two places' positions is also a difference between two dates "
                       "and two documents.")
    elif len(per_place):
        lines.append(f"- **Places.** {len(per_place)} places, {int((per_place > 1).sum())} with more than one text.")
    if not a["converged"]:
        lines.append(f"- The fit did not converge in {a['n_iter']} iterations: read θ with care.")
    return "\n".join(lines)


def _factorial(n: int) -> int:
    import math

    return math.factorial(n)


__all__ = ["DIRECTION_RULE", "positions_note", "text_positions"]
