"""The apparatus of a rendered report: contents, navigation, run box, references, files.

:func:`prepare_notebook` works on the executed notebook before nbconvert
exports it: it reads what the notebook's display calls recorded in their
output metadata (``discourse``: kind, number, caption, files, run record;
see ``discourse.study.display``), copies every linked file (table CSVs,
figure SVG/PNG) from the run's output folder into the report folder
(``reports/<study>/data/...``), rewrites those links for the version with
code (one folder deeper), and gives every image without a description an
alt text. :func:`page_parts` builds the HTML the template puts around the
notebook: navigation (study index, root index, previous/next report, the
other version), a table of contents from the page's headings, a run box,
links to the data card, and the references cited on the page
(``resources/references.tsv``). All text is escaped.

Examples
--------
>>> refs = cited_references("Keyness by G² with Benjamini–Hochberg adjustment.")
>>> [r["key"] for r in refs]
['rayson2000', 'benjamini1995']
"""

from __future__ import annotations

import functools
import html
import json
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from discourse import config

#: The default alt text nbconvert writes (a reader learns nothing from it).
NBCONVERT_DEFAULT_ALT: str = "No description has been provided for this image"
#: Reference list of the methods the reports cite.
REFERENCES_PATH: Path = config.RESOURCES_DIR / "references.tsv"
#: Glossary of the index page.
GLOSSARY_PATH: Path = config.RESOURCES_DIR / "index_glossary.tsv"

_HEADING = re.compile(r'<h([1-3])\s+id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r'(<a class="(?:dt-csv|dx-file)" href=")(data/)')
_IMG = re.compile(r"<img\b[^>]*>", re.S)


@functools.lru_cache(maxsize=4)
def read_references(path: str | Path = REFERENCES_PATH) -> pd.DataFrame:
    """The reference table: ``key, cites`` (a regular expression), ``citation``, ``used_for``.

    Examples
    --------
    >>> "monroe2008" in set(read_references()["key"])
    True
    """
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    missing = {"key", "cites", "citation", "used_for"} - set(df.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    for i, pat in enumerate(df["cites"], start=2):
        try:
            re.compile(pat)
        except re.error as exc:
            raise ValueError(f"{path}, line {i}: column 'cites' is not a regular expression ({exc})") from None
    return df


def read_glossary(path: str | Path = GLOSSARY_PATH) -> pd.DataFrame:
    """The index glossary: ``term, kind, gloss, explanation``."""
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    missing = {"term", "kind", "gloss", "explanation"} - set(df.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    return df


def cited_references(text: str, references: pd.DataFrame | None = None) -> list[dict]:
    """The references whose ``cites`` pattern occurs in ``text``, in table order."""
    refs = read_references() if references is None else references
    return [r._asdict() for r in refs.itertuples(index=False) if re.search(r.cites, text)]


# -- the notebook before export ------------------------------------------------------
@dataclass
class Contents:
    """What a notebook shows: its tables and figures (from the display metadata) and its run record."""

    tables: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    run: dict = field(default_factory=dict)
    text: str = ""
    n_alt_added: int = 0


def _outputs(nb):
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            yield cell, out


def notebook_text(nb) -> str:
    """The prose a reader sees: Markdown cells, Markdown outputs and the captions of tables and figures."""
    parts = []
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            parts.append(cell.get("source", ""))
    for _cell, out in _outputs(nb):
        data = out.get("data", {}) or {}
        if "text/markdown" in data:
            md = data["text/markdown"]
            parts.append("".join(md) if isinstance(md, list) else str(md))
        meta = (out.get("metadata", {}) or {}).get("discourse")
        if meta:
            parts.append(str(meta.get("caption", "")))
    return "\n".join(parts)


def prepare_notebook(nb, *, reports_dir: Path, out_root: Path | None, code_version: bool) -> Contents:
    """Copy linked files into the report folder, fix links and alt text; return the contents.

    Works in place on ``nb`` (a copy per version is made by the caller).
    """
    contents = Contents(text=notebook_text(nb))
    for cell, out in _outputs(nb):
        meta = (out.get("metadata", {}) or {}).get("discourse")
        data = out.get("data", {}) or {}
        if meta:
            item = {k: meta.get(k) for k in ("number", "caption", "files", "n_rows", "alt")}
            if meta.get("kind") == "table":
                contents.tables.append(item)
            elif meta.get("kind") == "figure":
                contents.figures.append(item)
            if meta.get("run") and not contents.run:
                contents.run = dict(meta["run"])
            for dest, src in meta.get("files") or []:
                _copy(src, dest, reports_dir, out_root)
            if code_version and "text/html" in data:
                h = data["text/html"]
                h = "".join(h) if isinstance(h, list) else h
                data["text/html"] = _LINK.sub(r"\1../\2", h)
        if "text/html" in data:
            h = data["text/html"]
            h = "".join(h) if isinstance(h, list) else h
            fixed, n = _fix_alt(h, cell)
            data["text/html"] = fixed
            contents.n_alt_added += n
        if "image/png" in data or "image/svg+xml" in data:
            md = out.setdefault("metadata", {})
            for mime in ("image/png", "image/svg+xml"):
                if mime in data:
                    slot = md.setdefault(mime, {}) if isinstance(md.get(mime, {}), dict) else {}
                    if not slot.get("alt"):
                        text = data.get("text/plain", "")
                        text = "".join(text) if isinstance(text, list) else str(text)
                        slot["alt"] = _fallback_alt(cell, text)
                        contents.n_alt_added += 1
    return contents


def replace_default_alt(body: str) -> str:
    """Replace nbconvert's "No description" alt text, numbering the images that lack one.

    The display API (``discourse.study.display.figure``) always gives an alt
    text; an image without one was displayed some other way, and the page
    says so rather than pretending to describe it.

    Examples
    --------
    >>> replace_default_alt(f'<img alt="{NBCONVERT_DEFAULT_ALT}" src="x">')
    '<img alt="Undescribed image 1 of this page: the notebook displayed it without alt text" src="x">'
    """
    count = 0

    def one(_m: re.Match) -> str:
        nonlocal count
        count += 1
        return f'alt="Undescribed image {count} of this page: the notebook displayed it without alt text"'

    return re.sub(r'alt="' + re.escape(NBCONVERT_DEFAULT_ALT) + '"', one, body)


def _fallback_alt(cell, text: str) -> str:
    first = next((ln.strip() for ln in str(cell.get("source", "")).splitlines() if ln.strip()), "")
    return f"Figure drawn by the code cell starting “{first[:80]}” (the notebook gave it no description)"


def _fix_alt(h: str, cell) -> tuple[str, int]:
    n = 0

    def one(m: re.Match) -> str:
        nonlocal n
        tag = m.group(0)
        if re.search(r'\balt="[^"]+"', tag) and NBCONVERT_DEFAULT_ALT not in tag:
            return tag
        n += 1
        alt = html.escape(_fallback_alt(cell, ""))
        tag = re.sub(r'\salt="[^"]*"', "", tag)
        return tag[:4] + f' alt="{alt}"' + tag[4:]

    return _IMG.sub(one, h), n


def _copy(src: str, dest: str, reports_dir: Path, out_root: Path | None) -> None:
    if not dest.startswith("data/") or ".." in Path(dest).parts:
        raise ValueError(f"linked file {dest!r} must lie under data/ in the report folder")
    source = Path(src)
    if not source.is_absolute():
        if out_root is None:
            return
        source = out_root / source
    target = reports_dir / dest
    if not source.is_file():
        print(f"discourse report: linked file {source} not found; its link in {reports_dir} is broken",
              file=sys.stderr)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and target.read_bytes() == source.read_bytes():
        return
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(target)


# -- the page around the notebook -------------------------------------------------------
def headings(body: str) -> list[tuple[int, str, str]]:
    """``(level, id, text)`` of the page's h1–h3 headings (nbconvert gives them ids).

    Examples
    --------
    >>> headings('<h2 id="A-b">A b<a class="anchor-link" href="#A-b">¶</a></h2>')
    [(2, 'A-b', 'A b')]
    """
    out = []
    for m in _HEADING.finditer(body):
        text = html.unescape(_TAG.sub("", m.group(3))).replace("¶", "").strip()
        out.append((int(m.group(1)), html.unescape(m.group(2)), text))
    return out


def toc_html(body: str) -> str:
    """A table of contents of the h2/h3 headings (the h1 is the page title)."""
    esc = html.escape
    items = [(lvl, hid, text) for lvl, hid, text in headings(body) if lvl >= 2 and text]
    if not items:
        return ""
    lis = "".join(
        f'<li class="toc-h{lvl}"><a href="#{esc(hid)}">{esc(text)}</a></li>' for lvl, hid, text in items
    )
    return f'<nav class="dx-toc" aria-label="Contents"><p class="dx-box-title">Contents</p><ol>{lis}</ol></nav>'


def contents_html(contents: Contents) -> str:
    """Lists of the page's tables and figures, each linked to its place and its files."""
    esc = html.escape
    rows = []
    for kind, items, anchor in (("Tables", contents.tables, "dt-"), ("Figures", contents.figures, "figure-")):
        if not items:
            continue
        lis = []
        for it in items:
            label = "Table" if kind == "Tables" else "Figure"
            files = " ".join(
                f'<a class="dx-file" href="{esc(dest)}">{esc(Path(dest).suffix[1:].upper())}</a>'
                for dest, _src in it.get("files") or []
            )
            lis.append(f"<li>{label} {esc(str(it.get('number')))}. {esc(str(it.get('caption') or ''))} {files}</li>")
        rows.append(f"<p class='dx-box-title'>{kind}</p><ol class='dx-list'>{''.join(lis)}</ol>")
    return f'<div class="dx-contents">{"".join(rows)}</div>' if rows else ""


def references_html(text: str) -> str:
    """The references section of a page: the methods its text cites (empty when none)."""
    refs = cited_references(text)
    if not refs:
        return ""
    esc = html.escape
    items = "".join(
        f'<li id="ref-{esc(r["key"])}">{_linkify(r["citation"])} <span class="dx-used">Used for: {esc(r["used_for"])}.</span></li>'
        for r in refs
    )
    return f'<section class="dx-references" id="references"><h2>References</h2><ol>{items}</ol></section>'


def _linkify(citation: str) -> str:
    esc = html.escape
    m = re.search(r"(https?://\S+)$", citation)
    if not m:
        return esc(citation)
    url = m.group(1)
    return esc(citation[: m.start()]) + f'<a href="{esc(url)}">{esc(url)}</a>'


def data_card(run: Mapping[str, object], *, final_root: Path | None, depth: int) -> str:
    """A link to the corpus's data card (README beside the manifest), or its path as text.

    ``depth`` is the number of folders between the page and the output root
    (2 for ``reports/<study>/x.html``, 3 for the version with code). The link
    is relative when the report lives in the project folder; with ``--out``
    elsewhere the card's path is given as text.
    """
    manifest = run.get("manifest_path")
    card = find_data_card(Path(str(manifest))) if manifest else None
    if card is None:
        return ""
    esc = html.escape
    proj = Path(config.PROJ_ROOT).resolve()
    try:
        rel = card.resolve().relative_to(proj).as_posix()
    except ValueError:
        rel = None
    if rel is not None and final_root is not None and final_root.resolve() == proj:
        href = "../" * depth + rel
        return f'<p class="dx-card">Data card: <a href="{esc(href)}">{esc(rel)}</a> (what the corpus is, where it comes from, its limits).</p>'
    return f'<p class="dx-card">Data card: <code>{esc(str(card))}</code> (a file in the project folder; this run was written elsewhere).</p>'


def find_data_card(manifest: Path) -> Path | None:
    """The README.md nearest to a manifest, searching up to the project's ``data/`` folder."""
    m = manifest if manifest.is_absolute() else Path(config.PROJ_ROOT) / manifest
    data = (Path(config.PROJ_ROOT) / "data").resolve()
    folder = m.resolve().parent
    while True:
        card = folder / "README.md"
        if card.is_file():
            return card
        if folder == data or folder.parent == folder or data not in folder.parents:
            return None
        folder = folder.parent


def final_root_of(reports_dir: Path) -> Path:
    """The output root a report folder ends up in (a staging folder's final place)."""
    root = Path(reports_dir).resolve().parent.parent
    if root.parent.name == ".staging":
        return root.parent.parent
    return root


def nav_html(*, index_href: str, root_href: str, other_href: str, other_label: str,
             prev: tuple[str, str] | None, next_: tuple[str, str] | None) -> str:
    """The navigation bar: root index, study index, previous/next report, the other version."""
    esc = html.escape
    parts = [f'<a href="{esc(root_href)}">All studies</a>', f'<a href="{esc(index_href)}">This study\'s reports</a>']
    if prev:
        parts.append(f'<a rel="prev" href="{esc(prev[0])}">← {esc(prev[1])}</a>')
    if next_:
        parts.append(f'<a rel="next" href="{esc(next_[0])}">{esc(next_[1])} →</a>')
    parts.append(f'<a href="{esc(other_href)}">{esc(other_label)}</a>')
    return '<nav class="discourse-nav" aria-label="Reports">' + "".join(parts) + "</nav>"


def write_contents_record(reports_dir: Path, stem: str, title: str, contents: Contents) -> Path:
    """``<reports>/data/<stem>.contents.json``: the page's tables and figures, for the study index."""
    from discourse.io import atomic_write_text

    rec = {"stem": stem, "title": title, "tables": contents.tables, "figures": contents.figures}
    return atomic_write_text(Path(reports_dir) / "data" / f"{stem}.contents.json",
                             json.dumps(rec, ensure_ascii=False, indent=1) + "\n")


def read_contents_records(reports_dir: Path) -> dict[str, dict]:
    """The contents records of a report folder, by notebook stem."""
    out = {}
    for p in sorted((Path(reports_dir) / "data").glob("*.contents.json")):
        try:
            rec = json.loads(p.read_text(encoding="utf-8"))
        except ValueError:
            continue
        out[str(rec.get("stem"))] = rec
    return out


APPARATUS_CSS: str = """
  nav.discourse-nav { font-family: system-ui, sans-serif; font-size: 14px; padding: 8px 16px;
    border-bottom: 1px solid #ddd; background: #fafafa; display: flex; flex-wrap: wrap; gap: .3em 1.5em; }
  .dx-apparatus { font-family: system-ui, "Noto Sans CJK SC", sans-serif; font-size: 14px; max-width: 60em;
    margin: 1em auto; padding: 0 16px; }
  .dx-apparatus .dx-box-title { font-weight: 600; margin: .4em 0 .2em; }
  .dx-toc ol, .dx-list { margin: 0 0 .5em; padding-left: 1.4em; }
  .dx-toc li.toc-h3 { margin-left: 1.2em; list-style: circle; }
  .dx-top { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1em; }
  @media (max-width: 800px) { .dx-top { grid-template-columns: minmax(0, 1fr); } }
  dl.run { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .1em 1em; font-size: 13px;
    background: #f6f6f6; padding: .6em 1em; border-radius: 4px; margin: 0; }
  dl.run dt { color: #555; } dl.run dd { margin: 0; overflow-wrap: anywhere; }
  .dx-references li { margin-bottom: .4em; overflow-wrap: anywhere; } .dx-used { color: #555; }
  figure.discourse-figure { margin: .5em 0 1.2em; }
  figure.discourse-figure figcaption { font-size: 14px; color: #333; margin-top: .3em; max-width: 60em; }
  .dx-number, .dt-number { font-weight: 600; } .dx-files { color: #555; margin-left: .5em; }
  .jp-Cell, .jp-OutputArea-output { max-width: 100%; } .jp-RenderedHTMLCommon { overflow-x: auto; }
  body { overflow-wrap: break-word; }
"""


__all__ = [
    "APPARATUS_CSS",
    "Contents",
    "NBCONVERT_DEFAULT_ALT",
    "cited_references",
    "contents_html",
    "data_card",
    "final_root_of",
    "find_data_card",
    "headings",
    "nav_html",
    "notebook_text",
    "prepare_notebook",
    "read_contents_records",
    "read_glossary",
    "read_references",
    "replace_default_alt",
    "references_html",
    "toc_html",
    "write_contents_record",
]
