"""Source profiles, HTML and templating, boilerplate, quarantine, script variants, reports."""

from __future__ import annotations

import hashlib
import json
import re

import opencc
import pandas as pd
import pytest

from discourse import config
from discourse.cleaning import audit_summary, clean_corpus, clean_text, replay_audit
from discourse.cleaning.pipeline import ACTIONS, AUDIT_COLUMNS, CleaningError, default_rules
from discourse.cleaning.profiles import PROFILES, profile_rules
from discourse.cleaning.rules import Rule
from discourse.ingest.corpus import load_corpus

DATA = config.PROJ_ROOT / "tests" / "data" / "cleaning"
FIX = DATA / "profiles"
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _replays(docs: pd.DataFrame, res) -> None:
    clean = dict(zip(res.documents["doc_id"].astype(str), res.documents["clean_text"]))
    for doc_id, raw in zip(docs["doc_id"].astype(str), docs["text"]):
        if doc_id in clean:
            assert replay_audit(raw, res.audit[res.audit["doc_id"] == doc_id]) == clean[doc_id], doc_id


# --- the bundled seeds stay byte-identical -------------------------------------------


@pytest.fixture(scope="module")
def seeds():
    docs = load_corpus()
    return docs, clean_corpus(docs)


def test_seed_clean_texts_and_audit_are_unchanged(seeds):
    """SHA-256 of each seed's clean text and audit rows, pinned before the profile work."""
    docs, res = seeds
    expected = json.loads((DATA / "seed_expectations.json").read_text(encoding="utf-8"))
    assert sorted(expected) == sorted(res.documents["doc_id"])
    for doc_id, exp in expected.items():
        text = res.documents.set_index("doc_id").at[doc_id, "clean_text"]
        sub = res.audit[res.audit["doc_id"] == doc_id]
        rows = [[int(r.step), str(r.rule), int(r.start), int(r.end), str(r.removed), str(r.replacement)]
                for r in sub.itertuples()]
        assert hashlib.sha256(text.encode()).hexdigest() == exp["clean_text_sha256"], doc_id
        assert len(rows) == exp["n_audit_rows"], doc_id
        assert hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest() == exp["audit_sha256"], doc_id
        assert docs.set_index("doc_id").at[doc_id, "sha256"] == exp["raw_sha256"]


def test_seeds_hold_no_control_characters_and_record_the_profile(seeds):
    docs, res = seeds
    assert not any(CONTROL_RE.search(t) for t in docs["text"])
    assert list(res.audit.columns) == list(AUDIT_COLUMNS)
    assert set(res.audit["action"]) <= set(ACTIONS)
    assert (res.audit["profile"] == "web_page").all() and (res.documents["profile"] == "web_page").all()
    assert (res.documents["opencc_config"] == "t2s").all()
    assert res.quarantine.empty and res.boilerplate.empty
    assert [r.name for r in profile_rules("web_page")] == [r.name for r in default_rules()]


def test_audit_actions_are_kept_apart(seeds):
    docs, res = seeds
    a = res.audit
    # independent of the action column: OpenCC conversions are replacements, END is a removal
    assert (a.loc[a["rule"] == "to_simplified", "action"] == "replaced").all()
    assert (a.loc[a["rule"] == "end_marker", "action"] == "removed").all()
    assert (a.loc[a["rule"] == "original_title", "action"] == "moved").all()
    raw = res.documents.set_index("doc_id")["n_chars_raw"]
    s = audit_summary(a, by=("doc_id",), n_chars_raw=raw).set_index("doc_id")
    jy = a[(a["doc_id"] == "jiyuan-2022")]
    conv = jy.loc[jy["rule"] == "to_simplified", "removed"].str.len().sum()
    assert s.at["jiyuan-2022", "chars_replaced"] >= conv > 0
    assert s.at["jiyuan-2022", "share_replaced"] == pytest.approx(s.at["jiyuan-2022", "chars_replaced"] / raw["jiyuan-2022"])
    by_action = audit_summary(a, by=("action",))
    assert set(by_action["action"]) <= set(ACTIONS)
    # net characters: deleted + moved + net change of replacements = raw - clean
    d = res.documents.set_index("doc_id")
    for doc_id in d.index:
        sub = a[a["doc_id"] == doc_id]
        rep = sub[sub["action"] == "replaced"]
        net_rep = int(rep["removed"].str.len().sum() - rep["replacement"].str.len().sum())
        assert s.at[doc_id, "chars_deleted"] + s.at[doc_id, "chars_moved"] + net_rep == d.at[doc_id, "n_chars_removed"]
        assert d.at[doc_id, "n_chars_moved"] == s.at[doc_id, "chars_moved"]


# --- news feeds ------------------------------------------------------------------------


def test_news_item_whose_title_is_its_summary_is_kept_in_news_feed():
    title = "武汉市新增新冠肺炎确诊病例"
    docs = pd.DataFrame({"doc_id": ["n1", "n2"], "title": [title, "国家卫健委通报疫情"],
                         "text": [title, "国家卫健委通报疫情\n1月25日，国家卫健委通报全国疫情防控情况。"]})
    news = clean_corpus(docs, profile="news_feed")
    assert news.documents.set_index("doc_id").at["n1", "clean_text"] == title
    assert news.documents.set_index("doc_id").at["n2", "clean_text"].startswith("国家卫健委通报疫情\n")
    assert "repeated_title" not in set(news.audit["rule"])
    # the web-page profile strips the headline: the item would be empty, so it is quarantined, not kept
    web = clean_corpus(docs, max_quarantine_share=0.5)
    assert list(web.documents["doc_id"]) == ["n2"]
    q = web.quarantine.set_index("doc_id")
    assert q.at["n1", "rule"] == "empty_text" and q.at["n1", "error_type"] == "EmptyDocument"
    assert "n1" not in set(web.audit["doc_id"]) and "n1" not in set(web.metadata["doc_id"])


def test_english_item_passes_unchanged_through_news_feed():
    text = "Wuhan reports 17 new coronavirus cases, officials say.\nThe city closed its markets on Jan. 23."
    r = clean_text(text, profile="news_feed", title="Wuhan reports new cases")
    assert r.text == text
    assert r.audit[r.audit["rule"] != "control_characters"].empty


# --- Markdown archive: HTML, shortcodes, URLs, a control character in the YAML -----------


@pytest.fixture(scope="module")
def article() -> str:
    return (FIX / "archive_article.md").read_text(encoding="utf-8")


def test_markdown_archive_article_loses_markup_keeps_captions(article):
    assert "\x1c" in article
    r = clean_text(article, doc_id="hk-1", profile="markdown_archive", script="traditional_hk")
    lines = r.text.split("\n")
    for junk in ("<", ">", "figcaption", "img", "src", "alt", "http", "www", "web.archive.org", "{{", "}}", "#"):
        assert junk not in r.text, junk
    assert "市民在检测中心外排队轮候" in lines and "临时检测站的工作人员" in lines  # captions: lines of their own
    assert "市民排队" not in r.text and "检测站\n" not in r.text  # alt texts dropped
    assert "详情见及政府网站。" in lines
    caps = r.audit[(r.audit["rule"] == "html_markup") & (r.audit["action"] == "moved")]
    assert sorted(caps["removed"]) == sorted(["市民在檢測中心外排隊輪候", "臨時檢測站的工作人員"])
    assert (caps["removed"] == caps["replacement"]).all()
    ctl = r.audit[r.audit["rule"] == "control_characters"]
    assert ctl["removed"].tolist() == ["\x1c"] and ctl["action"].tolist() == ["removed"] and (ctl["step"] == -1).all()
    assert r.metadata["title"] == "衞生署公布新冠檢測安排"  # YAML parsed once the control is gone
    assert (r.audit.loc[r.audit["rule"] == "front_matter", "action"] == "moved").all()
    assert replay_audit(article, r.audit) == r.text
    again = clean_text(r.text, profile="markdown_archive", script="traditional_hk")
    assert again.text == r.text


def test_duplicate_paragraphs_no_longer_spent_on_figure_lines(article):
    doubled = article.replace("{{< video", "<figure><img src='x.jpg'></figure>\n<figure><img src='x.jpg'></figure>\n{{< video")
    r = clean_text(doubled, profile="markdown_archive")
    assert "duplicate_paragraphs" not in set(r.audit["rule"])
    assert "<figure>" not in r.text


def test_whole_html_page_is_recognised_in_every_profile():
    page = ("<!DOCTYPE html>\n<html><head><title>某县召开疫情防控会议</title><style>p{color:red}</style>"
            "<script>track('x')</script></head>\n<body><div class='nav'>首页</div>\n"
            "<p>3月4日，县委召开疫情防控工作会议&amp;部署工作。</p><!-- ad -->\n<p>会议强调，要毫不放松抓好疫情防控。</p>"
            "</body></html>")
    for profile in PROFILES:
        r = clean_text(page, profile=profile)
        assert "<" not in r.text and "track" not in r.text and "color" not in r.text, profile
        assert "3月4日，县委召开疫情防控工作会议&部署工作。" in r.text.split("\n"), profile
        assert "会议强调，要毫不放松抓好疫情防控。" in r.text.split("\n"), profile
        assert (r.audit.loc[r.audit["rule"] == "html_document", "step"] == 0).all()
        assert replay_audit(page, r.audit) == r.text
    assert clean_text(page).metadata["title"] == "某县召开疫情防控会议"


def test_text_that_only_looks_like_markup_is_kept():
    s = "指标<5%的地区，R&D投入增长；〔PERSON〕主持。"
    r = clean_text(s, profile="markdown_archive")
    assert "<5%" in r.text and "R&D" in r.text


# --- NUL and bidi controls ----------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_nul_and_bidi_controls_removed_and_audited(profile):
    raw = "疫情防控\x00工作会议召开。\n会议强调\u202e要压实责任\u2066，\u200f落实措施。\n\x85附件\x07一。"
    r = clean_text(raw, profile=profile)
    assert CONTROL_RE.search(r.text) is None
    ctl = r.audit[r.audit["rule"] == "control_characters"]
    assert "".join(ctl["removed"]) == "\x00\u202e\u2066\u200f\x85\x07"
    assert (ctl["action"] == "removed").all()
    assert replay_audit(raw, r.audit) == r.text
    assert "\t" in clean_text("a\tb", rules=[]).text  # tab and newline are not controls here


# --- boilerplate across documents -----------------------------------------------------------


def _feed(n: int = 10) -> pd.DataFrame:
    appeal = "订阅我们的通讯，支持独立新闻报道。"
    texts = [f"第{i}号通报：全市新增病例{i}例，均为隔离点发现。\n{appeal}" for i in range(n)]
    texts[0] = texts[0] + "\n本报讯，市防控指挥部召开会议。"
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)], "text": texts, "site": "news.example"})


def test_subscription_appeal_across_ten_documents_is_boilerplate():
    docs = _feed(10)
    res = clean_corpus(docs, profile="news_feed", source_col="site")
    assert not res.documents["clean_text"].str.contains("订阅").any()
    b = res.audit[res.audit["rule"] == "boilerplate"]
    assert len(b) == 10 and b["doc_id"].nunique() == 10
    assert (b["note"] == "recurs in 10 documents of its source").all()
    assert res.boilerplate[["line", "n_docs"]].to_dict("records") == [{"line": "订阅我们的通讯，支持独立新闻报道。", "n_docs": 10}]
    assert res.documents.set_index("doc_id").at["d0", "clean_text"].endswith("本报讯，市防控指挥部召开会议。")
    _replays(docs, res)
    # configurable, and not run by the web-page profile
    kept = clean_corpus(docs, profile="news_feed", boilerplate_min_docs=11)
    assert kept.documents["clean_text"].str.contains("订阅").all()
    assert clean_corpus(docs).documents["clean_text"].str.contains("订阅").all()


def test_boilerplate_counts_per_source():
    docs = pd.concat([_feed(6).assign(site="a"), _feed(6).assign(site="b")], ignore_index=True)
    docs["doc_id"] = [f"x{i}" for i in range(len(docs))]
    docs.loc[docs["site"] == "b", "text"] = docs.loc[docs["site"] == "b", "text"].str.replace("订阅", "关注", regex=False)
    res = clean_corpus(docs, profile="news_feed", source_col="site")
    assert sorted(res.boilerplate["source"]) == ["a", "b"] and (res.boilerplate["n_docs"] == 6).all()


# --- quarantine, not abort -------------------------------------------------------------------


def _raise_decode(text, ctx):
    if "坏" in text:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    return []


def test_rule_raising_unicode_decode_error_names_document_and_rule():
    rules = [Rule("decoder", _raise_decode, "raises on 坏"), *default_rules()]
    with pytest.raises(CleaningError, match=r"document 'bad-1', rule 'decoder'.*UnicodeDecodeError") as ei:
        clean_text("坏文本。", doc_id="bad-1", rules=rules)
    assert isinstance(ei.value.__cause__, UnicodeDecodeError)
    assert ei.value.doc_id == "bad-1" and ei.value.rule == "decoder"


def test_quarantine_sets_aside_and_goes_on_until_the_share_is_exceeded():
    n = 200
    texts = [f"第{i}段正文,内容。" for i in range(n)]
    texts[7] = "坏文本。"
    texts[9] = "---\ntitle: [unclosed\n---\n正文。"
    docs = pd.DataFrame({"doc_id": [f"q{i}" for i in range(n)], "text": texts})
    rules = [Rule("decoder", _raise_decode, "raises on 坏"), *default_rules()]
    res = clean_corpus(docs, rules=rules)
    q = res.quarantine.set_index("doc_id")
    assert list(q.index) == ["q7", "q9"]
    assert q.at["q7", "rule"] == "decoder" and q.at["q7", "error_type"] == "UnicodeDecodeError"
    assert q.at["q9", "rule"] == "front_matter" and q.at["q9", "error_type"] == "ValueError"
    assert "q7" in q.at["q7", "message"]
    assert len(res.documents) == n - 2 and not res.audit["doc_id"].isin(["q7", "q9"]).any()
    assert (res.documents["profile"] == "custom").all()
    with pytest.raises(CleaningError, match=r"2 of 100 documents quarantined.*q7 \(decoder: UnicodeDecodeError\)"):
        clean_corpus(docs.iloc[:100], rules=rules)
    assert len(clean_corpus(docs.iloc[:100], rules=rules, max_quarantine_share=0.05).quarantine) == 2


# --- script variants ----------------------------------------------------------------------


HK = "這個月衞生署會在各區設立檢測站，市民可於枱前登記。發言人敍述，衹要出示證明便可。"


def test_hong_kong_variants_follow_the_source_script():
    docs = pd.DataFrame({"doc_id": ["hk", "gen", "tw"], "text": [HK, HK, HK],
                         "script": ["traditional_hk", "traditional", "zh-Hant-TW"]})
    res = clean_corpus(docs, profile="markdown_archive").documents.set_index("doc_id")
    assert res["opencc_config"].astype(str).to_dict() == {"hk": "hk2s", "gen": "t2s", "tw": "tw2s"}
    hk = res.at["hk", "clean_text"]
    for trad, simp in (("衞生", "卫生"), ("枱", "台"), ("敍", "叙"), ("於", "于"), ("衹", "只")):
        assert trad not in hk
    assert "卫生署" in hk and "台前" in hk and "叙述" in hk and "于台前" in hk and "只要" in hk
    assert hk == opencc.OpenCC("hk2s").convert(HK)  # independent conversion
    assert "衞" in res.at["gen", "clean_text"]  # t2s leaves the Hong Kong variant: why the script matters
    assert clean_text(HK, opencc_config="hk2s").text == hk


# --- work reports: datelines, titles, speaker lines, tables --------------------------------


def _report(name: str) -> tuple[str, str]:
    text = (FIX / name).read_text(encoding="utf-8")
    title = re.search(r"^title: (.*)$", text, re.M).group(1)
    return text, title


@pytest.mark.parametrize(
    ("name", "date", "basis", "meeting", "speaker"),
    [
        ("report_dash.md", "2021-01-20", "dateline", "绵阳市第八届人民代表大会第五次会议", "元方"),
        ("report_bare.md", "2021-03-02", "dateline", "绵阳市第八届人民代表大会第五次会议", "元方"),
        ("report_date_only.md", "2013-01-06", "dateline", None, "季建业"),
        ("report_parenthesised.md", "2022-01-05", "dateline", "黔东南州第十五届人民代表大会第一次会议", "罗强"),
        ("report_chinese_numerals.md", "2021-01-23", "dateline", "北京市第十五届人民代表大会第四次会议", "陈吉宁"),
        ("report_title_only.md", "2021-03-02", "title", None, "元方"),
    ],
)
def test_report_dateline_forms(name, date, basis, meeting, speaker):
    text, title = _report(name)
    r = clean_text(text, doc_id=name, profile="work_report")
    m = r.metadata
    assert m["event_date"] == date and m["event_date_basis"] == basis
    assert m.get("meeting") == meeting
    assert m["speaker_name"] == speaker
    lines = r.text.split("\n")
    assert lines[0] == "各位代表：", lines[:3]  # dateline and speaker line gone
    assert "全市地区生产总值增长3.5%，疫情防控取得重大成果。" in lines
    if name == "report_title_only.md":  # the secretariat's date at the end is not a dateline
        assert lines[-1] == "2021年3月5日"
    assert replay_audit(text, r.audit) == r.text


def test_speaker_from_title_and_line_fills_the_documents_table():
    text, title = _report("report_bare.md")
    docs = pd.DataFrame({"doc_id": ["my"], "text": [text], "title": [title], "speaker_name": [pd.NA],
                         "event_date": [pd.NaT]})
    res = clean_corpus(docs, profile="work_report")
    d = res.documents.iloc[0]
    assert d["speaker_name"] == "元方"  # the title's speaker comes first; the line names 陈新武
    assert d["event_date"] == pd.Timestamp("2021-03-02") and d["event_date_basis"] == "dateline"
    m = res.metadata.set_index("field")
    assert m.at["speaker_role", "extracted"] == "市长"
    assert (res.audit.loc[res.audit["rule"].isin(["report_dateline", "speaker_line"]), "action"] == "moved").all()
    # a manifest value is never overwritten
    docs["speaker_name"] = "某某"
    assert clean_corpus(docs, profile="work_report").documents.iloc[0]["speaker_name"] == "某某"


def test_markdown_table_becomes_text_rows():
    text, _ = _report("report_table.md")
    r = clean_text(text, profile="work_report")
    assert r.text.split("\n") == [
        "2021年重点事项如下。", "重点事项；牵头单位；实际进度", "核酸检测能力建设；市卫健委；已完成。", "疫苗接种；推进中", "全年目标顺利完成。",
    ]
    assert "|" not in r.text and replay_audit(text, r.audit) == r.text


@pytest.mark.corpus
@pytest.mark.skipif(not config.GOV_REPORTS_DIR.is_dir(), reason=f"gov-work-reports corpus not found at {config.GOV_REPORTS_DIR}")
def test_dateline_forms_on_real_reports():
    """Real reports of each observed form: the date found agrees with the title's."""
    root = config.GOV_REPORTS_DIR
    paths = {
        "bare": "政府工作报告-其他地市/黄冈市/2023.md",
        "dash": "政府工作报告-其他地市/三门峡市/2021.md",
        "no_dash_top": "政府工作报告-其他地市/三亚市/2021.md",
        "chinese_numerals": "政府工作报告-主要城市/北京市/2021.md",
    }
    man = pd.read_csv(root / "manifest.csv", dtype=str, keep_default_na=False).set_index("path")
    for form, p in paths.items():
        if not (root / p).is_file():
            continue
        text = (root / p).read_text(encoding="utf-8")
        r = clean_text(text, doc_id=p, title=man.at[p, "title"], profile="work_report")
        assert r.metadata.get("event_date_basis") == "dateline", (form, p, r.text[:120])
        from discourse.cleaning.metadata import parse_report_title

        t = parse_report_title(man.at[p, "title"])
        if "event_date" in t:
            assert r.metadata["event_date"] == t["event_date"], (form, p)
        assert "speaker_name" in r.metadata, (form, p)
        assert replay_audit(text, r.audit) == r.text
