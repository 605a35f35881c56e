"""Word lists behind :mod:`discourse.analysis.features`, with English glosses.

Two documented resources, kept as constants so they are versioned with the
code that counts them:

* :data:`DIRECTIVE_TERMS`: directive and modal-intensity vocabulary of
  Chinese official speeches and meeting reports (the "要 / 必须 / 坚决 /
  严格 / 确保 / 切实" register), one ``(term, gloss, category)`` per row.
  Counted on *tokens* (exact token match), so 要 is not counted inside
  重要 or 需要 and the counts follow the project tokenizer.
* :data:`PHASE_TERMS`: vocabulary that marks each phase of China's COVID-19
  policy, one ``(term, gloss, phase)`` per row. Counted as substrings of the
  clean *text* (non-overlapping occurrences of each term), because the
  segmenter may split fixed expressions such as 动态清零 into 动态 + 清零;
  a term nested in another listed term (常态化 in 常态化核酸) is counted by
  both.

Phases (dates are those of the national policy documents; local texts
lag or mix them):

``emergency``
    January-April 2020: emergency response and lockdowns (一级响应, 阻击战).
``normalisation``
    From the State Council guidance of 8 May 2020 (常态化疫情防控): 外防输入、
    内防反弹, 四早, precise prevention.
``dynamic_zero``
    From August 2021 (动态清零 named as 总方针) to November 2022: mass
    testing, sealed/controlled/precaution zones, 应检尽检.
``optimisation``
    The 二十条 (11 November 2022), the 新十条 (7 December 2022) and the move
    to Class B management (乙类乙管, 8 January 2023).

The glosses are the project's working translations, not official ones.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path

import pandas as pd

from discourse import config

#: The one codebook of the study: ``resources/codebook.tsv``.
CODEBOOK_PATH: Path = config.RESOURCES_DIR / "codebook.tsv"
#: Its columns, in order.
CODEBOOK_COLUMNS: tuple[str, ...] = ("term", "category", "subcategory", "phase", "gloss", "source")
#: Categories of codebook rows.
CODEBOOK_CATEGORIES: tuple[str, ...] = ("directive", "phase", "formula_suffix")


class CodebookError(ValueError):
    """The codebook file is malformed; the message names the file, line and field."""


def read_codebook(path: str | Path | None = None) -> pd.DataFrame:
    """Read the study's codebook (one versioned TSV; schema in ``data/README.md``).

    Lines starting with ``#`` are comments (the first names the version).
    Every problem names the file, the line and the field: a missing column,
    an empty term, an unknown category, a phase row without a period, a
    duplicate (term, category).

    Examples
    --------
    >>> cb = read_codebook()
    >>> list(cb.columns)
    ['term', 'category', 'subcategory', 'phase', 'gloss', 'source']
    >>> cb.loc[cb["term"] == "动态清零", ["category", "phase"]].iloc[0].tolist()
    ['phase', 'dynamic_zero']
    """
    return _read_codebook(str(Path(path).resolve()) if path is not None else str(CODEBOOK_PATH)).copy()


@lru_cache(maxsize=8)
def _read_codebook(path: str) -> pd.DataFrame:
    p = Path(path)
    raw = p.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raise CodebookError(f"{p}:1: file starts with a UTF-8 BOM")
    lines = raw.decode("utf-8").split("\n")
    body = [(no, line) for no, line in enumerate(lines, start=1) if line.strip() and not line.startswith("#")]
    if not body:
        raise CodebookError(f"{p}: no header line")
    header_no, header = body[0]
    cols = header.rstrip("\r").split("\t")
    if tuple(cols) != CODEBOOK_COLUMNS:
        expected = "\t".join(CODEBOOK_COLUMNS)
        raise CodebookError(f"{p}:{header_no}: header must be {expected!r}, got {header!r}")
    rows, seen, problems = [], {}, []
    for no, line in body[1:]:
        if line.endswith("\r"):
            problems.append(f"{p}:{no}: CRLF line end; use LF only")
            continue
        fields = next(csv.reader(io.StringIO(line), delimiter="\t", quoting=csv.QUOTE_NONE))
        if len(fields) != len(CODEBOOK_COLUMNS):
            problems.append(f"{p}:{no}: {len(fields)} fields, expected {len(CODEBOOK_COLUMNS)}")
            continue
        row = dict(zip(CODEBOOK_COLUMNS, fields))
        if not row["term"] or row["term"] != row["term"].strip():
            problems.append(f"{p}:{no}: field 'term' is empty or has surrounding spaces")
        if row["category"] not in CODEBOOK_CATEGORIES:
            problems.append(f"{p}:{no}: field 'category' {row['category']!r} must be one of {CODEBOOK_CATEGORIES}")
        if row["category"] == "phase" and not row["phase"]:
            problems.append(f"{p}:{no}: field 'phase' is required for a phase term")
        if not row["gloss"]:
            problems.append(f"{p}:{no}: field 'gloss' is empty")
        key = (row["term"], row["category"])
        if key in seen:
            problems.append(f"{p}:{no}: duplicate of line {seen[key]} ({row['term']}, {row['category']})")
        seen[key] = no
        rows.append(row)
    if problems:
        raise CodebookError("\n".join(problems))
    return pd.DataFrame(rows, columns=list(CODEBOOK_COLUMNS)).astype("string")


def codebook_version(path: str | Path | None = None) -> str:
    """The version line of the codebook (its first comment).

    Examples
    --------
    >>> codebook_version().startswith("discourse codebook, version")
    True
    """
    p = Path(path) if path is not None else CODEBOOK_PATH
    first = p.read_text(encoding="utf-8").split("\n", 1)[0]
    return first.lstrip("# ").split(". Schema")[0]


def directive_words(codebook: pd.DataFrame | None = None) -> tuple[str, ...]:
    """The directive and modal words of the codebook, which the tokenizer never stops.

    Examples
    --------
    >>> "要" in directive_words() and "必须" in directive_words()
    True
    """
    cb = read_codebook() if codebook is None else codebook
    return tuple(sorted(cb.loc[cb["category"] == "directive", "term"].astype(str).unique()))

#: (term, English gloss, category)
DIRECTIVE_TERMS: tuple[tuple[str, str, str], ...] = (
    # obligation: what must be done
    ("要", "must / should (directive)", "obligation"),
    ("必须", "must", "obligation"),
    ("务必", "must without fail", "obligation"),
    ("一定", "definitely / by all means", "obligation"),
    ("应当", "ought to", "obligation"),
    ("需要", "need to", "obligation"),
    # resolve: determination
    ("坚决", "resolutely", "resolve"),
    ("坚定", "firmly", "resolve"),
    ("全力", "with all-out effort", "resolve"),
    ("全力以赴", "go all out", "resolve"),
    ("毫不松懈", "without the slightest slackening", "resolve"),
    ("决不", "never (resolve)", "resolve"),
    ("不折不扣", "to the letter", "resolve"),
    ("坚持", "adhere to / persist in", "resolve"),
    # strictness
    ("严格", "strictly", "strictness"),
    ("从严", "strictly (stricter standard)", "strictness"),
    ("严防", "strictly guard against", "strictness"),
    ("严密", "tightly / closely", "strictness"),
    ("严厉", "severely", "strictness"),
    ("严控", "strictly control", "strictness"),
    ("严肃", "seriously", "strictness"),
    # assurance
    ("确保", "ensure", "assurance"),
    ("保证", "guarantee", "assurance"),
    ("保障", "safeguard", "assurance"),
    # implementation: earnest, thorough execution
    ("切实", "earnestly / effectively", "implementation"),
    ("扎实", "solidly", "implementation"),
    ("落实", "implement", "implementation"),
    ("压实", "tighten (responsibility)", "implementation"),
    ("抓实", "grasp firmly", "implementation"),
    ("抓好", "do (it) well", "implementation"),
    ("着力", "focus efforts on", "implementation"),
    ("认真", "conscientiously", "implementation"),
    # intensification and continuity
    ("不断", "continuously", "intensification"),
    ("持续", "continuously / sustain", "intensification"),
    ("进一步", "further", "intensification"),
    ("始终", "always / throughout", "intensification"),
    ("时刻", "at all times", "intensification"),
    ("全面", "comprehensively", "intensification"),
    ("加强", "strengthen", "intensification"),
    ("强化", "intensify", "intensification"),
    # urgency
    ("立即", "immediately", "urgency"),
    ("迅速", "swiftly", "urgency"),
    ("尽快", "as soon as possible", "urgency"),
    ("第一时间", "at the first moment", "urgency"),
    ("及时", "promptly", "urgency"),
)

#: (term, English gloss, phase)
PHASE_TERMS: tuple[tuple[str, str, str], ...] = (
    ("一级响应", "first-level (emergency) response", "emergency"),
    ("应急响应", "emergency response", "emergency"),
    ("联防联控", "joint prevention and control", "emergency"),
    ("群防群控", "mass prevention and mass control", "emergency"),
    ("阻击战", "battle of interception", "emergency"),
    ("人民战争", "people's war", "emergency"),
    ("总体战", "all-out war", "emergency"),
    ("封城", "city lockdown", "emergency"),
    ("复工复产", "resumption of work and production", "emergency"),
    ("常态化", "normalised (prevention and control)", "normalisation"),
    ("外防输入", "guard against imported cases", "normalisation"),
    ("内防反弹", "guard against a resurgence", "normalisation"),
    ("精准防控", "precise prevention and control", "normalisation"),
    ("四早", "the four earlies (detection, reporting, isolation, treatment)", "normalisation"),
    ("多点触发", "multi-point triggering (surveillance)", "normalisation"),
    ("冷链", "cold chain", "normalisation"),
    ("秋冬季", "autumn-winter season", "normalisation"),
    ("动态清零", "dynamic zero-COVID", "dynamic_zero"),
    ("社会面清零", "zero cases in the community", "dynamic_zero"),
    ("全员核酸", "whole-population nucleic-acid testing", "dynamic_zero"),
    ("应检尽检", "test all who should be tested", "dynamic_zero"),
    ("应隔尽隔", "isolate all who should be isolated", "dynamic_zero"),
    ("应收尽收", "admit all who should be admitted", "dynamic_zero"),
    ("封控区", "sealed-off zone", "dynamic_zero"),
    ("管控区", "controlled zone", "dynamic_zero"),
    ("防范区", "precaution zone", "dynamic_zero"),
    ("静默", "silent (lockdown) management", "dynamic_zero"),
    ("快封快解", "quick lockdown, quick release", "dynamic_zero"),
    ("第九版", "9th edition (of the prevention protocol)", "dynamic_zero"),
    ("优化", "optimise", "optimisation"),
    ("二十条", "the twenty measures (11 Nov 2022)", "optimisation"),
    ("新十条", "the new ten measures (7 Dec 2022)", "optimisation"),
    ("乙类乙管", "Class B management of a Class B disease", "optimisation"),
    ("科学精准", "scientific and precise", "optimisation"),
    ("保健康", "protect health", "optimisation"),
    ("防重症", "prevent severe cases", "optimisation"),
    ("居家隔离", "home isolation", "optimisation"),
    ("分级分类", "graded and classified", "optimisation"),
    ("平稳转段", "smooth transition (to the next phase)", "optimisation"),
)

#: Order of the phases for tables and figures.
PHASES: tuple[str, ...] = ("emergency", "normalisation", "dynamic_zero", "optimisation")

#: Order of the directive categories.
DIRECTIVE_CATEGORIES: tuple[str, ...] = (
    "obligation",
    "resolve",
    "strictness",
    "assurance",
    "implementation",
    "intensification",
    "urgency",
)

#: Numeral + suffix formulae listed by name (numeral any of 两二三四五六七八九十).
FORMULA_SUFFIXES: tuple[str, ...] = ("早", "方责任", "集中", "包一", "区", "码", "个一批")

#: What each feature of :func:`discourse.analysis.features.discourse_features` counts,
#: in a few typical forms, shown beside the feature name in figures.
FEATURE_LABELS: dict[str, str] = {
    "quoted_phrase": "phrases in “…”",
    "numbered_formula": "all numbered formulae",
    "formula_n_ge": "N个… as in 四个意识",
    "formula_repeat": "N…N… as in 四应四尽",
    "formula_yi_yi": "一…一… as in 一校一策",
    "formula_suffix": "numeral + term as in 四早, 四方责任",
    "enum_item": "一是, 二要 … items",
    "enum_series": "series of enumerated items",
    "obligation": "要, 必须 …",
    "resolve": "坚决, 坚持 …",
    "strictness": "严格, 从严 …",
    "assurance": "确保, 保障 …",
    "implementation": "落实, 抓好 …",
    "intensification": "加强, 进一步 …",
    "urgency": "立即, 及时 …",
    "directive_total": "all directive and modal words",
    "emergency": "应急响应, 联防联控 …",
    "normalisation": "常态化, 外防输入, 四早 …",
    "dynamic_zero": "动态清零, 应检尽检, 封控区 …",
    "optimisation": "优化, 新十条, 居家隔离 …",
}


def feature_label(feature: str) -> str:
    """What a discourse feature counts, for figure labels (the id when unknown).

    Examples
    --------
    >>> feature_label("enum_item")
    '一是, 二要 … items'
    """
    return FEATURE_LABELS.get(feature, feature)


__all__ = [
    "FEATURE_LABELS",
    "feature_label",
    "DIRECTIVE_TERMS",
    "PHASE_TERMS",
    "PHASES",
    "CODEBOOK_PATH",
    "CODEBOOK_COLUMNS",
    "CodebookError",
    "read_codebook",
    "codebook_version",
    "directive_words",
    "DIRECTIVE_CATEGORIES",
    "FORMULA_SUFFIXES",
]
