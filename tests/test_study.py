"""The study's one-call preparation, the group comparisons and the robustness runs."""

from __future__ import annotations

import pandas as pd
import pytest

from discourse.study.compare import content_stop_words, keyness_by_group, top_terms
from discourse.placeholders import is_placeholder
from discourse.study.robustness import run_robustness
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


def test_write_tables_round_trip(study, tmp_path):
    from discourse.study.prepare import write_tables

    paths = write_tables(study, tmp_path)
    docs = pd.read_csv(paths["documents.csv"])
    units = pd.read_csv(paths["units.csv"])
    assert len(docs) == 5 and len(units) == len(study.paragraphs)
    # no absolute path of this checkout leaks into the tables
    assert docs["path"].str.startswith("data/raw/").all()
    assert set(units["para_id"]) == set(study.paragraphs["para_id"])


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


def test_run_robustness_is_the_multiverse(study):
    from discourse.study.robustness import Specification

    out = run_robustness(study, k=3, grid=[Specification(), Specification(k_offset=1)],
                         similarity_permutations=19, similarity_splits=10)
    assert set(out["finding"]) == {"most_similar_pair", "period_key_term", "directive_gap", "topic_agreement"}
    assert (out["variant"] == out["spec_id"]).all()


def test_document_keyness_against_independent_computation():
    import itertools
    import math

    import numpy as np
    from scipy.stats import fisher_exact

    from discourse.study.compare import document_keyness

    units = pd.DataFrame({"doc_id": list("abcde"), "g": ["x", "x", "y", "y", "y"],
                          "tokens": [["封控"] * 3 + ["工作"] * 2, ["封控", "工作"], ["工作"] * 3,
                                     ["工作", "封控"], ["工作"] * 2]})
    k = document_keyness(units, "g", "x", min_freq=1, gloss=None, correction=None).set_index("term")
    # Fisher on the token 2x2 table
    assert k.loc["封控", "p_fisher"] == pytest.approx(fisher_exact([[4, 1], [3, 6]]).pvalue)
    # exact permutation over the 10 relabellings of documents, by hand
    counts = {"a": (3, 5), "b": (1, 2), "c": (0, 3), "d": (1, 2), "e": (0, 2)}

    def lr(t):
        at = sum(counts[d][0] for d in t) or 0.5
        ar = sum(counts[d][0] for d in counts if d not in t) or 0.5
        wt = sum(counts[d][1] for d in t)
        wr = sum(counts[d][1] for d in counts if d not in t)
        return math.log2(at / wt) - math.log2(ar / wr)

    obs = lr(("a", "b"))
    stats = [lr(c) for c in itertools.combinations("abcde", 2)]
    p = min(1.0, 2 * min(np.mean([s >= obs - 1e-9 for s in stats]), np.mean([s <= obs + 1e-9 for s in stats])))
    assert k.loc["封控", "p_perm"] == pytest.approx(p)
    assert k.loc["封控", "p_floor"] == pytest.approx(0.2)
    assert k.loc["封控", "docs_target"] == 2 and k.loc["封控", "docs_reference"] == 1
    assert not k["significant"].any()
    assert "cannot be significant at 0.05" in document_keyness(units, "g", "x", min_freq=1, gloss=None).attrs[
        "p_floor_note"]


def test_p_floor_note_numbers():
    from discourse.study.compare import p_floor_note

    assert "10 distinct relabellings" in p_floor_note(2, 3) and "0.2 two-sided" in p_floor_note(2, 3)
    assert "184,756" in p_floor_note(10, 10) and "cannot be significant" not in p_floor_note(10, 10)
    with pytest.raises(ValueError):
        p_floor_note(0, 3)


def test_keyness_by_group_significance_is_document_level(study):
    out = keyness_by_group(study.paragraphs, "period", n_terms=6, stop_words=content_stop_words())
    assert out.attrs["level"] == "doc_id"
    # 1 vs 4 or 3 vs 2 documents: no p-value below 0.2, so nothing is significant at 0.05
    assert (out["p_perm"] >= out["p_floor"] - 1e-12).all() and not out["significant"].any()
    assert out["significant_token"].any()  # the token-level test would have called some significant
    assert (out["docs_target"] <= out["n_docs_target"]).all()


def test_segmentation_flags_isolation(study):
    from discourse.study.compare import segmentation_findings

    seg = segmentation_findings(study.paragraphs, "period", groups=["动态清零"], n_terms=3,
                                stop_words=content_stop_words(), gloss=None).set_index("term")
    row = seg.loc["隔离"]
    # independent count: substring occurrences in the clean text of the reference documents
    docs = study.documents
    ref = docs.loc[docs["period"].astype(str) != "动态清零", "doc_id"].astype(str)
    paras = study.paragraphs[study.paragraphs["doc_id"].astype(str).isin(ref)]
    assert row["freq_reference_substrings"] == sum(t.count("隔离") for t in paras["text"])
    assert row["freq_reference_tokens"] == 0 and row["depends_on_segmentation"]


def test_directive_variants_stop_the_whole_category(study):
    from discourse.study.compare import GENRE_GROUPS, directive_variants

    v = directive_variants(study.paragraphs, study.documents, groups=GENRE_GROUPS, target="speech text",
                           codebook=study.codebook).set_index("variant")
    terms = [t for toks in study.paragraphs["tokens"] for t in toks]
    words = set(study.codebook.loc[study.codebook["category"] == "directive", "term"])
    total = sum(t in words for t in terms)
    assert v.loc["all", "n_tokens_counted"] == total
    assert total - v.loc["without 要", "n_tokens_counted"] == terms.count("要")
    assert (v["p_value"].dropna() >= 0.2 - 1e-12).all() and v["cohens_d"].isna().all()
    assert "no interval" in v.loc["all", "delta_note"]


def test_metadata_facts_count_only_compared(study):
    from discourse.study.results import metadata_facts

    t = metadata_facts(study.metadata).loc["total"]
    m = study.metadata
    assert t["compared"] == int((m["extracted"].notna() & m["manifest"].notna()).sum())
    assert t["found"] >= t["compared"] >= t["agree"]


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
