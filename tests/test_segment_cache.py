"""tokenize_units: parallel, ordered, cached segmentation; the SIGHAN scorer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from discourse import config
from discourse.segment import Tokenizer, evaluate_segmenters, read_gold, score_segmentation, segment_texts, tokenize_units
from discourse.segment import cache as cache_mod
from discourse.segment.evaluate import GOLD_PATH, GoldFormatError, JiebaDefault

TEXTS = ["坚持动态清零，严格落实外防输入。", "", "压实四方责任，做好次密接管理。", "坚持动态清零，严格落实外防输入。", "〔XX〕余名党员"]


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer()


@pytest.fixture()
def units() -> pd.DataFrame:
    return pd.DataFrame({"para_id": [f"p{i}" for i in range(len(TEXTS))], "text": TEXTS}, index=[10, 11, 12, 13, 14])


def test_tokens_column_matches_tokenizer(units, tok, tmp_path):
    out = tokenize_units(units, tok, cache=tmp_path)
    assert out.index.tolist() == units.index.tolist()
    assert out["tokens"].tolist() == [tok(t) for t in TEXTS]
    assert "tokens" not in units.columns  # input left unchanged
    assert out["tokens"].iloc[0] is not out["tokens"].iloc[3]  # same text, own list


def test_cache_is_used_and_written_atomically(units, tok, tmp_path, monkeypatch):
    first = tokenize_units(units, tok, cache=tmp_path)
    folder = cache_mod.cache_dir(tok, tmp_path)
    shards = list(folder.glob("*.arrow"))
    assert len(shards) == 1 and not list(folder.glob("*.tmp"))

    def boom(*a, **k):
        raise AssertionError("segmented although everything is cached")

    monkeypatch.setattr(cache_mod, "_chunks_in_order", boom)
    again = tokenize_units(units, tok, cache=tmp_path)
    assert again["tokens"].tolist() == first["tokens"].tolist()


def test_only_new_texts_are_segmented(units, tok, tmp_path, monkeypatch):
    tokenize_units(units, tok, cache=tmp_path)
    seen = []
    real = cache_mod._chunks_in_order

    def spy(texts, tokenizer, n_jobs, **kwargs):
        seen.extend(texts)
        yield from real(texts, tokenizer, n_jobs, **kwargs)

    monkeypatch.setattr(cache_mod, "_chunks_in_order", spy)
    more = pd.DataFrame({"text": [TEXTS[0], "统筹疫情防控和经济社会发展"]})
    out = tokenize_units(more, tok, cache=tmp_path)
    assert seen == ["统筹疫情防控和经济社会发展"]
    assert out["tokens"].tolist() == [tok(t) for t in more["text"]]
    assert len(list(cache_mod.cache_dir(tok, tmp_path).glob("*.arrow"))) == 2


def test_parallel_cache_shards(tok, tmp_path, monkeypatch):
    texts = [f"第{i}段：做好核酸检测，落实四方责任。" for i in range(30)]
    monkeypatch.setattr(cache_mod, "PARALLEL_MIN_CHARS", 0)
    cold = tokenize_units(pd.DataFrame({"text": texts}), tok, n_jobs=2, cache=tmp_path)
    assert len(list(cache_mod.cache_dir(tok, tmp_path).glob("*.arrow"))) > 1  # one shard per chunk
    warm = tokenize_units(pd.DataFrame({"text": texts}), tok, n_jobs=2, cache=tmp_path)
    assert warm["tokens"].tolist() == cold["tokens"].tolist() == [tok(t) for t in texts]


def test_settings_change_the_cache_folder(tok, tmp_path):
    other = Tokenizer(stopwords=None)
    assert cache_mod.cache_dir(tok, tmp_path) != cache_mod.cache_dir(other, tmp_path)
    a = tokenize_units(pd.DataFrame({"text": ["落实防控的各项措施"]}), tok, cache=tmp_path)
    b = tokenize_units(pd.DataFrame({"text": ["落实防控的各项措施"]}), other, cache=tmp_path)
    assert "的" in b["tokens"].iloc[0] and "的" not in a["tokens"].iloc[0]


def test_default_cache_root_is_interim(tok, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INTERIM_DATA_DIR", tmp_path)
    tokenize_units(pd.DataFrame({"text": ["常态化疫情防控"]}), tok)
    assert list((tmp_path / "tokens").glob("*/*.arrow"))


def test_parallel_matches_serial_in_order(tok, monkeypatch):
    texts = [f"第{i}段：坚持动态清零，压实四方责任，做好核酸检测。" * (i % 3 + 1) for i in range(40)]
    serial = segment_texts(texts, tok, n_jobs=1)
    monkeypatch.setattr(cache_mod, "PARALLEL_MIN_CHARS", 0)
    assert segment_texts(texts, tok, n_jobs=2) == serial
    out = tokenize_units(pd.DataFrame({"text": texts}), tok, n_jobs=2, cache=False)
    assert out["tokens"].tolist() == serial


def test_bad_input(tok):
    with pytest.raises(KeyError, match="clean_text"):
        tokenize_units(pd.DataFrame({"text": ["a"]}), tok, text_col="clean_text", cache=False)
    with pytest.raises(TypeError, match="row 1"):
        tokenize_units(pd.DataFrame({"text": ["疫情", 3]}), tok, cache=False)


# ----------------------------------------------------------------- scoring
def test_score_by_character_spans():
    gold = [["动态清零", "，", "严格", "落实"], ["外防输入"]]
    pred = [["动态", "清零", "，", "严格落实"], ["外防输入"]]
    s = score_segmentation(gold, pred)
    # correct: "，" and "外防输入" -> 2 of 5 gold words, 2 of 5 predicted words
    assert (s["n_gold"], s["n_pred"], s["n_correct"]) == (5, 5, 2)
    assert [s["precision"], s["recall"], s["f1"]] == pytest.approx([0.4, 0.4, 0.4])
    assert score_segmentation(gold, gold)["f1"] == 1.0
    with pytest.raises(ValueError, match="sentence 0"):
        score_segmentation([["动态清零"]], [["动态", "清"]])


def test_read_gold_format(tmp_path):
    p = tmp_path / "gold.utf8"
    p.write_text("坚持  动态清零  。\n\n压实  四方  责任\n", encoding="utf-8")
    g = read_gold(p)
    assert g["line_no"].tolist() == [1, 3]
    assert g["sentence"].tolist() == ["坚持动态清零。", "压实四方责任"]
    p.write_bytes("坚持  动态清零\r\n".encode())
    with pytest.raises(GoldFormatError, match=":1: CRLF"):
        read_gold(p)
    p.write_bytes(b"\xef\xbb\xbf" + "坚持".encode())
    with pytest.raises(GoldFormatError, match="BOM"):
        read_gold(p)


def test_evaluate_on_tiny_gold(tmp_path):
    p = tmp_path / "gold.utf8"
    p.write_text("坚持  动态  清零  ，  严格  落实  外防输入  。\n做好  次密接  管理\n", encoding="utf-8")
    res = evaluate_segmenters(p).set_index("segmenter")
    words = res.loc["project words, rjieba"]
    assert words["f1"] == 1.0
    assert res.loc["jieba default (jieba.lcut)", "f1"] < 1.0  # jieba splits 外防输入, 次密接
    assert res.loc["project words+compounds, rjieba", "n_pred"] < words["n_pred"]  # 动态清零 joined


def test_project_tokenizer_at_least_jieba_default_on_gold():
    if not GOLD_PATH.exists():
        pytest.skip(f"gold segmentation not found at {GOLD_PATH}")
    gold = read_gold()
    res = evaluate_segmenters(
        gold,
        {"default": JiebaDefault(), "project": Tokenizer(compounds=False).segment_only},
    ).set_index("segmenter")
    assert res.loc["project", "f1"] >= res.loc["default", "f1"]


def test_cache_after_set_params_holds_the_new_settings_tokens(tmp_path):
    """Issue 9: stale tokens were written under the new key and read back by a fresh tokenizer."""
    df = pd.DataFrame({"text": ["落实防控的各项措施", "严格落实四方责任的要求"]})
    tok = Tokenizer()
    first = tokenize_units(df, tok, cache=tmp_path)
    assert all("的" not in t for t in first["tokens"])
    tok.set_params(stopwords=None)
    second = tokenize_units(df, tok, cache=tmp_path)
    assert all("的" in t for t in second["tokens"])
    reference = Tokenizer(stopwords=None, backend="jieba")  # independent backend, no cache
    fresh = tokenize_units(df, Tokenizer(stopwords=None), cache=tmp_path)  # read from the cache
    assert fresh["tokens"].tolist() == second["tokens"].tolist() == [reference(t) for t in df["text"]]


def test_large_shard_round_trip(tmp_path):
    # More rows than one Arrow record batch holds (64 Ki), empty token lists included.
    texts = [f"{i}号，疫情防控" if i % 3 else f"{i}。" for i in range(70_000)]
    tok = Tokenizer()
    out = tokenize_units(pd.DataFrame({"text": texts}), tok, n_jobs=1, cache=tmp_path)
    again = tokenize_units(pd.DataFrame({"text": texts}), tok, n_jobs=1, cache=tmp_path)
    expected = [tok(t) for t in texts]
    assert sum(not e for e in expected) > 20_000 and ["号", "疫情", "防控"] in expected
    assert out["tokens"].tolist() == again["tokens"].tolist() == expected


ODD_TEXTS = [
    "2022年9月21日，召开疫情防控会议。",
    "二〇二二年工作回顾：做好核酸检测",
    "\ue001私用区字符\ue0ff也要切分",
    "COVID-19 疫苗接种率达到 90.5%，5G 基站",
    "〔NAME〕同志指出，要坚持动态清零",
    "",
    "第八十四次会议，两个维护",
]


@pytest.mark.parametrize("kwargs", [{}, {"drop_placeholders": True}, {"latin": "stop"}, {"normalise_numbers": False}])
def test_encode_gives_the_tokens_of_calling_the_tokenizer(kwargs):
    tok = Tokenizer(**kwargs)
    ids, offsets, vocab = tok.encode(ODD_TEXTS * 2)
    got = [[vocab[i] for i in ids[a:b]] for a, b in zip(offsets[:-1], offsets[1:])]
    assert got == [Tokenizer(**kwargs)(t) for t in ODD_TEXTS * 2]
    assert offsets[0] == 0 and offsets[-1] == len(ids) and ids.dtype == np.int32


def test_encode_across_batches_and_wide_characters(monkeypatch):
    """Batches split anywhere (here after every text) and characters outside
    the BMP (four bytes in UTF-32, two code units in UTF-16) give the same
    tokens; an empty batch and an empty call are fine."""
    from discourse.segment import tokenizer as tok_mod

    texts = ODD_TEXTS + ["𠀀𠀁疫情防控𡈽，坚持动态清零😀", "二〇二〇年二〇二一年第二〇二二年"] + ODD_TEXTS
    tok = Tokenizer()
    expected = [Tokenizer()(t) for t in texts]
    for batch in (1, 7, 10_000_000):
        monkeypatch.setattr(tok_mod, "_ENCODE_BATCH_CHARS", batch)
        ids, offsets, vocab = tok.encode(texts)
        assert [[vocab[i] for i in ids[a:b]] for a, b in zip(offsets[:-1], offsets[1:])] == expected
    ids, offsets, vocab = tok.encode([])
    assert len(ids) == 0 and offsets.tolist() == [0]


@pytest.mark.parametrize("dtype", ["str", object])
def test_cold_parallel_cache_keeps_row_order_missing_values_and_duplicates(tok, tmp_path, monkeypatch, dtype):
    texts = [f"第{i}段：做好核酸检测，落实四方责任。" for i in range(20)] + [None, "第3段：做好核酸检测，落实四方责任。"]
    df = pd.DataFrame({"text": pd.Series(texts, dtype=dtype, index=range(100, 122))})
    monkeypatch.setattr(cache_mod, "PARALLEL_MIN_CHARS", 0)
    cold = tokenize_units(df, tok, n_jobs=2, cache=tmp_path)
    expected = [tok(t or "") for t in texts]
    assert cold["tokens"].tolist() == expected and list(cold.index) == list(df.index)
    assert cold["tokens"].iloc[3] is not cold["tokens"].iloc[21]  # same text, own list
    warm = tokenize_units(df, tok, n_jobs=2, cache=tmp_path)  # read back by key
    assert warm["tokens"].tolist() == expected


def test_arrow_lists_round_trip_with_nulls_slices_and_plain_values():
    import pyarrow as pa

    lists = [["疫情", "防控"], [], ["疫情"], ["动态清零", "疫情", "疫情"]]
    arr = cache_mod._to_arrow_lists(lists)
    assert cache_mod._from_arrow_lists(arr) == lists
    assert cache_mod._from_arrow_lists(arr.slice(1, 3)) == lists[1:4]
    assert cache_mod._from_arrow_lists(pa.chunked_array([arr.slice(2), arr.slice(0, 2)])) == lists[2:] + lists[:2]
    plain = pa.array([["a", "b"], None, ["b"]], pa.list_(pa.string()))
    out = cache_mod._from_arrow_lists(plain.slice(1))
    assert out == [[], ["b"]]
    shared = cache_mod._from_arrow_lists(arr)
    assert shared[0][0] is shared[2][0]  # one string object per distinct token


def test_gc_paused_restores_the_collector_state():
    import gc

    assert gc.isenabled()
    with cache_mod.gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with cache_mod.gc_paused():
            raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with cache_mod.gc_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
