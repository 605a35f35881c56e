"""Collocations within a window: PMI and log-likelihood, with minimum counts.

Counting. Every ordered pair ``(w1, w2)`` where *w2* follows *w1* at a
distance of 1 .. ``window`` tokens inside the same unit is one co-occurrence
event (``window=1``: adjacent bigrams). Units never span: a paragraph break
ends all windows. Tokens are filtered first (placeholders and punctuation
are dropped; :class:`discourse.analysis.vocab.TokenFilter`), so distances are counted
over words.

Statistics. The pair events form a contingency table (Evert 2008, "Corpora
and collocations"): ``O11 = f(w1, w2)``, ``R1 = f(w1, ·)`` (events with w1
first), ``C1 = f(·, w2)`` (events with w2 second), ``N`` = all events;
``E11 = R1 C1 / N``.

* ``pmi = log2(O11 / E11)``
* ``g2``: Dunning's (1993) log-likelihood on the full 2×2 table
  ``[[O11, R1-O11], [C1-O11, N-R1-C1+O11]]``, i.e. ``2 Σ O ln(O/E)``,
  the value of ``scipy.stats.chi2_contingency(table, correction=False,
  lambda_="log-likelihood")``; signed negative when ``O11 < E11``
  (the pair is repelled).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd

from discourse.analysis.vocab import TokenFilter, token_lists

_MEASURES = ("pmi", "g2")


def _xlogx_over(o: np.ndarray, e: np.ndarray) -> np.ndarray:
    out = np.zeros_like(o, dtype=float)
    m = o > 0
    out[m] = o[m] * np.log(o[m] / e[m])
    return out


def pair_counts(
    texts: Iterable[Iterable[str]], window: int = 1, stop_words: Iterable[str] | None = None
) -> Counter:
    """Ordered pair counts within *window* tokens (see the module notes).

    Examples
    --------
    >>> sorted(pair_counts([["a", "b", "c"]], window=2).items())
    [(('a', 'b'), 1), (('a', 'c'), 1), (('b', 'c'), 1)]
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    flt = TokenFilter(stop_words)
    c: Counter = Counter()
    for toks in texts:
        t = flt(toks)
        for d in range(1, window + 1):
            c.update(zip(t, t[d:]))
    return c


def collocations(
    units,
    *,
    window: int = 1,
    measure: str = "pmi",
    min_count: int = 3,
    min_word_count: int = 1,
    node: str | None = None,
    tokens_col: str = "tokens",
    stop_words: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Collocations scored by PMI or log-likelihood.

    Parameters
    ----------
    units : DataFrame with ``tokens`` or list of token lists
    window : int, default 1
        Maximum distance (1 = adjacent).
    measure : {"pmi", "g2"}
        Sort key (both columns are always returned).
    min_count : int, default 3
        Minimum pair frequency.
    min_word_count : int, default 1
        Minimum frequency of each word as a pair member (R1 and C1).
    node : str, optional
        Keep only pairs containing this word (on either side).
    tokens_col, stop_words

    Returns
    -------
    DataFrame
        ``w1, w2, freq, freq_w1, freq_w2, n_pairs, expected, pmi, g2``,
        sorted by *measure* (descending), then ``freq`` (descending), then
        ``w1, w2``.

    Examples
    --------
    >>> texts = [["核酸", "检测", "工作"], ["核酸", "检测"], ["工作", "会议"]] * 2
    >>> collocations(texts, min_count=2).head(1)[["w1", "w2", "freq"]].values.tolist()
    [['工作', '会议', 2]]
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {_MEASURES}, got {measure!r}")
    pc = pair_counts(token_lists(units, tokens_col), window, stop_words)
    cols = ["w1", "w2", "freq", "freq_w1", "freq_w2", "n_pairs", "expected", "pmi", "g2"]
    if not pc:
        return pd.DataFrame(columns=cols)
    r1: Counter = Counter()
    c1: Counter = Counter()
    for (a, b), n in pc.items():
        r1[a] += n
        c1[b] += n
    N = float(sum(pc.values()))
    items = [
        (a, b, n)
        for (a, b), n in pc.items()
        if n >= min_count
        and r1[a] >= min_word_count
        and c1[b] >= min_word_count
        and (node is None or node in (a, b))
    ]
    if not items:
        return pd.DataFrame(columns=cols)
    w1 = [a for a, _, _ in items]
    w2 = [b for _, b, _ in items]
    o11 = np.array([n for _, _, n in items], dtype=float)
    R1 = np.array([r1[a] for a in w1], dtype=float)
    C1 = np.array([c1[b] for b in w2], dtype=float)
    o12, o21 = R1 - o11, C1 - o11
    o22 = N - R1 - C1 + o11
    R2, C2 = N - R1, N - C1
    e11, e12, e21, e22 = R1 * C1 / N, R1 * C2 / N, R2 * C1 / N, R2 * C2 / N
    g2 = 2.0 * (_xlogx_over(o11, e11) + _xlogx_over(o12, e12)
                + _xlogx_over(o21, e21) + _xlogx_over(o22, e22))
    g2 = np.where(o11 < e11, -g2, g2)
    out = pd.DataFrame(
        {
            "w1": w1, "w2": w2, "freq": o11.astype(np.int64),
            "freq_w1": R1.astype(np.int64), "freq_w2": C1.astype(np.int64),
            "n_pairs": np.full(len(w1), int(N), dtype=np.int64),
            "expected": e11, "pmi": np.log2(o11 / e11), "g2": g2,
        }
    )
    return out.sort_values([measure, "freq", "w1", "w2"], ascending=[False, False, True, True],
                           kind="stable").reset_index(drop=True)


__all__ = ["pair_counts", "collocations"]
