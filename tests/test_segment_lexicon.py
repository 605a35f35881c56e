"""The domain lexicon, stopwords and glossary resources of discourse.segment."""

from __future__ import annotations

import collections
import re

import pandas as pd
import pytest

from discourse import config
from discourse.segment import DIRECTIVES, Tokenizer, effective_stopwords, gloss, glossary, stopword_table
from discourse.segment.glossary import read_glossary_file
from discourse.segment.lexicon import COLUMNS, LexiconError, lexicon_entries, read_lexicon
from discourse.segment.stopwords import StopwordsError, read_domain_stopwords

CORE_TERMS = (
    "动态清零 外防输入 内防反弹 四方责任 闭环管理 应检尽检 应收尽收 方舱医院 亚定点医院 新十条 二十条 "
    "常态化 次密接 密接 时空伴随者 联防联控 群防群治 四早 四应四尽 核酸检测 全员核酸 落地检 健康码 场所码 "
    "多点触发 居家隔离 封控区 管控区 防范区 社会面清零 人物同防"
).split()

HEADER = "\t".join(COLUMNS)


@pytest.fixture(scope="module")
def lex() -> pd.DataFrame:
    return read_lexicon()


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer()


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    from discourse.cleaning import clean_corpus
    from discourse.ingest.corpus import load_corpus

    docs = clean_corpus(load_corpus()).documents
    return dict(zip(docs["doc_id"].astype(str), docs["clean_text"].astype(str)))


# ----------------------------------------------------------------- lexicon
def test_lexicon_covers_core_terms_with_gloss_and_attestation(lex):
    table = lex.set_index("term")
    missing = [t for t in CORE_TERMS if t not in table.index]
    assert not missing
    assert table.loc[CORE_TERMS, "gloss_en"].str.len().min() > 3
    assert table.loc[CORE_TERMS, "attested"].str.match(r"(seed|gwr|official):").all()


def test_each_term_is_one_token(lex, tok):
    split = [t for t in lex["term"] if tok.segment_only(t) != [t]]
    assert not split


def test_word_units_stay_whole_without_compounds(lex):
    words_only = Tokenizer(compounds=False)
    words = lex.loc[lex["unit"] == "word", "term"]
    assert [t for t in words if words_only.segment_only(t) != [t]] == []
    assert words_only.segment_only("动态清零") == ["动态", "清零"]
    assert words_only.segment_only("外防输入") == ["外防输入"]


def test_terms_whole_in_context(tok):
    text = "紧紧围绕“外防输入、内防反弹”总策略和“动态清零”总方针，所有密接、次密接人员第一时间管控，压紧压实“四方责任”。"
    words = tok.segment_only(text)
    for term in ("外防输入", "内防反弹", "动态清零", "密接", "次密接", "四方责任"):
        assert term in words


@pytest.fixture(scope="module")
def raw_seeds() -> dict[str, str]:
    """Raw seed texts, traditional script converted (OpenCC t2s) and pinyin glosses removed."""
    import opencc

    from discourse.ingest.corpus import load_corpus

    cc = opencc.OpenCC("t2s")
    docs = load_corpus()
    strip = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
    return {str(d): cc.convert(strip.sub("", t)) for d, t in zip(docs["doc_id"], docs["text"])}


def test_seed_attestations_are_true(lex, raw_seeds):
    seeds = raw_seeds
    for term, att in zip(lex["term"], lex["attested"]):
        m = re.search(r"seed:([\w,-]+)", att)
        if m is None:
            continue
        for doc_id in m.group(1).split(","):
            assert term in seeds[doc_id], (term, doc_id)


def test_report_attestations_are_true(lex):
    if not config.GOV_REPORTS_DIR.is_dir():
        pytest.skip(f"gov-work-reports corpus absent at {config.GOV_REPORTS_DIR}")
    for term, att in zip(lex["term"], lex["attested"]):
        m = re.search(r"gwr:(\S+\.md)", att)
        if m is not None:
            assert term in (config.GOV_REPORTS_DIR / m.group(1)).read_text(encoding="utf-8"), term


def test_frequencies_force_join_without_lowering_builtin(lex):
    from discourse.segment.backends import jieba_dict_path

    entries = {t: f for t, f, _p in lexicon_entries()}
    assert all(f >= 1 for f in entries.values())
    builtin = {}
    with open(jieba_dict_path(), encoding="utf-8") as fh:
        for line in fh:
            w, f, _tag = line.split()
            if w in entries:
                builtin[w] = int(f)
    # some terms (群防群治, 十四五, 二十条) are already in jieba's dictionary:
    # their frequency is never lowered, so the built-in behaviour is kept.
    assert {"群防群治", "十四五", "二十条"} <= set(builtin)
    assert all(entries[w] >= f for w, f in builtin.items())


def _write(tmp_path, body: str, *, raw: bytes | None = None):
    p = tmp_path / "lex.tsv"
    p.write_bytes(raw if raw is not None else body.encode("utf-8"))
    return p


GOOD = "动态清零\t\tl\tdynamic zero-COVID\t动态清零\tseed:xx-2022\t\tcompound\n"


@pytest.mark.parametrize(
    "body, raw, message",
    [
        (HEADER + "\n" + GOOD, b"\xef\xbb\xbf" + (HEADER + "\n" + GOOD).encode(), r":1: .*BOM"),
        (None, (HEADER + "\r\n" + GOOD).encode(), r":1: .*CR"),
        ("term\tgloss\n" + GOOD, None, r":1: header"),
        (HEADER + "\n" + GOOD.replace("动态清零\t\t", "动态、清零\t\t"), None, r":2: .*punctuation"),
        (HEADER + "\n" + GOOD.replace("动态清零\t\t", "动态 清零\t\t"), None, r":2: .*whitespace"),
        (HEADER + "\n" + GOOD + GOOD, None, r":3: duplicate term"),
        (HEADER + "\n" + GOOD.replace("\t动态清零\tseed", "\t2022\tseed"), None, r":2: field 'phase'"),
        (HEADER + "\n" + GOOD.replace("\t\tl\t", "\t-5\tl\t"), None, r":2: field 'freq'"),
        (HEADER + "\n" + GOOD.replace("\tcompound", ""), None, r":2: expected 8"),
        (HEADER + "\n" + GOOD.replace("compound", "phrase"), None, r":2: field 'unit'"),
    ],
)
def test_lexicon_validation_names_the_line(tmp_path, body, raw, message):
    p = _write(tmp_path, body or "", raw=raw)
    with pytest.raises(LexiconError, match=message) as err:
        read_lexicon(p)
    assert str(p) in str(err.value)


def test_custom_lexicon_file_and_explicit_freq(tmp_path):
    p = _write(tmp_path, HEADER + "\n" + "平急两用\t50000\tl\tdual use\t优化\tofficial:test\t\tword\n")
    entries = lexicon_entries(p)
    assert entries == (("平急两用", 50000, "l"),)
    assert Tokenizer(lexicon=p).segment_only("推进平急两用设施建设")[1] == "平急两用"
    assert "平急两用" not in Tokenizer(lexicon=False).segment_only("推进平急两用设施建设")


# --------------------------------------------------------------- stopwords
# The words a study measures are passed in; these stand for the study's
# directive words (stopwords-iso lists 要, 不得 and 可以).
MEASURED = ("要", "必须", "可以", "不得", "严格")


def test_keep_words_never_stopped_and_default_keeps_nothing():
    import stopwordsiso

    iso = set(stopwordsiso.stopwords("zh"))
    domain = set(read_domain_stopwords()["word"])
    # Independent computation: the lists minus the kept words.
    assert effective_stopwords(keep=MEASURED) == frozenset((iso | domain) - set(MEASURED))
    assert effective_stopwords() == frozenset(iso | domain)  # generic default: nothing kept
    assert {"要", "可以", "不得"} <= effective_stopwords()
    with pytest.raises(ValueError, match="iterable of words"):
        effective_stopwords(keep="要")


def test_deprecated_directives_alias_gives_the_old_stop_list():
    import stopwordsiso

    iso = set(stopwordsiso.stopwords("zh"))
    domain = set(read_domain_stopwords()["word"])
    assert len(DIRECTIVES) == 46
    old = frozenset((iso | domain) - set(DIRECTIVES))  # what keep_directives=True stopped
    assert effective_stopwords(keep=DIRECTIVES) == old
    assert effective_stopwords(keep_directives=True) == old
    assert effective_stopwords(keep=MEASURED, keep_directives=False) == frozenset(iso | domain)
    assert Tokenizer(keep_words=DIRECTIVES).stopwords_ == Tokenizer(keep_directives=True).stopwords_ == old


def test_stopword_table_shows_source_and_decision():
    t = stopword_table(keep=MEASURED)
    assert set(t["source"]) == {"stopwords-iso:zh", "domain"}
    row = t[(t["word"] == "要")].iloc[0]
    assert not row["stopped"] and "keep_words" in row["note"]
    assert bool(stopword_table().query("word == '要'").stopped.iloc[0])
    domain = set(read_domain_stopwords()["word"])
    assert domain == set(t.loc[t["source"] == "domain", "word"])
    assert stopword_table(None).empty
    assert set(stopword_table({"核酸"})["source"]) == {"user"}
    yue = stopword_table("default+yue")
    assert set(yue["source"]) == {"stopwords-iso:zh", "domain", "yue"}
    assert set(stopword_table("yue")["source"]) == {"yue"}


def test_stopwords_switchable_per_tokenizer():
    text = "要严格落实核酸检测的各项工作"
    kept = Tokenizer(keep_words=MEASURED)(text)
    assert "的" not in kept and "工作" not in kept and "要" in kept and "严格" in kept
    assert "要" not in Tokenizer()(text)
    assert "的" in Tokenizer(stopwords=None)(text)
    assert "要" not in Tokenizer(keep_words=MEASURED, keep_directives=False)(text)
    assert Tokenizer(stopwords={"核酸检测"})(text) == [w for w in Tokenizer(stopwords=None)(text) if w != "核酸检测"]
    assert Tokenizer().stopwords_ == effective_stopwords()


def test_stop_list_names_and_errors():
    with pytest.raises(ValueError, match="unknown list 'fr'"):
        Tokenizer(stopwords="default+fr")("疫情")
    with pytest.raises(ValueError, match="join list names with"):
        Tokenizer(stopwords=("zh", "yue"))("疫情")
    with pytest.raises(ValueError, match="keep_words"):
        Tokenizer(keep_words="要")("疫情")


def test_cantonese_stop_list_is_optional_and_documented():
    from discourse.segment.stopwords import YUE_STOPWORDS_PATH, iso_stopwords, read_stopword_file

    yue = read_stopword_file(YUE_STOPWORDS_PATH)
    words = set(yue["word"])
    assert {"唔", "嘅", "咗", "喺", "佢", "哋", "啲", "嘢", "咁", "冇", "係"} <= words
    assert (yue["reason"].str.len() > 5).all()
    assert not words & iso_stopwords("zh")  # adds to the Chinese list, does not repeat it
    assert "系" not in words  # Mandarin vocabulary after t2s, see the file header
    text = "佢哋唔係好鍾意嘅，咗啲嘢"
    plain, canto = Tokenizer()(text), Tokenizer(stopwords="default+yue")(text)
    assert {"唔", "嘅"} <= set(plain)  # not stopped unless asked for
    assert not words & set(canto) and canto == [w for w in plain if w not in words]


def test_latin_rule():
    from discourse.segment import is_latin
    from discourse.segment.stopwords import iso_stopwords

    text = "The coronavirus spread to Wuhan and the 5G towers, 疫情防控 COVID"
    keep = Tokenizer(stopwords=None)(text)
    assert {"The", "coronavirus", "Wuhan", "5G", "COVID"} <= set(keep)
    assert Tokenizer(stopwords=None, latin="drop")(text) == [w for w in keep if not is_latin(w)]
    stop = Tokenizer(stopwords=None, latin="stop")(text)
    en = iso_stopwords("en")
    expected = [w.lower() if is_latin(w) else w for w in keep]
    assert stop == [w for w in expected if w not in en]
    assert {"the", "to", "and"} & set(stop) == set() and {"coronavirus", "wuhan", "5g", "covid"} <= set(stop)
    assert "the" in Tokenizer(stopwords=None, latin="stop", keep_words=("the",))(text)
    with pytest.raises(ValueError, match="latin"):
        Tokenizer(latin="lower")("疫情")


def test_domain_stopword_file_errors_name_the_line(tmp_path):
    p = tmp_path / "sw.txt"
    p.write_text("# comment\n工作 no tab\n", encoding="utf-8")
    with pytest.raises(StopwordsError, match=r":2:"):
        read_domain_stopwords(p)
    p.write_text("工作\treason\n工作\tagain\n", encoding="utf-8")
    with pytest.raises(StopwordsError, match=r":2: duplicate"):
        read_domain_stopwords(p)


def test_lexicon_as_a_table(tmp_path):
    table = pd.DataFrame({"term": ["平急两用", "一网统管"], "pos": ["l", "l"], "unit": ["word", "compound"]})
    tok = Tokenizer(lexicon=table, stopwords=None)
    assert tok.segment_only("推进平急两用设施建设") == ["推进", "平急两用", "设施", "建设"]
    assert "一网统管" in tok("推行一网统管") and "一网统管" not in Tokenizer(lexicon=table, compounds=False)("推行一网统管")
    # The same entries written as a lexicon file give the same tokens and freqs.
    p = _write(tmp_path, HEADER + "\n" + "平急两用\t\tl\tdual use\tgeneral\tofficial:test\t\tword\n"
               + "一网统管\t\tl\tunified\tgeneral\tofficial:test\t\tcompound\n")
    assert lexicon_entries(table) == lexicon_entries(p)
    assert Tokenizer(lexicon=p, stopwords=None)("推行一网统管和平急两用") == tok("推行一网统管和平急两用")
    other = table.assign(term=["平急两用", "城市大脑"])
    assert Tokenizer(lexicon=other).cache_key() != tok.cache_key() != Tokenizer(lexicon=p, stopwords=None).cache_key()
    with pytest.raises(LexiconError, match="row 1: field 'term'"):
        Tokenizer(lexicon=pd.DataFrame({"term": ["平急两用", "a b"], "pos": ["l", "l"]}))("疫情")
    with pytest.raises(LexiconError, match="missing column"):
        Tokenizer(lexicon=pd.DataFrame({"term": ["平急两用"]}))("疫情")


# ---------------------------------------------------------------- glossary
def test_every_lexicon_term_and_placeholder_glossed(lex):
    assert all(gloss(t, missing="empty") for t in lex["term"])
    assert gloss("〔PERSON〕") == "[person]"
    with pytest.raises(KeyError):
        gloss("不存在的词语", missing="raise")
    assert gloss("不存在的词语") == "不存在的词语"
    g = glossary()
    assert not g["term"].duplicated().any()


def test_glossary_file_valid_and_disjoint_from_lexicon(lex):
    gen = read_glossary_file()
    assert not set(gen["term"]) & set(lex["term"])
    assert len(gen) >= 300


def test_frequent_seed_vocabulary_is_glossed(seeds, tok):
    from discourse.analysis.vocab import is_word

    counts = collections.Counter(w for text in seeds.values() for w in tok(text) if is_word(w))
    top = [w for w, _n in counts.most_common(300)]
    missing = [w for w in top if not gloss(w, missing="empty")]
    assert len(missing) / len(top) <= 0.05, missing
