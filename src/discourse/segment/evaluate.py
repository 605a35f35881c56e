"""Segmentation quality against a hand-segmented gold standard.

The gold file follows the SIGHAN / PKU bakeoff format: UTF-8 without BOM,
one sentence per line, words separated by two spaces (any run of whitespace
is accepted as a separator). Blank lines are skipped.

Scoring is the standard SIGHAN word scoring: each word is the span of
character offsets it covers in its sentence (whitespace ignored); a predicted
word is correct when a gold word has exactly the same span. Precision =
correct / predicted words, recall = correct / gold words, F1 their harmonic
mean, all micro-averaged over the file.

Each segmenter is given the *raw sentence* (the gold words joined without
separators) and only segments it: the project tokenizer runs in
:meth:`~discourse.segment.Tokenizer.segment_only` mode (no stopwords, no
masking, punctuation kept), so the comparison is about segmentation alone.

Run ``python -m discourse.segment.evaluate [--gold PATH]`` (or
``python scripts/evaluate_segmentation.py``) to print the table.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from discourse import config

#: Where the gold standard lives in the repository.
GOLD_PATH: Path = config.PROJ_ROOT / "tests" / "data" / "segmentation_gold.utf8"


class GoldFormatError(ValueError):
    """The gold file is malformed; the message names the file and line."""


def read_gold(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read a SIGHAN-format gold segmentation.

    Returns
    -------
    pandas.DataFrame
        One row per sentence: ``line_no`` (1-based line in the file),
        ``words`` (list of str), ``sentence`` (the words joined).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "gold.utf8"
    >>> _ = p.write_text("坚持  动态清零  。\\n", encoding="utf-8")
    >>> read_gold(p).loc[0, "sentence"]
    '坚持动态清零。'
    """
    p = Path(path) if path is not None else GOLD_PATH
    raw = p.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raise GoldFormatError(f"{p}:1: file starts with a UTF-8 BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise GoldFormatError(f"{p}:{line}: not valid UTF-8") from None
    rows = []
    for no, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            raise GoldFormatError(f"{p}:{no}: CRLF line end; use LF only")
        words = line.split()
        if words:
            rows.append((no, words, "".join(words)))
    if not rows:
        raise GoldFormatError(f"{p}: no sentences")
    return pd.DataFrame(rows, columns=["line_no", "words", "sentence"])


def _spans(words: Sequence[str]) -> set[tuple[int, int]]:
    out, pos = set(), 0
    for w in words:
        n = len("".join(w.split()))
        if n:
            out.add((pos, pos + n))
            pos += n
    return out


def score_segmentation(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, float]:
    """SIGHAN precision, recall and F1 of *pred* against *gold*.

    Parameters
    ----------
    gold, pred : sequence of sequence of str
        Word lists per sentence; sentence *i* of both must consist of the same
        characters (whitespace ignored).

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``n_sentences``, ``n_gold``,
        ``n_pred``, ``n_correct``.

    Examples
    --------
    >>> score_segmentation([["动态清零", "。"]], [["动态", "清零", "。"]])["recall"]
    0.5
    """
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} sentences, prediction {len(pred)}")
    n_gold = n_pred = n_correct = 0
    for i, (g, p) in enumerate(zip(gold, pred)):
        gs, ps = "".join("".join(g).split()), "".join("".join(p).split())
        if gs != ps:
            raise ValueError(f"sentence {i}: segmented characters differ from the gold ({ps[:30]!r} vs {gs[:30]!r})")
        g_sp, p_sp = _spans(g), _spans(p)
        n_gold += len(g_sp)
        n_pred += len(p_sp)
        n_correct += len(g_sp & p_sp)
    precision = n_correct / n_pred if n_pred else 0.0
    recall = n_correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "n_sentences": len(gold),
        "n_gold": n_gold,
        "n_pred": n_pred,
        "n_correct": n_correct,
    }


class JiebaDefault:
    """jieba's default segmentation (what ``jieba.lcut`` returns).

    A private ``jieba.Tokenizer`` on the bundled dictionary with no user
    words: the same output as the global ``jieba.lcut``, without touching
    the global instance or the shared temporary-folder cache.
    """

    def __init__(self) -> None:
        self._tk = None

    def __call__(self, text: str) -> list[str]:
        if self._tk is None:
            import jieba

            from discourse.segment.backends import jieba_cache_dir

            jieba.setLogLevel(60)
            tk = jieba.Tokenizer()
            tk.tmp_dir = str(jieba_cache_dir())
            tk.cache_file = "jieba-bundled-dict.cache"
            tk.initialize()
            self._tk = tk
        return [w for w in self._tk.lcut(text) if not w.isspace()]


def default_segmenters() -> dict[str, Callable[[str], list[str]]]:
    """The segmenters compared by :func:`evaluate_segmenters`."""
    from discourse.segment.tokenizer import Tokenizer

    return {
        "jieba default (jieba.lcut)": JiebaDefault(),
        "project words, rjieba": Tokenizer(backend="rjieba", compounds=False).segment_only,
        "project words, jieba": Tokenizer(backend="jieba", compounds=False).segment_only,
        "project words+compounds, rjieba": Tokenizer(backend="rjieba", compounds=True).segment_only,
    }


def evaluate_segmenters(
    gold: str | os.PathLike[str] | pd.DataFrame | None = None,
    segmenters: Mapping[str, Callable[[str], list[str]]] | None = None,
) -> pd.DataFrame:
    """Score each segmenter on the gold file.

    Parameters
    ----------
    gold : path-like or DataFrame, optional
        A gold file (default :data:`GOLD_PATH`) or the table of
        :func:`read_gold`.
    segmenters : mapping of name -> callable, optional
        ``str -> list[str]`` functions; :func:`default_segmenters` by default.

    Returns
    -------
    pandas.DataFrame
        One row per segmenter: ``segmenter`` and the fields of
        :func:`score_segmentation`.
    """
    table = gold if isinstance(gold, pd.DataFrame) else read_gold(gold)
    segmenters = default_segmenters() if segmenters is None else segmenters
    rows = []
    for name, seg in segmenters.items():
        pred = [seg(s) for s in table["sentence"]]
        rows.append({"segmenter": name, **score_segmentation(list(table["words"]), pred)})
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Print precision, recall and F1 of each segmenter on the gold file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD_PATH, help=f"gold file (default {GOLD_PATH})")
    args = parser.parse_args(argv)
    if not args.gold.exists():
        print(f"gold file not found: {args.gold}", file=sys.stderr)
        return 2
    res = evaluate_segmenters(args.gold)
    print(f"gold: {args.gold} ({int(res['n_sentences'].iloc[0])} sentences, {int(res['n_gold'].iloc[0])} words)")
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(
            res.to_string(
                index=False,
                formatters={c: "{:.4f}".format for c in ("precision", "recall", "f1")},
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
