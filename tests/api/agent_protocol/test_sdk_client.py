"""`langgraph-sdk`'s v3 thread stream (`client.threads.stream`) and its two transports
against a live host: runs started by command, every channel, namespaces, interrupts,
cancel, and a reconnect from a `seq` that loses and repeats nothing."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import websockets
from langgraph_sdk.client import LangGraphClient

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


async def test_a_run_started_by_command_streams_every_channel_in_seq_order(
    client: LangGraphClient, transport: str
) -> None:
    async with client.threads.stream(assistant_id="steps", transport=transport) as thread:
        started = await thread.run.start(input={})
        events = [event async for event in thread.subscribe(ALL)]
        output = await thread.output
    assert started["run_id"].startswith("run-")
    methods = {e["method"] for e in events}
    assert {"lifecycle", "tasks", "updates", "values", "checkpoints", "custom"} <= methods
    assert [e["params"]["data"]["node"] for e in events if e["method"] == "updates"] == NODES
    assert [e["params"]["data"] for e in events if e["method"] == "values"][-1] == {
        "visited": NODES
    }
    custom = [e["params"]["data"]["payload"] for e in events if e["method"] == "custom"]
    assert {"message": "one started", "done": 0, "total": 1} in custom
    lifecycle = [e["params"]["data"]["event"] for e in events if e["method"] == "lifecycle"]
    assert lifecycle == ["running", "completed"]
    assert seqs(events) == sorted(set(seqs(events)))
    assert [e["event_id"] for e in events] == [str(s) for s in seqs(events)]
    assert output == {"visited": NODES}


async def test_llm_tokens_stream_as_a_message_with_content_blocks(
    client: LangGraphClient, transport: str
) -> None:
    from tests.fixtures.graphs.chat import ANSWER

    async with client.threads.stream(assistant_id="chat", transport=transport) as thread:
        await thread.run.start(input={"question": "links?"})
        events = [e async for e in thread.subscribe(["messages"])]
    data = [e["params"]["data"] for e in events]
    kinds = [d["event"] for d in data]
    assert kinds[0] == "message-start" and kinds[-1] == "message-finish"
    assert kinds[1] == "content-block-start" and kinds[-2] == "content-block-finish"
    text = "".join(d["delta"]["text"] for d in data if d["event"] == "content-block-delta")
    assert text == ANSWER
    assert data[-2]["content"] == {"type": "text", "text": ANSWER}
    assert {e["params"]["node"] for e in events} == {"reply"}


async def test_a_subscription_to_a_subgraph_namespace_gets_only_that_subgraphs_events(
    host: LiveHost, transport: str
) -> None:
    thread_id = str(uuid.uuid4())
    conn = transport_for(transport, host.base_url, thread_id)
    try:
        started = await command(conn, "run.start", {"assistant_id": "nested", "input": {}})
        since = started["meta"]["applied_through_seq"]
        wanted = {"channels": ["updates", "tasks", "lifecycle", "custom"], "namespaces": [["sub"]]}
        events = await read_until(
            conn,
            {**wanted, "since": since},
            lambda e: e["method"] == "lifecycle" and e["params"]["data"]["event"] == "completed",
        )
        everything = await read_until(conn, {"channels": ALL, "since": since}, is_root_end)
    finally:
        await close(conn)
    namespaces = {tuple(e["params"]["namespace"]) for e in events}
    assert len(namespaces) == 1 and next(iter(namespaces))[0].startswith("sub:")
    assert [e["params"]["data"]["event"] for e in events if e["method"] == "lifecycle"] == [
        "started",
        "completed",
    ]
    assert [e["params"]["data"]["node"] for e in events if e["method"] == "updates"] == ["inner"]
    assert {"message": "inner working"} in [
        e["params"]["data"]["payload"] for e in events if e["method"] == "custom"
    ]
    root = [e["params"]["data"]["node"] for e in everything if e["method"] == "updates"]
    assert root == ["before", "inner", "sub", "after"]


async def test_an_interrupt_inside_a_subgraph_is_answered_and_the_run_finishes(
    client: LangGraphClient, transport: str
) -> None:
    async with client.threads.stream(assistant_id="sub_ask", transport=transport) as thread:
        await thread.run.start(input={})
        # The SDK ends the projection when its lifecycle watcher sees the question, and
        # which of the two reads the `input.requested` event first is the SDK's race:
        # the question is asserted on the thread (filled from that event), not here.
        async for _ in thread.subscribe(["lifecycle", "input", "updates"]):
            pass
        assert thread.interrupted
        (asked,) = thread.interrupts
        assert asked["value"] == {"question": "Publish the draft?"}
        assert asked["namespace"][0].startswith("review:")
        # Subscribed before the answer: the SDK's shared stream drops what it reads while
        # no subscription wants it, and the resumed run may be done before `respond`
        # returns. (The task registers its subscription at its first step.)
        after = asyncio.create_task(
            _collect(thread.subscribe(["updates", "lifecycle"], namespaces=[["review"]]))
        )
        await asyncio.sleep(0)
        await thread.run.respond("yes")
        output = await thread.output
        seen = await asyncio.wait_for(after, 30)
    assert [e["params"]["data"]["node"] for e in seen if e["method"] == "updates"] == ["confirm"]
    assert output == {"notes": ["draft", "confirm:yes"], "log": ["begin", "finish"]}


async def _collect(events: AsyncIterator[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event async for event in events]


async def test_a_cancelled_run_ends_the_stream_failed_with_the_reason(
    client: LangGraphClient, host: LiveHost, transport: str
) -> None:
    async with client.threads.stream(assistant_id="steps", transport=transport) as thread:
        await thread.run.start(input={"delay": 30})
        async for event in thread.subscribe(["tasks"]):
            if event["params"]["data"]["name"] == "one":
                break
        conn = transport_for(transport, host.base_url, thread.thread_id)
        try:
            cancelled = await command(conn, "run.cancel", {})
        finally:
            await close(conn)
        with pytest.raises(RuntimeError, match="cancelled"):
            await thread.output.with_timeout(60)
    assert cancelled["type"] == "success" and cancelled["result"]["run_id"].startswith("run-")


async def test_a_client_that_reconnects_with_its_last_seq_gets_the_rest_exactly_once(
    host: LiveHost, transport: str
) -> None:
    thread_id = str(uuid.uuid4())
    conn = transport_for(transport, host.base_url, thread_id)
    try:
        started = await command(
            conn, "run.start", {"assistant_id": "steps", "input": {"delay": 0.3}}
        )
        since = started["meta"]["applied_through_seq"]
        first = await read_until(
            conn,
            {"channels": ALL, "since": since},
            lambda e: e["method"] == "updates" and e["params"]["data"]["node"] == "two",
        )
        rest = await read_until(conn, {"channels": ALL, "since": first[-1]["seq"]}, is_root_end)
        whole = await read_until(conn, {"channels": ALL, "since": since}, is_root_end)
    finally:
        await close(conn)
    assert rest and rest[0]["seq"] > first[-1]["seq"]
    assert [*first, *rest] == whole
    assert [e["params"]["data"]["node"] for e in whole if e["method"] == "updates"] == NODES


async def test_sse_resumes_after_last_event_id_with_the_filter_in_the_query(
    host: LiveHost,
) -> None:
    thread_id = str(uuid.uuid4())
    conn = transport_for("sse", host.base_url, thread_id)
    try:
        started = await command(conn, "run.start", {"assistant_id": "steps", "input": {}})
        since = started["meta"]["applied_through_seq"]
        whole = await read_until(
            conn, {"channels": ["updates", "lifecycle"], "since": since}, is_root_end
        )
    finally:
        await close(conn)
    third = whole[2]["seq"]
    async with httpx.AsyncClient(base_url=host.base_url, timeout=60) as http:
        url = f"/threads/{thread_id}/stream/events"
        query = {"channels": ["updates", "lifecycle"]}
        ids: list[int] = []
        async with http.stream(
            "GET", url, params=query, headers={"Last-Event-ID": str(third)}
        ) as response:
            assert response.status_code == 200
            async for line in response.aiter_lines():
                if line.startswith("id: "):
                    ids.append(int(line[4:]))
                if len(ids) == len(whole) - 3:
                    break
    assert ids == seqs(whole)[3:]


async def test_bad_commands_and_filters_are_4xx_with_what_to_do(host: LiveHost) -> None:
    thread_id = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=host.base_url, timeout=60) as http:
        unknown = await http.post(
            f"/threads/{thread_id}/commands", json={"id": 3, "method": "run.fly", "params": {}}
        )
        missing = await http.post(
            f"/threads/{thread_id}/commands", json={"id": 4, "method": "run.start", "params": {}}
        )
        not_json = await http.post(f"/threads/{thread_id}/commands", content=b"[1, 2]")
        no_graph = await http.post(
            f"/threads/{thread_id}/commands",
            json={"id": 5, "method": "run.start", "params": {"assistant_id": "nope"}},
        )
        channel = await http.post(f"/threads/{thread_id}/stream/events", json={"channels": ["x"]})
        respond = await http.post(
            f"/threads/{thread_id}/commands",
            json={"id": 6, "method": "input.respond", "params": {"interrupt_id": "a"}},
        )
    assert (unknown.status_code, unknown.json()["error"], unknown.json()["id"]) == (
        422,
        "unknown_command",
        3,
    )
    assert "run.start" in unknown.json()["message"]
    assert missing.status_code == 422 and "assistant_id" in missing.json()["message"]
    assert not_json.status_code == 422 and not_json.json()["code"] == "invalid_request"
    assert no_graph.status_code == 404 and "nope" in no_graph.json()["message"]
    assert channel.status_code == 422 and "custom:<name>" in channel.text
    assert respond.status_code == 404


async def test_bad_websocket_frames_are_answered_and_the_socket_stays_open(
    host: LiveHost,
) -> None:
    thread_id = str(uuid.uuid4())
    conn = transport_for("sse", host.base_url, thread_id)
    try:
        await command(conn, "run.start", {"assistant_id": "steps", "input": {}})
    finally:
        await close(conn)
    url = host.base_url.replace("http", "ws", 1) + f"/threads/{thread_id}/stream/events"
    frames = ["garbage", "[]", json.dumps({"id": 1, "method": "nope"})]
    frames += [json.dumps({"id": 2, "method": "subscription.subscribe", "params": {}})]
    frames += [json.dumps({"id": 3, "method": "subscription.unsubscribe", "params": {}})]
    frames += ["x" * 300_000]
    subscribe = {"id": 4, "method": "subscription.subscribe"}
    frames += [json.dumps({**subscribe, "params": {"channels": ["lifecycle"], "since": 0}})]
    async with websockets.connect(url, max_size=2**20) as ws:
        for frame in frames:
            await ws.send(frame)
        answers = [json.loads(await ws.recv()) for _ in range(len(frames) + 2)]
    errors = [(a["id"], a["error"]) for a in answers if a["type"] == "error"]
    assert errors == [
        (None, "invalid_argument"),
        (None, "invalid_argument"),
        (1, "unknown_command"),
        (2, "invalid_argument"),
        (3, "no_such_subscription"),
        (None, "invalid_argument"),
    ]
    assert (answers[6]["type"], answers[6]["id"]) == ("success", 4)
    assert answers[6]["result"]["subscription_id"].startswith("sub-1.")
    assert [a["params"]["data"]["event"] for a in answers[7:]] == ["running", "completed"]


async def test_a_new_session_on_a_waiting_thread_sees_its_question_and_answers_it(
    client: LangGraphClient, transport: str
) -> None:
    async with client.threads.stream(assistant_id="ask", transport=transport) as first:
        await first.run.start(input={"topic": "links"})
        _ = [e async for e in first.subscribe(["input"])]
        thread_id = first.thread_id
    async with client.threads.stream(thread_id, assistant_id="ask", transport=transport) as again:
        # the session's own lifecycle watcher (a stream without `since`) finds the question
        await asyncio.wait_for(_until(lambda: again.interrupts), 30)
        (asked,) = again.interrupts
        assert asked["value"]["question"] == "Which pages about links?"
        await again.run.respond({"accepted": ["a", "b"]})
        output = await again.output
    assert output["summary"] == "links: a,b"


async def _until(condition: Callable[[], object]) -> None:
    while not condition():
        await asyncio.sleep(0.05)


async def test_streams_of_a_thread_that_is_deleted_end_with_an_error_frame(
    host: LiveHost, client: LangGraphClient
) -> None:
    thread_id = str(uuid.uuid4())
    conn = transport_for("sse", host.base_url, thread_id)
    try:
        started = await command(conn, "run.start", {"assistant_id": "steps", "input": {}})
        since = started["meta"]["applied_through_seq"]
        await read_until(conn, {"channels": ["lifecycle"], "since": since}, is_root_end)
    finally:
        await close(conn)
    url = host.base_url.replace("http", "ws", 1) + f"/threads/{thread_id}/stream/events"
    subscribe = {"id": 1, "method": "subscription.subscribe", "params": {"channels": ALL}}
    async with (
        websockets.connect(url) as ws,
        httpx.AsyncClient(base_url=host.base_url, timeout=60) as http,
        http.stream(
            "POST", f"/threads/{thread_id}/stream/events", json={"channels": ["values"]}
        ) as sse,
    ):
        await ws.send(json.dumps(subscribe))
        assert json.loads(await ws.recv())["type"] == "success"
        await client.threads.delete(thread_id)
        ended = json.loads(await asyncio.wait_for(ws.recv(), 30))
        with pytest.raises(websockets.ConnectionClosedOK):
            await asyncio.wait_for(ws.recv(), 30)
        lines = [line async for line in sse.aiter_lines() if line.startswith("data: ")]
    assert (ended["type"], ended["id"]) == ("error", None) and thread_id in ended["message"]
    assert [json.loads(line[6:])["type"] for line in lines] == ["error"]
