"""`threads.join_stream`: one open stream of every run of a thread, resumable by id."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

from tests.api.langgraph.conftest import ON_BOTH_MODES

pytestmark = ON_BOTH_MODES

NODES = ["one", "two", "three", "four", "five"]


async def _collect(opening: Any, updates_wanted: int) -> list[tuple[str, Any, str | None]]:
    """Parts of the stream until `updates_wanted` updates came; then the stream closes."""
    stream = await opening
    parts: list[tuple[str, Any, str | None]] = []
    updates = 0
    async for part in stream:
        parts.append((part.event, part.data, part.id))
        updates += part.event == "updates"
        if updates == updates_wanted:
            break
    await stream.aclose()
    return parts


async def test_a_thread_stream_carries_each_run_of_the_thread_in_turn(
    client: LangGraphClient,
) -> None:
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.create(tid, "steps", input={"delay": 0.05}, stream_mode="updates")
    # From the start of the first run, however far it got by the time the stream opens.
    opened = client.threads.join_stream(tid, last_event_id=f"{first['run_id']}:0")
    reading = asyncio.create_task(_collect(opened, 10))
    await client.runs.join(tid, first["run_id"])
    second = await client.runs.create(tid, "steps", input={}, stream_mode="updates")
    parts = await asyncio.wait_for(reading, 60)
    assert [d["run_id"] for e, d, _ in parts if e == "metadata"] == [second["run_id"]]
    assert [next(iter(d)) for e, d, _ in parts if e == "updates"] == NODES + NODES
    ids = [str(i) for e, _, i in parts if e == "updates"]
    assert [i.rpartition(":")[0] for i in ids] == [first["run_id"]] * 5 + [second["run_id"]] * 5
    seqs = [int(i.rpartition(":")[2]) for i in ids]
    assert seqs[:5] == sorted(seqs[:5]) and seqs[5:] == sorted(seqs[5:])

    # Resuming after the third update gives the rest, nothing twice, across both runs.
    rest = await asyncio.wait_for(
        _collect(client.threads.join_stream(tid, last_event_id=ids[2]), 7), 60
    )
    assert [next(iter(d)) for e, d, _ in rest if e == "updates"] == NODES[3:] + NODES
    assert [d["run_id"] for e, d, _ in rest if e == "metadata"] == [second["run_id"]]


async def test_a_run_streamed_to_its_end_is_not_streamed_again(client: LangGraphClient) -> None:
    tid = (await client.threads.create())["thread_id"]
    done = await client.runs.create(tid, "steps", input={}, stream_mode="updates")
    await client.runs.join(tid, done["run_id"])
    last_seq = (await _native_events(client, done["run_id"]))[-1]["seq"]
    opened = client.threads.join_stream(tid, last_event_id=f"{done['run_id']}:{last_seq}")
    reading = asyncio.create_task(_collect(opened, 5))
    later = await client.runs.create(tid, "steps", input={}, stream_mode="updates")
    parts = await asyncio.wait_for(reading, 60)
    assert parts[0] == ("metadata", {"run_id": later["run_id"], "attempt": 1}, None)
    assert [next(iter(d)) for e, d, _ in parts if e == "updates"] == NODES


async def _native_events(client: LangGraphClient, run_id: str) -> list[Any]:
    answer = await client.http.client.get(f"/api/v1/runs/{run_id}/events?limit=1000")
    return list(answer.json())


async def test_a_thread_stream_of_a_missing_thread_or_with_a_foreign_id_is_refused(
    client: LangGraphClient,
) -> None:
    with pytest.raises(NotFoundError):
        await _collect(client.threads.join_stream("no-such-thread"), 1)
    tid = (await client.threads.create())["thread_id"]
    with pytest.raises(UnprocessableEntityError):
        await _collect(client.threads.join_stream(tid, last_event_id="17"), 1)
