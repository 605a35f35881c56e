"""What a notebook shows: numbered tables and figures, with their data as files.

Every table and figure cell of the study's notebooks goes through two calls:

* :func:`show` formats a DataFrame with the one table formatter
  (:func:`discourse.report.tables.show_table`), numbers it ("Table 3."),
  writes the full table as CSV to ``<processed>/tables/<name>.csv``
  (atomically) and links it;
* :func:`figure` saves a figure as PNG and SVG (``study.save_figure``),
  shows the saved PNG itself (the 200-dpi file, drawn at half its pixel size,
  so it is sharp on any screen), numbered ("Figure 2.") with a caption, the
  alt text a reader without sight gets (required) and links to both files.

Numbers run per notebook in order of the calls (one kernel per notebook).
Links are relative to the study's report folder: the report renderer
(:func:`discourse.report.render_html`) copies each linked file from the
output folder into ``reports/<study>/data/`` and rewrites the links of the
version with code (one folder deeper). Each output carries its description
in the cell metadata (``discourse``: kind, number, caption, files, and the
run record), which the renderer reads for the run box.

Person names: the study masks names in the text it analyses; :func:`show`
masks them in what it displays too (``mask=``, e.g. :func:`person_names`).

Examples
--------
>>> import pandas as pd
>>> reset_numbering()
>>> t = show(pd.DataFrame({"term": ["疫情"], "n": [3.0]}), caption="Counts.")
>>> t.number, t.display.values.tolist()
(1, [['疫情', '3']])
"""

from __future__ import annotations

import base64
import html
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from discourse import config
from discourse.report.tables import Table, show_table, write_table_csv

#: Where linked files go inside a study's report folder.
REPORT_DATA_DIR: str = "data"
#: What replaces a masked person name in displayed tables.
NAME_MASK: str = "〔人名〕"
#: Metadata fields that hold person names (reporters, editors, photographers, speakers).
PERSON_FIELDS: frozenset[str] = frozenset(
    {"reporter", "editor", "photographer", "author", "speaker", "speaker_name", "responsible_editor", "correspondent"}
)

_counters: dict[str, int] = {"table": 0, "figure": 0}
_bound: dict[str, object] = {}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def reset_numbering() -> None:
    """Start the table and figure numbers again at 1 (a new notebook)."""
    _counters.update(table=0, figure=0)


def bind(study) -> None:
    """Make ``study`` the one :func:`show` and :func:`figure` write for (called once per notebook)."""
    _bound["study"] = study
    _bound.pop("run", None)


def _study(study):
    study = study if study is not None else _bound.get("study")
    return study


def run_info(study) -> dict:
    """The run record of a study as the run box shows it (software, run date, manifest and hash, counts)."""
    if study is None or not hasattr(study, "config"):
        return {}
    if _bound.get("study") is study and "run" in _bound:
        return dict(_bound["run"])  # type: ignore[arg-type]
    import hashlib

    from discourse import __version__

    cfg = study.config
    docs = study.documents
    dates = docs["date"].dropna() if "date" in docs.columns else []
    manifest = Path(cfg.corpus.manifest)

    def digest(p: Path) -> str | None:
        try:
            return hashlib.sha256(p.read_bytes()).hexdigest()
        except OSError:
            return None

    try:
        manifest_path = manifest.resolve().relative_to(Path(config.PROJ_ROOT).resolve()).as_posix()
    except ValueError:
        manifest_path = manifest.resolve().as_posix()
    info = {
        "study": cfg.name,
        "software": f"discourse {__version__}",
        "run_date": cfg.run_date,
        "config": cfg.path.name,
        "config_sha256": digest(Path(cfg.path)),
        "manifest": manifest.name,
        "manifest_path": manifest_path,
        "manifest_sha256": digest(manifest),
        "n_documents": int(len(docs)),
        "date_range": [str(min(dates).date()), str(max(dates).date())] if len(dates) else None,
        "bundled_corpus": not getattr(cfg, "overridden", False),
    }
    if _bound.get("study") is study:
        _bound["run"] = info
    return dict(info)


def _out_root() -> Path:
    return Path(config.OUT_DIR)


def _rel_to_root(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(_out_root().resolve()).as_posix()
    except ValueError:
        return Path(path).resolve().as_posix()


def _emit(html_text: str, text: str, meta: dict) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks
        return
    if get_ipython() is None:
        return
    display({"text/html": html_text, "text/plain": text}, raw=True, metadata={"discourse": meta})


def mask_names(df: pd.DataFrame, names: Iterable[str], *, mask: str = NAME_MASK,
               columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with every occurrence of the given names in text cells replaced by ``mask``.

    Longer names are replaced first (so 刘晓荣 before 刘晓). List cells are
    masked item by item.

    Examples
    --------
    >>> df = pd.DataFrame({"field": ["reporter"], "value": ["刘晓荣、梁栋"]})
    >>> mask_names(df, ["刘晓荣", "梁栋"])["value"].tolist()
    ['〔人名〕、〔人名〕']
    """
    names = sorted({str(n) for n in names if str(n).strip()}, key=len, reverse=True)
    if not names:
        return df
    pattern = re.compile("|".join(re.escape(n) for n in names))

    def sub(v):
        if isinstance(v, str):
            return pattern.sub(mask, v)
        if isinstance(v, (list, tuple)):
            return type(v)(sub(x) for x in v)
        return v

    out = df.copy()
    for c in columns if columns is not None else out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = [sub(v) for v in out[c]]
    return out


def person_names(study) -> list[str]:
    """The person names a study knows: the manifest's speakers and the names found in the boilerplate.

    Found names are the values of :data:`PERSON_FIELDS` in ``study.metadata``
    (split at 、，,;；和 and spaces).
    """
    from discourse.study.prepare import speaker_names

    names = set(speaker_names(study.documents))
    meta = getattr(study, "metadata", None)
    if meta is not None and {"field", "extracted"} <= set(meta.columns):
        rows = meta[meta["field"].astype(str).isin(PERSON_FIELDS)]
        for col in ("extracted", "manifest"):
            if col in rows.columns:
                for v in rows[col].dropna().astype(str):
                    names.update(x for x in re.split(r"[、，,;；和\s/]+", v) if len(x) >= 2)
    return sorted(names)


def show(
    df: pd.DataFrame,
    *,
    caption: str,
    csv: str | None = None,
    long: bool | None = None,
    study=None,
    mask: Iterable[str] | None = None,
    **kwargs,
) -> Table:
    """Show a numbered table ("Table N.") and write it as CSV.

    Parameters
    ----------
    df : DataFrame
    caption : str
        What the table shows and with which uncertainty (plain text).
    csv : str, optional
        File stem of the table's CSV: ``<processed>/tables/<csv>.csv``; the
        page links it (``data/tables/<csv>.csv`` in the report folder).
        None writes no file.
    long : bool, optional
        Searchable and sortable with every row (default: more than 25 rows).
    study : Study, optional
        Default: the study given to :func:`bind`.
    mask : iterable of str, optional
        Person names to mask in the displayed cells and in the CSV.
    **kwargs
        Passed to :func:`~discourse.report.tables.show_table` (``digits``,
        ``align``, ``formats``, ``notes`` ...).

    Returns
    -------
    Table
        Also displayed in the notebook (when run in a kernel).
    """
    if not isinstance(df, pd.DataFrame):
        df = pd.DataFrame(df)
    study = _study(study)
    if mask is not None:
        df = mask_names(df, mask)
    _counters["table"] += 1
    number = _counters["table"]
    href = None
    files = []
    if csv is not None:
        if not _NAME.fullmatch(csv):
            raise ValueError(f"show: csv={csv!r} must be letters, digits, '-' or '_' (a file stem)")
        if study is None:
            raise ValueError("show: csv= needs a study (call discourse.study.display.bind(study) first)")
        path = write_table_csv(df, Path(study.processed_dir) / "tables" / f"{csv}.csv")
        href = f"{REPORT_DATA_DIR}/tables/{csv}.csv"
        files.append([href, _rel_to_root(path)])
    table = show_table(df, caption=caption, number=number, long=long, csv_href=href,
                       table_id=f"t{number}-{csv}" if csv else None, **kwargs)
    meta = {"kind": "table", "number": number, "caption": caption, "files": files, "n_rows": table.n_rows,
            "run": run_info(study)}
    _emit(table.html, repr(table), meta)
    return _Shown(table)  # type: ignore[return-value]


class _Shown:
    """What :func:`show` returns: the :class:`Table`, already displayed (no second display as the cell's value)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def __getattr__(self, name):
        return getattr(self.table, name)

    def __repr__(self) -> str:
        return repr(self.table)

    def _ipython_display_(self) -> None:
        return None


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


class FigureOutput:
    """A figure as shown: number, caption, alt text, files; displays as HTML."""

    def __init__(self, html_text: str, number: int, caption: str, alt: str, files: list[Path]) -> None:
        self.html = html_text
        self.number = number
        self.caption = caption
        self.alt = alt
        self.files = files

    def __repr__(self) -> str:
        return f"Figure {self.number}. {self.caption}"


def figure(fig, name: str, *, caption: str, alt: str, study=None, scale: float = 0.5) -> FigureOutput:
    """Save a figure (PNG + SVG) and show the saved PNG, numbered, captioned, with alt text and links.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        File stem (``figures/<study>/<name>.png`` and ``.svg``).
    caption : str
        What is shown and with which uncertainty.
    alt : str
        A sentence saying what the figure shows, for readers who cannot see
        it (required, never empty).
    study : Study, optional
        Default: the study given to :func:`bind`.
    scale : float
        CSS size of the image relative to its pixel size (0.5 shows a 200-dpi
        PNG at 100 dpi CSS, sharp on high-density screens).

    Returns
    -------
    FigureOutput
    """
    if not isinstance(alt, str) or len(alt.strip()) < 10:
        raise ValueError(f"figure {name!r}: alt= must be a sentence saying what is shown (got {alt!r})")
    if not caption or not str(caption).strip():
        raise ValueError(f"figure {name!r}: caption= is required")
    study = _study(study)
    if study is None:
        raise ValueError("figure: needs a study (call discourse.study.display.bind(study) first)")
    paths = [Path(p) for p in study.save_figure(fig, name)]
    try:
        import matplotlib.pyplot as plt

        plt.close(fig)
    except Exception:  # a Figure not managed by pyplot
        pass
    _counters["figure"] += 1
    number = _counters["figure"]
    png = next(p for p in paths if p.suffix == ".png")
    data = png.read_bytes()
    w, h = _png_size(data)
    esc = html.escape
    links, files = [], []
    for p in paths:
        href = f"{REPORT_DATA_DIR}/figures/{p.name}"
        files.append([href, _rel_to_root(p)])
        links.append(f'<a class="dx-file" href="{esc(href)}" download>{p.suffix[1:].upper()}</a>')
    src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    body = (
        f'<figure class="discourse-figure" id="figure-{number}">'
        f'<img src="{src}" alt="{esc(alt.strip())}" width="{round(w * scale)}" height="{round(h * scale)}" '
        f'style="max-width:100%;height:auto">'
        f'<figcaption><span class="dx-number">Figure {number}.</span> {esc(caption.strip())} '
        f'<span class="dx-files">Download: {" · ".join(links)}</span></figcaption></figure>'
    )
    meta = {"kind": "figure", "number": number, "caption": caption, "alt": alt.strip(), "files": files,
            "run": run_info(study)}
    _emit(body, f"Figure {number}. {caption}", meta)
    return _FigureShown(body, number, caption, alt, paths)


class _FigureShown(FigureOutput):
    """Returned after display: shown once (by :func:`figure`), not again as the cell's value."""

    def _ipython_display_(self) -> None:
        return None


def milestone_status(milestones: pd.DataFrame) -> str:
    """One paragraph (Markdown) saying how far the milestones' source URLs can be trusted.

    Counts the milestones with a URL and quotes the distinct ``source_note``
    values (e.g. "URL recorded from memory while authoring offline").
    """
    n = len(milestones)
    has_url = milestones["source_url"].notna() & (milestones["source_url"].astype("string").str.len() > 0) \
        if "source_url" in milestones.columns else pd.Series(False, index=milestones.index)
    notes = milestones.get("source_note", pd.Series(dtype=object)).dropna().astype(str)
    offline = notes.str.contains("offline|memory|unverified|not verified", case=False, regex=True)
    top = notes.value_counts().head(3)
    quoted = "; ".join(f"“{t}” ({c})" for t, c in top.items())
    return (f"**Status of the milestone sources.** {int(has_url.sum())} of {n} milestones have a source URL; "
            f"{int(offline.sum())} are marked as recorded offline and not checked against the live page. "
            f"None of the URLs was verified for this report; treat them as leads, not citations. "
            f"Most frequent source notes: {quoted}.")


__all__ = [
    "NAME_MASK",
    "PERSON_FIELDS",
    "REPORT_DATA_DIR",
    "FigureOutput",
    "bind",
    "figure",
    "mask_names",
    "milestone_status",
    "person_names",
    "reset_numbering",
    "run_info",
    "show",
]


# -- interactive views ---------------------------------------------------------------
def _emit_fragment(frag, kind: str, title: str, study=None):
    _emit(frag.html, repr(frag), {"kind": kind, "caption": title, "files": [], "run": run_info(_study(study))})
    return _Shown(frag)  # type: ignore[arg-type]


def explore_terms(
    units: pd.DataFrame,
    terms: pd.DataFrame,
    *,
    group_a: str,
    group_b: str,
    count_a: str,
    count_b: str,
    statistic: str,
    size_a: float,
    size_b: float,
    stat_name: str,
    threshold: float,
    gloss=None,
    doc_col: str = "label",
    id_col: str = "para_id",
    n_conc_terms: int = 150,
    window: int = 20,
    max_lines: int = 30,
    title: str | None = None,
    mask: Iterable[str] | None = None,
    study=None,
):
    """A term explorer (:func:`discourse.report.explorer.term_explorer`) with concordance lines, displayed.

    ``terms`` has one row per term with the two groups' counts
    (``count_a``, ``count_b`` columns) and a signed ``statistic`` (positive:
    more frequent in ``group_a``); rates per 1,000 tokens are computed from
    ``size_a`` and ``size_b`` (the groups' token counts). Concordance lines
    (``kwic_text`` over ``units``, ``window`` characters either side) are
    added for the ``n_conc_terms`` terms with the largest ``|statistic|``;
    ``mask`` names (e.g. :func:`person_names`) are masked in them.
    """
    from discourse.analysis.kwic import kwic_text
    from discourse.report.explorer import term_explorer

    t = pd.DataFrame({
        "term": terms["term"].astype(str),
        "count_a": pd.to_numeric(terms[count_a]).fillna(0).astype(int),
        "count_b": pd.to_numeric(terms[count_b]).fillna(0).astype(int),
        "statistic": pd.to_numeric(terms[statistic]).fillna(0.0),
    }).drop_duplicates("term")
    t["rate_a"] = 1000.0 * t["count_a"] / max(float(size_a), 1.0)
    t["rate_b"] = 1000.0 * t["count_b"] / max(float(size_b), 1.0)
    top = t.reindex(t["statistic"].abs().sort_values(ascending=False, kind="mergesort").index).head(n_conc_terms)
    labels = units.set_index(id_col)[doc_col].astype(str) if doc_col in units.columns else None
    lines = []
    for term in top["term"]:
        k = kwic_text(units, term, window=window, id_col=id_col)
        if k.empty:
            continue
        doc = k["unit_id"].map(labels) if labels is not None else k["unit_id"]
        lines.append(pd.DataFrame({"term": term, "doc": doc.fillna(k["unit_id"]).astype(str) + " · " + k["unit_id"].astype(str),
                                   "left": k["left"], "keyword": k["keyword"], "right": k["right"]}))
    conc = pd.concat(lines, ignore_index=True) if lines else None
    if conc is not None and mask is not None:
        conc = mask_names(conc, mask, columns=["left", "keyword", "right"])
    frag = term_explorer(t, concordance=conc, group_a=group_a, group_b=group_b, gloss=gloss, stat_name=stat_name,
                         threshold=threshold, max_lines=max_lines, title=title)
    return _emit_fragment(frag, "explorer", title or f"Terms of {group_a} and {group_b}", study)


def browse_topics(topics: pd.DataFrame, passages: pd.DataFrame | None = None, prevalence: pd.DataFrame | None = None,
                  *, title: str, study=None, **kwargs):
    """A topic browser (:func:`discourse.report.explorer.topic_browser`), displayed."""
    from discourse.report.explorer import topic_browser

    frag = topic_browser(topics, passages, prevalence, title=title, **kwargs)
    return _emit_fragment(frag, "topics", title, study)


__all__ += ["browse_topics", "explore_terms"]
