"""Run the study's notebooks and render them as HTML reports.

``python -m discourse report`` (and ``make report``) calls :func:`run_report`:

1. every notebook in ``notebooks/`` is executed in name order with papermill
   (kernel ``python3``, working folder = the notebook's folder);
2. on the bundled corpus the executed notebooks are written back in place,
   so that ``pytest --nbval`` checks their stored outputs; papermill's
   timestamps and per-cell metadata are stripped, so a rerun gives the same
   bytes (:func:`strip_execution_metadata`);
3. on another corpus (``manifest`` given) nothing bundled is touched: the
   notebooks get the parameters ``manifest``, ``columns`` and ``out_dir``
   (papermill injects them after the cell tagged ``parameters``), the kernel
   runs with ``DISCOURSE_OUT_DIR=<out>`` so that ``discourse.config`` points
   figures, processed tables and caches there, and the executed notebooks go
   to ``<out>/notebooks/``;
4. each executed notebook is rendered twice with nbconvert: a reader's
   version without code (``reports/<stem>.html``) and a full version with
   code (``reports/code/<stem>.html``), plus ``reports/index.html`` listing
   them with a one-line summary each (:func:`notebook_summary`).

The HTML loads nothing from the network: nbconvert's links to require.js,
MathJax and mermaid on a CDN are left out (the study uses no widgets, LaTeX or
diagrams), figures are embedded as data URIs and the CSS is inline. Cell
outputs are rendered as the notebook stored them; corpus text reaches the
page through pandas' HTML tables, which escape it, and a page that would hold
anything executable (a ``<script>``, an ``on*=`` handler, a ``javascript:``
URL, a frame) is refused (:func:`check_inert_html`): the template has none.

Notebook cell tags understood by the renderer: ``remove-cell`` (left out of
both versions), ``remove-input`` (code hidden in both), ``remove-output``.
"""

from __future__ import annotations

import contextlib
import glob as _glob
import html
import html.parser
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from discourse import config
from discourse.io import atomic_write_text
from discourse.report.errors import ReportError
from discourse.report.safety import check_inert_html

#: Kernel used to execute the notebooks.
KERNEL_NAME: str = "python3"
#: nbconvert base template.
BASE_TEMPLATE: str = "lab"
#: Heading of ``reports/index.html``.
INDEX_TITLE: str = "疫情防控 in local-government texts, 2020–2022: the study's reports"

_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

#: Environment for the kernel: deterministic hashing and matplotlib's inline
#: backend (``make`` exports MPLBACKEND=Agg, which would hide the figures).
KERNEL_ENV: dict[str, str] = {
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "SOURCE_DATE_EPOCH": "1672531200",
}

_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">{{ resources.discourse_css }}</style>
{%- endblock html_head_css -%}
{%- block body_header -%}
{{ super() }}
<!--discourse:header-->
{%- endblock body_header -%}
{%- block body_footer -%}
<!--discourse:footer-->
{{ super() }}
{%- endblock body_footer -%}
"""

#: Page-size limit of a rendered report (bytes): a page over it is refused.
MAX_PAGE_BYTES: int = 5_000_000


@dataclass
class ReportResult:
    """What :func:`run_report` produced."""

    notebooks: list[Path] = field(default_factory=list)
    reader_html: list[Path] = field(default_factory=list)
    code_html: list[Path] = field(default_factory=list)
    index: Path | None = None
    reports_dir: Path | None = None
    bundled: bool = True


# -- finding notebooks ----------------------------------------------------------
def find_notebooks(pattern: str | os.PathLike[str] | None = None) -> list[Path]:
    """The notebooks to run, in name order.

    Parameters
    ----------
    pattern : str, optional
        A glob (relative to the working folder, ``**`` allowed) or a folder;
        defaults to every ``*.ipynb`` in ``discourse.config.NOTEBOOKS_DIR``.
        Checkpoint copies (``.ipynb_checkpoints``) are never included.

    Raises
    ------
    ReportError
        When nothing matches.

    Examples
    --------
    >>> [p.name for p in find_notebooks(Path(config.NOTEBOOKS_DIR) / "seeds")][:2]
    ['01-corpus.ipynb', '02-vocabulary.ipynb']
    """
    if pattern is None:
        pattern = str(Path(config.NOTEBOOKS_DIR) / "*.ipynb")
    pattern = str(pattern)
    if Path(pattern).is_dir():
        pattern = str(Path(pattern) / "*.ipynb")
    found = [
        Path(p).resolve()
        for p in _glob.glob(pattern, recursive=True)
        if p.endswith(".ipynb") and ".ipynb_checkpoints" not in Path(p).parts
    ]
    if not found:
        raise ReportError(f"no notebooks match {pattern!r}")
    return sorted(set(found), key=lambda p: (p.name, str(p)))


# -- execution ------------------------------------------------------------------
def strip_execution_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove what changes from run to run: papermill's and nbclient's timings.

    Drops the notebook's ``papermill`` metadata (start/end times, duration,
    paths, environment), and each cell's ``papermill`` and ``execution``
    metadata (per-cell timestamps), and the empty ``tags`` lists papermill
    adds. Outputs and execution counts are kept: they are what nbval checks.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    >>> nb.metadata["papermill"] = {"duration": 1.2}
    >>> nb.cells[0].metadata.update(papermill={"start_time": "..."}, tags=[])
    >>> nb = strip_execution_metadata(nb)
    >>> dict(nb.metadata), dict(nb.cells[0].metadata)
    ({}, {})
    """
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        md = cell.get("metadata", {})
        md.pop("papermill", None)
        md.pop("execution", None)
        if md.get("tags") == []:
            md.pop("tags")
        if "injected-parameters" in md.get("tags", ()) and "id" in cell:
            # papermill gives the cell it injects a random id; a fixed one keeps reruns byte-identical
            cell["id"] = "injected-parameters"
    return nb


def remove_tagged_cells(nb: nbformat.NotebookNode, tags: Sequence[str]) -> nbformat.NotebookNode:
    """Drop the cells carrying any of ``tags`` (e.g. prose written for another corpus).

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("a"), nbformat.v4.new_markdown_cell("b")])
    >>> nb.cells[1].metadata["tags"] = ["bundled-prose"]
    >>> [c.source for c in remove_tagged_cells(nb, ["bundled-prose"]).cells]
    ['a']
    """
    drop = set(tags)
    nb.cells = [c for c in nb.cells if not drop.intersection(c.get("metadata", {}).get("tags", ()))]
    return nb


@contextlib.contextmanager
def _environment(extra: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _failure_message(path: Path, exc: Exception) -> str:
    cell_index = getattr(exc, "cell_index", None)
    exec_count = getattr(exc, "exec_count", None)
    source = getattr(exc, "source", "") or ""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    first = next((ln for ln in str(source).splitlines() if ln.strip()), "")
    tb = [_ANSI_RE.sub("", t) for t in (getattr(exc, "traceback", None) or [])]
    tail = "\n".join(tb[-3:]) if tb else ""
    where = f"cell {cell_index}" if cell_index is not None else "a cell"
    if exec_count is not None:
        where += f" (In [{exec_count}])"
    msg = f"notebook {path} failed in {where}: {ename}: {evalue}"
    if first:
        msg += f"\n  cell starts: {first[:120]}"
    if tail:
        msg += f"\n{tail}"
    return msg


def execute_notebook(
    path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    parameters: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    kernel_name: str = KERNEL_NAME,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    remove_tags: Sequence[str] = (),
) -> Path:
    """Execute one notebook with papermill and write it, byte-stable, atomically.

    Parameters
    ----------
    path : path-like
        The notebook.
    output_path : path-like
        Where the executed notebook goes (may be ``path`` itself). Nothing is
        written when execution fails.
    parameters : mapping, optional
        Papermill parameters; None or empty injects nothing.
    env : mapping, optional
        Extra environment variables for the kernel (on top of :data:`KERNEL_ENV`).
    cwd : path-like, optional
        Working folder of the kernel; defaults to the notebook's folder.
    timeout : float, optional
        Seconds allowed per cell (None: no limit).
    remove_tags : sequence of str
        Cells with any of these tags are left out before execution.

    Returns
    -------
    Path
        ``output_path``.

    Raises
    ------
    ReportError
        Naming the notebook, the cell (index and execution count), the
        exception and the first line of the cell.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    path = Path(path).resolve()
    output_path = Path(output_path)
    kernel_env = {**KERNEL_ENV, **(env or {})}
    source = str(path)
    tmp_input = None
    if remove_tags:
        nb_in = remove_tagged_cells(nbformat.read(str(path), as_version=4), remove_tags)
        tmp_input = output_path.parent / f".{output_path.stem}.input.ipynb"
        output_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(tmp_input, nbformat.writes(nb_in) + "\n")
        source = str(tmp_input)
    try:
        with _environment(kernel_env):
            nb = pm.execute_notebook(
                source,
                None,
                parameters=dict(parameters) if parameters else None,
                kernel_name=kernel_name,
                cwd=str(cwd or path.parent),
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                execution_timeout=timeout,
                # the kernel's own log (e.g. the KeyboardInterrupt it logs when it is
                # shut down) is not the notebook's output; cell errors still surface
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
    except PapermillExecutionError as exc:
        raise ReportError(_failure_message(path, exc)) from exc
    except Exception as exc:  # kernel died, timeout, invalid notebook, ...
        raise ReportError(f"notebook {path} could not be executed: {type(exc).__name__}: {exc}") from exc
    finally:
        if tmp_input is not None:
            tmp_input.unlink(missing_ok=True)
    nb = strip_execution_metadata(nb)
    atomic_write_text(output_path, nbformat.writes(nb) + "\n")
    return output_path


# -- summaries ------------------------------------------------------------------
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARK = re.compile(r"(\*\*|__|\*|`)")
_SENTENCE = re.compile(r"^(.+?(?:[.!?](?=\s|$)|[。！？]))")


def _plain(text: str) -> str:
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_MARK.sub("", text)
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(text.split())


def notebook_summary(nb: nbformat.NotebookNode | str | os.PathLike[str]) -> tuple[str, str]:
    """Title and one-line summary of a notebook, for the index page.

    The title is the first Markdown heading (else the notebook's
    ``metadata.title``); the summary is ``metadata.discourse.summary`` when
    set, else the first sentence of the first Markdown paragraph that is not
    a heading. Markdown markup is removed; the result is plain text (the
    index escapes it).

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
    ...     "# 01 Corpus\\n\\nWhat do the five texts look like? More detail here.")])
    >>> notebook_summary(nb)
    ('01 Corpus', 'What do the five texts look like?')
    >>> nb.cells[0].source = "# 02 Topics\\n\\n**Question.** Which themes recur? Details."
    >>> notebook_summary(nb)
    ('02 Topics', 'Which themes recur?')
    """
    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.read(str(nb), as_version=4)
    title, summary = "", ""
    meta = nb.metadata.get("discourse", {}) or {}
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for block in re.split(r"\n\s*\n", cell.source):
            block = block.strip()
            if not block:
                continue
            if block.startswith("#"):
                if not title:
                    title = _plain(block.splitlines()[0].lstrip("#"))
                rest = "\n".join(block.splitlines()[1:]).strip()
                if not rest:
                    continue
                block = rest
            if not summary and not block.startswith(("|", "```", "<", "!")):
                text = _plain(block)
                m = _SENTENCE.match(text)
                summary = m.group(1) if m else text
                if m and re.fullmatch(r"\w+[.:]", summary):
                    # a run-in label such as "Question." is not the summary
                    rest = text[len(summary):].strip()
                    m = _SENTENCE.match(rest)
                    summary = m.group(1) if m else rest
        if title and summary:
            break
    title = title or str(nb.metadata.get("title", "") or "")
    summary = str(meta.get("summary") or summary)
    return title, summary


# -- HTML -------------------------------------------------------------------------
def _exporter(reader: bool):
    import jinja2
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name=BASE_TEMPLATE,
        extra_loaders=[jinja2.DictLoader({"discourse.html.j2": _TEMPLATE})],
        template_file="discourse.html.j2",
        exclude_input=reader,
        exclude_input_prompt=reader,
        exclude_output_prompt=reader,
        anchor_link_text="¶",
    )
    tags = TagRemovePreprocessor(
        remove_cell_tags={"remove-cell", "remove_cell"},
        remove_input_tags={"remove-input", "remove_input", "hide-input"},
        remove_all_outputs_tags={"remove-output", "remove_output"},
        enabled=True,
    )
    exporter.register_preprocessor(tags, enabled=True)
    return exporter


def _siblings(notebook: Path) -> list[Path]:
    return sorted((p for p in notebook.parent.glob("*.ipynb") if not p.name.startswith(".")), key=lambda p: p.name)


def render_html(
    notebook: str | os.PathLike[str],
    reports_dir: str | os.PathLike[str],
    *,
    run_info: Mapping[str, object] | None = None,
    siblings: Sequence[str | os.PathLike[str]] | None = None,
    out_root: str | os.PathLike[str] | None = None,
    max_bytes: int | None = None,
) -> tuple[Path, Path]:
    """Render one executed notebook to ``<reports>/<stem>.html`` and ``<reports>/code/<stem>.html``.

    The first is the reader's version (no code, no prompts), the second the
    full version with code. Each page gets the apparatus of
    :mod:`discourse.report.apparatus`: navigation (all studies, the study's
    index, previous and next report, the other version), a table of
    contents, the lists of its tables and figures with their files, a run
    box, the data card, and the references its text cites. Files the
    notebook's tables and figures link (CSV, SVG, PNG) are copied from the
    output root into ``<reports>/data/``.

    Parameters
    ----------
    notebook : path-like
    reports_dir : path-like
        The study's report folder (``reports/<study>``).
    run_info : mapping, optional
        The run record for the run box; default: the one the notebook's
        display calls recorded.
    siblings : sequence of paths, optional
        The study's notebooks in order, for previous/next links; default:
        the ``*.ipynb`` beside ``notebook``.
    out_root : path-like, optional
        The output folder the linked files are relative to; default: two
        levels above ``reports_dir``.
    max_bytes : int, optional
        Page-size limit; default :data:`MAX_PAGE_BYTES`. A larger page is refused.

    Returns
    -------
    (Path, Path)
        Reader's version, full version.

    Raises
    ------
    ReportError
        When the page holds active markup (:func:`check_inert_html`) or is over the size limit.
    """
    import copy

    from discourse.report import apparatus as ap

    notebook = Path(notebook)
    reports_dir = Path(reports_dir)
    root = Path(out_root) if out_root is not None else reports_dir.resolve().parent.parent
    limit = MAX_PAGE_BYTES if max_bytes is None else int(max_bytes)
    nb0 = nbformat.read(str(notebook), as_version=4)
    title, _ = notebook_summary(nb0)
    stem = notebook.stem
    sibs = [Path(p) for p in siblings] if siblings is not None else _siblings(notebook)
    stems = [p.stem for p in sibs]
    prev = nxt = None
    if stem in stems:
        i = stems.index(stem)
        if i > 0:
            prev = (stems[i - 1], notebook_summary(sibs[i - 1])[0] or stems[i - 1])
        if i + 1 < len(stems):
            nxt = (stems[i + 1], notebook_summary(sibs[i + 1])[0] or stems[i + 1])
    final_root = ap.final_root_of(reports_dir)
    out = []
    contents = None
    for reader, target in ((True, reports_dir / f"{stem}.html"), (False, reports_dir / "code" / f"{stem}.html")):
        up = "" if reader else "../"
        nb = copy.deepcopy(nb0)
        contents = ap.prepare_notebook(nb, reports_dir=reports_dir, out_root=root, code_version=not reader)
        info = dict(contents.run)
        info.update(run_info or {})
        resources = {
            "metadata": {"name": title or stem, "path": str(notebook.parent)},
            "discourse_css": ap.APPARATUS_CSS,
        }
        try:
            body, _res = _exporter(reader).from_notebook_node(nb, resources=resources)
        except Exception as exc:
            raise ReportError(f"notebook {notebook} could not be rendered to HTML: {type(exc).__name__}: {exc}") from exc
        body = ap.replace_default_alt(body)
        nav = ap.nav_html(
            index_href=f"{up}index.html", root_href=f"{up}../index.html",
            other_href=f"code/{stem}.html" if reader else f"../{stem}.html",
            other_label="Version with code" if reader else "Reader's version (no code)",
            prev=(f"{up}{prev[0]}.html" if reader else f"{prev[0]}.html", prev[1]) if prev else None,
            next_=(f"{up}{nxt[0]}.html" if reader else f"{nxt[0]}.html", nxt[1]) if nxt else None,
        )
        contents_box = ap.contents_html(contents)
        if not reader:
            contents_box = re.sub(r'(<a class="dx-file" href=")(data/)', r"\1../\2", contents_box)
        top = (
            f'{nav}<div class="dx-apparatus"><div class="dx-top"><div>{ap.toc_html(body)}{contents_box}</div>'
            f"<div><p class='dx-box-title'>This run</p>{run_box(info) if info else '<p>No run record.</p>'}"
            f"{ap.data_card(info, final_root=final_root, depth=2 if reader else 3)}</div></div></div>"
        )
        bottom = f'<div class="dx-apparatus">{ap.references_html(contents.text)}{nav}</div>'
        body = body.replace("<!--discourse:header-->", top, 1).replace("<!--discourse:footer-->", bottom, 1)
        check_inert_html(body, f"the HTML of notebook {notebook}")
        size = len(body.encode("utf-8"))
        if size > limit:
            raise ReportError(f"the HTML of notebook {notebook} is {size:,} bytes, over the page-size limit of "
                              f"{limit:,} bytes: show fewer rows or smaller figures, or link the data as CSV")
        out.append(atomic_write_text(target, body))
    if contents is not None:
        ap.write_contents_record(reports_dir, stem, title or stem, contents)
    return out[0], out[1]


_PAGE_CSS = """
  body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; max-width: 50em; margin: 2em auto;
         padding: 0 1em; line-height: 1.5; color: #222; }
  ol { padding-left: 1.2em; }
  li { margin-bottom: 1.2em; }
  h2 { font-size: 1.15em; margin: 0 0 .2em; }
  p { margin: .2em 0; }
  .links { font-size: .9em; color: #555; }
  dl.run { display: grid; grid-template-columns: max-content 1fr; gap: .1em 1em; font-size: .9em;
           background: #f6f6f6; padding: .6em 1em; border-radius: 4px; }
  dl.run dt { color: #555; }
  dl.run dd { margin: 0; overflow-wrap: anywhere; }
  pre.error { white-space: pre-wrap; background: #fff3f3; padding: 1em; border-left: 3px solid #c00; }
  ul.items { font-size: .9em; padding-left: 1.2em; } ul.items li { margin-bottom: .2em; }
  details summary { cursor: pointer; color: #345; font-size: .9em; }
  section.glossary h3 { font-size: 1em; margin: .6em 0 .2em; }
  table.glossary { border-collapse: collapse; font-size: .85em; width: 100%; }
  table.glossary th, table.glossary td { text-align: left; vertical-align: top; padding: .15em .5em;
    border-bottom: 1px solid #eee; }
  table.glossary th { white-space: nowrap; word-break: keep-all; }
"""


def _page(title: str, body: str) -> str:
    esc = html.escape
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{esc(title)}</title>
<style>{_PAGE_CSS}</style>
</head>
<body>
<h1>{esc(title)}</h1>
{body}
</body>
</html>
"""


#: Labels of the run box, in display order.
RUN_FIELDS: tuple[tuple[str, str], ...] = (
    ("software", "Software"),
    ("run_date", "Run date (from the configuration)"),
    ("config", "Configuration"),
    ("config_sha256", "Configuration SHA-256"),
    ("manifest", "Manifest"),
    ("manifest_sha256", "Manifest SHA-256"),
    ("n_documents", "Documents"),
    ("n_quarantined", "Documents set aside by cleaning"),
    ("n_units", "Units (paragraphs)"),
    ("n_tokens", "Tokens"),
    ("date_range", "Dates"),
    ("n_undated", "Undated documents"),
    ("n_places", "Places"),
)


#: The fields of the compact run box of the index of all studies.
SHORT_RUN_FIELDS: tuple[str, ...] = ("software", "run_date", "config", "manifest", "n_documents", "date_range")


def run_box(run_info: Mapping[str, object], fields: Sequence[str] | None = None) -> str:
    """An HTML definition list of a run record (software, date, config, manifest, counts); escaped.

    Examples
    --------
    >>> "<dd>5</dd>" in run_box({"n_documents": 5})
    True
    """
    esc = html.escape
    rows = []
    for key, label in RUN_FIELDS:
        if fields is not None and key not in fields:
            continue
        if key not in run_info or run_info[key] is None:
            continue
        value = run_info[key]
        if isinstance(value, (list, tuple)):
            value = " to ".join(map(str, value))
        elif isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:,}"
        rows.append(f"<dt>{esc(label)}</dt><dd>{esc(str(value))}</dd>")
    return '<dl class="run">' + "".join(rows) + "</dl>"


def write_index(
    entries: Sequence[tuple[str, str, str]],
    reports_dir: str | os.PathLike[str],
    *,
    title: str = INDEX_TITLE,
    run_info: Mapping[str, object] | None = None,
) -> Path:
    """Write ``<reports>/index.html`` listing the reports of one study.

    Parameters
    ----------
    entries : sequence of (stem, title, summary)
        One per notebook, in order; all text is HTML-escaped.
    run_info : mapping, optional
        The run record, shown as a run box (:func:`run_box`).

    Examples
    --------
    >>> import tempfile
    >>> p = write_index([("01-corpus", "Corpus <b>", "What is in it?")], tempfile.mkdtemp())
    >>> "Corpus &lt;b&gt;" in p.read_text(encoding="utf-8")
    True
    """
    from discourse.report.apparatus import read_contents_records

    esc = html.escape
    records = read_contents_records(Path(reports_dir))
    rows = []
    for stem, nb_title, summary in entries:
        rec = records.get(stem, {})
        found = []
        for label, key in (("Table", "tables"), ("Figure", "figures")):
            for it in rec.get(key, []):
                files = " ".join(f'<a href="{esc(dest)}">{esc(Path(dest).suffix[1:].upper())}</a>'
                                 for dest, _src in it.get("files") or [])
                found.append(f"<li>{label} {esc(str(it.get('number')))}. {esc(str(it.get('caption') or ''))} {files}</li>")
        listing = (f'<details><summary>{len(rec.get("tables", []))} tables, {len(rec.get("figures", []))} figures '
                   f"(with their data)</summary><ul class=\"items\">{''.join(found)}</ul></details>") if found else ""
        rows.append(
            "  <li>\n"
            f'    <h2><a href="{esc(stem)}.html">{esc(nb_title or stem)}</a></h2>\n'
            f"    <p>{esc(summary)}</p>\n"
            f'    <p class="links"><a href="{esc(stem)}.html">read</a> · '
            f'<a href="code/{esc(stem)}.html">with code</a> · <code>notebooks/{esc(stem)}.ipynb</code></p>\n'
            f"    {listing}\n"
            "  </li>"
        )
    body = (
        '<p><a href="../index.html">All studies</a> (with a glossary of the policy terms and methods)</p>\n'
        "<p>Each report is one notebook of the study, executed on the corpus and rendered in two\n"
        "versions: a reader's version without code, and a version with the code. Every table can be\n"
        "downloaded as CSV and every figure as SVG and PNG; long tables can be searched and sorted.</p>\n"
        + (run_box(run_info) if run_info else "")
        + f"\n<ol>\n{chr(10).join(rows)}\n</ol>\n"
    )
    return atomic_write_text(Path(reports_dir) / "index.html", _page(title, body))


def glossary_html() -> str:
    """The index's glossary of policy terms and methods (``resources/index_glossary.tsv``), escaped."""
    from discourse.report.apparatus import read_glossary

    esc = html.escape
    g = read_glossary()
    parts = []
    for kind, heading in (("policy", "Policy terms"), ("method", "Methods")):
        rows = "".join(
            f"<tr><th scope=\"row\" lang=\"{'zh' if kind == 'policy' else 'en'}\">{esc(r.term)}</th>"
            f"<td>{esc(r.gloss)}</td><td>{esc(r.explanation)}</td></tr>"
            for r in g[g["kind"] == kind].itertuples(index=False)
        )
        if rows:
            parts.append(f"<h3>{heading}</h3><table class=\"glossary\"><tbody>{rows}</tbody></table>")
    return '<section class="glossary" id="glossary"><h2>Glossary</h2>' + "".join(parts) + "</section>"


def write_study_list(studies: Sequence[Mapping[str, object]], reports_dir: str | os.PathLike[str], *, title: str) -> Path:
    """Write the index of several studies (one entry per run record found) and the glossary."""
    esc = html.escape
    items = []
    for rec in studies:
        name = str(rec.get("study", ""))
        items.append(
            f'  <li><h2><a href="{esc(name)}/index.html">{esc(str(rec.get("title", name)))}</a></h2>\n'
            f"  {run_box(rec, SHORT_RUN_FIELDS)}</li>"
        )
    body = (
        "<p>Each study is a set of notebooks run on one corpus through one configuration file; "
        "every report exists in a reader's version (no code) and a version with the code. "
        "Each study's index lists its tables and figures with their data (CSV, SVG, PNG).</p>\n"
        f"<ol>\n{chr(10).join(items)}\n</ol>\n" + glossary_html()
    )
    return atomic_write_text(Path(reports_dir) / "index.html", _page(title, body))


def write_failure_page(folder: Path, *, title: str, message: str, rendered: Sequence[str]) -> Path:
    """A page saying what failed and why, with links to the reports that did render."""
    esc = html.escape
    links = "".join(f'<li><a href="{esc(s)}.html">{esc(s)}</a></li>' for s in rendered)
    body = (
        "<p>This run did not complete, so the last good results were left in place. "
        "The notebooks that ran before the failure are linked below.</p>\n"
        f'<pre class="error">{esc(message)}</pre>\n'
        + (f"<ol>{links}</ol>" if links else "<p>No notebook completed.</p>")
    )
    return atomic_write_text(Path(folder) / "index.html", _page(title, body))


# -- the whole job -------------------------------------------------------------------
def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def run_report(
    *,
    manifest: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    notebooks: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    columns: Mapping[str, str] | None = None,
    html: bool = True,
    kernel_name: str = KERNEL_NAME,
    timeout: float | None = None,
) -> ReportResult:
    """Execute the notebooks and render the HTML reports.

    Parameters
    ----------
    manifest : path-like, optional
        A corpus manifest. None (or the bundled ``data/corpus.csv``) runs on the
        bundled corpus.
    out_dir : path-like, optional
        Output folder. Required with another manifest; None on the bundled
        corpus writes notebooks in place, ``figures/`` and ``reports/``.
    notebooks : glob, folder or sequence of paths, optional
        Defaults to every notebook in ``notebooks/``, in name order.
    columns : mapping, optional
        Column mapping of the manifest (canonical field -> manifest column),
        passed to the notebooks as the ``columns`` parameter.
    html : bool
        Render the HTML reports and the index.
    kernel_name : str
    timeout : float, optional
        Seconds allowed per cell.

    Returns
    -------
    ReportResult

    Raises
    ------
    ReportError
        When a notebook fails (naming it and the cell), or the arguments
        would overwrite the bundled results with another corpus's.
    """
    bundled_manifest = manifest is None or _same_path(Path(manifest), Path(config.MANIFEST_PATH))
    if manifest is not None and not Path(manifest).is_file():
        raise ReportError(f"manifest not found: {manifest}")
    if out_dir is not None and _same_path(Path(out_dir), Path(config.PROJ_ROOT)):
        out_dir = None if bundled_manifest else out_dir
    if not bundled_manifest and out_dir is None:
        raise ReportError("--out is required with --manifest: the bundled results are never overwritten")
    if out_dir is not None and _same_path(Path(out_dir), Path(config.PROJ_ROOT)):
        raise ReportError(f"--out must not be the project folder ({config.PROJ_ROOT}) for another corpus")
    bundled = bundled_manifest and out_dir is None

    if notebooks is None or isinstance(notebooks, (str, os.PathLike)):
        paths = find_notebooks(notebooks)
    else:
        paths = sorted((Path(p).resolve() for p in notebooks), key=lambda p: (p.name, str(p)))
        if not paths:
            raise ReportError("no notebooks given")

    result = ReportResult(bundled=bundled)
    if bundled:
        parameters: dict[str, object] = {}
        env: dict[str, str] = {}
        reports_dir = Path(config.REPORTS_DIR)
        nb_out_dir = None
    else:
        out = Path(out_dir).resolve()
        parameters = {
            "manifest": str(Path(manifest).resolve()) if manifest is not None else str(Path(config.MANIFEST_PATH)),
            "out_dir": str(out),
        }
        if columns:
            parameters["columns"] = dict(columns)
        env = {"DISCOURSE_OUT_DIR": str(out)}
        reports_dir = out / "reports"
        nb_out_dir = out / "notebooks"
    result.reports_dir = reports_dir

    for path in paths:
        target = path if nb_out_dir is None else nb_out_dir / path.name
        execute_notebook(path, target, parameters=parameters, env=env, kernel_name=kernel_name, timeout=timeout)
        result.notebooks.append(target)

    if html:
        entries = []
        for nb_path in result.notebooks:
            reader, code = render_html(nb_path, reports_dir)
            result.reader_html.append(reader)
            result.code_html.append(code)
            nb_title, summary = notebook_summary(nb_path)
            entries.append((nb_path.stem, nb_title, summary))
        result.index = write_index(entries, reports_dir)
    return result


__all__ = [
    "KERNEL_NAME",
    "KERNEL_ENV",
    "INDEX_TITLE",
    "ReportError",
    "ReportResult",
    "find_notebooks",
    "strip_execution_metadata",
    "remove_tagged_cells",
    "execute_notebook",
    "notebook_summary",
    "check_inert_html",
    "render_html",
    "write_index",
    "write_study_list",
    "glossary_html",
    "MAX_PAGE_BYTES",
    "write_failure_page",
    "run_box",
    "run_report",
]
