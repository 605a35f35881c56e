"""The page-safety check: project scripts pass, everything else that could run is refused."""

from __future__ import annotations

import hashlib
import json

import pytest

from discourse.report import ReportError, check_inert_html
from discourse.report.safety import ASSETS_DIR, json_script, script_tag, trusted_scripts


def test_registry_is_the_hash_of_the_shipped_files():
    files = sorted(p.name for p in ASSETS_DIR.glob("*.js"))
    assert files and sorted(trusted_scripts()) == files
    for name in files:
        assert trusted_scripts()[name] == hashlib.sha256((ASSETS_DIR / name).read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(p.name for p in ASSETS_DIR.glob("*.js")))
def test_project_script_passes(name):
    check_inert_html(f"<p>x</p>{script_tag(name)}<p>y</p>")


def test_one_changed_character_fails():
    tag = script_tag("table.js")
    i = tag.index("function") + 3
    changed = tag[:i] + ("X" if tag[i] != "X" else "Y") + tag[i + 1:]
    with pytest.raises(ReportError, match="not the project's"):
        check_inert_html(changed)
    appended = tag.replace("</script>", "alert(1);</script>")
    with pytest.raises(ReportError, match="not the project's"):
        check_inert_html(appended)


@pytest.mark.parametrize("markup", [
    "<script>alert(1)</script>",
    '<script data-discourse-asset="evil.js">alert(1)</script>',
    '<script data-discourse-asset="table.js" src="x.js"></script>',
    '<script type="text/template">alert(1)</script>',
    "<script/>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    "<script>",  # never closed
])
def test_foreign_scripts_fail(markup):
    with pytest.raises(ReportError, match="active markup"):
        check_inert_html(f"<p>text</p>{markup}")


def test_asset_name_cannot_borrow_another_assets_hash():
    code = script_tag("table.js").split(">", 1)[1].rsplit("</script>", 1)[0]
    with pytest.raises(ReportError):
        check_inert_html(f'<script data-discourse-asset="explorer.js">{code}</script>')


@pytest.mark.parametrize("markup", [
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" JAVASCRIPT:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a></svg>',
    '<object data="x.swf"></object>', "<embed src=x>", '<base href="http://x/">', "<frameset></frameset>",
    '<div onclick="alert(1)">x</div>', '<img src=x onerror=alert(1)>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
])
def test_other_active_markup_still_refused(markup):
    with pytest.raises(ReportError, match="active markup"):
        check_inert_html(markup + script_tag("table.js"))


def test_images_as_data_uris_pass():
    check_inert_html('<img alt="fig" src="data:image/png;base64,iVBORw0KGgo=">')


def test_json_blocks_pass_only_when_inert():
    hostile = {"t": "</script><script>alert(1)</script>", "c": "<!--<script>", "a": "a&b"}
    block = json_script(hostile)
    check_inert_html(block)
    body = block.split(">", 1)[1].rsplit("</script>", 1)[0]
    assert json.loads(body) == hostile
    assert "<" not in body and ">" not in body and "&" not in body
    with pytest.raises(ReportError, match="raw '<'"):
        check_inert_html('<script type="application/json">{"t": "<!--"}</script>')
    with pytest.raises(ReportError, match="not valid JSON"):
        check_inert_html('<script type="application/json">alert(1)</script>')
    # unescaped data closes the block early: the rest is markup and is caught
    with pytest.raises(ReportError):
        check_inert_html('<script type="application/json">{"t": "</script><script>alert(1)</script>"}</script>')
