"""Safety of rendered pages: nothing in a report may run unless the project put it there."""

from __future__ import annotations

import html.parser

from discourse.report.errors import ReportError


class _ActiveMarkup(html.parser.HTMLParser):
    """Collects what could run in a page: scripts, event handlers, frames, js: URLs."""

    _TAGS = frozenset({"script", "iframe", "frame", "object", "embed", "applet", "base", "meta"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._line = 0

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        if tag in self._TAGS and not (tag == "meta" and not any(k == "http-equiv" for k, _ in attrs)):
            self.found.append(f"line {line}: <{tag}>")
        for key, value in attrs:
            v = (value or "").strip().lower()
            if key.startswith("on"):
                self.found.append(f"line {line}: <{tag} {key}=...>")
            elif key in ("href", "src", "action", "formaction", "xlink:href") and v.startswith(("javascript:", "vbscript:")):
                self.found.append(f"line {line}: <{tag} {key}={v[:30]}...>")

    handle_startendtag = handle_starttag


def check_inert_html(text: str, source: str = "<html>") -> None:
    """Raise when a rendered page holds anything that could run.

    The report template itself has no scripts, so any ``<script>``,
    ``on*=`` event handler, ``javascript:`` URL, frame or embedded object in a
    rendered notebook came from a cell output (e.g. corpus text put into
    ``IPython.display.HTML`` without escaping) and is refused.

    Raises
    ------
    ReportError
        Naming the page and the first offending elements.

    Examples
    --------
    >>> check_inert_html("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")
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
            f"{source} contains active markup (escape corpus text, e.g. show it in a DataFrame): "
            + "; ".join(parser.found[:5])
        )


__all__ = ["check_inert_html"]
