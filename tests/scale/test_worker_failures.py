"""Workers that die, stall or stop: runs move on, nothing is written twice or by a stale owner."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.conftest import wait_for_status
from tests.scale.conftest import Cluster, events_of, make_cluster, wait_until

NODES = ["one", "two", "three", "four", "five"]
pytestmark = pytest.mark.slow


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[Cluster]:
    yield from make_cluster(tmp_path, apis=1, workers=2)


def _record(path: Path) -> list[tuple[str, str, int]]:
    """(start|end, node, pid) lines written by the `steps` graph's nodes."""
    lines = [line.split() for line in path.read_text().splitlines()] if path.exists() else []
    return [(kind, node, int(pid)) for kind, node, pid in lines]


def _owner(cluster: Cluster, records: list[tuple[str, str, int]]) -> Any:
    pid = records[0][2]
    return next(w for w in cluster.workers if w.pid == pid)


def _start_steps(cluster: Cluster, record: Path, delay: float) -> dict[str, Any]:
    with cluster.apis[0].client() as http:
        body = {"delay": delay, "record_to": str(record), "record_pid": True}
        run: dict[str, Any] = http.post(
            "/api/v1/runs", json={"graph": "steps", "input": body}
        ).json()
    return run


async def _follow(url: str, run_id: str, until: set[str]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "subscribe", "run_id": run_id}))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if "seq" in message:
                seen.append(message)
                if message["type"] in until:
                    return seen


def test_a_killed_workers_run_resumes_elsewhere_without_rerunning_nodes(
    two_workers: Cluster, tmp_path: Path
) -> None:
    cluster = two_workers
    record = tmp_path / "calls.txt"
    run = _start_steps(cluster, record, delay=0.6)

    async def scenario() -> list[dict[str, Any]]:
        follower = asyncio.create_task(
            _follow(cluster.apis[0].ws_url, run["run_id"], {"run.completed", "run.failed"})
        )
        await asyncio.to_thread(
            wait_until, lambda: ("start", "three") in [r[:2] for r in _record(record)]
        )
        _owner(cluster, _record(record)).kill()
        return await follower

    seen = asyncio.run(scenario())
    with cluster.apis[0].client() as http:
        done = wait_for_status(http, run["run_id"], {"succeeded"})
        stored = events_of(http, run["run_id"])

    starts = Counter(node for kind, node, _ in _record(record) if kind == "start")
    assert starts["one"] == 1 and starts["two"] == 1, starts
    assert starts["three"] in (1, 2)  # the node in flight may run again, nothing before it
    assert starts["four"] == 1 and starts["five"] == 1
    assert done["output"]["visited"] == NODES
    # The client that followed through the crash saw every event once, in order.
    assert [e["seq"] for e in seen] == list(range(1, len(seen) + 1))
    assert seen == stored
    assert [e["node"] for e in seen if e["type"] == "node.completed"] == NODES
    resumed = [e for e in seen if e["type"] == "run.resumed"]
    assert resumed and resumed[0]["data"]["reason"] == "recovered"


def test_a_stalled_worker_cannot_write_after_its_lease_was_taken_over(
    two_workers: Cluster, tmp_path: Path
) -> None:
    cluster = two_workers
    record = tmp_path / "calls.txt"
    run = _start_steps(cluster, record, delay=1.5)
    wait_until(lambda: ("start", "three") in [r[:2] for r in _record(record)])
    stale = _owner(cluster, _record(record))
    other = next(w for w in cluster.workers if w is not stale)
    stale.signal(signal.SIGSTOP)
    try:
        with cluster.apis[0].client() as http:
            wait_until(
                lambda: any(
                    e["type"] == "run.resumed" and e["data"].get("worker") == other.name
                    for e in events_of(http, run["run_id"])
                ),
                timeout=30,
                what="takeover by the other worker",
                logs=cluster.logs,
            )
    finally:
        stale.signal(signal.SIGCONT)
    with cluster.apis[0].client() as http:
        done = wait_for_status(http, run["run_id"], {"succeeded"}, timeout=60)
        time.sleep(2)  # room for the stale worker to (try to) write
        events = events_of(http, run["run_id"])
        final = http.get(f"/api/v1/runs/{run['run_id']}").json()
        history = http.get(f"/api/v1/threads/{run['thread_id']}/history").json()

    stale_lines = [(kind, node) for kind, node, pid in _record(record) if pid == stale.pid]
    # It finished the node it was in (its own code), but ran nothing after it...
    assert ("start", "four") not in stale_lines, stale_lines
    # ...and wrote nothing: one completion per node, one final event, status kept.
    assert [e["node"] for e in events if e["type"] == "node.completed"] == NODES
    assert [e["type"] for e in events].count("run.completed") == 1
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert final["status"] == "succeeded" and done["output"]["visited"] == NODES
    # No checkpoint from the stale claim after the one it stalled in (steps -1..2 are
    # its input, START, one and two).
    stale_steps = sorted(c["step"] for c in history if c["worker"] == stale.name)
    assert stale_steps and max(stale_steps) <= 2, stale_steps
    assert "another worker" in stale.log() or "lost the lease" in stale.log()


def test_sigterm_drains_a_worker_and_its_run_continues_on_another(
    two_workers: Cluster, tmp_path: Path
) -> None:
    cluster = two_workers
    record = tmp_path / "calls.txt"
    run = _start_steps(cluster, record, delay=1.0)
    wait_until(lambda: ("start", "two") in [r[:2] for r in _record(record)])
    draining = _owner(cluster, _record(record))
    assert draining.stop() == 0
    with cluster.apis[0].client() as http:
        done = wait_for_status(http, run["run_id"], {"succeeded"}, timeout=60)
        events = events_of(http, run["run_id"])
    starts = Counter(node for kind, node, _ in _record(record) if kind == "start")
    # The node in flight finished within the grace period: nothing ran twice.
    assert all(count == 1 for count in starts.values()), starts
    assert done["output"]["visited"] == NODES
    continued = [e for e in events if e["type"] == "run.resumed"]
    assert [e["data"]["reason"] for e in continued] == ["continued"]
    assert continued[0]["data"]["worker"] != draining.name


def test_a_run_that_keeps_killing_its_worker_fails_and_frees_its_thread(
    tmp_path: Path,
) -> None:
    for cluster in make_cluster(tmp_path, apis=1, workers=1, GENESIS_MESH_MAX_RECOVERIES="1"):
        with cluster.apis[0].client() as http:
            run = http.post(
                "/api/v1/runs", json={"graph": "crash", "input": {"crash": True}}
            ).json()
            worker = cluster.workers[0]
            worker.process.wait(30)  # type: ignore[union-attr]
            worker.start()  # claims it again after the lease: dies again
            worker.process.wait(30)  # type: ignore[union-attr]
            worker.start()  # the limit is reached: the run fails instead
            failed = wait_for_status(http, run["run_id"], {"failed"}, timeout=30)
            again = http.post(
                "/api/v1/runs",
                json={"graph": "crash", "input": {"crash": False}, "thread_id": run["thread_id"]},
            ).json()
            after = wait_for_status(http, again["run_id"], {"succeeded"})
        assert failed["error"]["type"] == "WorkerLost"
        assert "GENESIS_MESH_MAX_RECOVERIES=1" in failed["error"]["message"]
        assert after["output"]["done"] is True
