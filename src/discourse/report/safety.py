"""Safety of rendered pages: nothing in a report may run unless the project put it there.

A rendered report may hold exactly two kinds of ``<script>`` element:

* **project scripts**: ``<script data-discourse-asset="NAME">CODE</script>``
  where ``NAME`` is a file in ``discourse/report/assets/`` and ``CODE`` is that
  file's text, byte for byte (its SHA-256 is compared with the registry built
  from the shipped files, :func:`trusted_scripts`). The code is static; the
  data it works on sits in the page's markup or in a data block;
* **data blocks**: ``<script type="application/json">``, which browsers never
  run. Their content must parse as JSON and hold no raw ``<`` (the project
  writes ``<``, ``>`` and ``&`` as ``\\u003c``, ``\\u003e``, ``\\u0026``), so
  corpus text inside cannot close the block or open a comment.

Everything else that could run stays refused everywhere: other scripts (a
project script with one character changed included), ``on*=`` event
handlers, ``javascript:``/``vbscript:`` URLs (also when hidden with
whitespace or character references), ``data:`` URLs other than images,
SVG animations that set a link to a script URL, frames, objects, embeds,
``<base>`` and ``<meta http-equiv>``; and so is a script with a ``src``.
"""

from __future__ import annotations

import functools
import hashlib
import html
import html.parser
import json
import re
from pathlib import Path

from discourse.report.errors import ReportError

#: Folder of the scripts and style sheets the project ships and inlines.
ASSETS_DIR: Path = Path(__file__).resolve().parent / "assets"
#: Attribute that names a project script.
ASSET_ATTR: str = "data-discourse-asset"

_RUNNABLE_TYPES = frozenset({"", "text/javascript", "application/javascript", "module"})
_DATA_TYPES = frozenset({"application/json"})
_URL_ATTRS = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"})
#: Elements whose ``data:image/...`` URLs are pictures, which run nothing.
_IMAGE_TAGS = frozenset({"img", "source", "image", "input"})
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_asset(path: Path) -> str:
    # bytes -> str without newline translation: the page holds exactly these characters
    text = path.read_bytes().decode("utf-8")
    if "</script" in text.lower() or "<!--" in text:
        raise ReportError(f"asset {path} contains '</script' or '<!--' and cannot be inlined")
    return text


@functools.lru_cache(maxsize=1)
def trusted_scripts() -> dict[str, str]:
    """Registry of the project's scripts: asset name -> SHA-256 of its code.

    Built from the ``*.js`` files in :data:`ASSETS_DIR` (the explorer, topic
    browser and table scripts inlined by :mod:`discourse.report.tables` and
    :mod:`discourse.report.explorer`).

    Examples
    --------
    >>> sorted(trusted_scripts())
    ['explorer.js', 'table.js', 'topics.js']
    >>> len(trusted_scripts()["table.js"])
    64
    """
    return {p.name: _sha256(_read_asset(p)) for p in sorted(ASSETS_DIR.glob("*.js"))}


def asset_text(name: str) -> str:
    """The text of a shipped asset (``*.js`` or ``*.css`` in :data:`ASSETS_DIR`).

    Examples
    --------
    >>> "discourse-table" in asset_text("table.css")
    True
    """
    path = ASSETS_DIR / name
    if path.parent != ASSETS_DIR or not path.is_file():
        raise ReportError(f"no asset {name!r} in {ASSETS_DIR}")
    return _read_asset(path)


def script_tag(name: str) -> str:
    """``<script data-discourse-asset=NAME>`` with the asset's code inlined.

    Examples
    --------
    >>> tag = script_tag("table.js")
    >>> check_inert_html(tag)  # a project script passes
    >>> check_inert_html(tag.replace("use strict", "use strikt"))  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    discourse.report.ReportError: <html> contains active markup
    """
    if name not in trusted_scripts():
        raise ReportError(f"{name!r} is not a project script (known: {sorted(trusted_scripts())})")
    return f'<script {ASSET_ATTR}="{html.escape(name)}">{asset_text(name)}</script>'


def style_tag(name: str) -> str:
    """``<style>`` with a shipped style sheet inlined (style sheets never run code)."""
    text = asset_text(name)
    if "</style" in text.lower():
        raise ReportError(f"asset {name} contains '</style'")
    return f"<style>{text}</style>"


def json_script(data: object, *, css_class: str = "discourse-data") -> str:
    """Data as a ``<script type="application/json">`` block that corpus text cannot break.

    ``<``, ``>`` and ``&`` (and U+2028/U+2029) are written as JSON ``\\u``
    escapes, so ``</script>`` or ``<!--`` in the data never appears in the
    page; ``JSON.parse(el.textContent)`` gives the data back unchanged.

    Examples
    --------
    >>> tag = json_script({"t": "</script><script>alert(1)</script>"})
    >>> "</script><script>" in tag
    False
    >>> body = tag[tag.index(">") + 1 : tag.rindex("</script>")]
    >>> json.loads(body)["t"]
    '</script><script>alert(1)</script>'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return f'<script type="application/json" class="{html.escape(css_class)}">{text}</script>'


def _url_is_active(tag: str, value: str) -> str | None:
    v = _CONTROL.sub("", value).lower()
    if v.startswith(("javascript:", "vbscript:", "livescript:")):
        return v[:30]
    if v.startswith("data:") and not (tag in _IMAGE_TAGS and v.startswith("data:image/")):
        return v[:30]
    return None


class _ActiveMarkup(html.parser.HTMLParser):
    """Collects what could run in a page: scripts, event handlers, frames, js: URLs."""

    _TAGS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "portal"})
    _ANIMATE = frozenset({"animate", "set", "animatemotion", "animatetransform"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script: dict | None = None
        self.n_project_scripts = 0
        self.n_data_blocks = 0

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        amap = {k: (v or "") for k, v in attrs}
        if tag in self._TAGS and not (tag == "meta" and "http-equiv" not in amap):
            self.found.append(f"line {line}: <{tag}>")
        for key, value in attrs:
            value = value or ""
            if key.startswith("on"):
                self.found.append(f"line {line}: <{tag} {key}=...>")
            elif key in _URL_ATTRS and (bad := _url_is_active(tag, value)):
                self.found.append(f"line {line}: <{tag} {key}={bad}...>")
        if tag in self._ANIMATE:
            target = amap.get("attributename", "").strip().lower()
            values = " ".join(amap.get(k, "") for k in ("values", "to", "from", "by"))
            if target in ("href", "xlink:href") or "javascript:" in _CONTROL.sub("", values).lower():
                self.found.append(f"line {line}: <{tag} attributeName={target}>")
        if tag == "script":
            self._script = {"line": line, "attrs": amap, "text": []}

    # <script/> is not self-closing in HTML: what follows it is its code, collected
    # up to </script> (and refused, since markup parsed as text never matches an asset)
    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"].append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self._finish_script()

    def close(self):
        super().close()
        if self._script is not None:  # never closed: the rest of the page is its code
            self._finish_script()

    def _finish_script(self) -> None:
        s, self._script = self._script, None
        line, attrs, text = s["line"], s["attrs"], "".join(s["text"])
        kind = attrs.get("type", "").strip().lower()
        if "src" in attrs:
            self.found.append(f"line {line}: <script src=...> (project scripts are inlined)")
            return
        if kind in _DATA_TYPES and ASSET_ATTR not in attrs:
            if "<" in text:
                self.found.append(f"line {line}: <script type={kind}> holds a raw '<' (data must escape it)")
                return
            try:
                json.loads(text)
            except ValueError as exc:
                self.found.append(f"line {line}: <script type={kind}> is not valid JSON ({exc.msg})")
                return
            self.n_data_blocks += 1
            return
        name = attrs.get(ASSET_ATTR)
        if name is None:
            self.found.append(f"line {line}: <script>")
            return
        want = trusted_scripts().get(name)
        if kind not in _RUNNABLE_TYPES or want is None or _sha256(text) != want:
            self.found.append(f"line {line}: <script {ASSET_ATTR}={name[:40]!r}> whose code is not the project's")
            return
        self.n_project_scripts += 1


def check_inert_html(text: str, source: str = "<html>") -> None:
    """Raise when a rendered page holds anything that could run, except the project's scripts.

    The report template itself has no scripts. The only scripts allowed are
    the project's own (``data-discourse-asset`` naming a shipped asset whose
    SHA-256 matches, see :func:`script_tag`) and JSON data blocks (see
    :func:`json_script`). Any other ``<script>``, ``on*=`` event handler,
    ``javascript:`` URL, frame or embedded object in a rendered notebook came
    from a cell output (e.g. corpus text put into ``IPython.display.HTML``
    without escaping) and is refused.

    Raises
    ------
    ReportError
        Naming the page and the first offending elements.

    Examples
    --------
    >>> check_inert_html("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")
    >>> check_inert_html(json_script({"a": "<b>"}) + script_tag("explorer.js"))
    >>> check_inert_html('<img src=x onerror="alert(1)">')  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    discourse.report.ReportError: <html> contains active markup
    """
    parser = _ActiveMarkup()
    parser.feed(text)
    parser.close()
    if parser.found:
        raise ReportError(
            f"{source} contains active markup (escape corpus text, e.g. show it with "
            "discourse.report.tables.show_table): " + "; ".join(parser.found[:5])
        )


__all__ = [
    "ASSETS_DIR",
    "ASSET_ATTR",
    "asset_text",
    "check_inert_html",
    "json_script",
    "script_tag",
    "style_tag",
    "trusted_scripts",
]
