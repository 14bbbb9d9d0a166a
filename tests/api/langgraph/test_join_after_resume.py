"""A join right after a resume follows the resumed segment, as LangGraph Server does."""

from __future__ import annotations

import asyncio
from pathlib import Path

from langgraph_sdk.client import LangGraphClient

from tests.api.langgraph.conftest import ON_BOTH_MODES

pytestmark = ON_BOTH_MODES


async def _interrupted(client: LangGraphClient, gate: Path) -> tuple[str, str]:
    thread = await client.threads.create()
    run = await client.runs.create(
        thread["thread_id"], "ask", input={"topic": "cats", "gate": str(gate)}
    )
    await client.runs.join(thread["thread_id"], run["run_id"])
    return thread["thread_id"], run["run_id"]


async def _release(gate: Path) -> None:
    await asyncio.sleep(0.5)  # the join is on before the resumed run can end
    gate.touch()


async def test_join_right_after_a_resume_answers_the_resumed_runs_final_values(
    client: LangGraphClient, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    thread_id, _ = await _interrupted(client, gate)
    resumed = await client.runs.create(thread_id, "ask", command={"resume": "b"})
    release = asyncio.create_task(_release(gate))
    values = await client.runs.join(thread_id, resumed["run_id"])
    await release
    assert "__interrupt__" not in values
    assert values["summary"] == "cats: b"


async def test_join_stream_right_after_a_resume_gets_only_the_new_segment(
    client: LangGraphClient, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    thread_id, _ = await _interrupted(client, gate)
    resumed = await client.runs.create(thread_id, "ask", command={"resume": "b"})
    release = asyncio.create_task(_release(gate))
    parts = [
        part
        async for part in client.runs.join_stream(
            thread_id, resumed["run_id"], stream_mode="values"
        )
    ]
    await release
    values = [p.data for p in parts if p.event == "values"]
    assert values, parts
    assert all("__interrupt__" not in v for v in values)
    assert values[-1]["summary"] == "cats: b"
    assert len(values) == len({repr(v) for v in values})  # nothing twice
