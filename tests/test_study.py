"""The study's one-call preparation, the group comparisons and the robustness runs."""

from __future__ import annotations

import pandas as pd
import pytest

from discourse.study.compare import content_stop_words, keyness_by_group, top_terms
from discourse.placeholders import is_placeholder
from discourse.study.robustness import Variant, run_robustness
from discourse.study import prepare_study, speaker_names


@pytest.fixture(scope="module")
def study():
    return prepare_study()


def test_documents_in_time_order_with_periods(study):
    docs = study.documents
    assert docs["date"].is_monotonic_increasing
    assert list(docs["label"].cat.categories) == list(docs["label"].astype(str))
    assert dict(zip(docs["doc_id"].astype(str), docs["period"].astype(str))) == {
        "hami-2020": "常态化",
        "xx-2021": "动态清零",
        "changzhi-2022": "动态清零",
        "xx-2022": "动态清零",
        "jiyuan-2022": "优化",
    }
    assert docs["period"].cat.ordered


def test_units_point_into_the_clean_text(study):
    clean = dict(zip(study.documents["doc_id"].astype(str), study.documents["clean_text"]))
    for frame in (study.paragraphs, study.sentences):
        for row in frame.itertuples():
            assert clean[row.doc_id][row.start : row.end] == row.text
    # every paragraph carries its document's metadata
    assert study.paragraphs["label"].notna().all() and study.paragraphs["period"].notna().all()


def test_tokens_exclude_placeholders_and_speakers(study):
    tokens = [t for toks in study.paragraphs["tokens"] for t in toks]
    assert tokens, "no tokens"
    assert not any(is_placeholder(t) for t in tokens)
    for name in speaker_names(study.documents):
        assert name not in tokens
    # the domain lexicon keeps policy compounds whole
    assert "动态清零" in tokens and "外防输入" in tokens
    n = study.paragraphs.groupby("doc_id")["tokens"].agg(lambda s: sum(map(len, s)))
    per_doc = study.documents.set_index(study.documents["doc_id"].astype(str))["n_tokens"]
    assert per_doc.to_dict() == {str(k): int(v) for k, v in n.items()}


def test_document_units_pool_paragraph_tokens(study):
    docs = study.units("document")
    total = sum(len(t) for t in study.paragraphs["tokens"])
    assert sum(len(t) for t in docs["tokens"]) == total
    with pytest.raises(ValueError, match="unit must be"):
        study.units("chapter")


def test_write_processed_round_trip(study, tmp_path):
    paths = study.write_processed(tmp_path)
    docs = pd.read_csv(paths["documents.csv"])
    paras = pd.read_csv(paths["paragraphs.csv"])
    assert len(docs) == 5 and len(paras) == len(study.paragraphs)
    # no absolute path of this checkout leaks into the tables
    assert docs["path"].str.startswith("data/raw/").all()
    assert set(paras["para_id"]) == set(study.paragraphs["para_id"])
    assert pd.read_parquet(paths["paragraphs.parquet"])["text"].tolist() == study.paragraphs["text"].tolist()


def test_speaker_names_are_split_and_sorted():
    docs = pd.DataFrame({"speaker_name": ["史秉锐; 庄建球", None, "李成辉", " 李成辉 "]})
    assert speaker_names(docs) == ("史秉锐", "庄建球", "李成辉")
    assert speaker_names(pd.DataFrame({"x": [1]})) == ()


UNITS = pd.DataFrame(
    {
        "g": ["a", "a", "b", "b", "c"],
        "tokens": [["清零"] * 6 + ["防控"], ["清零", "隔离"], ["防控"] * 6, ["防控", "隔离"], ["隔离"] * 5 + ["防控"]],
    }
)


def test_keyness_by_group_known_answer():
    out = keyness_by_group(UNITS, "g", min_freq=1, gloss=None)
    top = out[out["rank"] == 1].set_index("group")["term"].to_dict()
    assert top == {"a": "清零", "b": "防控", "c": "隔离"}
    row = out[(out["group"] == "a") & (out["term"] == "清零")].iloc[0]
    assert (row["freq_target"], row["freq_reference"]) == (7, 0)
    assert row["g2"] > 0 and row["log_ratio"] > 0
    # only over-used terms are listed
    assert (out["log_ratio"] > 0).all()


def test_keyness_by_group_respects_stop_words():
    out = keyness_by_group(UNITS, "g", min_freq=1, gloss=None, stop_words={"清零"})
    assert "清零" not in set(out["term"])


def test_top_terms_counts_and_rates():
    out = top_terms(UNITS, "g", n_terms=2, gloss=None)
    a = out[out["group"] == "a"]
    assert a["term"].tolist() == ["清零", "防控"]
    assert a["count"].tolist() == [7, 1]
    assert a["n_tokens"].iloc[0] == 9
    assert a["per_1000"].iloc[0] == pytest.approx(1000 * 7 / 9, abs=0.01)


def test_content_stop_words_are_the_directives():
    stop = content_stop_words()
    assert {"要", "必须", "坚决", "严格"} <= stop
    assert "疫情" not in stop


def test_robustness_baseline_holds_and_variants_differ(study):
    variants = [
        Variant("baseline", "baseline"),
        Variant("directives stopped", "x", {"keep_directives": False}),
        Variant("k + 1", "x", k_offset=1),
    ]
    out = run_robustness(study, k=3, variants=variants)
    assert set(out["finding"]) == {"most_distinct", "period_key_term", "directive_gap", "topic_agreement"}
    base = out[out["variant"] == "baseline"]
    assert base["holds"].all()
    assert base.loc[base["finding"] == "topic_agreement", "value"].iloc[0] == 1.0
    gap = out[out["finding"] == "directive_gap"].set_index("variant")["value"]
    # stopping the directive words removes what the directive finding counts
    assert gap["directives stopped"] != gap["baseline"]
    with pytest.raises(ValueError, match="baseline"):
        run_robustness(study, k=3, variants=variants[1:])


def test_feature_differences_by_genre(study):
    from discourse.study.compare import GENRE_GROUPS, feature_differences

    out = feature_differences(
        study.paragraphs, study.documents, groups=GENRE_GROUPS, target="speech text",
        features=["directive_total", "enum_item"],
    )
    assert set(out["variable"]) == {"directive_total", "enum_item"}
    assert (out["n_target"] == 2).all() and (out["n_reference"] == 3).all()
    # 2 against 3 documents: 10 relabelings, so the smallest two-sided p is 0.2
    assert (out["n_relabelings"] == 10).all() and (out["p_value"] >= 0.2 - 1e-12).all()
    one_group = study.documents.assign(genre="speech")
    empty = feature_differences(study.paragraphs, one_group, groups=GENRE_GROUPS)
    assert empty.empty and "two groups" in empty.attrs["note"]
