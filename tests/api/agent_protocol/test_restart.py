"""A kill -9 of the host between the two halves of a stream: the client comes back with
its last `seq` and gets the rest exactly once, as a whole read afterwards shows it."""

from __future__ import annotations

import uuid

import pytest

from tests.api.agent_protocol.streams import (
    ALL,
    close,
    command,
    is_root_end,
    read_until,
    seqs,
    transport_for,
)
from tests.conftest import LiveHost

NODES = ["one", "two", "three", "four", "five"]


@pytest.mark.slow
async def test_a_stream_resumed_after_kill_9_of_the_host_loses_and_repeats_nothing(
    live_host: LiveHost,
) -> None:
    live_host.start()
    thread_id = str(uuid.uuid4())
    socket = transport_for("websocket", live_host.base_url, thread_id)
    try:
        started = await command(
            socket, "run.start", {"assistant_id": "steps", "input": {"delay": 1.0}}
        )
        since = started["meta"]["applied_through_seq"]
        first = await read_until(
            socket,
            {"channels": ALL, "since": since},
            lambda e: e["method"] == "updates" and e["params"]["data"]["node"] == "two",
        )
    finally:
        await close(socket)
    live_host.kill()
    live_host.start()  # the same port and data folder: the run is recovered at start

    sse = transport_for("sse", live_host.base_url, thread_id)
    try:
        rest = await read_until(sse, {"channels": ALL, "since": first[-1]["seq"]}, is_root_end)
        whole = await read_until(sse, {"channels": ALL, "since": since}, is_root_end)
    finally:
        await close(sse)
    assert [*first, *rest] == whole
    assert seqs(whole) == sorted(set(seqs(whole)))
    lifecycle = [e["params"]["data"]["event"] for e in whole if e["method"] == "lifecycle"]
    assert lifecycle == ["running", "running", "completed"]  # started, recovered, done
    last = [e["params"]["data"] for e in whole if e["method"] == "values"][-1]
    assert last == {"delay": 1.0, "visited": NODES}


@pytest.mark.slow
async def test_commands_after_kill_9_answer_an_interrupt_and_cancel_a_recovered_run(
    live_host: LiveHost,
) -> None:
    live_host.start()
    asking, long = str(uuid.uuid4()), str(uuid.uuid4())
    socket = transport_for("websocket", live_host.base_url, asking)
    slow = transport_for("websocket", live_host.base_url, long)
    try:
        started = await command(socket, "run.start", {"assistant_id": "ask", "input": {}})
        since = started["meta"]["applied_through_seq"]
        asked = await read_until(socket, {"channels": ["input"], "since": since}, lambda e: True)
        running = await command(
            slow, "run.start", {"assistant_id": "steps", "input": {"delay": 30}}
        )
        slow_since = running["meta"]["applied_through_seq"]
        await read_until(slow, {"channels": ["tasks"], "since": slow_since}, lambda e: True)
    finally:
        await close(socket)
        await close(slow)
    live_host.kill()
    live_host.start()

    question = asked[-1]["params"]["data"]
    sse = transport_for("sse", live_host.base_url, asking)
    slow = transport_for("websocket", live_host.base_url, long)
    try:
        answer = {"interrupt_id": question["interrupt_id"], "response": {"accepted": ["b"]}}
        answered = await command(sse, "input.respond", answer)
        events = await read_until(sse, {"channels": ALL, "since": asked[-1]["seq"]}, is_root_end)
        cancelled = await command(slow, "run.cancel", {})
        ended = await read_until(slow, {"channels": ALL, "since": slow_since}, is_root_end)
    finally:
        await close(sse)
        await close(slow)
    assert answered["type"] == "success"
    assert [e["params"]["data"] for e in events if e["method"] == "values"][-1]["summary"] == (
        "links: b"
    )
    assert cancelled["type"] == "success"
    assert ended[-1]["params"]["data"]["error"].startswith("cancelled")
    assert seqs(ended) == sorted(set(seqs(ended)))
