"""Findings are computed: every number in the generated prose is in the results table, and another
corpus's findings share no sentence with the bundled corpus's."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from discourse import config
from discourse.study import open_study
from discourse.study.findings import findings_01, findings_02, findings_04, fmt
from discourse.study.prepare import prepare
from discourse.study.results import RESULT_COLUMNS, results_01, results_02, results_04, write_results
from discourse.study.settings import load_config

SECOND = config.PROJ_ROOT / "tests" / "data" / "second_corpus" / "reports.csv"
COLUMNS = {"doc_id": "编号", "text": "正文", "city_zh": "城市", "province_zh": "省份",
           "event_date": "日期", "event_date_precision": "精度"}
NUMBER = re.compile(r"\d{4}-\d{2}-\d{2}|-?\d+(?:[.,]\d+)*")


def _numbers_in_results(results) -> set[str]:
    out = set()
    for k, v in zip(results["key"], results["value"]):
        out.add(fmt(v))
        out.update(NUMBER.findall(str(v)))
        out.update(NUMBER.findall(str(k)))  # labels such as XX-2 are named in the keys
    return out


def _generated(study):
    pairs = [(results_01(study), findings_01), (results_02(study), findings_02),
             (results_04(study, n_permutations=99), findings_04)]
    return [(r, f(r)) for r, f in pairs]


@pytest.fixture(scope="module")
def bundled_study():
    return open_study()


@pytest.fixture(scope="module")
def bundled(bundled_study):
    return _generated(bundled_study)


def test_every_number_in_the_findings_is_in_the_results(bundled):
    for results, text in bundled:
        assert list(results.columns) == list(RESULT_COLUMNS)
        allowed = _numbers_in_results(results)
        # numbers in the keys' names (e.g. "top-3", "1,000 tokens", "BH 0.05") are fixed wording, not results
        prose = re.sub(r"top-3|1,000 tokens|\bk = ", "", text)
        found = [n for n in NUMBER.findall(prose) if n not in allowed]
        assert not found, (results["notebook"].iloc[0], found)


def test_findings_state_the_document_level_numbers(bundled):
    r02 = bundled[1][0].set_index("key")["value"]
    # recomputed independently: at most C(5,3)=10 relabellings, so no p below 0.2 for 3 vs 2 documents
    assert r02["period:p_floor_min"] == pytest.approx(2 / 10)
    assert r02["label:p_floor_min"] == pytest.approx(2 / 5)
    assert r02["period:significant_document"] == 0
    assert "隔离" in bundled[1][1] and "depends on segmentation" in bundled[1][1]
    r01 = bundled[0][0].set_index("key")["value"]
    assert r01["facts_compared"] <= r01["facts_found"]


def test_results_written_atomically(tmp_path, monkeypatch, bundled):
    class S:
        processed_dir = tmp_path
    path = write_results(S(), bundled[0][0])
    assert path == tmp_path / "results" / "01.csv" and path.read_text(encoding="utf-8").startswith("notebook,key")
    with pytest.raises(ValueError, match="one notebook"):
        import pandas as pd
        write_results(S(), pd.concat([bundled[0][0], bundled[1][0]]))


def test_second_corpus_shares_no_sentence(bundled, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INTERIM_DATA_DIR", tmp_path / "interim")
    cfg = load_config().with_overrides(manifest=SECOND, columns=COLUMNS)
    study = prepare(cfg, processed_dir=tmp_path / "out", progress=False)
    other = [f(r) for r, f in [(results_01(study), findings_01), (results_02(study), findings_02)]]
    bundled_sentences = {s.strip() for _, t in bundled for s in re.split(r"(?<=[.;])\s|\n", t)
                         if len(s.strip()) > 20 and NUMBER.search(s)}
    for text in other:
        for s in bundled_sentences:
            assert s not in text, s


# -- notebooks 03, 05, 06 and the specification curve -----------------------------------------
# topic_prevalence(by="label") names its topic-label column "label" too; the duplicate column makes pandas
# warn when it restores the group's categorical dtype (reported to the owner of analysis/topics.py)
@pytest.mark.filterwarnings("ignore:Constructing a Categorical with a dtype")
def test_findings_03_05_numbers_come_from_their_results(bundled_study):
    from discourse.study.compare import choose_topics, content_stop_words
    from discourse.study.findings import findings_03, findings_05
    from discourse.study.results import results_03, results_05

    ch = choose_topics(bundled_study.paragraphs, bundled_study.config, stop_words=content_stop_words(),
                       n_restarts=3, ks=[3, 4])
    for results, text in [(results_03(bundled_study, choice=ch), None), (results_05(bundled_study), None)]:
        text = (findings_03 if results["notebook"].iloc[0] == "03" else findings_05)(results)
        allowed = _numbers_in_results(results)
        prose = re.sub(r"1,000 tokens|5 content words|\bk = |one or two", "", text)
        found = [n for n in NUMBER.findall(prose) if n not in allowed]
        assert not found, (results["notebook"].iloc[0], found)
    r03 = results_03(bundled_study, choice=ch).set_index("key")["value"]
    # independent: the chosen k's restart wins are counted from the selector's raw scores
    sc = ch.selector.scores_
    best = sc.loc[sc.groupby("restart")["coherence"].idxmax(), "k"]
    assert r03["k_restart_wins"] == int((best == ch.k).sum())
    assert r03["n_units"] == len(bundled_study.paragraphs)


def test_results_05_counts_agree_with_the_text(bundled_study):
    from discourse.study.results import results_05

    r = results_05(bundled_study).set_index("key")["value"]
    units, docs = bundled_study.paragraphs, bundled_study.documents
    # independent: 优化 counted as a substring of the paragraphs' text
    assert r["youhua:n"] == int(units["text"].str.count("优化").sum())
    assert r["youhua:n_texts"] == int((units.groupby("doc_id")["text"].apply("".join).str.count("优化") > 0).sum())
    before = docs.loc[docs["date"] < "2022-11-11", "doc_id"].astype(str)
    n_before = int(units.loc[units["doc_id"].astype(str).isin(before), "text"].str.count("优化").sum())
    assert r["youhua:policy_before_period"] + r["youhua:ordinary_before_period"] == n_before
    assert r["youhua:policy"] + r["youhua:ordinary"] == r["youhua:n"]
    # the per-period counts are the sums of the per-text counts of the period's texts
    lab_period = dict(zip(docs["label"].astype(str), docs["period"].astype(str)))
    for phase in ("normalisation", "dynamic_zero", "optimisation"):
        for period in set(lab_period.values()):
            total = sum(int(r[f"text:{lab}:{phase}:count"]) for lab, p in lab_period.items() if p == period)
            assert r[f"period:{period}:{phase}:count"] == total, (phase, period)
    assert r["n_dated"] == int(docs["date"].notna().sum())


def test_undated_and_skipped_results_give_sentences_not_errors():
    from discourse.study.findings import findings_03, findings_05, findings_06
    from discourse.study.results import results_skipped

    r = pd.DataFrame({"key": ["n_documents", "n_dated", "skipped:timeline", "youhua:n", "youhua:n_texts",
                              "youhua:policy", "youhua:ordinary"], "value": [4, 0, "no document is dated", 0, 0, 0, 0]})
    text = findings_05(r)
    assert "Skipped (timeline)" in text and "timeline." not in text.split("Skipped")[0]
    assert "one document" in findings_06(results_skipped("06", "multiverse", "one document"))
    assert "too few" in findings_03(results_skipped("03", "topics", "too few units"))


def test_findings_06_on_a_small_grid(bundled_study):
    from discourse.study.findings import findings_06
    from discourse.study.results import results_06, specification_table
    from discourse.study.robustness import run_multiverse, specification_grid

    grid = specification_grid(lexicon=(True,), compounds=(True,), stopwords=(True,), directives=("kept", "stopped"),
                              units=("paragraph",), k_offsets=(0, 1))
    mv = run_multiverse(bundled_study, k=3, grid=grid, n_resamples=99, similarity_permutations=19,
                        similarity_splits=10)
    res = results_06(bundled_study, table=mv)
    text = findings_06(res)
    allowed = _numbers_in_results(res)
    found = [n for n in NUMBER.findall(text) if n not in allowed]
    assert not found, found
    r = res.set_index("key")["value"]
    assert r["n_specifications"] == 4 and r["n_robust"] <= r["n_findings"] == 4
    wide = specification_table(mv)
    assert len(wide) == 4 and wide["specification"].iloc[0].endswith("(baseline)")
    # the gap is undefined where the directives are stopped, and k+1 repeats k for k-independent findings
    stopped = wide["specification"].str.contains("dir stopped")
    assert wide.loc[stopped, "directive_gap"].isna().all()
    assert wide.loc[wide["specification"].str.endswith("k+1"), "period_key_term"].isna().all()
    assert wide["topic_agreement"].notna().all()


def test_specification_curve_sorts_marks_and_indicates():
    import matplotlib

    from discourse.plotting.specification import plot_specification_curve, specification_labels

    t = pd.DataFrame({"value": [3.0, 1.0, 2.0, np.nan], "low": [2.0, 0.0, 1.5, np.nan],
                      "high": [np.inf, 2.0, 2.5, np.nan], "holds": [True, False, True, None],
                      "is_baseline": [False, True, False, False], "lexicon": [True, True, False, False],
                      "unit": ["paragraph", "sentence", "paragraph", "sentence"], "k_offset": [0, 0, 0, 0]})
    fig = plot_specification_curve(t, choices=["lexicon", "unit", "k_offset"], choice_labels={"lexicon": "lex"})
    top, bottom = fig.axes
    ys = top.lines[0].get_ydata()
    assert list(ys[:3]) == [1.0, 2.0, 3.0] and np.isnan(ys[3])  # sorted, missing last
    # k_offset does not vary, so it has no indicator row
    assert [tl.get_text() for tl in bottom.get_yticklabels()] == ["lex = no", "lex = yes", "unit = paragraph",
                                                                  "unit = sentence"]
    # the baseline (value 1.0) is at position 0: its shaded column spans x = -0.5 .. 0.5
    xs = [round(float(np.min(np.asarray(p.get_path().transformed(p.get_patch_transform()).vertices)[:, 0])), 2)
          for p in top.patches]
    assert xs == [-0.5]
    # under the baseline (x = 0) the filled squares are lex = yes and unit = sentence
    filled = [off for coll in bottom.collections for off in coll.get_offsets()
              if matplotlib.colors.to_hex(coll.get_facecolor()[0]) == "#333333"]
    assert sorted(int(y) for x, y in filled if x == 0) == [1, 3]
    lab = specification_labels(t.head(1), {"lexicon": "lex", "unit": None, "k_offset": "k"})
    assert lab.tolist() == ["lex+, para, k"]
    with pytest.raises(KeyError, match="missing column"):
        plot_specification_curve(t, choices=["compounds"])
