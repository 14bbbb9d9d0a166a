"""Durability across process death: SIGKILL mid-run, and a graceful SIGTERM."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import LiveHost, wait_for_status

NODES = ["one", "two", "three", "four", "five"]
pytestmark = pytest.mark.slow


def wait_for_line(path: Path, line: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and line in path.read_text().splitlines():
            return
        time.sleep(0.02)
    raise AssertionError(f"{line!r} never appeared in {path}")


def test_resume_after_kill_completes_and_does_not_rerun_completed_nodes(
    live_host: LiveHost, tmp_path: Path
) -> None:
    record = tmp_path / "calls.txt"
    live_host.start()
    with live_host.client() as http:
        run = http.post(
            "/api/v1/runs",
            json={"graph": "steps", "input": {"delay": 0.5, "record_to": str(record)}},
        ).json()
        wait_for_line(record, "start three")
    live_host.kill()

    live_host.start()
    with live_host.client() as http:
        done = wait_for_status(http, run["run_id"], {"succeeded"}, timeout=30)
        events = http.get(f"/api/v1/runs/{run['run_id']}/events", params={"limit": 10000}).json()

    starts = Counter(line.split()[1] for line in record.read_text().splitlines() if "start" in line)
    assert starts["one"] == 1 and starts["two"] == 1, starts
    assert starts["three"] in (1, 2)
    assert starts["four"] == 1 and starts["five"] == 1
    assert done["output"]["visited"] == NODES
    completed = [e["node"] for e in events if e["type"] == "node.completed"]
    assert completed == NODES
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert any(
        e["type"] == "run.resumed" and e["data"].get("reason") == "recovered" for e in events
    )


def test_graceful_shutdown_pauses_runs_and_the_next_start_resumes_them(
    live_host: LiveHost, tmp_path: Path
) -> None:
    record = tmp_path / "calls.txt"
    live_host.env["GENESIS_MESH_SHUTDOWN_GRACE_SECONDS"] = "5"
    live_host.start()
    with live_host.client() as http:
        run = http.post(
            "/api/v1/runs",
            json={"graph": "steps", "input": {"delay": 0.4, "record_to": str(record)}},
        ).json()
        wait_for_line(record, "start two")
    # uvicorn re-raises the SIGTERM it handled once shutdown is complete.
    assert live_host.stop() in (0, -15)
    log = live_host.log_path.read_text()
    assert "Application shutdown complete" in log
    assert "Traceback" not in log and "Task was destroyed" not in log

    live_host.start()
    with live_host.client() as http:
        paused_then_done = wait_for_status(http, run["run_id"], {"succeeded"}, timeout=30)
        events = http.get(f"/api/v1/runs/{run['run_id']}/events").json()
    interrupted = [e for e in events if e["type"] == "run.interrupted"]
    assert interrupted and interrupted[0]["data"]["reason"] == "shutdown"
    assert paused_then_done["output"]["visited"] == NODES
    starts = Counter(line.split()[1] for line in record.read_text().splitlines() if "start" in line)
    assert all(starts[n] == 1 for n in NODES), starts
