"""The review node: a person approves or edits the plan (LangGraph `interrupt()`)."""

from __future__ import annotations

from typing import Any

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from graphs.mesh_build.context import Context
from graphs.mesh_build.review import apply_answer, review_question
from graphs.mesh_build.state import State


async def review(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask until the answer gives a usable plan (nothing before `interrupt()` has effects,
    so re-running this node on resume is safe)."""
    proposed = state["outline"]
    problem: str | None = None
    while True:
        answer = interrupt(review_question(proposed, problem))
        try:
            plan = apply_answer(proposed, answer)
        except ValueError as exc:
            problem = str(exc)
            continue
        get_stream_writer()(
            {"message": f"plan approved: pillar and {len(plan['clusters'])} clusters"}
        )
        return {"plan": plan}
