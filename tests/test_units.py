"""Paragraph and sentence units: ids, offsets, quotations, enumerations."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discourse.cleaning import clean_corpus
from discourse.ingest.corpus import load_corpus
from discourse.ingest.units import sentence_spans, split_paragraphs, split_sentences


def sents(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


@pytest.fixture(scope="module")
def seeds():
    res = clean_corpus(load_corpus())
    paras = split_paragraphs(res.documents)
    return res.documents, paras, split_sentences(paras)


def test_paragraph_ids_and_offsets(seeds):
    docs, paras, _ = seeds
    assert list(paras.columns) == ["doc_id", "para_no", "para_id", "start", "end", "text"]
    clean = dict(zip(docs["doc_id"], docs["clean_text"]))
    for row in paras.itertuples():
        assert clean[row.doc_id][row.start : row.end] == row.text
        assert row.para_id == f"{row.doc_id}:p{row.para_no:03d}"
    counts = paras.groupby("doc_id").size()
    for doc_id, text in clean.items():
        assert counts[doc_id] == len(text.split("\n"))
    assert paras["para_id"].is_unique


def test_sentence_ids_and_offsets(seeds):
    docs, paras, sent = seeds
    assert list(sent.columns) == ["doc_id", "para_no", "sent_no", "sent_id", "start", "end", "text"]
    clean = dict(zip(docs["doc_id"], docs["clean_text"]))
    for row in sent.itertuples():
        assert clean[row.doc_id][row.start : row.end] == row.text
        assert row.sent_id == f"{row.doc_id}:p{row.para_no:03d}:s{row.sent_no:03d}"
    assert sent["sent_id"].is_unique
    # sentences of a paragraph tile it
    joined = sent.groupby(["doc_id", "para_no"])["text"].agg("".join)
    p = paras.set_index(["doc_id", "para_no"])["text"]
    assert (joined.reindex(p.index) == p).all()


def test_seed_sentences(seeds):
    _, _, sent = seeds
    hami = sent[sent["doc_id"] == "hami-2020"]["text"].tolist()
    assert "要敢于正视存在的问题。" in hami
    assert "一要坚持问题导向，进一步完善机制、提升能力。" in hami
    # a quotation that holds a comma-separated list stays inside its sentence
    assert any(s.endswith("做到“凡疑必报、凡疑必检、凡疑必控”；强化重点场所、重点人群管理，强化监督检查。") for s in hami)
    xx = sent[sent["doc_id"] == "xx-2022"]["text"].tolist()
    assert "一是指挥体系坚强有力。" in xx and "二是排查流调科学有效。" in xx


def test_quotation_ending_the_sentence():
    assert sents("他说：“要坚持。要落实。”会议强调，要抓好落实。") == ["他说：“要坚持。要落实。”", "会议强调，要抓好落实。"]
    assert sents("提出“疫情要防住、经济要稳住”的要求。随后散会。") == ["提出“疫情要防住、经济要稳住”的要求。", "随后散会。"]
    # a book title with a full stop inside does not end the sentence
    assert sents("学习《关于加强防控的通知。》精神。散会。") == ["学习《关于加强防控的通知。》精神。", "散会。"]
    # an unmatched quotation mark protects nothing
    assert sents("他说：“要坚持。要落实。") == ["他说：“要坚持。", "要落实。"]


def test_enumerations():
    assert sents("要做到三点：一是早发现；二是早报告；三是早处置。统一是关键。") == [
        "要做到三点：", "一是早发现；", "二是早报告；", "三是早处置。", "统一是关键。"
    ]
    assert sents("一要坚持问题导向。二要抓实基础工作。") == ["一要坚持问题导向。", "二要抓实基础工作。"]
    # a marker that does not follow a sentence end (or ；/：) is not an item
    assert sents("要推动思想统一是前提，行动统一是关键。") == ["要推动思想统一是前提，行动统一是关键。"]
    assert sents("工作有两条：第一，要快；第二，要准。") == ["工作有两条：", "第一，要快；", "第二，要准。"]


def test_runs_of_end_marks_and_closing_brackets():
    assert sents("真的吗？！是的……。好。") == ["真的吗？！", "是的……。", "好。"]
    assert sents("没有句号的标题") == ["没有句号的标题"]


def test_split_paragraphs_validates_input():
    with pytest.raises(ValueError, match="doc_id"):
        split_paragraphs(pd.DataFrame({"text": ["x"]}))
    with pytest.raises(ValueError, match="missing columns"):
        split_sentences(pd.DataFrame({"doc_id": ["a"]}))


chars = st.text(alphabet="疫情防控要坚持“”《》。！？；：，一二是要 ", min_size=0, max_size=60)


@settings(max_examples=200, deadline=None)
@given(st.lists(chars, min_size=1, max_size=4))
def test_sentences_tile_paragraphs(texts):
    docs = pd.DataFrame({"doc_id": ["d"], "clean_text": ["\n".join(texts)]})
    paras = split_paragraphs(docs)
    sent = split_sentences(paras)
    text = docs.at[0, "clean_text"]
    for row in sent.itertuples():
        assert text[row.start : row.end] == row.text and row.text.strip() == row.text and row.text
    for p in paras.itertuples():
        s = sent[sent["para_no"] == p.para_no].sort_values("sent_no")
        # sentences are in order, do not overlap, and only whitespace lies outside them
        pos, rest = p.start, []
        for a, b in zip(s["start"], s["end"]):
            assert a >= pos
            rest.append(text[pos:a])
            pos = b
        rest.append(text[pos : p.end])
        assert "".join(rest).strip() == ""
