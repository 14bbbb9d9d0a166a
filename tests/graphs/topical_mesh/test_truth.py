"""What was seen on real sites (issue 15, items 1-7), each as a small site, and the place
of every finding (file, line, column)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from graphs.topical_mesh.advice import recommend
from graphs.topical_mesh.context import Context
from graphs.topical_mesh.report import render_report
from graphs.topical_mesh.state import Input

from .conftest import make_repo
from .test_parse import run_graph


async def audit(tmp_path: Path, files: dict[str, str | bytes], **inputs: Any) -> dict[str, Any]:
    root = make_repo(tmp_path / "site", files)
    ctx = Context(allow_local_sources=True, workdir=str(tmp_path / "w"))
    output, _state = await run_graph(ctx, repo_url=str(root), **inputs)
    return output


def places(findings: list[dict[str, Any]]) -> set[tuple[str, int, int, str]]:
    return {(f["file"], f["line"], f["column"], f["target"]) for f in findings}


VAULT = {
    "Home.md": "# Home\n\n![[lucide-send.svg]] and ![[diagram.png]] and ![[icon.svg#icon]]\n"
    "Read [[file.pdf]], [[beans/index|beans]] and ![[gone.png]].\n",
    "Attachments/lucide-send.svg": "<svg/>",
    "Attachments/diagram.png": b"\x89PNG",
    "Attachments/icons/icon.svg": "<svg/>",
    "Attachments/file.pdf": b"%PDF",
    "docs/beans/index.md": "# Beans\n\n[[Home]]\n",
}


async def test_obsidian_attachments_resolve_by_name_and_a_missing_one_is_a_broken_asset(
    tmp_path: Path,
) -> None:
    out = await audit(tmp_path, VAULT)
    assert out["broken_links"] == []
    assert places(out["broken_assets"]) == {("Home.md", 4, 49, "gone.png")}
    assert out["broken_assets"][0]["kind"] == "broken_asset"
    assert out["asset_links"] == 5


async def test_a_path_wikilink_resolves_to_the_page_whose_path_ends_with_it(
    tmp_path: Path,
) -> None:
    out = await audit(tmp_path, VAULT)
    pages = {p["id"]: p for p in out["pages"]}
    assert pages["docs/beans/index.md"]["inbound_links"] == 1
    assert not [f for f in out["broken_links"] if "beans" in f["target"]]


MKDOCS = {
    "mkdocs.yml": "site_name: T\n",
    "docs/index.md": "# Home\n\n"
    '!!! note "Read"\n    See [install](install.md).\n\n'
    "??? tip\n    And [usage](usage.md).\n\n"
    "???+ warning\n    And [faq](faq.md).\n\n"
    '=== "pip"\n\n    Run [pip page](pip.md).\n\n'
    '=== "conda"\n\n    Run [conda page](conda.md).\n\n'
    "After the tabs.\n\n    an indented code block: [not a link](nothing.md)\n",
    **{
        f"docs/{n}.md": f"# {n}\n\n[home](index.md)\n"
        for n in ("install", "usage", "faq", "pip", "conda")
    },
}


async def test_links_inside_admonitions_collapsibles_and_tabs_are_links(tmp_path: Path) -> None:
    out = await audit(tmp_path, MKDOCS, subdir="docs")
    home = next(p for p in out["pages"] if p["id"] == "index.md")
    assert home["outbound_links"] == 5
    assert out["broken_links"] == []


HTML_SITE = {
    "index.md": "# Home\n\n| Guide | Link |\n|---|---|\n"
    '| config | <a href="user-guide/configuration/">Configuration</a> |\n\n'
    '<div class="cards">\n  <a href="user-guide/missing/">Gone</a>\n'
    '  <code><a href="in-code.md">code</a></code>\n</div>\n\n'
    '`<a href="span.md">` and <!-- <a href="comment.md"> -->\n\n'
    '```html\n<a href="fenced.md">x</a>\n```\n',
    "user-guide/configuration.md": "# Configuration\n\n[home](../index.md)\n",
}


async def test_html_hrefs_are_links_except_inside_code_and_comments(tmp_path: Path) -> None:
    out = await audit(tmp_path, HTML_SITE)
    home = next(p for p in out["pages"] if p["id"] == "index.md")
    assert home["outbound_links"] == 1
    assert places(out["broken_links"]) == {("index.md", 8, 12, "user-guide/missing/")}
    assert out["broken_links"][0]["form"] == "html"


FOOTNOTES = {
    "index.md": "# Hashing\n\nWe use SipHash[^siphash].\n\n"
    "[^siphash]: [https://en.wikipedia.org/wiki/SipHash](https://en.wikipedia.org/wiki/SipHash)\n",
}


async def test_footnote_definitions_are_footnotes_not_link_definitions(tmp_path: Path) -> None:
    out = await audit(tmp_path, FOOTNOTES)
    assert out["broken_links"] == []
    assert out["external_links"] == 1


def test_recommendations_never_target_nothing_or_the_page_itself() -> None:
    pages = [
        {
            "id": name,
            "title": name[:-3],
            "authority": 10.0,
            "is_orphan": False,
            "orphan_kind": None,
            "click_depth": 1,
            "outbound_links": 1,
        }
        for name in ("Style guide.md", "Bases/Views.md", "index.md")
    ]
    broken = [
        {
            "source": "Style guide.md",
            "target": "Style guide.md#x",
            "reason": "no page at this path",
        },
        {"source": "Style guide.md", "target": "Style guides.md", "reason": "no page at this path"},
        {
            "source": "Bases/Views.md",
            "target": "zzz-nothing-alike",
            "reason": "no page at this path",
            "file": "Bases/Views.md",
            "line": 4,
            "column": 9,
        },
    ]
    state: dict[str, Any] = {"pages": pages, "pillar": {"id": "index.md"}, "broken_links": broken}
    recs = recommend(state)
    assert recs
    assert all(r["source_page"] != r["target_page"] for r in recs)
    report = render_report({**state, "recommendations": recs}, "")
    assert "Bases/Views.md →" not in report.replace("\\", "")
    assert "Bases/Views.md:4:9: fix `zzz-nothing-alike`" in report.replace("\\", "")


def test_a_shortened_report_table_says_how_many_rows_it_shows_and_where_the_rest_are() -> None:
    recs = [
        {
            "id": f"rec-{n}",
            "priority": "low",
            "estimated_impact": 30,
            "action": "link_related",
            "source_page": f"a{n}.md",
            "target_page": f"b{n}.md",
            "anchor_text": "B",
        }
        for n in range(33)
    ]
    report = render_report({"recommendations": recs, "proposed_recommendations": 33}, "")
    assert "Showing 25 of 33; all 33 are in the JSON output's `recommendations`." in report
    assert report.count("| rec-") == 25


def test_a_huge_max_pages_is_refused_by_the_input_schema() -> None:
    with pytest.raises(ValidationError, match="less than or equal to 10000000"):
        Input.model_validate({"repo_url": "https://example.test/a", "max_pages": 10**20})


@pytest.mark.parametrize(
    ("url", "context", "message"),
    [
        ("/etc", {}, "Refused: '/etc' is a local folder or file:// URL, and local sources are off"),
        ("ext::sh -c touch% /tmp/x", None, "Refused: the URL contains control characters"),
        ("ext::sh", None, "Refused: '::' selects a git remote helper transport"),
        ("https://127.0.0.1/", {}, "Refused: host '127.0.0.1' resolves to 127.0.0.1"),
        ("https://user:pw@example.test/r", None, "Refused: the URL carries user information"),
        ("git@example.test:r.git", None, "looks like an ssh (scp-style) address"),
    ],
)
def test_a_source_the_clone_would_refuse_is_refused_at_start_with_the_clones_message(
    url: str, context: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Input.model_validate({"repo_url": url}, context=context)
    refusal = caught.value.errors()[0]["msg"]
    assert refusal.startswith("Refused: ")
    assert message in refusal


def test_the_operators_settings_decide_what_the_input_schema_accepts() -> None:
    allowed = {"allowed_private_hosts": ["127.0.0.1"], "allow_local_sources": True}
    assert Input.model_validate({"repo_url": "https://127.0.0.1/r"}, context=allowed)
    assert Input.model_validate({"repo_url": "/tmp"}, context=allowed)


ANCHORS = {
    "mkdocs.yml": "site_name: T\n",
    "docs/index.md": "# Home\n\n"
    "[ok](guide.md#first-steps) [dup](guide.md#first-steps_1) [custom](guide.md#setup)\n"
    "[gone](guide.md#nowhere) [self](#home) [html id](guide.md#cards)\n",
    "docs/guide.md": "# Guide\n\n## First steps\n\n## First steps\n\n## Install {#setup}\n\n"
    '<div id="cards"></div>\n\n[home](index.md)\n',
}


async def test_anchors_are_checked_with_the_generators_slug_rules_and_explicit_ids(
    tmp_path: Path,
) -> None:
    out = await audit(tmp_path, ANCHORS, subdir="docs")
    assert places(out["broken_anchors"]) == {("docs/index.md", 4, 8, "guide.md#nowhere")}
    found = out["broken_anchors"][0]
    assert found["kind"] == "broken_anchor"
    assert found["reason"] == "no heading or id 'nowhere' in guide.md"
    assert out["broken_links"] == []
    assert out["anchor_generator"] == "python-markdown"


OBSIDIAN_ANCHORS = {
    "Home.md": "# Home\n\n[[Note#Deep Dive]] [[Note#Deep Dive#Part Two]] [[Note#^quote]]\n"
    "[[Note#Missing]] [[Note#^nope]] [[Note]] [[Note]]\n",
    "Note.md": "# Note\n\n## Deep Dive\n\n### Part Two\n\nA quoted line ^quote\n",
}


async def test_obsidian_heading_and_block_references_are_checked(tmp_path: Path) -> None:
    out = await audit(tmp_path, OBSIDIAN_ANCHORS)
    assert places(out["broken_anchors"]) == {
        ("Home.md", 4, 3, "Note#Missing"),
        ("Home.md", 4, 20, "Note#^nope"),
    }


async def test_every_finding_has_a_file_line_and_column_and_all_are_listed_together(
    tmp_path: Path,
) -> None:
    files: dict[str, str | bytes] = {
        "index.md": "---\ntitle: Home\n---\n# Home\n\nText [gone](missing.md) and\n"
        "more [ref][r] ![img](img/none.png)\n\n[r]: also-missing.md\n",
        "lonely.md": "# Lonely\n",
    }
    out = await audit(tmp_path, files)
    by_kind = {(f["kind"], f["file"], f["line"], f["column"]) for f in out["findings"]}
    assert by_kind == {
        ("broken_link", "index.md", 6, 13),
        ("broken_link", "index.md", 9, 6),
        ("broken_asset", "index.md", 7, 22),
        ("orphan", "lonely.md", 1, 1),
    }
    assert all(f["message"] for f in out["findings"])
    assert "index.md:6:13 (broken_link)" in out["report_markdown"]
