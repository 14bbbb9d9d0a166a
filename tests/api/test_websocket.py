"""The /ws protocol against a real host: start, follow, interrupt, resume, bad input."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import LiveHost, wait_for_status
from tests.wsclient import ProtocolClient, final, types

NODES = ["one", "two", "three", "four", "five"]


async def start(client: ProtocolClient, graph: str, input: dict, **extra: object) -> str:
    await client.send({"type": "start", "graph": graph, "input": input, **extra})
    started = await client.until(lambda m: m.get("type") in ("run.started", "error"))
    assert started[-1]["type"] == "run.started", started[-1]
    return str(started[-1]["run_id"])


async def test_start_streams_every_node_in_order_and_echoes_client_ref(host: LiveHost) -> None:
    client = await ProtocolClient.open(host.ws_url)
    await client.send(
        {"type": "start", "graph": "steps", "input": {"delay": 0.01}, "client_ref": "ref-7"}
    )
    events = await client.run_events(
        (await client.until(lambda m: m.get("type") == "run.started"))[-1]["run_id"]
    )
    events = [e for e in client.received if "seq" in e]
    assert events[0]["type"] == "run.started"
    assert events[0]["data"]["client_ref"] == "ref-7"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    completed = [e["node"] for e in events if e["type"] == "node.completed"]
    started = [e["node"] for e in events if e["type"] == "node.started"]
    assert completed == NODES and started == NODES
    for node in NODES:
        kinds = [e["type"] for e in events if e.get("node") == node]
        assert kinds[0] == "node.started" and kinds[-1] == "node.completed"
        assert "node.progress" in kinds
    assert final(events)["type"] == "run.completed"
    assert final(events)["data"]["output"]["visited"] == NODES
    await client.close()


async def test_one_socket_follows_two_runs_and_two_sockets_follow_one(host: LiveHost) -> None:
    first = await ProtocolClient.open(host.ws_url)
    second = await ProtocolClient.open(host.ws_url)
    run_a = await start(first, "steps", {"delay": 0.05})
    run_b = await start(first, "steps", {"delay": 0.01})
    await second.send({"type": "subscribe", "run_id": run_a, "after_seq": 0})
    await first.until(
        lambda m: m.get("type") == "run.completed" and m["run_id"] in (run_a, run_b), 20
    )
    await first.until(
        lambda m: (
            m.get("type") == "run.completed"
            and m["run_id"] in (run_a, run_b)
            and sum(1 for r in first.received if r.get("type") == "run.completed") == 2
        ),
        20,
    )
    seen_by_second = await second.run_events(run_a)
    seen_by_first = [e for e in first.received if e.get("run_id") == run_a and "seq" in e]
    assert [e["seq"] for e in seen_by_second] == [e["seq"] for e in seen_by_first]
    assert seen_by_second == seen_by_first
    assert {e["run_id"] for e in first.received if "seq" in e} == {run_a, run_b}
    await first.close()
    await second.close()


async def test_subscribe_after_seq_gets_every_later_event_once_without_gap(
    host: LiveHost,
) -> None:
    starter = await ProtocolClient.open(host.ws_url)
    run_id = await start(starter, "chatty", {"count": 300, "interval": 0.002})
    await starter.until(lambda m: m.get("type") == "node.progress" and m["seq"] >= 20)
    await starter.close()
    follower = await ProtocolClient.open(host.ws_url)
    await follower.send({"type": "subscribe", "run_id": run_id, "after_seq": 10})
    events = await follower.run_events(run_id)
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(11, seqs[-1] + 1))
    assert events[-1]["type"] == "run.completed"
    stored = httpx.get(f"{host.base_url}/api/v1/runs/{run_id}/events?after_seq=10&limit=10000")
    assert [e["seq"] for e in stored.json()] == seqs
    await follower.close()


async def test_pause_stops_at_node_boundary_and_resume_runs_only_the_rest(
    host: LiveHost, tmp_path: Path
) -> None:
    record = tmp_path / "calls.txt"
    client = await ProtocolClient.open(host.ws_url)
    run_id = await start(client, "steps", {"delay": 0.4, "record_to": str(record)})
    await client.until(lambda m: m.get("type") == "node.started" and m["node"] == "two")
    await client.send({"type": "interrupt", "run_id": run_id, "mode": "pause"})
    got = await client.until(lambda m: m.get("type") == "ack", 20)
    assert got[-1]["status"] == "interrupted"
    events = [e for e in client.received if e.get("run_id") == run_id and "seq" in e]
    assert final(events)["type"] == "run.interrupted"
    assert final(events)["data"]["reason"] == "pause"
    assert record.read_text().splitlines() == ["start one", "end one", "start two", "end two"]

    await client.send({"type": "resume", "run_id": run_id})
    after = await client.run_events(run_id)
    assert after[0]["type"] == "run.resumed"
    assert final(after)["type"] == "run.completed"
    calls = record.read_text().splitlines()
    assert [c for c in calls if c.startswith("start")] == [f"start {n}" for n in NODES]
    all_events = httpx.get(f"{host.base_url}/api/v1/runs/{run_id}/events").json()
    completed = [e["node"] for e in all_events if e["type"] == "node.completed"]
    assert completed == NODES
    await client.close()


async def test_cancel_stops_subgraph_and_child_tasks_and_reports_cancelled(
    host: LiveHost, tmp_path: Path
) -> None:
    record = tmp_path / "nested.txt"
    client = await ProtocolClient.open(host.ws_url)
    run_id = await start(client, "nested", {"delay": 30, "record_to": str(record)})
    await client.until(lambda m: m.get("type") == "node.progress" and m["node"] == "sub")
    async with httpx.AsyncClient(base_url=host.base_url, timeout=20) as http:
        answer = await http.post(f"/api/v1/runs/{run_id}/interrupt", json={"mode": "cancel"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "cancelled"
    events = await client.run_events(run_id)
    assert final(events)["type"] == "run.cancelled"
    await asyncio.sleep(0.3)
    lines = record.read_text().splitlines()
    assert lines == ["before", "inner start", "inner child cancelled"]
    await client.close()


async def test_question_interrupts_the_run_and_the_answer_resumes_it(host: LiveHost) -> None:
    client = await ProtocolClient.open(host.ws_url)
    run_id = await start(client, "ask", {"topic": "mesh"})
    events = await client.run_events(run_id)
    question = final(events)
    assert question["type"] == "run.interrupted"
    assert question["data"]["reason"] == "question"
    assert question["data"]["question"]["question"] == "Which pages about mesh?"
    run = httpx.get(f"{host.base_url}/api/v1/runs/{run_id}").json()
    assert run["status"] == "interrupted"
    await client.send({"type": "resume", "run_id": run_id, "value": {"accepted": ["b"]}})
    rest = await client.run_events(run_id)
    assert final(rest)["type"] == "run.completed"
    assert final(rest)["data"]["output"]["summary"] == "mesh: b"
    await client.close()


async def test_second_start_on_a_busy_thread_is_refused(host: LiveHost) -> None:
    client = await ProtocolClient.open(host.ws_url)
    run_id = await start(client, "ask", {})
    await client.run_events(run_id)
    thread_id = httpx.get(f"{host.base_url}/api/v1/runs/{run_id}").json()["thread_id"]
    await client.send({"type": "start", "graph": "ask", "input": {}, "thread_id": thread_id})
    error = (await client.until(lambda m: m.get("type") == "error"))[-1]
    assert error["code"] == "thread_busy"
    assert error["detail"]["active_run_id"] == run_id
    await client.close()


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("{not json", "invalid_json"),
        ('{"type": "launch"}', "invalid_message"),
        ('{"type": "subscribe"}', "invalid_message"),
        ('{"type": "subscribe", "run_id": "r", "after_seq": -1}', "invalid_message"),
        ('{"type": "subscribe", "run_id": "run-nope", "after_seq": 0}', "run_not_found"),
        ('{"type": "interrupt", "run_id": "run-nope", "mode": "pause"}', "run_not_found"),
        ('{"type": "interrupt", "run_id": "r", "mode": "stop"}', "invalid_message"),
        ('{"type": "resume", "run_id": "run-nope"}', "run_not_found"),
        ('{"type": "start", "graph": "nope", "input": {}}', "graph_not_found"),
        ('{"type": "start", "graph": "broken", "input": {}}', "graph_unavailable"),
        ('{"type": "start", "graph": "steps", "input": "not an object"}', "invalid_input"),
        ("[1, 2, 3]", "invalid_message"),
        ('{"type": "ping", "extra": ' + "[" * 5000 + "]" * 5000 + "}", "invalid_json"),
        ('{"type": "ping", "id": ' + "9" * 5000 + "}", "invalid_json"),
        ("x" * 300_000, "message_too_large"),
    ],
)
async def test_bad_message_gets_an_error_and_the_socket_stays_open(
    host: LiveHost, message: str, code: str
) -> None:
    client = await ProtocolClient.open(host.ws_url)
    await client.send(message)
    reply = await client.next()
    assert reply["type"] == "error", reply
    assert reply["code"] == code, reply
    assert reply["message"]
    await client.send({"type": "ping", "id": 1})
    assert await client.next() == {"type": "pong", "id": 1}
    await client.close()


async def test_binary_frames_get_an_error(host: LiveHost) -> None:
    client = await ProtocolClient.open(host.ws_url)
    await client.connection.send(b"\xff\xfe\x00")
    reply = await client.next()
    assert (reply["type"], reply["code"]) == ("error", "invalid_message")
    await client.close()


async def test_foreign_origin_is_refused_before_the_socket_opens(host: LiveHost) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await ProtocolClient.open(host.ws_url, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    own = await ProtocolClient.open(host.ws_url, origin=f"http://127.0.0.1:{host.port}")
    await own.send({"type": "ping"})
    assert (await own.next())["type"] == "pong"
    await own.close()


async def test_a_second_subscribe_on_one_socket_replays_nothing_and_says_so(
    host: LiveHost,
) -> None:
    starter = await ProtocolClient.open(host.ws_url)
    run_id = await start(starter, "steps", {"delay": 0.01})
    await starter.run_events(run_id)
    follower = await ProtocolClient.open(host.ws_url)
    await follower.send({"type": "subscribe", "run_id": run_id, "after_seq": 0})
    replayed = await follower.run_events(run_id)
    for client in (starter, follower):
        await client.send({"type": "subscribe", "run_id": run_id, "after_seq": 0})
        got = await client.until(lambda m: m.get("type") == "error", timeout=10)
        await client.send({"type": "ping", "id": "after"})
        got += await client.until(lambda m: m.get("type") == "pong")
        assert [m for m in got if "seq" in m] == []
        assert (got[-2]["code"], got[-2]["run_id"]) == ("already_subscribed", run_id)
    assert [e["seq"] for e in replayed] == list(range(1, len(replayed) + 1))
    await follower.send({"type": "unsubscribe", "run_id": run_id})
    await follower.send({"type": "subscribe", "run_id": run_id, "after_seq": 0})
    assert await follower.run_events(run_id) == replayed
    await starter.close()
    await follower.close()


async def test_a_pause_that_cannot_take_effect_in_time_answers_stop_timed_out(
    live_host: LiveHost,
) -> None:
    live_host.env["GENESIS_MESH_INTERRUPT_WAIT_SECONDS"] = "0.3"
    live_host.start()
    client = await ProtocolClient.open(live_host.ws_url)
    run_id = await start(client, "steps", {"delay": 2})
    await client.until(lambda m: m.get("type") == "node.started")
    await client.send({"type": "interrupt", "run_id": run_id, "mode": "pause"})
    answer = await client.until(lambda m: m.get("type") in ("ack", "error"), timeout=10)
    assert (answer[-1]["type"], answer[-1].get("code")) == ("error", "stop_timed_out")
    assert answer[-1]["run_id"] == run_id
    events = await client.run_events(run_id, timeout=20)
    assert events[-1]["type"] == "run.interrupted"
    await client.close()


async def test_listed_origin_is_accepted(live_host: LiveHost) -> None:
    live_host.env["GENESIS_MESH_ALLOWED_ORIGINS"] = "https://app.example, https://ui.example"
    live_host.start()
    client = await ProtocolClient.open(live_host.ws_url, origin="https://ui.example")
    await client.send({"type": "ping"})
    assert (await client.next())["type"] == "pong"
    await client.close()
    with pytest.raises(InvalidStatus):
        await ProtocolClient.open(live_host.ws_url, origin="https://ui.example.evil.test")


async def test_a_client_that_never_reads_is_dropped_and_the_run_is_not_slowed(
    live_host: LiveHost,
) -> None:
    live_host.env["GENESIS_MESH_WS_SEND_QUEUE_SIZE"] = "20"
    live_host.start()
    idle = await ProtocolClient.open(live_host.ws_url, max_queue=1)
    await idle.send({"type": "start", "graph": "chatty", "input": {"count": 20000}})
    with httpx.Client(base_url=live_host.base_url, timeout=30) as http:
        runs = []
        for _ in range(100):
            runs = http.get("/api/v1/runs").json()
            if runs:
                break
            await asyncio.sleep(0.05)
        run = wait_for_status(http, runs[0]["run_id"], {"succeeded"}, timeout=60)
    assert run["last_seq"] >= 20000
    messages = []
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(30000):
            messages.append(json.loads(await asyncio.wait_for(idle.connection.recv(), 10)))
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert messages[-1]["code"] == "slow_consumer"
    assert len(messages) < 20000


async def test_ping_is_answered_with_pong(host: LiveHost) -> None:
    client = await ProtocolClient.open(host.ws_url)
    await client.send({"type": "ping", "id": "abc"})
    assert await client.next() == {"type": "pong", "id": "abc"}
    await client.close()


def test_events_types_cover_a_failing_node(host: LiveHost) -> None:
    with host.client() as http:
        run_id = http.post("/api/v1/runs", json={"graph": "failing", "input": {}}).json()["run_id"]
        run = wait_for_status(http, run_id, {"failed"})
        events = http.get(f"/api/v1/runs/{run_id}/events").json()
    assert types(events)[-2:] == ["node.failed", "run.failed"]
    failed = events[-2]
    assert failed["node"] == "boom"
    assert "quota exceeded" in failed["data"]["error"]["message"]
    assert run["error"]["type"] == "RuntimeError"


async def test_llm_tokens_arrive_as_deltas_that_add_up_to_the_answer(host: LiveHost) -> None:
    from tests.fixtures.graphs.chat import ANSWER

    client = await ProtocolClient.open(host.ws_url)
    run_id = await start(client, "chat", {"question": "how?"})
    events = await client.run_events(run_id)
    deltas = [e for e in events if e["type"] == "message.delta"]
    assert len(deltas) > 1
    assert all(e["node"] == "reply" for e in deltas)
    assert len({e["data"]["message_id"] for e in deltas}) == 1
    # Each delta carries only new text: together they add up to the answer exactly once.
    assert "".join(e["data"]["text"] for e in deltas) == ANSWER
    assert all(0 < len(e["data"]["text"]) < len(ANSWER) for e in deltas)
    assert final(events)["data"]["output"]["answer"] == ANSWER
    await client.close()


async def test_a_peer_that_stops_answering_pings_is_dropped(live_host: LiveHost) -> None:
    live_host.env.update(
        {"GENESIS_MESH_WS_PING_INTERVAL": "0.3", "GENESIS_MESH_WS_PING_TIMEOUT": "0.3"}
    )
    live_host.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", live_host.port)
    writer.write(
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await writer.drain()
    assert b"101" in await reader.readline()
    # Never answer the server's pings: it must close the connection by itself.
    received = b""
    async with asyncio.timeout(10):
        while chunk := await reader.read(1024):
            received += chunk
    assert reader.at_eof()
    assert b"\x89" in received  # the server did ping (opcode 0x9) before giving up
    writer.close()


async def test_unsubscribe_stops_the_events_of_that_run(host: LiveHost) -> None:
    client = await ProtocolClient.open(host.ws_url)
    run_id = await start(client, "chatty", {"count": 200, "interval": 0.005})
    await client.until(lambda m: m.get("type") == "node.progress")
    await client.send({"type": "unsubscribe", "run_id": run_id})
    await client.send({"type": "ping", "id": "after"})
    await client.until(lambda m: m.get("type") == "pong")
    await asyncio.sleep(0.5)
    await client.send({"type": "ping", "id": "later"})
    late = await client.until(lambda m: m.get("type") == "pong")
    assert [m for m in late if m.get("run_id") == run_id] == []
    await client.close()
