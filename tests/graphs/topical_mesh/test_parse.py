"""Parsing real link forms: exact pages, links, broken and escaped links, navigation."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from graphs.topical_mesh.context import Context
from graphs.topical_mesh.graph import build_graph

from . import fixture_site as site
from .conftest import GitServer, make_repo


async def run_graph(
    ctx: Context, thread: str = "t", **inputs: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(output, full final state) of one run."""
    compiled = build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": thread}}
    output = await compiled.ainvoke(inputs, config, context=ctx)
    return output, compiled.get_state(config).values


def edges_of(state: dict[str, Any]) -> dict[tuple[str, str], int]:
    ids = [p["id"] for p in state["pages"]]
    return {(ids[a], ids[b]): n for a, b, n in state["links"]}


def assert_fixture_audit(output: dict[str, Any], state: dict[str, Any]) -> None:
    assert {p["id"] for p in output["pages"]} == site.PAGES
    edges = edges_of(state)
    assert set(edges) == site.EDGES
    assert {k: v for k, v in edges.items() if v > 1} == site.REPEATED
    assert output["total_links"] == len(site.EDGES)
    assert output["link_occurrences"] == site.OCCURRENCES
    assert {
        (b["source"], b["target"], b["form"], b["reason"]) for b in output["broken_links"]
    } == site.BROKEN
    assert {(e["source"], e["target"]) for e in output["escaped_links"]} == site.ESCAPED
    assert set(output["orphans"]) == site.UNREACHABLE | site.CONTENT_ORPHANS
    assert set(output["content_orphans"]) == site.CONTENT_ORPHANS
    kinds = {p["id"]: p["orphan_kind"] for p in output["pages"] if p["is_orphan"]}
    assert {k for k, v in kinds.items() if v == "unreachable"} == site.UNREACHABLE
    assert output["external_links"] == site.EXTERNAL_LINKS
    assert output["asset_links"] == site.ASSET_LINKS
    assert output["pillar"]["id"] == "index.md"
    assert output["total_pages"] == len(site.PAGES)
    titles = {p["id"]: p["title"] for p in output["pages"]}
    assert titles["guide/install.md"] == "Installing"
    assert titles["guide/index.md"] == "Guide"
    assert titles["api/reference.md"] == "API reference"
    assert any("draft page" in note for note in output["notes"])


async def test_every_link_form_resolves_exactly_from_a_local_folder(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "site", site.FILES)
    output, state = await run_graph(
        Context(allow_local_sources=True, workdir=str(tmp_path / "w")), repo_url=str(root)
    )
    assert_fixture_audit(output, state)


async def test_every_link_form_resolves_exactly_after_a_clone_over_http(
    git_server: GitServer, tmp_path: Path, context: Context
) -> None:
    url = git_server.publish("fixture", make_repo(tmp_path / "site", site.FILES))
    output, state = await run_graph(context, thread="http-run", repo_url=url)
    assert_fixture_audit(output, state)
    assert not (Path(context.workdir) / "http-run").exists()


async def test_subdir_limits_the_content_root_and_paths_keep_the_prefix(tmp_path: Path) -> None:
    files = {f"docs/{k}": v for k, v in site.FILES.items() if k != "mkdocs.yml"}
    files["README.md"] = "# Repository readme, outside the docs folder\n"
    files["mkdocs.yml"] = site.FILES["mkdocs.yml"].replace("docs_dir: .", "docs_dir: docs")
    root = make_repo(tmp_path / "repo", files)
    output, _ = await run_graph(
        Context(allow_local_sources=True, workdir=str(tmp_path / "w")),
        repo_url=str(root),
        subdir="docs",
    )
    assert {p["id"] for p in output["pages"]} == site.PAGES
    assert {p["path"] for p in output["pages"]} == {f"docs/{p}" for p in site.PAGES}
    assert set(output["content_orphans"]) == site.CONTENT_ORPHANS


async def test_symlinks_out_of_a_local_folder_are_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# TOPSECRET-MARKER\n")
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.md").write_text("# Home\n\n[leak](leak.md) [env](environ.md)\n")
    os.symlink(outside / "secret.md", root / "leak.md")
    os.symlink("/proc/self/environ", root / "environ.md")
    os.symlink(outside, root / "docs")
    os.symlink("/", root / "rootfs")
    output, _ = await run_graph(
        Context(allow_local_sources=True, workdir=str(tmp_path / "w")), repo_url=str(root)
    )
    assert [p["id"] for p in output["pages"]] == ["index.md"]
    dumped = json.dumps(output)
    assert "TOPSECRET-MARKER" not in dumped and "PATH=" not in dumped
    assert any("4 symlink(s)" in note for note in output["notes"])
    assert {b["target"] for b in output["broken_links"]} == {"leak.md", "environ.md"}


async def test_symlinks_in_a_cloned_repository_are_dropped_not_read(
    git_server: GitServer, tmp_path: Path, context: Context
) -> None:
    repo = make_repo(
        tmp_path / "src",
        {"index.md": "# Home\n\n[leak](leak.md)\n"},
        symlinks={"leak.md": "/etc/passwd", "environ.md": "/proc/self/environ", "docs": "/"},
    )
    url = git_server.publish("links", repo)
    output, _ = await run_graph(context, repo_url=url)
    assert [p["id"] for p in output["pages"]] == ["index.md"]
    assert "root:x:0:0" not in json.dumps(output)
    assert any("3 symlink(s) in the repository" in note for note in output["notes"])


async def test_a_100_mb_single_line_file_in_a_cloned_repository_is_skipped_with_a_note(
    git_server: GitServer, tmp_path: Path, context: Context
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "index.md").write_text("# Home\n\n[huge](huge.md)\n")
    (src / "huge.md").write_bytes(b"a" * (100 * 1024 * 1024))
    url = git_server.publish("huge", make_repo(src, {}))
    output, _ = await run_graph(context, repo_url=url)
    assert [p["id"] for p in output["pages"]] == ["index.md"]
    assert any("huge.md is 104857600 bytes, over max_file_bytes" in n for n in output["notes"])


@pytest.mark.parametrize(
    "hostile",
    [
        "> " * 50_000 + "x",
        "[" * 100_000,
        "*" * 50_000 + "_" * 50_000,
        "".join("  " * i + "- x\n" for i in range(600)),
        "[[" * 50_000,
        "{{< ref " * 20_000,
        "<!--" * 50_000,
        "```\n" * 50_000,
    ],
    ids=[
        "quotes",
        "brackets",
        "emphasis",
        "lists",
        "wikilinks",
        "shortcodes",
        "comments",
        "fences",
    ],
)
async def test_markdown_built_to_recurse_deeply_is_parsed_flat_or_noted(
    hostile: str, tmp_path: Path
) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.md").write_text("# Home\n\n[deep](deep.md)\n")
    (root / "deep.md").write_text(hostile + "\n\n[home](index.md)\n")
    output, _ = await run_graph(
        Context(allow_local_sources=True, workdir=str(tmp_path / "w")), repo_url=str(root)
    )
    ids = {p["id"] for p in output["pages"]}
    assert "index.md" in ids
    assert "deep.md" in ids or any("deep.md" in n for n in output["notes"])


async def test_a_file_that_parses_too_slowly_is_skipped_within_its_time_budget(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.md").write_text("# Home\n\n[slow](slow.md)\n")
    # About 0.5 s of parsing on a quiet 2-core machine: five times the budget.
    (root / "slow.md").write_text("[" * 900_000)
    ctx = Context(
        allow_local_sources=True, workdir=str(tmp_path / "w"), max_parse_seconds_per_file=0.1
    )
    started = time.monotonic()
    output, _ = await run_graph(ctx, repo_url=str(root))
    assert time.monotonic() - started < 6
    assert [p["id"] for p in output["pages"]] == ["index.md"]
    assert "skipped slow.md: parsing took over 0.1 s" in output["notes"]
    assert "page workers failed" not in caplog.text


@pytest.mark.slow
async def test_a_20000_file_tree_is_capped_at_max_pages_with_a_note(
    git_server: GitServer, tmp_path: Path, context: Context, caplog: pytest.LogCaptureFixture
) -> None:
    src = tmp_path / "src"
    for folder in range(40):
        (src / f"f{folder}").mkdir(parents=True)
        for n in range(500):
            (src / f"f{folder}" / f"p{n}.md").write_text(
                f"# P {folder}-{n}\n\n[next](p{n + 1}.md)\n"
            )
    (src / "index.md").write_text("# Home\n")
    url = git_server.publish("many", make_repo(src, {}))
    output, _ = await run_graph(context, repo_url=url, max_pages=2000)
    assert output["total_pages"] == 2000
    assert any("first 2000 of 20001 pages" in n for n in output["notes"])
    assert "index.md" in {p["id"] for p in output["pages"]}
    assert "page workers failed" not in caplog.text  # 2,000 files are read in processes
    by_id = {p["id"]: p for p in output["pages"]}
    assert by_id["f0/p1.md"]["title"] == "P 0-1" and by_id["f0/p1.md"]["inbound_links"] == 1
