"""Properties of the cleaning pipeline (hypothesis) and of its single rules."""

from __future__ import annotations

import functools
import os
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from discourse import config
from discourse.cleaning import Rule, apply_edits, clean_corpus, clean_text, normalise, replay_audit
from discourse.cleaning.rules import drop_lines

DATA = config.PROJ_ROOT / "tests" / "data" / "cleaning"

# Content-like text: common Han characters of the domain, Chinese and ASCII
# punctuation, stray whitespace of several kinds.
HAN = "疫情防控工作要坚持人民至上生命健康统筹经济社会发展加强落实责任各级部门会议强调市委书记主持"
SPACES = [" ", "\u00a0", "\u3000", "\t"]
clause = st.text(alphabet=HAN, min_size=2, max_size=12)
sep = st.sampled_from(["，", ",", "、", "；", ";", " ", "\u00a0", "，，", ",、"])
sentence = st.builds(
    lambda parts, seps, end: "".join(p + s for p, s in zip(parts, seps)) + parts[-1] + end,
    st.lists(clause, min_size=1, max_size=4),
    st.lists(sep, min_size=4, max_size=4),
    st.sampled_from(["。", "！", "？", ".", "。。"]),
)
paragraph = st.builds(
    lambda sents, lead, trail: lead + "".join(sents) + trail,
    st.lists(sentence, min_size=1, max_size=3),
    st.sampled_from(["", " ", "\u3000\u3000", "\u00a0"]),
    st.sampled_from(["", " ", "\u00a0"]),
)
document = st.builds(
    lambda paras, gap: gap.join(paras),
    st.lists(paragraph, min_size=1, max_size=6, unique=True),
    st.sampled_from(["\n", "\n\n", "\n\u00a0\n", "\n \n\n"]),
)
# Anything, including noise-like lines, for idempotence.
noisy_line = st.sampled_from([
    "END", "分享到：", "来源：某某日报 2021-01-01", "推荐访问：疫情 防控", "原标题：某某会议召开",
    "[编辑：张三]", "·相关新闻标题", "某报告_某关键词句子_某关键词句子", "领会***精神", "返X来X人员XX名",
    "濟(jì)源網(wǎng)訊", "图为：会场", "首页 > 新闻 > 本地", "咨询热线：400123456",
])
messy = st.builds(
    lambda items: "\n".join(items),
    st.lists(st.one_of(paragraph, noisy_line, st.text(alphabet=HAN + "，。、X*_ \u00a0()：", max_size=30)),
             min_size=1, max_size=8),
)

# More examples for a thorough local run: CLEANING_EXAMPLES=2000 pytest tests/test_cleaning_properties.py
SETTINGS = settings(max_examples=int(os.environ.get("CLEANING_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _expected_content(text: str) -> str:
    paras = [normalise(p) for p in text.split("\n")]
    return "\n".join(p for p in paras if p)


@SETTINGS
@given(document)
def test_content_changes_only_by_documented_normalisations(text):
    """Plain content paragraphs: the pipeline does what normalise() does, nothing more."""
    assert clean_text(text).text == _expected_content(text)


@SETTINGS
@given(messy)
def test_cleaning_is_idempotent(text):
    once = clean_text(text).text
    twice = clean_text(once)
    assert twice.text == once
    assert twice.audit.empty


@SETTINGS
@given(messy)
def test_audit_replays_to_the_clean_text(text):
    r = clean_text(text)
    assert replay_audit(text, r.audit) == r.text
    removed = r.audit["removed"].str.len().sum() - r.audit["replacement"].str.len().sum()
    assert removed == len(text) - len(r.text)


@SETTINGS
@given(document)
def test_normalise_is_idempotent_and_canonical(text):
    n = normalise(text)
    assert normalise(n) == n
    assert not re.search(r"[\u4e00-\u9fff][,;]|[,;][\u4e00-\u9fff]", n)
    assert "\u00a0" not in n and "\u3000" not in n


def test_rule_is_a_str_to_str_step_composable_with_partial():
    drop_end = Rule("drop_end", functools.partial(drop_lines, pattern=re.compile(r"^END$")), "Remove END.")
    assert drop_end("正文。\nEND") == "正文。"
    edits = drop_end.edits("正文。\nEND")
    assert [(e.start, e.end, e.removed) for e in edits] == [(3, 7, "\nEND")]
    assert apply_edits("正文。\nEND", edits) == "正文。"


def test_bad_rule_output_is_rejected():
    def bad(text, ctx):
        from discourse.cleaning import Edit

        return [Edit(0, 2, "不对", "")]

    with pytest.raises(ValueError, match="does not match"):
        Rule("bad", bad)("正文")


def test_general_patterns_on_an_unseen_page():
    text = (DATA / "scraped_page.txt").read_text(encoding="utf-8")
    r = clean_text(text, title="某县召开疫情防控工作会议")
    assert r.text.split("\n") == [
        "3月4日，县委召开疫情防控工作会议，传达学习上级会议精神。",
        "会议强调，要坚持“外防输入、内防反弹”，毫不放松抓好常态化疫情防控工作。",
        "会上，县卫健委通报了近期疫情防控工作情况。",
    ]
    assert r.metadata["pub_date"] == "2021-03-05"
    assert r.metadata["outlet"] == "某县融媒体中心"
    assert r.metadata["reporter"] == "王小明、李四"
    assert r.metadata["editor"] == "赵六"
    assert replay_audit(text, r.audit) == r.text


def test_markdown_report_fixture():
    text = (DATA / "report.md").read_text(encoding="utf-8")
    r = clean_text(text, doc_id="md")
    lines = r.text.split("\n")
    assert lines[0] == "市长张三"
    assert "一、2020年工作回顾" in lines and "二、2021年工作安排" in lines
    assert "——疫情防控取得重大战略成果。坚持“外防输入、内防反弹”，实现“零感染”。" in lines
    assert "全市地区生产总值增长3.5%。" in r.text
    assert "“1+5+X”" in r.text and "〔X〕" not in r.text
    for markup in ("**", "---", "<!--", "[^1]", "title:"):
        assert markup not in r.text
    assert "会议上" not in r.text
    assert r.metadata["event_date"] == "2021-01-10"
    assert r.metadata["meeting"] == "某市第十届人民代表大会第五次会议"
    assert r.metadata["source_url"] == "https://www.example.gov.cn/zwgk/2021/report.html"
    # nothing but markup, the dateline and whitespace was removed
    allowed = {"front_matter", "markdown_markup", "meeting_dateline", "normalize_width", "normalize_whitespace",
               "tidy_paragraphs"}
    assert set(r.audit["rule"]) <= allowed, set(r.audit["rule"]) - allowed


def test_plain_text_is_not_treated_as_markdown():
    r = clean_text("**重点**工作。\n大家要深刻领会***对疫情防控工作的高度重视。")
    assert "**重点**工作。" in r.text and "〔REDACTED〕" in r.text


@pytest.mark.corpus
@pytest.mark.skipif(not config.GOV_REPORTS_DIR.is_dir(), reason=f"gov-work-reports corpus not found at {config.GOV_REPORTS_DIR}")
def test_small_gov_work_reports_are_cleaned_with_a_small_share_removed():
    manifest = pd.read_csv(config.GOV_REPORTS_DIR / "manifest.csv", dtype=str)
    manifest["n"] = manifest["chars"].astype(int)
    # one small 2020-2022 report per level (deterministic choice)
    pick = (
        manifest[manifest["year"].isin(["2020", "2021", "2022"])]
        .sort_values(["level", "n", "path"])
        .groupby("level")
        .head(1)
    )
    docs = pd.DataFrame({
        "doc_id": pick["path"].to_numpy(),
        "text": [(config.GOV_REPORTS_DIR / p).read_text(encoding="utf-8") for p in pick["path"]],
        "title": pick["title"].to_numpy(),
    })
    res = clean_corpus(docs)
    d = res.documents
    assert (d["share_removed"] < 0.05).all(), d[["doc_id", "share_removed"]]
    for raw, clean in zip(docs["text"], d["clean_text"]):
        assert not clean.startswith("---") and "**" not in clean and "title:" not in clean
        # the body's paragraphs survive: most raw lines with a full stop are in the clean text
        body = [normalise(x.replace("**", "")) for x in raw.split("\n") if x.endswith("。") and "[^" not in x]
        kept = sum(b in clean for b in body)
        assert kept >= 0.9 * len(body)
    for doc_id, raw in zip(docs["doc_id"], docs["text"]):
        assert replay_audit(raw, res.audit[res.audit["doc_id"] == doc_id]) == d.set_index("doc_id").at[doc_id, "clean_text"]
