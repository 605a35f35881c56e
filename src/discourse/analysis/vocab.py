"""Token lists in, vocabulary out: the shared front end of the analysis modules.

The analysis modules work on token lists that the project tokenizer
(:mod:`discourse.segment`) has already produced and cached. This module holds
the two small pieces they share:

* :func:`is_word` decides whether a token counts as vocabulary: placeholders
  (``〔REDACTED〕``, ``〔NUM〕`` ...; see :mod:`discourse.placeholders`) never do,
  nor do tokens without a letter, digit or CJK character (punctuation,
  whitespace). One-character words such as 要 or 防 are kept.
* :class:`TokenFilter` is a picklable callable ``list[str] -> list[str]`` that
  applies :func:`is_word` (and an optional stop list). It is the ``analyzer``
  handed to scikit-learn's vectorizers, so they accept pre-tokenised input
  and never apply the default ``token_pattern`` (which silently drops
  one-character Chinese words).
* :func:`token_lists` accepts either a units table with a ``tokens`` column
  or a sequence of token lists, and returns the sequence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from discourse.placeholders import is_placeholder


def as_is(tokens):
    """The analyzer of a vectorizer over token lists that are already final: returns them unchanged.

    A module-level function (not a lambda), so vectorizers that use it pickle.

    Examples
    --------
    >>> as_is(["核酸", "检测"])
    ['核酸', '检测']
    """
    return tokens


def is_word(token: str) -> bool:
    """Return True when *token* is vocabulary.

    A word is a non-placeholder token with at least one alphanumeric character
    (CJK characters count as alphanumeric in Python).

    Examples
    --------
    >>> [is_word(t) for t in ["要", "核酸", "，", " ", "〔NUM〕", "2022"]]
    [True, True, False, False, False, True]
    """
    if not token or is_placeholder(token):
        return False
    return any(ch.isalnum() for ch in token)


class TokenFilter:
    """Picklable analyzer that keeps the words of a token list.

    Parameters
    ----------
    stop_words : iterable of str, optional
        Tokens to drop in addition to placeholders and punctuation.

    Examples
    --------
    >>> TokenFilter(stop_words={"的"})(["加强", "的", "，", "〔XX〕", "防控"])
    ['加强', '防控']
    """

    def __init__(self, stop_words: Iterable[str] | None = None) -> None:
        self.stop_words = frozenset(stop_words or ())

    def __call__(self, tokens: Iterable[str]) -> list[str]:
        if isinstance(tokens, str):
            raise TypeError(
                "expected a list of tokens, got a str; tokenise the text first "
                "(discourse.segment.tokenize_units) or pass a list of token lists"
            )
        stop = self.stop_words
        return [t for t in tokens if is_word(t) and t not in stop]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenFilter) and other.stop_words == self.stop_words

    def __hash__(self) -> int:
        return hash(self.stop_words)

    def __repr__(self) -> str:
        return f"TokenFilter(stop_words=<{len(self.stop_words)} words>)"


def token_lists(
    data: pd.DataFrame | Sequence[Sequence[str]], tokens_col: str = "tokens"
) -> Sequence[Sequence[str]]:
    """Return the token lists of a units table, or *data* itself.

    Parameters
    ----------
    data : DataFrame or sequence of token lists
        A units table with a ``tokens_col`` column of lists of str, or the
        lists themselves.
    tokens_col : str
        Column holding the token lists.

    Raises
    ------
    KeyError
        When a DataFrame lacks the tokens column.
    TypeError
        When a row holds a string instead of a token list.

    Examples
    --------
    >>> import pandas as pd
    >>> token_lists(pd.DataFrame({"tokens": [["疫情", "防控"]]}))
    [['疫情', '防控']]
    """
    if isinstance(data, pd.DataFrame):
        if tokens_col not in data.columns:
            raise KeyError(
                f"units table has no {tokens_col!r} column (columns: {list(data.columns)}); "
                "add it with discourse.segment.tokenize_units"
            )
        seq = data[tokens_col].tolist()
    else:
        seq = data
    if isinstance(seq, str):
        raise TypeError("expected a sequence of token lists, got a str")
    for i, toks in enumerate(seq[:50] if isinstance(seq, list) else []):
        if isinstance(toks, str):
            raise TypeError(
                f"row {i} of {tokens_col!r} is a str, not a list of tokens: {toks[:30]!r}"
            )
    return seq


__all__ = ["as_is", "is_word", "TokenFilter", "token_lists"]
