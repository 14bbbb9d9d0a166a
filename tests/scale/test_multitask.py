"""Starting a run on a busy thread: reject, enqueue, interrupt, rollback — embedded and at scale."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import LiveHost, wait_for_status
from tests.scale.conftest import events_of, make_cluster

NODES = ["one", "two", "three", "four", "five"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["embedded", "scale-out"])
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHost]:
    workdir = tmp_path_factory.mktemp(request.param)
    if request.param == "embedded":
        host = LiveHost(workdir).start()
        yield host
        host.stop()
        return
    for cluster in make_cluster(workdir, apis=1, workers=2):
        yield cluster.apis[0]


def _start(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post("/api/v1/runs", json={"graph": "steps", **body})


def _slow(http: httpx.Client, thread_id: str | None = None) -> dict[str, Any]:
    """Start a slow run and return once its first node is under way."""
    run: dict[str, Any] = _start(http, input={"delay": 0.8}, thread_id=thread_id).json()
    wait_for_status(http, run["run_id"], {"running"})
    deadline = time.monotonic() + 30
    while not any(e["type"] == "node.started" for e in events_of(http, run["run_id"])):
        assert time.monotonic() < deadline, "the slow run never started a node"
        time.sleep(0.05)
    return run


def test_reject_is_the_default(api: LiveHost) -> None:
    with api.client() as http:
        first = _slow(http)
        second = _start(http, input={}, thread_id=first["thread_id"])
        wait_for_status(http, first["run_id"], {"succeeded"})
    assert second.status_code == 409
    assert second.json()["code"] == "thread_busy"


def test_enqueue_runs_after_the_active_run_on_its_state(api: LiveHost) -> None:
    with api.client() as http:
        first = _slow(http)
        queued = _start(http, input={}, thread_id=first["thread_id"], multitask="enqueue").json()
        assert queued["status"] == "queued"
        done = wait_for_status(http, queued["run_id"], {"succeeded"})
        first_events = events_of(http, first["run_id"])
        queued_events = events_of(http, queued["run_id"])
    assert done["output"]["visited"] == NODES + NODES
    assert first_events[-1]["ts"] < queued_events[0]["ts"]


def test_interrupt_pauses_the_active_run_and_starts_on_its_state(api: LiveHost) -> None:
    with api.client() as http:
        first = _slow(http)
        second = _start(http, input={}, thread_id=first["thread_id"], multitask="interrupt")
        assert second.status_code == 202, second.text
        done = wait_for_status(http, second.json()["run_id"], {"succeeded"})
        paused = http.get(f"/api/v1/runs/{first['run_id']}").json()
        resume = http.post(f"/api/v1/runs/{first['run_id']}/resume", json={})
        thread = http.get(f"/api/v1/threads/{first['thread_id']}").json()
    assert paused["status"] == "interrupted" and paused["interrupt"] == {"reason": "pause"}
    assert paused["superseded_by"] == second.json()["run_id"]
    # The new run continued from the paused run's state: its finished nodes are kept.
    finished_before = len(done["output"]["visited"]) - len(NODES)
    assert 1 <= finished_before < len(NODES)
    assert resume.status_code == 409  # the thread moved on: the old run cannot come back
    assert thread["active_run_id"] is None


def test_rollback_cancels_the_active_run_and_restores_the_thread(api: LiveHost) -> None:
    with api.client() as http:
        first = _start(http, input={}).json()
        wait_for_status(http, first["run_id"], {"succeeded"})
        doomed = _slow(http, first["thread_id"])
        http.get(f"/api/v1/runs/{doomed['run_id']}")
        rolled = _start(http, input={}, thread_id=first["thread_id"], multitask="rollback").json()
        done = wait_for_status(http, rolled["run_id"], {"succeeded"})
        cancelled = http.get(f"/api/v1/runs/{doomed['run_id']}").json()
    assert cancelled["status"] == "cancelled"
    # The first run's nodes, then the new run's: nothing of the cancelled run.
    assert done["output"]["visited"] == NODES + NODES


def test_rollback_of_a_threads_first_run_starts_from_nothing(api: LiveHost) -> None:
    with api.client() as http:
        doomed = _slow(http)
        rolled = _start(http, input={}, thread_id=doomed["thread_id"], multitask="rollback").json()
        done = wait_for_status(http, rolled["run_id"], {"succeeded"})
    assert done["output"]["visited"] == NODES


def test_a_question_waiting_for_an_answer_is_never_dropped(api: LiveHost) -> None:
    with api.client() as http:
        asking = http.post("/api/v1/runs", json={"graph": "ask", "input": {"topic": "t"}}).json()
        wait_for_status(http, asking["run_id"], {"interrupted"})
        thread_id = asking["thread_id"]
        body = {"graph": "ask", "input": {"topic": "u"}, "thread_id": thread_id}
        rejected = http.post("/api/v1/runs", json=body)
        interrupting = http.post("/api/v1/runs", json={**body, "multitask": "interrupt"})
        queued = http.post("/api/v1/runs", json={**body, "multitask": "enqueue"}).json()
        still = http.get(f"/api/v1/runs/{asking['run_id']}").json()
        http.post(f"/api/v1/runs/{asking['run_id']}/resume", json={"value": {"accepted": ["a"]}})
        answered = wait_for_status(http, asking["run_id"], {"succeeded"})
        next_question = wait_for_status(http, queued["run_id"], {"interrupted"})
    assert rejected.status_code == 409 and rejected.json()["code"] == "thread_busy"
    assert interrupting.status_code == 409
    assert interrupting.json()["code"] == "thread_awaits_answer"
    assert still["status"] == "interrupted" and still["interrupt"]["reason"] == "question"
    assert answered["output"]["summary"] == "t: a"
    assert next_question["interrupt"]["reason"] == "question"
