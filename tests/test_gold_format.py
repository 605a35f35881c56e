"""Format and provenance of the hand-made gold segmentation (issue 4).

``tests/data/segmentation_gold.utf8`` is a SIGHAN-bakeoff style file: UTF-8
without BOM, LF line ends, one sentence per line, words separated by exactly
two ASCII spaces. ``tests/data/segmentation_gold_provenance.csv`` says where
each line comes from; after joining its words, every gold sentence must occur
verbatim in its source text, after the normalisations that its ``notes``
declare (for the traditional-script seed: pinyin annotations removed, OpenCC
``t2s``, doubled punctuation removed). See ``segmentation_gold_README.md``.

The checks are plain functions returning a list of problems, so that the tests
at the bottom can show that each check does catch a broken file.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

import pandas as pd
import pytest

from discourse import config

DATA_DIR = Path(__file__).resolve().parent / "data"
GOLD_PATH = DATA_DIR / "segmentation_gold.utf8"
PROVENANCE_PATH = DATA_DIR / "segmentation_gold_provenance.csv"

SEP = "  "
MIN_LINES = 60
PROVENANCE_COLUMNS = ["line_no", "source", "doc_or_path", "notes"]
SOURCES = {"seed", "gov-work-reports"}
FINAL_PUNCT = set("。！？!?")
#: redaction / anonymisation marks that gold sentences must not contain
REDACTION_RE = re.compile(r"\*|X")
#: a pinyin syllable in parentheses glued after a character, e.g. 濟(jì)
PINYIN_RE = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
#: an ASCII comma doubled before another mark, e.g. ",," ",、" ",。"
DOUBLED_PUNCT_RE = re.compile(r",(?=[,、。])")


@functools.cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


#: normalisations a provenance note may declare, applied in this order
NORMALISATIONS = {
    "pinyin annotations removed": lambda s: PINYIN_RE.sub("", s),
    "converted t2s": lambda s: _t2s().convert(s),
    "doubled punctuation removed": lambda s: DOUBLED_PUNCT_RE.sub("", s),
}


# --------------------------------------------------------------------- checks


def check_gold_bytes(data: bytes, *, min_lines: int = MIN_LINES) -> list[str]:
    """Problems with the raw bytes and line structure of a gold file."""
    problems = []
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append("file starts with a UTF-8 BOM")
    if b"\r" in data:
        problems.append("file contains CR characters (line ends must be LF)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return problems + [f"not valid UTF-8: {err}"]
    if not text.endswith("\n"):
        problems.append("last line does not end with LF")
    lines = text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")
    if len(lines) < min_lines:
        problems.append(f"only {len(lines)} lines, need at least {min_lines}")
    for no, line in enumerate(lines, 1):
        problems += [f"line {no}: {p}" for p in check_gold_line(line)]
    return problems


def check_gold_line(line: str) -> list[str]:
    """Problems with one segmented sentence."""
    if not line:
        return ["empty line"]
    problems = []
    if line != line.strip():
        problems.append("leading or trailing whitespace")
    if re.search(r"[^\S ]", line):
        problems.append("whitespace other than ASCII space (tab, NBSP, U+3000 ...)")
    words = line.split(SEP)
    if any(w == "" for w in words):
        problems.append("empty word (more than two spaces between words, or edge spaces)")
    if any(" " in w for w in words):
        problems.append("a single space inside a word (separator must be exactly two spaces)")
    if words[-1] not in FINAL_PUNCT:
        problems.append(f"does not end with final punctuation as its own word: {words[-1]!r}")
    if REDACTION_RE.search(line):
        problems.append("contains a redaction mark (*** / XX / X)")
    return problems


def read_gold(path: Path = GOLD_PATH) -> list[list[str]]:
    """The gold file as a list of word lists."""
    return [line.split(SEP) for line in path.read_text(encoding="utf-8").split("\n")[:-1]]


def read_provenance(path: Path = PROVENANCE_PATH) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def check_provenance(prov: pd.DataFrame, n_lines: int) -> list[str]:
    """Problems with the provenance table of a gold file with ``n_lines`` lines."""
    if list(prov.columns) != PROVENANCE_COLUMNS:
        return [f"columns are {list(prov.columns)}, expected {PROVENANCE_COLUMNS}"]
    problems = []
    expected = [str(i) for i in range(1, n_lines + 1)]
    if list(prov["line_no"]) != expected:
        problems.append(
            f"line_no must be 1..{n_lines} in order, one row per gold line "
            f"(got {len(prov)} rows)"
        )
    for row in prov.itertuples(index=False):
        where = f"provenance line_no {row.line_no}"
        if row.source not in SOURCES:
            problems.append(f"{where}: source {row.source!r} not in {sorted(SOURCES)}")
        if not row.doc_or_path:
            problems.append(f"{where}: empty doc_or_path")
        for item in _note_items(row.notes):
            if item.lower().startswith(("convert", "pinyin", "doubled")) and item not in NORMALISATIONS:
                problems.append(f"{where}: unknown normalisation {item!r}")
    return problems


def _note_items(notes: str) -> list[str]:
    return [item.strip() for item in notes.split(";") if item.strip()]


def normalise(text: str, notes: str) -> str:
    """Apply the normalisations a provenance note declares, in canonical order."""
    declared = set(_note_items(notes))
    for name, step in NORMALISATIONS.items():
        if name in declared:
            text = step(text)
    return text


def source_path(source: str, doc_or_path: str) -> Path:
    if source == "seed":
        return config.RAW_DATA_DIR / doc_or_path
    return config.GOV_REPORTS_DIR / doc_or_path


@functools.cache
def _read_source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def check_occurrence(words: list[str], source: str, doc_or_path: str, notes: str) -> list[str]:
    """Does the joined sentence occur in its (normalised) source text?"""
    path = source_path(source, doc_or_path)
    if not path.is_file():
        return [f"source file not found: {path}"]
    sentence = "".join(words)
    if sentence not in normalise(_read_source(path), notes):
        return [f"sentence not found in {doc_or_path} (notes: {notes!r}): {sentence[:40]}..."]
    return []


# ---------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def gold() -> list[list[str]]:
    return read_gold()


@pytest.fixture(scope="module")
def prov() -> pd.DataFrame:
    return read_provenance()


def test_gold_file_format():
    problems = check_gold_bytes(GOLD_PATH.read_bytes())
    assert problems == [], "\n".join(problems)


def test_provenance_file_format():
    data = PROVENANCE_PATH.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
    n_lines = len(read_gold())
    problems = check_provenance(read_provenance(), n_lines)
    assert problems == [], "\n".join(problems)


def test_gold_covers_every_seed_and_every_level(gold, prov):
    seeds = set(pd.read_csv(config.MANIFEST_PATH, dtype=str)["path"].map(lambda p: Path(p).name))
    used = set(prov.loc[prov["source"] == "seed", "doc_or_path"])
    assert used <= seeds, f"unknown seed files: {used - seeds}"
    assert used == seeds, f"seeds without a gold sentence: {seeds - used}"
    gov = prov.loc[prov["source"] == "gov-work-reports", "doc_or_path"]
    levels = set(gov.str.split("/").str[0])
    assert levels == {
        "政府工作报告-国务院",
        "政府工作报告-省自治区",
        "政府工作报告-主要城市",
        "政府工作报告-其他地市",
    }
    years = set(gov.str.extract(r"/(\d{4})\.md$")[0])
    assert years <= {"2020", "2021", "2022", "2023"} and len(years) == 4
    assert (prov["source"] == "seed").sum() >= 30 and len(gov) >= 30


def test_traditional_seed_declares_its_normalisations(prov):
    manifest = pd.read_csv(config.MANIFEST_PATH, dtype=str)
    traditional = {Path(p).name for p in manifest.loc[manifest["script"] == "traditional", "path"]}
    assert traditional, "the bundled corpus has a traditional-script seed"
    rows = prov[(prov["source"] == "seed") & prov["doc_or_path"].isin(traditional)]
    assert len(rows) > 0
    for row in rows.itertuples(index=False):
        declared = set(_note_items(row.notes))
        assert {"converted t2s", "pinyin annotations removed"} <= declared, row.line_no


def test_seed_sentences_occur_in_their_source(gold, prov):
    problems = []
    for words, row in zip(gold, prov.itertuples(index=False)):
        if row.source == "seed":
            problems += [f"line {row.line_no}: {p}" for p in check_occurrence(words, *row[1:])]
    assert problems == [], "\n".join(problems)


def test_gov_report_sentences_occur_in_their_source(gold, prov):
    if not config.GOV_REPORTS_DIR.is_dir():
        pytest.skip(f"gov-work-reports corpus not present at {config.GOV_REPORTS_DIR}")
    problems = []
    for words, row in zip(gold, prov.itertuples(index=False)):
        if row.source == "gov-work-reports":
            problems += [f"line {row.line_no}: {p}" for p in check_occurrence(words, *row[1:])]
    assert problems == [], "\n".join(problems)


def test_no_sentence_appears_twice(gold):
    joined = ["".join(w) for w in gold]
    assert len(set(joined)) == len(joined), "a sentence appears twice in the gold set"


# The checks above must be able to fail: each broken variant is caught.


def _good_bytes() -> bytes:
    return GOLD_PATH.read_bytes()


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: b"\xef\xbb\xbf" + b, "BOM"),
        (lambda b: b.replace(b"\n", b"\r\n"), "CR"),
        (lambda b: b.replace("  ".encode(), " ".encode(), 1), "single space"),
        (lambda b: b.replace("  ".encode(), "   ".encode(), 1), "single space"),
        (lambda b: b.replace("  ".encode(), "    ".encode(), 1), "empty word"),
        (lambda b: b" " + b, "leading or trailing"),
        (lambda b: b.replace(b"\n", b"\n\n", 1), "empty line"),
        (lambda b: b.rstrip(b"\n"), "does not end with LF"),
        (lambda b: b"\xff" + b, "not valid UTF-8"),
        (lambda b: b"\n".join(b.split(b"\n")[:10]) + b"\n", "only 10 lines"),
    ],
)
def test_format_check_catches_broken_files(mutate, expected):
    assert check_gold_bytes(_good_bytes()) == []
    problems = check_gold_bytes(mutate(_good_bytes()))
    assert any(expected in p for p in problems), problems


def test_occurrence_check_catches_a_wrong_sentence_or_source(gold, prov):
    row = prov.iloc[0]
    assert row["source"] == "seed"
    words = gold[0]
    assert check_occurrence(words, row["source"], row["doc_or_path"], row["notes"]) == []
    # one edited character
    edited = [words[0] + "之"] + words[1:]
    assert check_occurrence(edited, row["source"], row["doc_or_path"], row["notes"])
    # right sentence, wrong document
    other = next(p for p in prov.loc[prov["source"] == "seed", "doc_or_path"] if p != row["doc_or_path"])
    assert check_occurrence(words, row["source"], other, row["notes"])


def test_occurrence_check_needs_the_declared_normalisations(gold, prov):
    rows = prov[prov["notes"].str.contains("converted t2s")]
    line = int(rows.iloc[0]["line_no"])
    row = prov.iloc[line - 1]
    words = gold[line - 1]
    assert check_occurrence(words, row["source"], row["doc_or_path"], row["notes"]) == []
    assert check_occurrence(words, row["source"], row["doc_or_path"], "")


def test_provenance_check_catches_mismatches(prov):
    n = len(prov)
    assert check_provenance(prov, n) == []
    assert check_provenance(prov, n + 1)  # a gold line without provenance
    assert check_provenance(prov.iloc[:-1], n)
    bad = prov.copy()
    bad.loc[0, "source"] = "web"
    assert any("source" in p for p in check_provenance(bad, n))
    assert check_provenance(prov.rename(columns={"notes": "note"}), n)
    bad = prov.copy()
    bad.loc[0, "notes"] = "converted s2t"
    assert any("unknown normalisation" in p for p in check_provenance(bad, n))


def test_provenance_csv_is_plain_csv():
    with PROVENANCE_PATH.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == PROVENANCE_COLUMNS
    assert all(len(r) == len(PROVENANCE_COLUMNS) for r in rows)
