"""At scale a delayed run (`after_seconds`) waits `pending` in PostgreSQL: no worker's
claim takes it before its time, and a worker runs it once the time has come."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from langgraph_sdk import get_sync_client

from tests.scale.conftest import Cluster, make_cluster


@pytest.fixture
def small_cluster(tmp_path: Path) -> Iterator[Cluster]:
    yield from make_cluster(tmp_path, apis=1, workers=1)


def test_a_worker_claims_a_delayed_run_only_once_its_time_has_come(
    small_cluster: Cluster,
) -> None:
    with get_sync_client(url=small_cluster.apis[0].base_url, api_key=None) as client:
        thread = client.threads.create()
        run = client.runs.create(thread["thread_id"], "steps", input={}, after_seconds=3)
        assert run["status"] == "pending"
        time.sleep(1.5)  # the worker polls every 0.5 s: it has looked at the queue
        assert client.runs.get(thread["thread_id"], run["run_id"])["status"] == "pending"
        assert client.threads.get_history(thread["thread_id"]) == []
        done = client.runs.join(thread["thread_id"], run["run_id"])
        assert done == {"visited": ["one", "two", "three", "four", "five"]}
        history = client.threads.get_history(thread["thread_id"])
    first = min(datetime.fromisoformat(state["created_at"]) for state in history)
    assert first >= datetime.fromisoformat(run["created_at"]) + timedelta(seconds=3)
