"""Two API processes and two workers on PostgreSQL + Redis: dispatch, streams, stops."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import pytest
import websockets

from tests.conftest import wait_for_status
from tests.scale.conftest import Cluster, events_of, wait_until

NODES = ["one", "two", "three", "four", "five"]
pytestmark = pytest.mark.slow


def _worker_of(events: list[dict[str, Any]]) -> str:
    opening = next(e for e in events if e["type"] in ("run.started", "run.resumed"))
    return str(opening["data"]["worker"])


def test_runs_spread_over_both_workers(cluster: Cluster) -> None:
    api = cluster.apis[0]
    with api.client() as http:
        runs = [
            http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0.3}}).json()
            for _ in range(4)
        ]
        assert all(r["status"] == "pending" for r in runs)
        done = [wait_for_status(http, r["run_id"], {"succeeded"}) for r in runs]
        workers = Counter(_worker_of(events_of(http, r["run_id"])) for r in runs)
    assert all(d["output"]["visited"] == NODES for d in done)
    # Each worker takes at most 2 runs at a time (GENESIS_MESH_MAX_CONCURRENT_RUNS=2).
    assert set(workers) == {"w1", "w2"}, workers


def test_a_run_streams_from_the_api_process_that_did_not_start_it(cluster: Cluster) -> None:
    first, second = cluster.apis

    async def follow() -> list[dict[str, Any]]:
        with first.client() as http:
            run = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0.2}}).json()
        seen: list[dict[str, Any]] = []
        async with websockets.connect(second.ws_url) as ws:
            await ws.send(json.dumps({"type": "subscribe", "run_id": run["run_id"]}))
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if "seq" in message:
                    seen.append(message)
                    if message["type"] == "run.completed":
                        return seen

    seen = asyncio.run(follow())
    seqs = [e["seq"] for e in seen]
    assert seqs == list(range(1, len(seen) + 1))
    assert [e["node"] for e in seen if e["type"] == "node.completed"] == NODES
    assert seen[0]["type"] == "run.started"


def test_sse_with_last_event_id_on_another_api_process_misses_nothing(cluster: Cluster) -> None:
    first, second = cluster.apis
    with first.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0.2}}).json()
        wait_until(lambda: len(events_of(http, run["run_id"])) >= 4, what="4 events")
    with (
        second.client() as http,
        http.stream(
            "GET", f"/api/v1/runs/{run['run_id']}/stream", headers={"Last-Event-ID": "3"}
        ) as response,
    ):
        ids = [
            int(line.split(":", 1)[1]) for line in response.iter_lines() if line.startswith("id:")
        ]
    assert ids == list(range(4, ids[-1] + 1))
    with first.client() as http:
        assert ids[-1] == len(events_of(http, run["run_id"]))


def test_cancel_and_pause_reach_the_worker_and_report_what_happened(cluster: Cluster) -> None:
    first, second = cluster.apis
    with first.client() as http:
        paused = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0.4}}).json()
        cancelled = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 5}}).json()
        wait_for_status(http, paused["run_id"], {"running"})
        wait_for_status(http, cancelled["run_id"], {"running"})
    with second.client() as http:
        pause = http.post(f"/api/v1/runs/{paused['run_id']}/interrupt", json={"mode": "pause"})
        cancel = http.post(f"/api/v1/runs/{cancelled['run_id']}/interrupt", json={"mode": "cancel"})
    assert pause.status_code == 200, pause.text
    assert pause.json()["status"] == "interrupted"
    assert pause.json()["interrupt"] == {"reason": "pause"}
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["status"] == "cancelled"
    with first.client() as http:
        # The cancelled run is really stopped: no node after the one it was in.
        events = events_of(http, cancelled["run_id"])
        assert events[-1]["type"] == "run.cancelled"
        assert not [e for e in events if e["type"] == "node.completed"]
        # The paused one resumes from its checkpoint, on whichever worker claims it.
        http.post(f"/api/v1/runs/{paused['run_id']}/resume", json={})
        done = wait_for_status(http, paused["run_id"], {"succeeded"})
        events = events_of(http, paused["run_id"])
        completed = [e["node"] for e in events if e["type"] == "node.completed"]
    assert done["output"]["visited"] == NODES
    assert completed == NODES


def test_a_pause_that_cannot_finish_in_time_says_so(cluster: Cluster) -> None:
    impatient = cluster.add_api(GENESIS_MESH_INTERRUPT_WAIT_SECONDS="0.5")
    with impatient.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 8}}).json()
        wait_for_status(http, run["run_id"], {"running"})
        wait_until(  # asked during a node, so the pause waits for the node's end
            lambda: any(e["type"] == "node.started" for e in events_of(http, run["run_id"])),
            what="the first node started",
        )
        response = http.post(f"/api/v1/runs/{run['run_id']}/interrupt", json={"mode": "pause"})
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "running"
        assert response.json()["stop_requested"] == "pause"
        later = wait_for_status(http, run["run_id"], {"interrupted"}, timeout=40)
    assert later["interrupt"] == {"reason": "pause"}


def test_a_resume_by_interrupt_id_with_goto_and_update_reaches_the_worker(
    cluster: Cluster,
) -> None:
    first, second = cluster.apis[0], cluster.apis[1]
    with first.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "parallel_ask", "input": {}}).json()
        waiting = wait_for_status(http, run["run_id"], {"interrupted"})
    ids = {i["node"]: i["id"] for i in waiting["interrupt"]["interrupts"]}
    assert set(ids) == {"approve", "name"}
    with second.client() as http:
        refused = http.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": "yes"})
        assert refused.status_code == 422
        assert refused.json()["code"] == "answers_by_id_required"
        body = {
            "value": {ids["approve"]: "yes", ids["name"]: "Atlas"},
            "update": {"note": "from api 2"},
            "goto": "extra",
        }
        resumed = http.post(f"/api/v1/runs/{run['run_id']}/resume", json=body)
        assert resumed.status_code == 202, resumed.text
        done = wait_for_status(http, run["run_id"], {"succeeded", "failed"})
        assert done["status"] == "succeeded", done
        events = events_of(http, run["run_id"])
    assert sorted(done["output"]["log"]) == [
        "approve:yes",
        "extra",
        "join:from api 2",
        "name:Atlas",
    ]
    opening = [e for e in events if e["type"] == "run.resumed"][-1]
    assert opening["data"]["worker"] in {"w1", "w2"}
    assert opening["data"]["goto"] == "extra"
