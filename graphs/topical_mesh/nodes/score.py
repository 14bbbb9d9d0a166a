"""The score node: authority, grade, density, pillar, clusters, orphans, click depth."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime

from graphs.topical_mesh.collector import without_collection
from graphs.topical_mesh.context import Context
from graphs.topical_mesh.nodes.progress import Progress
from graphs.topical_mesh.scoring import score_site
from graphs.topical_mesh.state import State


async def score(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Build the link graph and compute every metric (in a worker thread)."""
    progress = Progress()
    pages = state.get("pages", [])
    progress.say(f"scoring {len(pages)} pages and {len(state.get('links', []))} links")
    result = await asyncio.to_thread(
        without_collection(score_site),
        pages,
        state.get("links", []),
        state.get("nav_links", []),
        state.get("home"),
        len(state.get("broken_links", [])),
    )
    progress.say(
        f"authority score {result['authority_score']:.1f}, grade {result['grade']}, "
        f"{len(result['clusters'])} clusters, {len(result['orphans'])} orphans"
    )
    return result
