"""Prometheus metrics at /metrics, from a live host: runs, nodes, events, requests,
sockets and queue depth; labels never name a run."""

from __future__ import annotations

import asyncio

from tests.conftest import LiveHost
from tests.observability.helpers import Samples, scrape, scrape_until, value
from tests.wsclient import ProtocolClient


def test_runs_nodes_events_and_requests_are_counted_without_run_ids(host: LiveHost) -> None:
    with host.client() as http:
        before = scrape(http)
        ok = http.post("/api/v1/runs", json={"graph": "steps", "input": {}}).json()
        bad = http.post("/api/v1/runs", json={"graph": "failing", "input": {}}).json()
        host.wait_for_status(ok["run_id"], {"succeeded"})
        host.wait_for_status(bad["run_id"], {"failed"})

        def grew(name: str, by: float, **labels: str) -> bool:
            return value(after, name, **labels) - value(before, name, **labels) >= by

        def settled(samples: Samples) -> bool:
            nonlocal after
            after = samples
            return grew("genesis_mesh_runs_total", 1, status="succeeded") and grew(
                "genesis_mesh_runs_total", 1, status="failed"
            )

        after: Samples = {}
        after = scrape_until(http, settled)
        text = http.get("/metrics").text

    assert grew("genesis_mesh_runs_total", 2, status="running")
    assert value(after, "genesis_mesh_runs_running") == 0
    assert grew("genesis_mesh_run_duration_seconds_count", 1, status="succeeded")
    for node in ("one", "two", "three", "four", "five", "fine"):
        assert grew("genesis_mesh_node_duration_seconds_count", 1, node=node, outcome="completed")
    assert grew("genesis_mesh_node_duration_seconds_count", 1, node="boom", outcome="failed")
    assert grew("genesis_mesh_events_total", 7, type="node.started")
    assert grew("genesis_mesh_events_total", 1, type="run.failed")
    route = "/api/v1/runs/{run_id}"
    assert grew("genesis_mesh_http_requests_total", 2, method="GET", route=route, status="200")
    assert grew("genesis_mesh_http_requests_total", 2, method="POST", route="/api/v1/runs",
                status="202")  # fmt: skip
    assert value(after, "genesis_mesh_http_request_duration_seconds_count", method="GET",
                 route=route) >= 2  # fmt: skip
    assert "process_resident_memory_bytes" in text
    for run in (ok, bad):
        assert run["run_id"] not in text and run["thread_id"] not in text


def test_unknown_paths_share_one_series(host: LiveHost) -> None:
    with host.client() as http:
        for i in range(3):
            http.get(f"/no/such/path/{i}")
        samples = scrape(http)
        text = http.get("/metrics").text
    assert value(samples, "genesis_mesh_http_requests_total", method="GET", route="unmatched",
                 status="404") >= 3  # fmt: skip
    assert "/no/such/path" not in text


def test_open_websockets_are_a_gauge(host: LiveHost) -> None:
    async def main() -> None:
        with host.client() as http:
            base = value(scrape(http), "genesis_mesh_websockets_open")
            clients = [await ProtocolClient.open(host.ws_url) for _ in range(3)]
            for client in clients:
                await client.send({"type": "ping"})
                await client.next()
            assert value(scrape(http), "genesis_mesh_websockets_open") == base + 3
            for client in clients[:2]:
                await client.close()
            await asyncio.to_thread(
                scrape_until,
                http,
                lambda s: value(s, "genesis_mesh_websockets_open") == base + 1,
            )
            await clients[2].close()
            await asyncio.to_thread(
                scrape_until, http, lambda s: value(s, "genesis_mesh_websockets_open") == base
            )

    asyncio.run(main())


def test_queue_depth_is_the_number_of_pending_runs(live_host: LiveHost) -> None:
    live_host.env["GENESIS_MESH_MAX_CONCURRENT_RUNS"] = "1"
    live_host.start()
    with live_host.client() as http:
        assert value(scrape(http), "genesis_mesh_runs_pending") == 0
        busy = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0.4}})
        live_host.wait_for_status(busy.json()["run_id"], {"running"})
        waiting = [
            http.post("/api/v1/runs", json={"graph": "steps", "input": {}}).json() for _ in range(3)
        ]
        samples = scrape(http)
        assert value(samples, "genesis_mesh_runs_pending") == 3
        assert value(samples, "genesis_mesh_runs_running") == 1
        for run in waiting:
            live_host.wait_for_status(run["run_id"], {"succeeded"})
        assert value(scrape(http), "genesis_mesh_runs_pending") == 0
