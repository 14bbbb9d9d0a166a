"""Crons on a live cluster: two API processes schedule, workers execute.

Each due time fires once, whichever API process gets to it, and a kill -9 of the API
process that fires the cron neither loses a due time nor fires one twice: the other
process goes on. Every run executes on a worker (the API processes run none).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_sync_client

from tests.conftest import LiveHost, wait_for_status
from tests.scale.conftest import Cluster, make_cluster, wait_until

pytestmark = pytest.mark.slow
PERIOD = 2  # seconds between due times
EVERY_TWO_SECONDS = "* * * * * */2"  # six fields: seconds last


@pytest.fixture
def cron_cluster(tmp_path: Path) -> Iterator[Cluster]:
    yield from make_cluster(tmp_path, apis=2, workers=2, GENESIS_MESH_CRON_POLL_SECONDS="0.1")


def _fired(api: LiveHost, cron_id: str) -> list[str]:
    """Run ids the API process says it started for the cron (its log)."""
    text = api.log_path.read_text(errors="replace") if api.log_path.exists() else ""
    return re.findall(rf"cron {re.escape(cron_id)} started run (\S+)", text)


def _all_fired(cluster: Cluster, cron_id: str) -> list[str]:
    return [run_id for api in cluster.apis for run_id in _fired(api, cron_id)]


def _due_times(runs: list[dict[str, Any]]) -> list[datetime]:
    return sorted(datetime.fromisoformat(r["metadata"]["cron_due_at"]) for r in runs)


def test_a_cron_fires_once_per_due_time_across_two_apis_and_survives_a_kill_9(
    cron_cluster: Cluster,
) -> None:
    cluster = cron_cluster
    with get_sync_client(url=cluster.apis[0].base_url, api_key=None) as sdk:
        cron = sdk.crons.create(
            "steps", schedule=EVERY_TWO_SECONDS, input={"delay": 0}, on_run_completed="keep"
        )
    cron_id = cron["cron_id"]
    wait_until(lambda: len(_all_fired(cluster, cron_id)) >= 3, timeout=60, what="3 fires")
    # The process that fired last is the one the next due times are racing in: kill it
    # (no shutdown code runs) and let the other one go on alone.
    last = _all_fired(cluster, cron_id)[-1]
    victim = next(api for api in cluster.apis if last in _fired(api, cron_id))
    survivor = next(api for api in cluster.apis if api is not victim)
    victim.kill()
    before = len(_fired(survivor, cron_id))
    wait_until(
        lambda: len(_fired(survivor, cron_id)) >= before + 3,
        timeout=60,
        what="3 fires by the surviving API process",
    )
    with get_sync_client(url=survivor.base_url, api_key=None) as sdk:
        sdk.crons.delete(cron_id)
    fired = _all_fired(cluster, cron_id)
    assert len(fired) == len(set(fired))

    with survivor.client() as http:
        native = {r["run_id"]: r for r in http.get("/api/v1/runs", params={"limit": 1000}).json()}
        assert set(fired) <= set(native)  # the killed process's fires were stored
        finished = {
            run_id: wait_for_status(http, run_id, {"succeeded"}, timeout=60) for run_id in fired
        }
    with get_sync_client(url=survivor.base_url, api_key=None) as sdk:
        runs = [sdk.runs.get(native[r]["thread_id"], r) for r in fired]
    assert {r["metadata"]["cron_id"] for r in runs} == {cron_id}
    due = _due_times(runs)
    # Once per due time: no time twice, and no time lost, not even to the kill -9.
    assert len(due) == len(set(due)), due
    assert {b - a for a, b in pairwise(due)} == {timedelta(seconds=PERIOD)}, due
    # Every run executed on a worker (API processes here run none), to the end.
    worker_logs = "".join(w.log() for w in cluster.workers)
    assert all(f"claimed run {run_id}" in worker_logs for run_id in fired)
    assert {f["status"] for f in finished.values()} == {"succeeded"}
