"""A LangGraph client that loses its server mid-run (kill -9) joins the recovered run's
stream with `Last-Event-ID` and gets the rest of it, nothing twice; a stateless run's
thread is still deleted once its recovered run ends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import NotFoundError

from tests.conftest import LiveHost

NODES = ["one", "two", "three", "four", "five"]


@pytest.fixture
def killable(tmp_path: Path) -> Iterator[LiveHost]:
    live = LiveHost(tmp_path)
    try:
        yield live.start(timeout=120)
    finally:
        live.stop()


@pytest.mark.slow
async def test_join_stream_after_a_kill_delivers_the_rest_of_the_run_once(
    killable: LiveHost,
) -> None:
    seen: list[tuple[str, Any, str | None]] = []
    async with get_client(url=killable.base_url, api_key=None) as client:
        thread = await client.threads.create()
        stream = client.runs.stream(
            thread["thread_id"],
            "steps",
            input={"delay": 1.0},
            stream_mode="updates",
            on_disconnect="continue",
        )
        async for part in stream:
            seen.append((part.event, part.data, part.id))
            if part.event == "updates":
                break
        await stream.aclose()
    killable.kill()
    killable.start(timeout=120)
    async with get_client(url=killable.base_url, api_key=None) as client:
        run_id = seen[0][1]["run_id"]
        rest = [
            (p.event, p.data, p.id)
            async for p in client.runs.join_stream(
                thread["thread_id"], run_id, last_event_id=seen[-1][2]
            )
        ]
        state = await client.threads.get_state(thread["thread_id"])
    updates = [next(iter(d)) for e, d, _ in [*seen, *rest] if e == "updates"]
    assert updates == NODES
    assert rest[-1][0] == "end"
    assert state["values"]["visited"] == NODES


@pytest.mark.slow
async def test_a_stateless_runs_thread_is_deleted_after_its_recovered_run_ends(
    killable: LiveHost,
) -> None:
    async with get_client(url=killable.base_url, api_key=None) as client:
        run = await client.runs.create(None, "steps", input={"delay": 1.0})
        tid = run["thread_id"]
        before: list[str] = []
        for _ in range(200):  # mid-run: a node done, the run still going
            before = (await client.threads.get_state(tid))["values"].get("visited", [])
            if before:
                break
            await asyncio.sleep(0.05)
    killable.kill()
    killable.start(timeout=120)
    seen: list[str] = []
    async with get_client(url=killable.base_url, api_key=None) as client:
        for _ in range(600):  # the recovered run goes on, then its thread goes
            try:
                seen = (await client.threads.get_state(tid))["values"].get("visited", seen)
            except NotFoundError:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"thread {tid} outlived its stateless run (saw {seen})")
    assert before and len(seen) >= len(NODES) - 1 > len(before)
    assert seen == NODES[: len(seen)]
