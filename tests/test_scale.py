"""The corpus stages on Dask: the same tables as the single-process path, reruns, killed workers."""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed")

import dask  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from discourse import config  # noqa: E402
from discourse.cleaning.pipeline import CleaningError  # noqa: E402
from discourse.study import scale  # noqa: E402
from discourse.study.settings import load_config  # noqa: E402

prep = importlib.import_module("discourse.study.prepare")

ROOT = config.PROJ_ROOT
BOILER = "订阅我们的通讯，支持独立新闻报道。"  # in 9 of 12 documents
RARE = "本文首发于城市观察周刊网站。"  # in 3 documents, one per partition of 4: only a corpus-wide count finds it


def _stages_equal(a, b) -> None:
    for name in ("documents", "audit", "metadata", "quarantine", "paragraphs"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    pd.testing.assert_series_equal(a.n_all_chars, b.n_all_chars, check_exact=True)
    assert a.notes == b.notes


def _write_config(path: Path, corpus: str, extra: str = "") -> Path:
    text = f"""
[study]
name = "scale-test"
notebooks = "{ROOT / 'notebooks' / 'seeds'}"

[corpus]
{corpus}

[compare]
place = ["city_zh"]
time = "date"
time_bins = "year"
label = ""
groups = []

[codebook]
codebook = "{ROOT / 'src/discourse/resources/codebook.tsv'}"
lexicon = "{ROOT / 'src/discourse/resources/lexicon.tsv'}"
milestones = "{ROOT / 'data/milestones.csv'}"

[scale]
backend = "dask"
n_workers = 2
partition_size = 4
{extra}
"""
    path.write_text(text, encoding="utf-8")
    return path


def _archive_corpus(folder: Path) -> Path:
    """Twelve Markdown articles in a CSV column: a site appeal in most, a rarer line in three, one all furniture."""
    rows = []
    for i in range(12):
        body = [f"---\ntitle: 第{i}篇\n---", f"# 第{i}篇报道", f"第{i}号社区落实疫情防控措施，居民配合核酸检测{i}次。",
                f"<figure><img src='a{i}.jpg'><figcaption>第{i}张图片说明文字</figcaption></figure>",
                f"记者走访了{i + 3}个小区，了解常态化防控的情况。"]
        if i in (0, 4, 8):
            body.append(RARE)
        if i % 4 != 3:
            body.append(BOILER)
        if i == 11:  # nothing but furniture: quarantined as empty after the boilerplate step
            body = ["---\ntitle: 第11篇\n---", BOILER, RARE, "订阅我们的通讯，支持独立新闻报道。"]
        rows.append({"doc_id": f"a{i:02d}", "title": f"第{i}篇", "city_zh": ["甲市", "乙市", "丙市"][i % 3],
                     "event_date": f"202{1 + i % 2}-0{1 + i % 9}-1{i % 10}", "text": "\n\n".join(body)})
    out = folder / "articles.csv"
    pd.DataFrame(rows).to_csv(out, index=False)
    return out


@pytest.fixture()
def interim(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INTERIM_DATA_DIR", tmp_path / "interim")
    return tmp_path


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as c:
            yield c


@pytest.fixture()
def archive_cfg(tmp_path):
    manifest = _archive_corpus(tmp_path)
    corpus = (f'manifest = "{manifest}"\nprofile = "markdown_archive"\nmax_quarantine_share = 0.2\n'
              'columns = { doc_id = "doc_id", text = "text", title = "title", city_zh = "city_zh", '
              'event_date = "event_date" }')
    return load_config(_write_config(tmp_path / "archive.toml", corpus))


def test_seeds_prepare_on_dask_writes_the_same_bytes(tmp_path, monkeypatch):
    """prepare() with [scale] backend = "dask" (its own local cluster) against the local backend."""
    local_cfg = load_config()
    dask_cfg = dataclasses.replace(local_cfg, scale=dataclasses.replace(
        local_cfg.scale, backend="dask", n_workers=2, partition_size=2))
    written = {}
    for name, cfg in (("local", local_cfg), ("dask", dask_cfg)):
        monkeypatch.setattr(config, "INTERIM_DATA_DIR", tmp_path / f"interim-{name}")
        prep.prepare(cfg, processed_dir=tmp_path / name, progress=False)
        written[name] = {p.name: p.read_bytes() for p in sorted((tmp_path / name).iterdir())}
        assert not list((tmp_path / f"interim-{name}" / "prepared").glob(".*"))  # no temporary folder left
    assert sorted(written["dask"]) == sorted(written["local"])
    assert "tokens.parquet" in written["dask"] and "documents.csv" in written["dask"]
    for fname, data in written["local"].items():
        assert written["dask"][fname] == data, fname
    # the partitions are removed after a successful run
    assert not any((tmp_path / "interim-dask" / scale.PARTITIONS_DIR).glob("*/*"))


def test_boilerplate_is_found_over_the_whole_corpus(archive_cfg, interim, client):
    docs = prep.load_documents(archive_cfg)
    local = prep.local_corpus_stages(archive_cfg, docs)
    dist = scale.dask_corpus_stages(archive_cfg, docs, client=client)
    _stages_equal(local, dist)
    # independent checks: the rarer line recurs once per partition, 3 times in the corpus (the detector's
    # min_docs), so it is boilerplate only when counted corpus-wide; the furniture-only article is quarantined
    assert not dist.documents["clean_text"].str.contains(RARE, regex=False).any()
    removed = dist.audit[(dist.audit["rule"] == "boilerplate") & dist.audit["removed"].str.contains(RARE, regex=False)]
    assert sorted(removed["doc_id"].unique()) == ["a00", "a04", "a08"]
    assert dist.quarantine["doc_id"].tolist() == ["a11"]
    assert dist.quarantine["rule"].tolist() == ["empty_text"]
    assert (dist.audit["profile"] == "markdown_archive").all()
    per_partition = [prep._clean(docs.iloc[a:b], archive_cfg)[0] for a, b in scale.partition_bounds(len(docs), 4)]
    assert all(p.documents["clean_text"].str.contains(RARE, regex=False).any() for p in per_partition[:3])


def test_quarantine_share_is_checked_over_the_corpus(tmp_path, interim, client):
    manifest = _archive_corpus(tmp_path)
    corpus = (f'manifest = "{manifest}"\nprofile = "markdown_archive"\nmax_quarantine_share = 0.05\n'
              'columns = { doc_id = "doc_id", text = "text", title = "title", city_zh = "city_zh", '
              'event_date = "event_date" }')
    cfg = load_config(_write_config(tmp_path / "strict.toml", corpus))
    docs = prep.load_documents(cfg)
    with pytest.raises(CleaningError) as local:
        prep.local_corpus_stages(cfg, docs)
    with pytest.raises(CleaningError) as dist:
        scale.dask_corpus_stages(cfg, docs, client=client)
    assert str(dist.value) == str(local.value)
    assert "1 of 12 documents quarantined" in str(dist.value)


@pytest.mark.corpus
@pytest.mark.skipif(not config.GOV_REPORTS_DIR.is_dir(), reason=f"gov-work-reports corpus not found at {config.GOV_REPORTS_DIR}")
def test_work_reports_with_passage_selection(tmp_path, interim, client):
    root = config.GOV_REPORTS_DIR
    m = pd.read_csv(root / "manifest.csv", dtype=str, keep_default_na=False)
    m = m[m["year"].isin(["2020", "2021", "2022"])].sample(n=10, random_state=config.RANDOM_STATE)
    m.insert(0, "doc_id", m["path"])
    m["path"] = [str(root / p) for p in m["path"]]
    m["city_zh"] = m["place"]
    m.to_csv(tmp_path / "reports.csv", index=False)
    corpus = (f'manifest = "{tmp_path / "reports.csv"}"\nroot = "{root}"\nallow_outside_root = true\n'
              'profile = "work_report"\ndate_range = ["1949-10-01", "2030-12-31"]\n'
              'columns = { doc_id = "doc_id", path = "path", title = "title", event_date = "meeting_date" }')
    units = '[units]\nselect_terms = ["疫情", "防控"]\nselect_window = 1'
    cfg = load_config(_write_config(tmp_path / "reports.toml", corpus, units))
    docs = prep.load_documents(cfg)
    local = prep.local_corpus_stages(cfg, docs)
    dist = scale.dask_corpus_stages(cfg, docs, client=client)
    _stages_equal(local, dist)
    assert 0 < len(dist.paragraphs) < dist.n_all_chars.size * 200  # a selection, not every paragraph
    assert dist.paragraphs["text"].str.contains("疫情|防控").mean() > 0.3


def test_rerun_reads_the_written_partitions_and_never_a_partial_one(archive_cfg, interim, client):
    docs = prep.load_documents(archive_cfg)
    first = scale.dask_corpus_stages(archive_cfg, docs, client=client, keep_partitions=True)
    folder = scale.run_folder(archive_cfg, docs)
    units = folder / "units"
    assert scale.complete_partitions(units) == ["part-00000", "part-00001", "part-00002"]
    # a partition that is already written is read, not recomputed: mark one of its tokens
    part = scale.read_partition(units / "part-00000")
    part["paragraphs"].at[0, "tokens"] = ["MARKED", *part["paragraphs"].at[0, "tokens"]]
    import shutil

    shutil.rmtree(units / "part-00000")
    scale.write_partition(units, "part-00000", part)
    # a missing partition is recomputed; half-written ones (temporary folders) are never read
    shutil.rmtree(folder / "clean" / "part-00001")
    for stage in ("clean", "units"):
        bad = folder / stage / ".part-00001.tmp-deadbeef0000"
        bad.mkdir()
        for name in ("documents", "audit", "metadata", "quarantine", "paragraphs", "n_all"):
            (bad / f"{name}.parquet").write_bytes(b"PAR1 half written")
    before = (folder / "clean" / "part-00000").stat().st_mtime_ns
    second = scale.dask_corpus_stages(archive_cfg, docs, client=client, keep_partitions=True)
    assert second.paragraphs.at[0, "tokens"][0] == "MARKED"
    assert (folder / "clean" / "part-00001").is_dir()
    assert (folder / "clean" / "part-00000").stat().st_mtime_ns == before
    second.paragraphs.at[0, "tokens"] = second.paragraphs.at[0, "tokens"][1:]
    _stages_equal(first, second)


def _killer(stage: str, partition: str, marker: str | None):
    """A worker plugin that kills its worker when a task of *stage*/*partition* starts executing.

    With *marker*, only the first such task anywhere kills (the marker file is created exclusively).
    Defined in a function so that cloudpickle sends it by value to the workers.
    """
    from distributed import WorkerPlugin

    class Kill(WorkerPlugin):
        name = f"kill-{stage}-{partition}"

        def transition(self, key, start, finish, **kwargs):
            if finish == "executing" and str(key).startswith(f"discourse-{stage}-{partition}-"):
                if marker is not None:
                    try:
                        os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
                    except FileExistsError:
                        return
                os._exit(17)

    return Kill()


def test_a_killed_worker_is_replaced_and_its_task_rerun(archive_cfg, interim, tmp_path):
    docs = prep.load_documents(archive_cfg)
    local = prep.local_corpus_stages(archive_cfg, docs)
    marker = tmp_path / "killed"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as c:
            c.register_plugin(_killer("units", "part-00001", str(marker)))
            dist = scale.dask_corpus_stages(archive_cfg, docs, client=c)
    assert marker.exists()  # a worker died while it ran a task
    _stages_equal(local, dist)


def test_too_many_deaths_fail_clearly_and_a_rerun_continues(archive_cfg, interim):
    docs = prep.load_documents(archive_cfg)
    folder = scale.run_folder(archive_cfg, docs)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
            with Client(cluster) as c:
                c.register_plugin(_killer("clean", "part-00002", None))
                with pytest.raises(scale.ScaleError) as err:
                    scale.dask_corpus_stages(archive_cfg, docs, client=c)
    msg = str(err.value)
    # the partition named is one whose task was on the killed worker (the one killed on, or one queued behind it)
    # (a task queued behind the killed one, or finished but not yet reported, dies with the worker too)
    assert re.search(r"the task of partition part-0000[0-2] was on Dask workers that died 1 times", msg), msg
    not_written = re.search(r"\(not written: ([^)]*)\)", msg).group(1).split(", ")
    assert "part-00002" in not_written and "continues from them" in msg
    assert str(folder / "clean") in msg
    assert "part-00002" not in scale.complete_partitions(folder / "clean")
    written = {n: (folder / "clean" / n).stat().st_mtime_ns for n in scale.complete_partitions(folder / "clean")}
    assert scale.complete_partitions(folder / "docs") == ["part-00000", "part-00001", "part-00002"]
    # the rerun (a healthy cluster) keeps what was written and completes
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as c:
            dist = scale.dask_corpus_stages(archive_cfg, docs, client=c, keep_partitions=True)
    assert {n: (folder / "clean" / n).stat().st_mtime_ns for n in written} == written
    _stages_equal(prep.local_corpus_stages(archive_cfg, docs), dist)


def test_partition_files_keep_dtypes(tmp_path):
    df = pd.DataFrame({
        "a": pd.array(["x", None], dtype="string[python]"),
        "b": pd.Categorical(["u", None], categories=["v", "u"]),
        "c": pd.array([1, None], dtype="Int64"),
        "d": pd.to_datetime(["2020-01-02", None]).astype("datetime64[us]"),
        "e": pd.Series(["o", None], dtype=object),
        "f": pd.Series([pd.NA, "p"], dtype=object),
        "tokens": pd.Series([["甲", "乙"], []], dtype=object),
    })
    scale.write_partition(tmp_path, "part-00000", {"t": df})
    back = scale.read_partition(tmp_path / "part-00000")["t"]
    pd.testing.assert_frame_equal(back, df)
    assert back["tokens"].map(type).eq(list).all()


def test_concat_reinfers_categories_like_the_whole_column():
    parts = [pd.DataFrame({"p": pd.Categorical(["b"])}), pd.DataFrame({"p": pd.Categorical(["a", None])})]
    whole = pd.DataFrame({"p": pd.Series(["b", "a", None], dtype=object).astype("category")})
    pd.testing.assert_frame_equal(scale.concat_parts(parts), whole)


def test_settings_errors():
    with pytest.raises(ValueError, match="partition_size"):
        scale.partition_bounds(10, 0)
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), \
            pytest.raises(scale.ScaleError, match="cannot connect"):
        with scale.dask_client(dataclasses.replace(load_config().scale, scheduler="tcp://127.0.0.1:9")):
            pass
