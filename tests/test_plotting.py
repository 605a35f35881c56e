"""Figure style, colours, glosses, reproducible saving, periods and milestones."""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure

from discourse import config
from discourse.study import palettes, periods
from discourse.plotting import plots, style
from discourse.plotting import (
    bilingual,
    color_for,
    group_colors,
    plot_cleaning_audit,
    plot_document_lengths,
    plot_feature_rates,
    plot_keyness,
    plot_robustness,
    plot_similarity_heatmap,
    plot_timeline,
    plot_topic_shares,
    plot_topic_terms,
    save_figure,
    use_style,
)

CHINESE = "疫情防控 动态清零 常态化 二十条 新十条 哈密 长治 济源 〔REDACTED〕 〔XX〕"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def chinese_figure() -> Figure:
    use_style()
    fig = Figure(figsize=(4, 2.5))
    ax = fig.add_subplot()
    ax.bar([bilingual("动态清零", "dynamic zero-COVID"), bilingual("常态化", "normalised")], [3, -1])
    ax.set_title(CHINESE)
    ax.set_xlabel("负数 −1 and -1")
    return fig


# -- font --------------------------------------------------------------------------------
def test_font_comes_from_mplfonts_not_the_system():
    name = style.register_cjk_font()
    path = style.cjk_font_path()
    assert path.name == "NotoSansCJKsc-Regular.otf"
    assert "mplfonts" in path.parts
    found = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    assert Path(found) == path


def test_register_is_idempotent():
    first = style.register_cjk_font()
    n = len(font_manager.fontManager.ttflist)
    assert style.register_cjk_font() == first
    assert len(font_manager.fontManager.ttflist) == n


def test_missing_font_raises_clearly(monkeypatch):
    monkeypatch.setattr(style, "CJK_FONT_FILE", "NoSuchFont.otf")
    with pytest.raises(FileNotFoundError, match="NoSuchFont.otf"):
        style.cjk_font_path()


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_chinese_renders_without_missing_glyphs(fmt, tmp_path):
    fig = chinese_figure()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" fails the test
        save_figure(fig, "chinese", tmp_path, formats=[fmt])
    assert (tmp_path / f"chinese.{fmt}").stat().st_size > 1000


def test_without_the_style_chinese_glyphs_are_missing(tmp_path):
    """The test above can fail: DejaVu Sans alone has no CJK glyphs."""
    with mpl.rc_context({"font.family": ["DejaVu Sans"]}):
        fig = Figure()
        fig.add_subplot().set_title("疫情防控")
        with pytest.warns(UserWarning, match="missing from font"):
            save_figure(fig, "tofu", tmp_path, formats=["png"])


def test_style_sets_the_required_params():
    use_style()
    rc = mpl.rcParams
    assert rc["font.family"][0] == style.CJK_FONT_NAME
    assert rc["axes.unicode_minus"] is False
    assert rc["svg.fonttype"] == "path"
    assert rc["svg.hashsalt"] == style.SVG_HASHSALT


# -- saving ---------------------------------------------------------------------------------
def test_saved_twice_is_byte_identical(tmp_path):
    a = save_figure(chinese_figure(), "fig", tmp_path / "a")
    b = save_figure(chinese_figure(), "fig", tmp_path / "b")
    assert [p.name for p in a] == ["fig.png", "fig.svg"]
    for pa, pb in zip(a, b):
        assert sha(pa) == sha(pb), pa.name
    again = save_figure(chinese_figure(), "fig", tmp_path / "a")
    assert [sha(p) for p in again] == [sha(p) for p in b]


def test_saved_files_carry_no_date_or_version(tmp_path):
    png, svg = save_figure(chinese_figure(), "meta", tmp_path)
    assert b"Software" not in png.read_bytes() and b"Matplotlib version" not in png.read_bytes()
    text = svg.read_text(encoding="utf-8")
    assert "<dc:date>" not in text
    assert "<text" not in text  # text drawn as paths


def test_save_figure_default_folder_and_stable_names(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "FIGURES_DIR", tmp_path / "figs")
    paths = save_figure(chinese_figure(), "01-document-length")
    assert paths == [tmp_path / "figs" / "01-document-length.png", tmp_path / "figs" / "01-document-length.svg"]
    assert sorted(os.listdir(tmp_path / "figs")) == ["01-document-length.png", "01-document-length.svg"]


def test_save_figure_is_atomic(monkeypatch, tmp_path):
    """A failure while rendering leaves the previous file intact and no temp file."""
    good = save_figure(chinese_figure(), "atomic", tmp_path, formats=["png"])[0]
    before = sha(good)
    fig = chinese_figure()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(style, "atomic_write_bytes", boom)
    with pytest.raises(RuntimeError):
        save_figure(fig, "atomic", tmp_path, formats=["png"])
    monkeypatch.undo()
    assert sha(good) == before
    # and the real writer goes through a temporary file in the same folder
    calls = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (calls.append((src, dst)), real_replace(src, dst)))
    save_figure(fig, "atomic", tmp_path, formats=["png"])
    assert calls and Path(calls[0][0]).parent == tmp_path and Path(calls[0][1]) == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atomic.png"]


@pytest.mark.parametrize("name", ["", "../x", "a/b", "fig.png", " x"])
def test_save_figure_rejects_unstable_names(name, tmp_path):
    with pytest.raises(ValueError, match="figure name"):
        save_figure(chinese_figure(), name, tmp_path)


# -- colours -------------------------------------------------------------------------------
def test_city_and_period_colours_are_fixed():
    city = palettes.city_palette()
    assert color_for("Hami", city) == color_for("哈密市", city) == color_for("hami-2020", city) == palettes.CITY_COLORS["Hami"]
    assert color_for("Jiyuan", city) == color_for("济源市", city)
    assert len(set(palettes.CITY_COLORS.values())) == len(palettes.CITY_COLORS)
    for p in periods.PERIOD_ORDER:
        assert style.period_color(p, palettes.PERIOD_COLORS) == color_for(p, palettes.PERIOD_COLORS)
    assert len(set(palettes.PERIOD_COLORS.values())) == len(palettes.PERIOD_COLORS)
    assert set(periods.PERIOD_ORDER) == set(palettes.PERIOD_COLORS)


def test_plotting_imports_nothing_from_the_study_layer():
    import ast

    for path in (Path(plots.__file__), Path(style.__file__)):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mods = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + [
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in mods if m and m.startswith("discourse.study")], path


def test_fallback_colours_are_deterministic_and_distinct_within_a_figure():
    values = [f"province-{i}" for i in range(10)]
    a = group_colors(values)
    b = group_colors(list(reversed(values)))
    assert a == b
    assert len(set(a.values())) == len(values)
    assert all(c in style.FALLBACK_PALETTE for c in a.values())
    assert color_for("province-3") == color_for("province-3")
    mixed = group_colors(["Hami", "province-1"], palettes.city_palette())
    assert mixed["Hami"] == palettes.CITY_COLORS["Hami"] and mixed["province-1"] != mixed["Hami"]


def _legend_colors(ax):
    handles, labels = ax.get_legend_handles_labels()
    out = {}
    for h, label in zip(handles, labels):
        line = h.lines[0] if hasattr(h, "lines") else h
        out[label] = mpl.colors.to_hex(line.get_color()).upper()
    return out


def test_plots_use_the_city_colours():
    s = pd.DataFrame({"label": ["Hami", "Jiyuan"], "topic": ["T01", "T01"], "share": [0.5, 0.3],
                      "ci_low": [0.4, 0.2], "ci_high": [0.6, 0.4]})
    fig = plot_topic_shares(s, colors=palettes.city_palette())
    assert _legend_colors(fig.axes[0]) == {"Hami": palettes.CITY_COLORS["Hami"], "Jiyuan": palettes.CITY_COLORS["Jiyuan"]}


def test_a_place_keeps_its_colour_across_years():
    # a 12-report corpus: four places x three years
    docs = pd.DataFrame({"place": [p for p in "ABCD" for _ in range(3)],
                         "date": pd.to_datetime([f"{y}-03-01" for _ in "ABCD" for y in (2021, 2022, 2023)])})
    docs["label"] = docs["place"] + " " + docs["date"].dt.year.astype(str)
    colors, markers = palettes.label_colors(docs), palettes.label_markers(docs)
    rates = pd.DataFrame({"feature": ["f"] * 12, "doc_id": docs["label"], "per_1000": np.arange(12.0),
                          "count": np.arange(12)})
    fig = plot_feature_rates(rates, colors=colors, markers=markers)
    got = _legend_colors(fig.axes[0])
    for place in "ABCD":
        assert len({got[f"{place} {y}"] for y in (2021, 2022, 2023)}) == 1
    assert len({got[f"{p} 2021"] for p in "ABCD"}) == 4
    assert markers["A 2021"] != markers["A 2022"]
    # with 12 groups the count labels are left out (they would merge)
    assert not fig.axes[0].texts


def test_many_groups_are_cut_to_the_top_and_the_rest_named():
    rates = pd.DataFrame({"feature": ["f"] * 300, "doc_id": [f"g{i:03d}" for i in range(300)],
                          "per_1000": np.linspace(0, 3, 300), "count": np.arange(300)})
    fig = plot_feature_rates(rates, max_groups=12)
    _handles, labels = fig.axes[0].get_legend_handles_labels()
    assert sorted(labels) == [f"g{i:03d}" for i in range(288, 300)]  # the 12 largest counts
    notes = [t.get_text() for t in fig.texts]
    assert any("Not shown (288 groups)" in n and "g000" in n for n in notes)


def test_heatmap_colour_scale_spans_the_off_diagonal_range():
    s = pd.DataFrame([[1, .19, .25], [.19, 1, .27], [.25, .27, 1]], index=list("abc"), columns=list("abc"))
    fig = plot_similarity_heatmap(s)
    im = fig.axes[0].images[0]
    assert im.get_clim() == pytest.approx((0.19, 0.27))
    values = sorted(t.get_text() for t in fig.axes[0].texts)
    assert values.count("1") == 3 and "0.190" in values and "0.270" in values


def test_cleaning_audit_shows_deleted_replaced_and_moved_apart():
    edits = pd.DataFrame({"doc_id": ["d"] * 4, "rule": ["footer", "punct", "punct", "move"],
                          "removed": ["abcdef", ",", ",", "xy"], "replacement": ["", "，", "，", "xy"],
                          "action": ["removed", "replaced", "replaced", "moved"]})
    fig = plot_cleaning_audit(edits)
    label = fig.axes[0].texts[0].get_text()
    # net change of length = raw minus clean = 6 deleted (replacements and moves keep the length)
    assert "6 deleted" in label and "2 replaced" in label and "2 moved" in label and "net \u22126" in label


def test_robustness_titles_are_wrapped():
    r = pd.DataFrame({"finding": ["a very long finding title " * 4] * 2 + ["short"] * 2,
                      "variant": ["baseline", "v"] * 2, "value": [1.0, 2.0, 3.0, 4.0]})
    fig = plot_robustness(r, baseline="baseline")
    title = fig.axes[0].get_title(loc="left")
    assert "\n" in title and max(len(line) for line in title.splitlines()) <= 40


# -- labels ----------------------------------------------------------------------------------
def test_bilingual():
    assert bilingual("动态清零", "dynamic zero-COVID") == "动态清零\n(dynamic zero-COVID)"
    assert bilingual("动态清零", "dynamic zero-COVID", sep=" ") == "动态清零 (dynamic zero-COVID)"
    assert bilingual("动态清零", None) == bilingual("动态清零", "") == bilingual("动态清零", np.nan) == "动态清零"


def test_glosses_come_from_a_column_or_a_callable():
    k = pd.DataFrame({"term": ["清零", "优化"], "log_ratio": [1.0, -1.0], "g2": [5.0, 4.0], "en": ["zeroing", None]})
    labels = [t.get_text() for t in plot_keyness(k, gloss="en").axes[0].get_yticklabels()]
    assert labels == ["清零 (zeroing)", "优化"]
    labels = [t.get_text() for t in plot_keyness(k, gloss={"优化": "optimise"}.get).axes[0].get_yticklabels()]
    assert labels == ["清零", "优化 (optimise)"]
    with pytest.raises(KeyError, match="missing column"):
        plot_keyness(k, gloss="nope")


# -- plot functions ---------------------------------------------------------------------------
def _docs() -> pd.DataFrame:
    return pd.DataFrame({
        "doc_id": ["hami-2020", "xx-2021", "xx-2022", "undated"],
        "label": ["Hami", "XX-1", "XX-2", "Other"],
        "date": pd.to_datetime(["2020-09-21", "2021-10-01", "2022-07-03", None]),
        "date_precision": ["day", "month", "day", None],
        "date_source": ["event_date", "event_date", "pub_date", None],
        "n_chars_raw": [3000, 5200, 4000, 1000],
        "n_chars_clean": [2500, 4800, 3500, 900],
    })


def test_every_plot_returns_a_figure_that_saves_without_missing_glyphs(tmp_path):
    docs = _docs()
    audit = pd.DataFrame({"doc_id": ["hami-2020", "hami-2020", "xx-2021"], "rule": ["spam", "footer", "footer"],
                          "chars_removed": [300, 200, 400]})
    keyness = pd.DataFrame({"term": ["清零", "优化", "常态化"], "log_ratio": [2.0, -1.0, 0.5], "g2": [10.0, 5.0, 1.0]})
    terms = pd.DataFrame({"topic": ["T01", "T01", "T02", "T02"], "term": ["核酸", "检测", "疫苗", "接种"],
                          "weight": [0.5, 0.3, 0.6, 0.2]})
    shares = pd.DataFrame({"label": ["Hami", "Hami"], "topic": ["T01", "T02"], "share": [0.6, 0.4],
                           "ci_low": [0.5, 0.3], "ci_high": [0.7, 0.5]})
    sim = pd.DataFrame(np.array([[1, .2, .8], [.2, 1, .3], [.8, .3, 1]]), index=["Hami", "XX-1", "XX-2"],
                       columns=["Hami", "XX-1", "XX-2"])
    rates = pd.DataFrame({"feature": ["要求", "要求"], "doc_id": ["hami-2020", "xx-2021"], "per_1000": [1.0, 2.0],
                          "count": [3, 9]})
    robust = pd.DataFrame({"finding": ["清零 keyness"] * 2, "variant": ["baseline", "no lexicon"], "value": [2.0, 1.7],
                           "low": [1.5, 1.1], "high": [2.5, 2.2]})
    figs = {
        "lengths": plot_document_lengths(docs),
        "audit": plot_cleaning_audit(audit),
        "keyness": plot_keyness(keyness),
        "terms": plot_topic_terms(terms, gloss={"核酸": "nucleic acid"}.get),
        "shares": plot_topic_shares(shares),
        "timeline": plot_timeline(docs, periods.load_milestones(), periods=periods.PERIODS,
                                  period_colors=palettes.PERIOD_COLORS, period_glosses=periods.PERIOD_GLOSSES),
        "similarity": plot_similarity_heatmap(sim),
        "features": plot_feature_rates(rates),
        "robustness": plot_robustness(robust, low_col="low", high_col="high", baseline="baseline", reference=0),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, fig in figs.items():
            assert isinstance(fig, Figure), name
            save_figure(fig, name, tmp_path, formats=["png"])


def test_plots_draw_into_a_given_ax():
    use_style()
    fig = Figure()
    ax = fig.add_subplot()
    out = plot_keyness(pd.DataFrame({"term": ["清零"], "log_ratio": [1.0], "g2": [3.0]}), ax=ax)
    assert out is fig and len(ax.patches) == 1


def test_timeline_marks_date_precision_and_milestones():
    fig = plot_timeline(_docs(), periods.load_milestones(), periods=periods.PERIODS,
                        period_colors=palettes.PERIOD_COLORS, period_glosses=periods.PERIOD_GLOSSES)
    ax = fig.axes[0]
    markers = {line.get_marker() for line in ax.get_lines() if line.get_marker() not in (None, "None", "")}
    assert {"o", "s", "X"} <= markers  # day, month, unknown
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "二十条 (20 measures)" in texts and "新十条" in texts
    assert "常态化" in texts and "dynamic zero-COVID" in texts
    assert "武汉" not in texts  # outside the window (and local)


def test_keyness_selects_both_directions_and_annotates_g2():
    k = pd.DataFrame({"term": list("abcdef"), "log_ratio": [3, 2, 1, -1, -2, -3], "g2": [9, 8, 7, 6, 5, 4]})
    ax = plot_keyness(k, n_terms=2).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "e", "f"]
    assert "G²=9.0" in " ".join(t.get_text() for t in ax.texts)


def test_cleaning_audit_counts_removed_characters_of_raw_audit_rows():
    audit = pd.DataFrame({"doc_id": ["a", "a", "b"], "rule": ["spam", "spam", "footer"],
                          "removed": ["广告广告", "x", "版权所有"]})
    ax = plot_cleaning_audit(audit).axes[0]
    widths = sorted(p.get_width() for p in ax.patches if p.get_width() > 0)
    assert widths == [4.0, 5.0]


def test_heatmap_accepts_pairs():
    pairs = pd.DataFrame({"a": ["Hami", "Hami", "Jiyuan"], "b": ["Jiyuan", "XX-1", "XX-1"], "similarity": [.2, .7, .4]})
    ax = plot_similarity_heatmap(pairs, order=None).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Hami", "Jiyuan", "XX-1"]
    assert ax.images[0].get_array()[0, 2] == pytest.approx(0.7)


def test_heatmap_cluster_order_groups_similar_documents():
    labels = ["a", "b", "c", "d"]
    m = np.array([[1, .1, .9, .1], [.1, 1, .1, .9], [.9, .1, 1, .1], [.1, .9, .1, 1]])
    order = plots.cluster_order(pd.DataFrame(m, index=labels, columns=labels))
    pos = {v: i for i, v in enumerate(order)}
    assert abs(pos["a"] - pos["c"]) == 1 and abs(pos["b"] - pos["d"]) == 1


def test_feature_rates_annotate_counts():
    r = pd.DataFrame({"feature": ["要求", "强调"], "label": ["Hami", "Hami"], "rate": [1.0, 0.5], "count": [7, 3]})
    fig = plot_feature_rates(r, group_col="label", rate_col="rate")
    texts = [t.get_text().strip() for t in fig.axes[0].texts]  # annotations are texts
    assert texts == ["7", "3"]


def test_plot_errors_name_the_missing_column():
    with pytest.raises(KeyError, match="n_chars_clean"):
        plot_document_lengths(_docs().drop(columns="n_chars_clean"))


# -- periods and milestones ---------------------------------------------------------------------
def test_policy_period_boundaries():
    pp = periods.policy_period
    assert pp("2020-01-19") is None
    assert pp("2020-05-06") == "应急" and pp("2020-05-07") == "常态化"
    assert pp("2021-07-31") == "常态化" and pp("2021-08-01") == "动态清零"
    assert pp("2022-11-10") == "动态清零" and pp("2022-11-11") == "优化"
    assert pp("2023-01-07") == "优化" and pp("2023-01-08") == "乙类乙管"
    assert pp(pd.Timestamp("2021-10-01"), "month") == "动态清零"
    assert pp(pd.Timestamp("2022-11-01"), "month") is None  # straddles 2022-11-11
    assert pp(None) is None and pp(pd.NaT) is None


def test_assign_periods_on_the_bundled_documents():
    s = periods.assign_periods(_docs()["date"], _docs()["date_precision"])
    assert s.tolist()[:3] == ["常态化", "动态清零", "动态清零"] and pd.isna(s.iloc[3])


def test_milestones_file_is_valid_sorted_and_sourced():
    m = periods.load_milestones()
    assert m["date"].is_monotonic_increasing
    assert m["milestone_id"].is_unique
    assert (m["source_url"].notna() | m["source_note"].notna()).all()
    assert m["source_url"].dropna().str.match(r"https?://www\.(gov|nhc\.gov)\.cn/").all()
    for col in ("event_zh", "event_en", "short_zh", "short_en", "issuer_zh"):
        assert m[col].notna().all(), col
    required = {"2020-01-20", "2020-04-08", "2020-05-07", "2021-08-01", "2022-06-28", "2022-11-11",
                "2022-12-07", "2022-12-26"}
    assert required <= set(m["date"].dt.strftime("%Y-%m-%d"))
    docs = dict(zip(m["milestone_id"], m["document"]))
    assert docs["normalised-guidance"] == "国发明电〔2020〕14号"
    assert docs["twenty-measures"] == "联防联控机制综发〔2022〕101号"


def test_period_constants_agree_with_the_milestones_file():
    m = periods.load_milestones().set_index("milestone_id")
    for p in periods.PERIODS:
        row = m.loc[p.milestone_id]
        assert row["phase_to"] == p.name, p
        assert row["date"] == p.start, p
    changes = m.dropna(subset=["phase_to"])
    assert changes["phase_to"].tolist() == list(periods.PERIOD_ORDER)


@pytest.mark.parametrize(
    "bad, message",
    [
        (lambda rows: rows.replace("2020-05-07,day", "2020-05-32,day", 1), "row 4, field 'date'"),
        (lambda rows: rows.replace("2021-08,month", "2021-08,day", 1), "field 'date_precision'"),
        (lambda rows: rows.replace("2020-09-08,day", "2019-09-08,day", 1), "before the previous row"),
    ],
)
def test_load_milestones_rejects_bad_rows(tmp_path, bad, message):
    text = periods.milestones_path().read_text(encoding="utf-8")
    path = tmp_path / "milestones.csv"
    path.write_text(bad(text), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        periods.load_milestones(path)


def test_load_milestones_rejects_a_row_without_source(tmp_path):
    m = pd.read_csv(periods.milestones_path(), dtype=str, keep_default_na=False)
    m.loc[0, ["source_url", "source_note"]] = ""
    path = tmp_path / "milestones.csv"
    m.to_csv(path, index=False)
    with pytest.raises(ValueError, match="row 1.*no source"):
        periods.load_milestones(path)


def test_figures_are_byte_identical_across_processes(tmp_path):
    """Two fresh interpreters (different hash seeds) write the same bytes."""
    import subprocess
    import sys

    script = (
        "import sys, pandas as pd\n"
        "from discourse.plotting import plot_timeline, plot_keyness, save_figure\n"
        "docs = pd.DataFrame({'label': ['Hami', 'XX-1'], 'date': pd.to_datetime(['2020-09-21', '2021-10-01']),"
        " 'date_precision': ['day', 'month']})\n"
        "save_figure(plot_timeline(docs), 'timeline', sys.argv[1])\n"
        "k = pd.DataFrame({'term': ['清零', '优化'], 'log_ratio': [1.0, -1.0], 'g2': [3.0, 2.0]})\n"
        "save_figure(plot_keyness(k), 'keyness', sys.argv[1])\n"
    )
    for seed, sub in (("1", "a"), ("2", "b")):
        env = {**os.environ, "PYTHONHASHSEED": seed, "MPLBACKEND": "Agg"}
        subprocess.run([sys.executable, "-W", "error", "-c", script, str(tmp_path / sub)], check=True, env=env)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["keyness.png", "keyness.svg", "timeline.png", "timeline.svg"]
    for name in names:
        assert sha(tmp_path / "a" / name) == sha(tmp_path / "b" / name), name


def test_cleaning_audit_lumps_small_rules():
    audit = pd.DataFrame({"doc_id": ["a"] * 12, "rule": [f"rule_{i:02d}" for i in range(12)],
                          "chars_removed": list(range(12, 0, -1))})
    ax = plot_cleaning_audit(audit, max_rules=3).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["rule_00", "rule_01", "rule_02", "other rules (9)"]
    assert sum(p.get_width() for p in ax.patches) == sum(range(1, 13))
