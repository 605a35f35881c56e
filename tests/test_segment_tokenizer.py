"""discourse.segment.Tokenizer: masking, filtering, pickling, backends, scikit-learn."""

from __future__ import annotations

import concurrent.futures as cf
import pickle
import subprocess
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from discourse.placeholders import DATE, NUMBER, PERSON, PLACEHOLDER_RE
from discourse.segment import Tokenizer


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer(keep_words=("要",))


@pytest.fixture(scope="module")
def keep() -> Tokenizer:
    return Tokenizer(drop_placeholders=False)


@pytest.fixture(scope="module")
def seed_texts() -> list[str]:
    from discourse.cleaning import clean_corpus
    from discourse.ingest.corpus import load_corpus

    return clean_corpus(load_corpus()).documents["clean_text"].astype(str).tolist()


OFFICIALS = ("李成辉", "史秉锐", "杨勤荣", "庄建球")


def test_officials_masked_never_vocabulary(tok, keep, seed_texts):
    tokens = [w for t in seed_texts for w in tok(t)]
    assert not set(OFFICIALS) & set(tokens)
    assert PERSON not in tokens  # placeholders are dropped by default
    masked = [w for t in seed_texts for w in keep(t)]
    assert masked.count(PERSON) >= 10
    assert not set(OFFICIALS) & set(masked)


def test_person_options(keep):
    text = "李成辉强调，要深入学习习近平总书记重要讲话"
    assert keep(text)[0] == PERSON
    assert "习近平" in keep(text)  # keep_names default
    assert "习近平" not in Tokenizer(keep_names=(), drop_placeholders=False)(text)
    assert "李成辉" in Tokenizer(mask_persons=False)(text)
    extra = Tokenizer(person_names=("王小明",), drop_placeholders=False)
    assert extra("王小明主持会议")[0] == PERSON


def test_dictionary_person_tags_do_not_mask_vocabulary(tok):
    # jieba's dictionary tags these nr / nrt; they are vocabulary here.
    assert tok("建设智慧城市，弘扬文明新风，发展养老服务，哈密市委") == [
        "建设", "智慧", "城市", "弘扬", "文明", "新风", "发展", "养老", "服务", "哈密", "市委",
    ]


def test_numbers_and_dates_normalised(keep):
    out = keep("截至2021年10月21日16时，全国有中高风险地区6个，对近14天人员排查，完成99.7%，9月21日召开")
    assert out.count(DATE) == 2 and out.count(NUMBER) == 3
    assert not any(ch.isdigit() for w in out for ch in w if not PLACEHOLDER_RE.fullmatch(w))
    assert "5G" in keep("建设5G基站")  # glued to letters: not a number
    assert "十四五" in keep("编制十四五规划")  # lexicon term, never a number
    assert keep("二〇二二年一月")[0] == DATE
    assert "2021" in Tokenizer(normalise_numbers=False)("2021年")


def test_redaction_placeholders_one_token_and_dropped_by_default(tok, keep):
    text = "大家要深刻领会〔REDACTED〕对疫情防控工作的高度重视，返〔X〕来〔X〕人员"
    assert "〔REDACTED〕" in keep(text) and keep(text).count("〔X〕") == 2
    assert not any(PLACEHOLDER_RE.search(w) for w in tok(text))
    assert Tokenizer().segment_only("〔XX〕余名党员")[0] == "〔XX〕"


def test_drops_punctuation_whitespace_keeps_one_char_words(tok, seed_texts):
    for text in seed_texts:
        for w in tok(text):
            assert w.strip() == w and any(ch.isalnum() for ch in w)
    assert tok("防、控结合，要严防死守") == ["防", "控", "结合", "要", "严防死守"]


def test_places_identifiable(tok):
    tags = dict(tok.tag("长治市委和哈密市委听取北京专家意见"))
    assert tags["长治"] == tags["哈密"] == tags["北京"] == "ns"


def test_spans_match_call_and_offsets(keep, seed_texts):
    for text in seed_texts:
        spans = keep.spans(text)
        assert [s.token for s in spans if s.token is not None] == keep(text)
        assert all(text[s.start : s.end] == s.word for s in spans)


_PLAIN = Tokenizer()


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="防控疫情动态清零外防输入要，。、“” \n2022年9月〔XX〕李成辉abcG5", max_size=40))
def test_segment_only_covers_the_text(text):
    words = _PLAIN.segment_only(text)
    assert "".join(words) == "".join(text.split())
    assert all(w and not w.isspace() for w in words)


def test_pos_filter():
    text = "落实防控的各项措施"
    assert "的" in Tokenizer(stopwords=None)(text)
    assert "的" not in Tokenizer(stopwords=None, drop_pos=("u",))(text)


def test_compounds_switch():
    assert Tokenizer()("坚持动态清零") == ["坚持", "动态清零"]
    assert Tokenizer(compounds=False)("坚持动态清零") == ["坚持", "动态", "清零"]


@pytest.mark.parametrize(
    "kwargs",
    [{"backend": "pkuseg"}, {"stopwords": "all"}, {"keep_names": "习近平"}, {"drop_pos": "u"}, {"person_names": ("",)}],
)
def test_invalid_parameters(kwargs):
    with pytest.raises(ValueError):
        Tokenizer(**kwargs)("疫情")


def test_pickle_roundtrip_and_params(tok, seed_texts):
    clone = pickle.loads(pickle.dumps(tok))
    assert "_state" not in clone.__dict__
    assert clone.get_params() == tok.get_params()
    assert clone(seed_texts[0]) == tok(seed_texts[0])
    assert clone.cache_key() == tok.cache_key()
    assert Tokenizer(stopwords=None).cache_key() != tok.cache_key()
    assert Tokenizer(backend="jieba").cache_key() != tok.cache_key()


def _tokenize_many(t, texts):
    return [t(x) for x in texts]


def test_multiprocessing_and_joblib_match_serial(tok, seed_texts):
    from joblib import Parallel, delayed

    serial = [tok(t) for t in seed_texts]
    halves = [seed_texts[:2], seed_texts[2:]]
    with cf.ProcessPoolExecutor(max_workers=2) as ex:  # the tokenizer is pickled to each task
        parts = list(ex.map(_tokenize_many, [tok, tok], halves))
    assert parts[0] + parts[1] == serial
    parts = Parallel(n_jobs=2)(delayed(_tokenize_many)(tok, h) for h in halves)
    assert parts[0] + parts[1] == serial


def test_deterministic_across_instances(seed_texts):
    a, b = Tokenizer(), Tokenizer()
    assert [a(t) for t in seed_texts] == [b(t) for t in seed_texts]


def test_backends_agree_on_seeds(seed_texts):
    fast, ref = Tokenizer(backend="rjieba"), Tokenizer(backend="jieba")
    n = same = 0
    for text in seed_texts:
        a = {(s.start, s.end, s.token) for s in fast.spans(text) if s.token}
        b = {(s.start, s.end, s.token) for s in ref.spans(text) if s.token}
        n += len(b)
        same += len(a & b)
    assert same / n >= 0.995


def test_jieba_backend_leaves_global_instance_alone():
    code = (
        "import jieba; from discourse.segment import Tokenizer; "
        "Tokenizer(backend='jieba')('坚持动态清零'); print(jieba.dt.initialized)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert out.stderr == ""  # jieba's timing message is silenced


def test_tfidf_vectorizer_integration(tok, seed_texts):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(tokenizer=tok, token_pattern=None, lowercase=False)
    X = vec.fit_transform(seed_texts)
    vocab = set(vec.get_feature_names_out())
    assert X.shape[0] == len(seed_texts)
    assert {"要", "防", "动态清零", "外防输入", "常态化"} <= vocab
    assert not set(OFFICIALS) & vocab
    assert not any(PLACEHOLDER_RE.search(w) for w in vocab)
    pickle.loads(pickle.dumps(vec))


# ------------------------------------------------- derived state follows params
def test_set_params_rebuilds_derived_state():
    """Issue 9: state built on the first call was never rebuilt."""
    text = "落实防控的各项措施"
    tok = Tokenizer()
    assert "的" not in tok(text)
    key = tok.cache_key()
    tok.set_params(stopwords=None)
    assert tok(text) == Tokenizer(stopwords=None)(text) and "的" in tok(text)
    assert tok.cache_key() == Tokenizer(stopwords=None).cache_key() != key
    tok.stopwords = "default"  # plain attribute assignment is noticed too
    assert "的" not in tok(text)
    tok.set_params(keep_words=("的",))
    assert "的" in tok(text)


def test_in_place_changes_are_caught_by_cache_key(tmp_path):
    text = "落实防控的各项措施"
    words = ["的"]
    tok = Tokenizer(stopwords=words)
    assert "各项措施" in tok(text)
    key = tok.cache_key()
    words.append("各项措施")  # mutated in place: same object, new content
    assert tok.cache_key() != key
    assert "各项措施" not in tok(text)  # cache_key() rebuilt the state from the new fingerprint

    from discourse.segment.lexicon import COLUMNS

    p = tmp_path / "lex.tsv"
    p.write_text("\t".join(COLUMNS) + "\n", encoding="utf-8")
    tok = Tokenizer(lexicon=p, stopwords=None)
    assert "平急两用" not in tok("推进平急两用设施")
    key = tok.cache_key()
    p.write_text("\t".join(COLUMNS) + "\n平急两用\t\tl\tdual use\tgeneral\tofficial:x\t\tword\n", encoding="utf-8")
    assert tok.cache_key() != key and "平急两用" in tok("推进平急两用设施")


def test_keep_words_reproduce_the_previous_directive_default(seed_texts):
    """Tokenizer(keep_words=<the old DIRECTIVES>) stops exactly what the old default stopped."""
    import stopwordsiso

    from discourse.segment import DIRECTIVES
    from discourse.segment.stopwords import read_domain_stopwords

    stop = (set(stopwordsiso.stopwords("zh")) | set(read_domain_stopwords()["word"])) - set(DIRECTIVES)
    plain = Tokenizer(stopwords=None)
    study = Tokenizer(keep_words=DIRECTIVES)
    for text in seed_texts:
        assert study(text) == [w for w in plain(text) if w not in stop]
    assert "要" in study(seed_texts[0]) and "要" not in Tokenizer()(seed_texts[0])


# -------------------------------------------- protected spans: one regex vs a scan
_G = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789０１２３４５６７８９")


def _reference_spans(text):
    """Candidate-by-candidate scan (the implementation before ALGORITHM_VERSION 3)."""
    import re

    from discourse.segment import tokenizer as T

    span_at = re.compile(rf"(?P<ph>{T._PH})|(?P<date>{T._DATE_RE})|(?P<num>{T._NUM_RE})")
    glued = re.compile(r"[A-Za-z0-9０-９]+")
    out, i, n = [], 0, len(text)
    while True:
        c = re.compile(r"[0-9０-９〔第]").search(text, i)
        if c is None:
            return out
        j = c.start()
        m = span_at.match(text, j)
        if m is None:
            i = j + 1
            continue
        if m.lastgroup == "ph":
            out.append((j, m.end(), "ph"))
            i = m.end()
            continue
        end = m.end()
        if (j > 0 and text[j - 1] in _G) or (end < n and text[end] in _G):
            i = glued.match(text, j).end() if text[j] in _G else j + 1
            continue
        out.append((j, end, m.lastgroup))
        i = end


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789０５年月日号时分:：-/.%第十二百〔XX〕AGb 疫情", max_size=30))
def test_span_regex_matches_reference_scan(text):
    from discourse.segment.tokenizer import _protected_spans

    if "〇" not in text:
        assert _protected_spans(text, True) == _reference_spans(text)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet="二〇一九年零十第百两0123456789年月日.%〔XX〕\ue000\ue0ff李成辉A5G 疫情防控，动态清零\n𠀀",
        max_size=40,
    )
)
@example("二〇二二年工作回顾：二〇二〇二一年，第二〇二二年，2022年9月")
@example("〔XX〕二〇二二年\ue0ff私用区")
@example("零零一九年A二〇二二年5G")
def test_one_pass_substitution_gives_the_tokens_of_cutting_piece_by_piece(text):
    """The fast path (one re.sub, Chinese-numeral years and private-use
    characters found in the same pass) against spans(), which cuts the text
    piece by piece between the protected spans."""
    for tok in (_PLAIN, _PLAIN_KEEP_PH, _PLAIN_PH_ONLY):
        assert tok(text) == [s.token for s in tok.spans(text) if s.token is not None]


_PLAIN_KEEP_PH = Tokenizer(drop_placeholders=False)
_PLAIN_PH_ONLY = Tokenizer(normalise_numbers=False, drop_placeholders=False)


def test_span_regex_on_seeds_and_fast_path(seed_texts, keep):
    from discourse.segment.tokenizer import _protected_spans

    for text in seed_texts:
        assert _protected_spans(text, True) == _reference_spans(text)
        # the one-pass substitution gives the tokens of cutting piece by piece
        # (a private-use character in the text forces the piecewise path)
        assert keep(text) == keep(text + "\ue0ff")
