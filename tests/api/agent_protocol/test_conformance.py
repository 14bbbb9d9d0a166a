"""Every frame the host sends over both transports validates against `langchain-protocol`'s
types: runs that finish, stream tokens, enter a subgraph, ask and are answered, fail, and
are cancelled. One frame that does not validate fails the test."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.agent_protocol.conformance import check, check_response
from tests.api.agent_protocol.streams import (
    ALL,
    close,
    command,
    is_root_end,
    read_until,
    transport_for,
)
from tests.conftest import LiveHost


async def _run(
    host: LiveHost, transport: str, graph: str, payload: dict[str, Any], frames: list[Any]
) -> list[dict[str, Any]]:
    """Start `graph`, answer any question with "yes", read to the end; every frame sent
    (responses included) goes to `frames`."""
    conn = transport_for(transport, host.base_url, str(uuid.uuid4()))
    try:
        started = await command(conn, "run.start", {"assistant_id": graph, "input": payload})
        check_response(started, "run.start")
        since = started["meta"]["applied_through_seq"]

        def stop(event: dict[str, Any]) -> bool:
            return is_root_end(event) or event["method"] == "input.requested"

        events = await read_until(conn, {"channels": ALL, "since": since}, stop, frames)
        while events[-1]["method"] == "input.requested":
            asked = events[-1]
            answer = {
                "namespace": asked["params"]["namespace"],
                "interrupt_id": asked["params"]["data"]["interrupt_id"],
                "response": "yes",
            }
            responded = await command(conn, "input.respond", answer)
            check_response(responded, "input.respond")
            more = await read_until(
                conn, {"channels": ALL, "since": events[-1]["seq"]}, stop, frames
            )
            events += more
        return events
    finally:
        await close(conn)


async def test_every_event_of_every_kind_of_run_validates(host: LiveHost, transport: str) -> None:
    frames: list[Any] = []
    runs = [
        ("steps", {}),
        ("chat", {"question": "links?"}),
        ("nested", {"delay": 0}),
        ("sub_ask", {}),
        ("ask", {"topic": "links"}),
        ("failing", {}),
    ]
    ends = []
    for graph, payload in runs:
        events = await _run(host, transport, graph, payload, frames)
        ends.append(events[-1]["params"]["data"]["event"])
    assert ends == ["completed"] * 5 + ["failed"]
    methods = {frame.get("method") for frame in frames}
    assert {"lifecycle", "messages", "updates", "values", "tasks", "custom"} <= methods
    assert {"checkpoints", "input.requested"} <= methods
    for frame in frames:
        check(frame)


async def test_a_cancel_and_a_refused_command_validate(host: LiveHost, transport: str) -> None:
    conn = transport_for(transport, host.base_url, str(uuid.uuid4()))
    frames: list[Any] = []
    try:
        started = await command(
            conn, "run.start", {"assistant_id": "steps", "input": {"delay": 30}}
        )
        since = started["meta"]["applied_through_seq"]
        await read_until(conn, {"channels": ["tasks"], "since": since}, lambda e: True, frames)
        busy = await conn._client.post(
            f"/threads/{conn.thread_id}/commands",
            json={"id": 9, "method": "run.start", "params": {"assistant_id": "steps"}},
        )
        cancelled = await command(conn, "run.cancel", {})
        events = await read_until(conn, {"channels": ALL, "since": since}, is_root_end, frames)
    finally:
        await close(conn)
    assert busy.status_code == 409
    check_response(busy.json(), "run.start")
    check_response(cancelled, "run.cancel")
    assert events[-1]["params"]["data"]["error"].startswith("cancelled")
    for frame in frames:
        check(frame)
