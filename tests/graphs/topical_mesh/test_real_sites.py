"""Counts on sites shaped like eight real public sites, checked against hand counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphs.topical_mesh.context import Context

from .conftest import make_repo
from .lookalikes import LOOKALIKES, Lookalike
from .test_parse import edges_of, run_graph


def places(findings: list[dict[str, Any]]) -> set[tuple[str, int, int, str]]:
    return {(f["file"], f["line"], f["column"], f["target"]) for f in findings}


@pytest.mark.parametrize("site", LOOKALIKES, ids=[s.name.split(" (")[0] for s in LOOKALIKES])
async def test_a_site_of_each_common_kind_gets_its_hand_counted_numbers(
    site: Lookalike, tmp_path: Path
) -> None:
    root = make_repo(tmp_path / "site", site.files)
    ctx = Context(allow_local_sources=True, workdir=str(tmp_path / "w"))
    inputs: dict[str, Any] = {"repo_url": str(root)}
    if site.subdir:
        inputs["subdir"] = site.subdir
    output, state = await run_graph(ctx, **inputs)
    assert {p["id"] for p in output["pages"]} == site.pages
    assert output["total_links"] == site.distinct_links
    assert places(output["broken_links"]) == site.broken_links
    assert places(output["broken_assets"]) == site.broken_assets
    assert places(output["broken_anchors"]) == site.broken_anchors
    assert site.sample <= set(edges_of(state))
