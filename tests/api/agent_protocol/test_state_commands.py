"""The protocol's state, tree, reconnect and inject commands against a live host, sent
through `langgraph-sdk`'s own transports (both POST the commands) and checked against
`langchain-protocol`'s types; `subscription.reconnect` on a raw WebSocket, where
subscriptions live."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets

from tests.api.agent_protocol.conformance import check_event, check_response
from tests.api.agent_protocol.streams import (
    ALL,
    close,
    command,
    is_root_end,
    read_until,
    transport_for,
)
from tests.conftest import ROOT, LiveHost
from tests.llm.conftest import LLM_CONFIG, llm_env
from tests.llm.fake_openai import FakeOpenAI, Reply

NODES = ["one", "two", "three", "four", "five"]


async def send(conn: Any, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """A command's response, conforming to the protocol, success or error."""
    try:
        response = await command(conn, method, params)
    except httpx.HTTPStatusError as exc:  # the SDK raises on a 4xx; its body is the answer
        response = exc.response.json()
        check_response(response, method)
        return {**response, "status": exc.response.status_code}
    check_response(response, method)
    return response


async def finished_steps(conn: Any) -> tuple[str, int]:
    """A `steps` run on the connection's thread, read to its end: (run id, its seq)."""
    started = await command(conn, "run.start", {"assistant_id": "steps", "input": {}})
    since = started["meta"]["applied_through_seq"]
    await read_until(conn, {"channels": ["lifecycle"], "since": since}, is_root_end)
    return started["result"]["run_id"], since


async def test_state_get_gives_the_threads_values_and_checkpoint_and_only_the_keys_asked(
    host: LiveHost, transport: str
) -> None:
    thread_id = str(uuid.uuid4())
    conn = transport_for(transport, host.base_url, thread_id)
    try:
        await finished_steps(conn)
        whole = await send(conn, "state.get", {"namespace": []})
        some = await send(conn, "state.get", {"namespace": [], "keys": ["visited", "nope"]})
        none = await send(conn, "state.get", {"namespace": [], "keys": ["nope"]})
        bad = await send(conn, "state.get", {"namespace": "root"})
    finally:
        await close(conn)
    async with httpx.AsyncClient(base_url=host.base_url) as http:
        rest = (await http.get(f"/api/v1/threads/{thread_id}/state")).json()
    assert whole["result"]["values"]["visited"] == NODES
    assert whole["result"]["values"] == rest["values"]
    assert whole["result"]["checkpoint"] == {"id": rest["checkpoint_id"], "ns": ""}
    assert some["result"]["values"] == {"visited": NODES}
    assert none["result"]["values"] == {}
    assert (bad["status"], bad["error"]) == (422, "invalid_argument")
    assert "namespace" in bad["message"]


async def test_list_checkpoints_pages_newest_first_with_the_node_that_wrote_each(
    host: LiveHost, transport: str
) -> None:
    conn = transport_for(transport, host.base_url, str(uuid.uuid4()))
    try:
        await finished_steps(conn)
        first = await send(conn, "state.listCheckpoints", {"limit": 3})
        rest = await send(
            conn,
            "state.listCheckpoints",
            {"limit": 100, "before": first["result"]["checkpoints"][-1]["id"]},
        )
        everything = await send(conn, "state.listCheckpoints", {"namespace": [], "limit": 100})
    finally:
        await close(conn)
    page = first["result"]["checkpoints"] + rest["result"]["checkpoints"]
    assert page == everything["result"]["checkpoints"]
    assert len(first["result"]["checkpoints"]) == 3
    steps = [c["step"] for c in page]
    assert steps == sorted(steps, reverse=True) and steps[-1] == -1
    assert [c.get("node_name") for c in page[:5]] == NODES[::-1]
    assert page[0]["metadata"]["source"] == "loop"
    assert len({c["id"] for c in page}) == len(page)


async def test_state_fork_replays_the_steps_after_a_checkpoint_as_a_new_run(
    host: LiveHost, transport: str
) -> None:
    thread_id = str(uuid.uuid4())
    conn = transport_for(transport, host.base_url, thread_id)
    try:
        first_run, _ = await finished_steps(conn)
        listed = await send(conn, "state.listCheckpoints", {"limit": 100})
        after_two = next(c for c in listed["result"]["checkpoints"] if c.get("node_name") == "two")
        forked = await send(conn, "state.fork", {"checkpoint_id": after_two["id"]})
        since = forked["meta"]["applied_through_seq"]
        events = await read_until(conn, {"channels": ALL, "since": since}, is_root_end)
        missing = await send(conn, "state.fork", {"checkpoint_id": "1f0-no-such"})
        final = await send(conn, "state.get", {"namespace": []})
    finally:
        await close(conn)
    assert forked["result"]["thread_id"] == thread_id
    assert forked["result"]["run_id"] not in ("", first_run)
    for event in events:
        check_event(event)
    assert [e["params"]["data"]["node"] for e in events if e["method"] == "updates"] == NODES[2:]
    assert final["result"]["values"]["visited"] == NODES
    assert (missing["status"], missing["error"]) == (404, "no_such_checkpoint")


async def _interrupted_sub_ask(conn: Any) -> tuple[str, int, list[str]]:
    started = await command(conn, "run.start", {"assistant_id": "sub_ask", "input": {}})
    since = started["meta"]["applied_through_seq"]
    events = await read_until(
        conn,
        {"channels": ["lifecycle", "input"], "since": since},
        lambda e: e["method"] == "lifecycle" and e["params"]["data"]["event"] == "interrupted",
    )
    (asked,) = [e for e in events if e["method"] == "input.requested"]
    return started["result"]["run_id"], since, asked["params"]["namespace"]


async def test_a_subgraphs_state_is_read_at_its_namespace_while_it_waits(
    host: LiveHost, transport: str
) -> None:
    conn = transport_for(transport, host.base_url, str(uuid.uuid4()))
    try:
        _, _, namespace = await _interrupted_sub_ask(conn)
        inner = await send(conn, "state.get", {"namespace": namespace})
        root = await send(conn, "state.get", {"namespace": []})
        listed = await send(conn, "state.listCheckpoints", {"namespace": namespace})
        unknown = await send(conn, "state.get", {"namespace": ["nope:1"]})
    finally:
        await close(conn)
    assert namespace[0].startswith("review:")
    assert inner["result"]["values"] == {"notes": ["draft"]}
    assert inner["result"]["checkpoint"]["ns"] == namespace[0]
    assert root["result"]["values"]["log"] == ["begin"]
    assert root["result"]["values"].get("notes") in (None, [])  # the subgraph's are its own
    assert listed["result"]["checkpoints"][0]["node_name"] == "draft"
    assert (unknown["status"], unknown["error"]) == (404, "no_such_namespace")


async def test_the_agent_tree_shows_the_waiting_subgraph_then_everything_completed(
    host: LiveHost, transport: str
) -> None:
    conn = transport_for(transport, host.base_url, str(uuid.uuid4()))
    try:
        run_id, since, namespace = await _interrupted_sub_ask(conn)
        waiting = await send(conn, "agent.getTree", {})
        await command(conn, "run.start", {"assistant_id": "sub_ask", "input": "yes"})
        await read_until(conn, {"channels": ["lifecycle"], "since": since}, is_root_end)
        done = await send(conn, "agent.getTree", {"run_id": run_id})
        unknown = await send(conn, "agent.getTree", {"run_id": "run-nope"})
    finally:
        await close(conn)
    assert waiting["result"]["tree"] == {
        "namespace": [],
        "status": "interrupted",
        "graph_name": "sub_ask",
        "children": [{"namespace": namespace, "status": "interrupted", "graph_name": "review"}],
    }
    assert done["result"]["tree"]["status"] == "completed"
    assert [c["status"] for c in done["result"]["tree"]["children"]] == ["completed"]
    assert (unknown["status"], unknown["error"]) == (404, "no_such_run")


async def test_reconnect_on_a_new_socket_resumes_a_subscription_after_the_last_event(
    host: LiveHost,
) -> None:
    thread_id = str(uuid.uuid4())
    conn = transport_for("sse", host.base_url, thread_id)
    url = host.base_url.replace("http", "ws", 1) + f"/threads/{thread_id}/stream/events"
    try:
        run_id, since = await finished_steps(conn)
        over_http = await send(
            conn, "subscription.reconnect", {"run_id": run_id, "last_event_id": str(since)}
        )
        wanted = {"channels": ["updates", "lifecycle"], "since": since}
        async with websockets.connect(url) as ws:
            await ws.send(
                json.dumps({"id": 1, "method": "subscription.subscribe", "params": wanted})
            )
            subscribed = json.loads(await ws.recv())
            first = [json.loads(await ws.recv()) for _ in range(3)]
        subscription_id = subscribed["result"]["subscription_id"]
        last = str(first[-1]["seq"])
        async with websockets.connect(url) as ws:
            params = {"run_id": run_id, "last_event_id": last, "subscriptions": [subscription_id]}
            await ws.send(
                json.dumps({"id": 2, "method": "subscription.reconnect", "params": params})
            )
            reconnected = json.loads(await ws.recv())
            rest = []
            while not rest or not is_root_end(rest[-1]):
                rest.append(json.loads(await asyncio.wait_for(ws.recv(), 60)))
            await ws.send(
                json.dumps(
                    {
                        "id": 3,
                        "method": "subscription.unsubscribe",
                        "params": {"subscription_id": subscription_id},
                    }
                )
            )
            unsubscribed = json.loads(await ws.recv())
            params = {"run_id": "run-nope", "subscriptions": ["sub-9"]}
            await ws.send(
                json.dumps({"id": 4, "method": "subscription.reconnect", "params": params})
            )
            no_run = json.loads(await ws.recv())
            await ws.send(json.dumps({"id": 5, "method": "subscription.reconnect", "params": {}}))
            no_params = json.loads(await ws.recv())
        everything = await read_until(conn, wanted, is_root_end)
    finally:
        await close(conn)
    check_response(reconnected, "subscription.reconnect")
    check_response(over_http, "subscription.reconnect")
    result = reconnected["result"]
    assert result["restored"] is True
    assert result["current_namespaces"] == [{"namespace": [], "status": "completed"}]
    assert result["missed_events"] < over_http["result"]["missed_events"]
    assert over_http["result"]["restored"] is False
    assert [e["seq"] for e in first + rest] == [e["seq"] for e in everything]
    assert unsubscribed["type"] == "success"
    assert (no_run["type"], no_run["error"]) == ("error", "no_such_run")
    assert (no_params["id"], no_params["error"]) == (5, "invalid_argument")
    assert "run_id" in no_params["message"]


@pytest.fixture(scope="module")
def chat_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveHost, FakeOpenAI]]:
    """A host with `tool_agent` (a `MessagesState` graph) on the fake OpenAI server."""
    fake = FakeOpenAI().start()
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env = llm_env(fake, TOOL_AGENT_BASE_URL=fake.base_url, PYTHONPATH=path)
    live = LiveHost(tmp_path_factory.mktemp("inject"), config=LLM_CONFIG, env=env)
    try:
        yield live.start(timeout=120), fake
    finally:
        live.stop()
        fake.stop()


async def test_input_inject_appends_a_message_to_an_idle_threads_conversation(
    chat_host: tuple[LiveHost, FakeOpenAI],
) -> None:
    host, fake = chat_host
    fake.then(Reply(tokens=["42 ", "pages."]))
    thread_id = str(uuid.uuid4())
    conn = transport_for("sse", host.base_url, thread_id)
    try:
        message = {"role": "user", "content": "how many pages?"}
        started = await command(
            conn, "run.start", {"assistant_id": "tool_agent", "input": {"messages": [message]}}
        )
        since = started["meta"]["applied_through_seq"]
        await read_until(conn, {"channels": ["lifecycle"], "since": since}, is_root_end)
        note = {"role": "user", "content": "also count the images", "name": "ana"}
        injected = await send(conn, "input.inject", {"namespace": [], "message": note})
        values = await send(conn, "state.get", {"namespace": [], "keys": ["messages"]})
        wrong = await send(
            conn, "input.inject", {"namespace": [], "message": {"role": "ai", "content": "x"}}
        )
    finally:
        await close(conn)
    assert injected == {"type": "success", "id": 1, "result": {}}
    contents = [(m["type"], m["content"]) for m in values["result"]["values"]["messages"]]
    assert contents[0] == ("human", "how many pages?")
    assert contents[1][0] == "ai" and len(contents) == 3
    assert contents[-1] == ("human", "also count the images")
    assert values["result"]["values"]["messages"][-1]["name"] == "ana"
    assert (wrong["status"], wrong["error"]) == (422, "invalid_argument")


async def test_input_inject_while_a_run_waits_or_into_a_graph_without_messages_is_refused(
    host: LiveHost,
) -> None:
    conn = transport_for("sse", host.base_url, str(uuid.uuid4()))
    note = {"namespace": [], "message": {"role": "user", "content": "x"}}
    try:
        _, since, _ = await _interrupted_sub_ask(conn)
        waiting = await send(conn, "input.inject", note)
        await command(conn, "run.start", {"assistant_id": "sub_ask", "input": "yes"})
        await read_until(conn, {"channels": ["lifecycle"], "since": since}, is_root_end)
        no_messages = await send(conn, "input.inject", note)
    finally:
        await close(conn)
    assert (waiting["status"], waiting["error"]) == (409, "not_supported")
    assert "input.respond" in waiting["message"]
    assert (no_messages["status"], no_messages["error"]) == (422, "not_supported")
    assert "messages" in no_messages["message"]


@pytest.mark.parametrize("method", ["state.get", "state.listCheckpoints", "agent.getTree"])
async def test_a_missing_thread_is_a_404(host: LiveHost, method: str) -> None:
    conn = transport_for("sse", host.base_url, str(uuid.uuid4()))
    try:
        answer = await send(conn, method, {"namespace": []})
    finally:
        await close(conn)
    assert answer["status"] == 404 and answer["type"] == "error"


async def test_state_fork_with_input_runs_the_graph_again_on_the_checkpoints_state(
    host: LiveHost,
) -> None:
    conn = transport_for("sse", host.base_url, str(uuid.uuid4()))
    try:
        await finished_steps(conn)
        listed = await send(conn, "state.listCheckpoints", {"limit": 100})
        after_two = next(c for c in listed["result"]["checkpoints"] if c.get("node_name") == "two")
        forked = await send(conn, "state.fork", {"checkpoint_id": after_two["id"], "input": {}})
        since = forked["meta"]["applied_through_seq"]
        events = await read_until(
            conn, {"channels": ["updates", "lifecycle"], "since": since}, is_root_end
        )
        final = await send(conn, "state.get", {"namespace": [], "keys": ["visited"]})
    finally:
        await close(conn)
    assert [e["params"]["data"]["node"] for e in events if e["method"] == "updates"] == NODES
    assert final["result"]["values"] == {"visited": NODES[:2] + NODES}
