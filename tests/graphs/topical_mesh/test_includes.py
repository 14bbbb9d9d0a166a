"""Build-time includes give the including page their headings (issue 15, anchors).

Modelled on mkdocs/mkdocs (`docs/about/contributing.md` is `--8<-- "CONTRIBUTING.md"`, a
file at the checkout top, outside the content root) and gohugoio/hugoDocs
(`{{% include "/_common/..." %}}` of a file under the content root); the text is ours.
"""

from __future__ import annotations

from pathlib import Path

from graphs.topical_mesh.context import Context

from .conftest import make_repo
from .test_parse import run_graph

MKDOCS: dict[str, str | bytes] = {
    "mkdocs.yml": "site_name: Demo\nmarkdown_extensions:\n  - pymdownx.snippets\n",
    "CONTRIBUTING.md": "# Contributing\n\n## Installing for development\n\n"
    '--8<-- "docs/_parts/themes.md"\n',
    "docs/_parts/themes.md": "## Submitting changes to the builtin themes\n",
    "docs/index.md": "# Home\n\n[install](about/contributing.md#installing-for-development)\n"
    "[themes](about/contributing.md#submitting-changes-to-the-builtin-themes)\n"
    "[gone](about/contributing.md#no-such-section)\n",
    "docs/about/contributing.md": '# Contributing\n\n--8<-- "CONTRIBUTING.md"\n\n'
    '```\n--8<-- "not-an-include.md"\n```\n\n--8<-- "missing.md"\n',
}

HUGO: dict[str, str | bytes] = {
    "hugo.toml": 'baseURL = "https://hugo.example.test/"\n',
    "content/_index.md": "---\ntitle: Home\n---\n\n"
    "[details](/render-hooks/links/#pageinner-details)\n"
    "[nope](/render-hooks/links/#nope)\n",
    "content/render-hooks/links.md": "---\ntitle: Links\n---\n\n"
    '{{% include "/_common/render-hooks/pageinner.md" %}}\n',
    "content/_common/render-hooks/pageinner.md": "---\n_comment: part\n---\n\n"
    "## PageInner details\n",
}


async def test_snippet_includes_bring_their_headings(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "site", MKDOCS)
    ctx = Context(allow_local_sources=True, workdir=str(tmp_path / "w"))
    output, _state = await run_graph(ctx, repo_url=str(root), subdir="docs")
    anchors = [(a["file"], a["line"], a["target"]) for a in output["broken_anchors"]]
    assert anchors == [("docs/index.md", 5, "about/contributing.md#no-such-section")]
    assert any("missing.md" in note for note in output["notes"])
    assert not any("not-an-include.md" in note for note in output["notes"])


async def test_hugo_include_shortcodes_bring_their_headings(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "site", HUGO)
    ctx = Context(allow_local_sources=True, workdir=str(tmp_path / "w"))
    output, _state = await run_graph(ctx, repo_url=str(root), subdir="content")
    anchors = [(a["file"], a["target"]) for a in output["broken_anchors"]]
    assert anchors == [("content/_index.md", "/render-hooks/links/#nope")]


# As facelessuser/pymdown-extensions' own docs config: `base_path` lists a folder of
# shared snippets and single files (`LICENSE.md`, included by its name); the text is ours.
BASE_PATHS: dict[str, str | bytes] = {
    "mkdocs.yml": "site_name: Demo\nmarkdown_extensions:\n  - toc:\n      permalink: true\n"
    "  - pymdownx.snippets:\n      base_path: [docs/snippets, includes, LICENSE.md]\n"
    "      check_paths: true\n",
    "docs/snippets/note.md": "## Shared note\n",
    "includes/terms.md": "## Glossary terms\n\nMore.\n",
    "CONTRIBUTING.md": "## Top level\n",
    "LICENSE.md": "## MIT License\n",
    "docs/guide/index.md": '# Guide\n\n--8<-- "note.md"\n\n--8<-- "terms.md:1:2"\n\n'
    '--8<-- "CONTRIBUTING.md"\n\n--8<-- "LICENSE.md"\n\n'
    "[a](#shared-note) [b](#glossary-terms) [c](#top-level) [d](#mit-license)\n",
}


async def test_snippets_are_found_in_the_configured_base_paths(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "site", BASE_PATHS)
    ctx = Context(allow_local_sources=True, workdir=str(tmp_path / "w"))
    output, _state = await run_graph(ctx, repo_url=str(root), subdir="docs")
    anchors = [(a["file"], a["target"]) for a in output["broken_anchors"]]
    assert anchors == [("docs/guide/index.md", "#top-level")]  # not in any base path
    missing = [note for note in output["notes"] if "included file(s) not found" in note]
    assert len(missing) == 1 and "CONTRIBUTING.md" in missing[0]
    assert "note.md" not in missing[0] and "terms.md" not in missing[0]
