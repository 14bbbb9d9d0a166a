"""`genesis-mesh serve` announces its shutdown drain before it closes the sockets."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import LiveHost, wait_for_status
from tests.wsclient import ProtocolClient

NODES = ["one", "two", "three", "four", "five"]
pytestmark = pytest.mark.slow


async def _receive_until_closed(client: ProtocolClient) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    while True:
        try:
            got.append(await client.next(timeout=30))
        except ConnectionClosed:
            return got


def _stored_run(database: Path, run_id: str) -> tuple[str, Any, str | None]:
    with sqlite3.connect(database) as conn:
        status, interrupt, stop_requested = conn.execute(
            "SELECT status, interrupt, stop_requested FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
    return status, json.loads(interrupt) if interrupt else None, stop_requested


async def test_a_client_hears_run_stopping_before_sigterm_closes_its_socket_and_the_run_ends_as_if_uninterrupted(  # noqa: E501
    live_host: LiveHost, tmp_path: Path
) -> None:
    record = tmp_path / "calls.txt"
    live_host.env["GENESIS_MESH_SHUTDOWN_GRACE_SECONDS"] = "10"
    live_host.start()
    client = await ProtocolClient.open(live_host.ws_url)
    run_input = {"delay": 0.8, "record_to": str(record)}
    await client.send({"type": "start", "graph": "steps", "input": run_input})
    started = await client.until(lambda m: m.get("type") == "node.started" and m["node"] == "two")
    run_id = started[-1]["run_id"]

    assert live_host.process is not None
    live_host.process.send_signal(signal.SIGTERM)  # while node "two" sleeps
    after = await _receive_until_closed(client)
    assert live_host.process.wait(30) in (0, -15)

    stopping = [m for m in after if m.get("type") == "run.stopping"]
    assert [(m["run_id"], m["data"]) for m in stopping] == [(run_id, {"reason": "shutdown"})]
    assert client.connection.close_code == 1012  # uvicorn's "service restart"
    status, interrupt, stop_requested = _stored_run(
        live_host.workdir / "data" / "genesis-mesh.db", run_id
    )
    assert (status, interrupt, stop_requested) == ("interrupted", {"reason": "shutdown"}, None)

    live_host.start()
    with live_host.client() as http:
        done = wait_for_status(http, run_id, {"succeeded"}, timeout=30)
        events = http.get(f"/api/v1/runs/{run_id}/events", params={"limit": 10000}).json()
    live_host.stop()
    log = live_host.log_path.read_text()
    assert "Traceback" not in log and "Task was destroyed" not in log

    assert done["output"]["visited"] == NODES
    assert [e["node"] for e in events if e["type"] == "node.completed"] == NODES
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    kinds = [e["type"] for e in events]
    assert kinds.index("run.stopping") < kinds.index("run.interrupted") < kinds.index("run.resumed")
    starts = Counter(line.split()[1] for line in record.read_text().splitlines() if "start" in line)
    assert all(starts[node] == 1 for node in NODES), starts


async def _sse_until_closed(
    stream: httpx.Response, on_event: Any
) -> list[tuple[str, dict[str, Any]]]:
    got: list[tuple[str, dict[str, Any]]] = []
    kind = ""
    async for line in stream.aiter_lines():
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            got.append((kind, json.loads(line.removeprefix("data: "))))
            on_event(got[-1])
    return got


async def test_an_sse_follower_hears_run_stopping_and_its_stream_ends_where_the_run_pauses(
    live_host: LiveHost, tmp_path: Path
) -> None:
    # A grace longer than the wait below: a stream left open would hold the shutdown up.
    live_host.env["GENESIS_MESH_SHUTDOWN_GRACE_SECONDS"] = "60"
    live_host.start()
    process = live_host.process
    assert process is not None
    run_input = {"delay": 0.8, "record_to": str(tmp_path / "calls.txt")}

    def on_event(item: tuple[str, dict[str, Any]]) -> None:
        kind, data = item
        if kind == "node.started" and data["node"] == "two":
            process.send_signal(signal.SIGTERM)

    async with httpx.AsyncClient(base_url=live_host.base_url, timeout=30) as http:
        run = (await http.post("/api/v1/runs", json={"graph": "steps", "input": run_input})).json()
        async with (
            asyncio.timeout(30),  # well inside uvicorn's graceful timeout (grace + 5 s)
            http.stream("GET", f"/api/v1/runs/{run['run_id']}/stream") as stream,
        ):
            got = await _sse_until_closed(stream, on_event)
    assert process.wait(30) in (0, -15)

    kinds = [kind for kind, _ in got]
    assert "run.stopping" in kinds
    assert got[-1] == ("run.interrupted", got[-1][1])
    assert got[-1][1]["data"] == {"reason": "shutdown"}
    assert kinds.index("run.stopping") < len(kinds) - 1
