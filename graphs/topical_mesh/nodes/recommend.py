"""The recommend node: issues, recommendations and, on request, a human review."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from graphs.topical_mesh.advice import accepted_ids, find_issues, recommend, review_question
from graphs.topical_mesh.collector import without_collection
from graphs.topical_mesh.context import Context
from graphs.topical_mesh.nodes.progress import Progress
from graphs.topical_mesh.state import State


async def propose(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Find issues and rank recommendations; pause for review when asked to.

    Everything before `interrupt()` is deterministic, so re-running it on resume is safe.
    """
    progress = Progress()
    snapshot = dict(state)
    issues = await asyncio.to_thread(without_collection(find_issues), snapshot)
    proposals = await asyncio.to_thread(without_collection(recommend), snapshot)
    progress.say(f"{len(issues)} issues, {len(proposals)} recommendations")
    kept = proposals
    if state.get("review_recommendations") and proposals:
        answer = interrupt(review_question(proposals))
        chosen = accepted_ids(answer, proposals)
        kept = [r for r in proposals if r["id"] in chosen]
        progress.say(f"review kept {len(kept)} of {len(proposals)} recommendations")
    return {"issues": issues, "recommendations": kept, "proposed_recommendations": len(proposals)}
