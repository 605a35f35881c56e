"""Findings are computed: every number in the generated prose is in the results table, and another
corpus's findings share no sentence with the bundled corpus's."""

from __future__ import annotations

import re

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
def bundled():
    return _generated(open_study())


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
