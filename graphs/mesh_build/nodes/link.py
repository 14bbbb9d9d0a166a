"""The link node: deterministic links, scored with topical_mesh's scoring code."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from graphs.mesh_build.context import Context
from graphs.mesh_build.linking import plan_links
from graphs.mesh_build.state import DEFAULT_TARGET, State


async def link(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Pillar <-> clusters, then related clusters, until the target score or a reason."""
    result = await asyncio.to_thread(
        plan_links, state["plan"], state.get("target_authority", DEFAULT_TARGET)
    )
    write = get_stream_writer()
    for r in result["rounds"]:
        write(
            {
                "message": f"round {r['round']}: {r['links']} links, authority "
                f"{r['authority_score']:.1f} ({r['grade']})"
            }
        )
    write({"message": result["link_note"]})
    return result
