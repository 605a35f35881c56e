"""The study configuration: every choice in one TOML file, every mistake named with its fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from discourse import config
from discourse.study.settings import ConfigError, bundled_configs, is_bundled_corpus, load_config


def _write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "nb").mkdir(exist_ok=True)
    p = tmp_path / "study.toml"
    manifest = (config.PROJ_ROOT / "data" / "corpus.csv").as_posix()
    p.write_text(textwrap.dedent(body).replace("@MANIFEST@", manifest), encoding="utf-8")
    return p


BASE = """
[study]
name = "mine"
notebooks = "nb"

[corpus]
manifest = "@MANIFEST@"
"""


def test_bundled_configs_load_and_differ():
    seeds, panel = (load_config(p) for p in bundled_configs())
    assert (seeds.name, panel.name) == ("seeds", "panel")
    assert seeds.compare.time_bins == "periods" and panel.compare.time_bins == "year"
    assert panel.units.select_terms and not seeds.units.select_terms
    assert seeds.fingerprint() != panel.fingerprint()
    assert is_bundled_corpus(seeds) and is_bundled_corpus(panel)


def test_defaults_fill_what_the_file_leaves_out(tmp_path):
    cfg = load_config(_write(tmp_path, BASE))
    assert cfg.units.unit == "paragraph" and cfg.topics.k[0] >= 2 and cfg.stats.seed == config.RANDOM_STATE
    assert not is_bundled_corpus(cfg)


def test_unknown_key_is_named_with_a_suggestion(tmp_path):
    p = _write(tmp_path, BASE + '\n[topics]\nrestart = 5\n')
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert "[topics] restart" in str(err.value) and "did you mean 'restarts'" in str(err.value)


def test_unknown_section_and_bad_values_are_all_reported_together(tmp_path):
    p = _write(tmp_path, BASE + '\n[topic]\nk = [3]\n\n[units]\nunit = "paragraf"\n\n[stats]\nseed = "x"\n')
    msg = str(pytest.raises(ConfigError, load_config, p).value)
    assert "unknown section [topic]" in msg and "did you mean 'topics'" in msg
    assert '[units] unit = "paragraf" is not one of' in msg and 'unit = "paragraph"' in msg
    assert "[stats] seed must be a whole number" in msg


def test_mistyped_mapping_key_shows_the_toml_form(tmp_path):
    p = _write(tmp_path, BASE + '\n[corpus.columns]\nciti_zh = "city"\n')
    msg = str(pytest.raises(ConfigError, load_config, p).value)
    assert "unknown canonical field 'citi_zh'" in msg and '[corpus.columns] city_zh = "city"' in msg


def test_mistyped_mapping_key_on_the_command_line_shows_the_cli_form():
    cfg = load_config()
    msg = str(pytest.raises(ConfigError, cfg.with_overrides, columns={"citi_zh": "city"}).value)
    assert "COLUMNS='city_zh=city'" in msg


def test_missing_files_are_named(tmp_path):
    p = _write(tmp_path, BASE.replace("@MANIFEST@", "nowhere.csv") + '\n[codebook]\ncodebook = "no.tsv"\n')
    msg = str(pytest.raises(ConfigError, load_config, p).value)
    assert "manifest" in msg and "nowhere.csv" in msg and "file not found" in msg and "no.tsv" in msg


def test_overrides_mark_the_run_as_another_corpus(tmp_path):
    cfg = load_config()
    other = cfg.with_overrides(manifest=config.PROJ_ROOT / "data" / "corpus.csv")
    assert other.overridden and not is_bundled_corpus(other)
    with pytest.raises(ConfigError, match="manifest not found"):
        cfg.with_overrides(manifest=tmp_path / "missing.csv")


def test_fingerprint_follows_the_settings_that_change_the_tables(tmp_path):
    a = load_config(_write(tmp_path, BASE))
    b = load_config(_write(tmp_path, BASE + "\n[tokenizer]\ncompounds = false\n"))
    c = load_config(_write(tmp_path, BASE + "\n[topics]\nk = [4, 5]\n"))
    assert a.fingerprint() != b.fingerprint()
    assert a.fingerprint() == c.fingerprint()  # topics do not change the prepared tables


def test_effective_config_round_trips(tmp_path):
    from discourse.study.run import effective_config_text

    cfg = load_config(bundled_configs()[1]).with_overrides(columns={"doc_id": "doc_id", "text": "text"})
    p = tmp_path / "eff.toml"
    p.write_text(effective_config_text(cfg), encoding="utf-8")
    back = load_config(p)
    assert back.units == cfg.units and back.corpus.columns == cfg.corpus.columns
    assert back.compare == cfg.compare and back.topics == cfg.topics
