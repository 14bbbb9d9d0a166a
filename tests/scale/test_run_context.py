"""At scale a run's context and config travel with the run: the worker that claims it,
and the one that claims its resume, run it with the values its client gave."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import wait_for_status
from tests.scale.conftest import Cluster, make_cluster


@pytest.fixture
def small_cluster(tmp_path: Path) -> Iterator[Cluster]:
    yield from make_cluster(tmp_path, apis=1, workers=1)


def test_a_worker_runs_and_resumes_a_run_with_its_clients_context_and_config(
    small_cluster: Cluster,
) -> None:
    body = {
        "graph": "persona",
        "input": {"ask": True},
        "context": {"user_name": "Ada", "repeat": 2},
        "config": {"tags": ["scale"], "metadata": {"origin": "cluster"}},
    }
    with small_cluster.apis[0].client() as http:
        run = http.post("/api/v1/runs", json=body).json()
        asked = wait_for_status(http, run["run_id"], {"interrupted", "failed"})
        assert asked["status"] == "interrupted", asked
        assert (
            http.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": "Ada L."}).status_code
            == 202
        )
        done = wait_for_status(http, run["run_id"], {"succeeded", "failed"})
    assert done["output"]["greetings"] == ["hello Ada hello Ada", "bye Ada bye Ada"]
    assert done["output"]["answer"] == "Ada L."
    assert (done["output"]["seen"]["tags"], done["output"]["seen"]["origin"]) == (
        ["scale"],
        "cluster",
    )
