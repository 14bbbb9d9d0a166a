"""The thread list, thread deletion and time-travel forks of the native REST API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import LiveHost, wait_for_status


@pytest.fixture(scope="module")
def client(host: LiveHost) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=host.base_url, timeout=30) as client:
        yield client


def finished_run(client: httpx.Client, graph: str, input: Any) -> dict[str, Any]:
    started = client.post("/api/v1/runs", json={"graph": graph, "input": input})
    assert started.status_code == 202, started.text
    return wait_for_status(client, started.json()["run_id"], {"succeeded", "failed"})


def test_threads_are_listed_with_their_runs_and_filtered(client: httpx.Client) -> None:
    run = finished_run(client, "steps", {"delay": 0.0, "record_to": "/dev/null"})
    threads = client.get("/api/v1/threads", params={"q": "/dev/null"}).json()
    mine = [t for t in threads if t["thread_id"] == run["thread_id"]]
    assert len(mine) == 1
    assert mine[0]["graph"] == "steps" and mine[0]["status"] == "succeeded"
    assert [r["run_id"] for r in mine[0]["runs"]] == [run["run_id"]]
    by_graph = client.get("/api/v1/threads", params={"graph": "ask"}).json()
    assert run["thread_id"] not in {t["thread_id"] for t in by_graph}
    failed = client.get("/api/v1/threads", params={"status": "failed"}).json()
    assert run["thread_id"] not in {t["thread_id"] for t in failed}
    later = client.get("/api/v1/threads", params={"since": "2999-01-01T00:00:00Z"}).json()
    assert later == []
    assert client.get("/api/v1/threads", params={"status": "nope"}).status_code == 422
    assert client.get("/api/v1/threads", params={"since": "0.5"}).status_code == 422
    assert client.get("/api/v1/threads", params={"since": "2024-02-30"}).status_code == 422
    assert client.get("/api/v1/threads", params={"since": "2000-01-01"}).json() != []


def test_a_thread_is_deleted_with_its_runs_and_checkpoints(client: httpx.Client) -> None:
    run = finished_run(client, "steps", {"delay": 0.0})
    thread = run["thread_id"]
    assert client.delete(f"/api/v1/threads/{thread}").status_code == 204
    assert client.get(f"/api/v1/threads/{thread}").status_code == 404
    assert client.get(f"/api/v1/runs/{run['run_id']}").status_code == 404
    assert client.delete(f"/api/v1/threads/{thread}").status_code == 404


def test_a_busy_thread_is_not_deleted(client: httpx.Client) -> None:
    started = client.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 2}}).json()
    wait_for_status(client, started["run_id"], {"running"})
    refused = client.delete(f"/api/v1/threads/{started['thread_id']}")
    assert refused.status_code == 409 and refused.json()["code"] == "thread_busy"
    client.post(f"/api/v1/runs/{started['run_id']}/interrupt", json={"mode": "cancel"})


def checkpoint_before(client: httpx.Client, thread: str, node: str) -> dict[str, Any]:
    history = client.get(f"/api/v1/threads/{thread}/history").json()
    return next(c for c in history if c["next"] == [node])


def test_a_fork_runs_from_the_step_after_its_checkpoint(client: httpx.Client) -> None:
    run = finished_run(client, "steps", {"delay": 0.0})
    thread = run["thread_id"]
    before_three = checkpoint_before(client, thread, "three")
    assert before_three["values"]["visited"] == ["one", "two"]

    forked = client.post(
        f"/api/v1/threads/{thread}/fork", json={"checkpoint_id": before_three["checkpoint_id"]}
    )
    assert forked.status_code == 202, forked.text
    fork = wait_for_status(client, forked.json()["run_id"], {"succeeded", "failed"})
    assert fork["status"] == "succeeded" and fork["thread_id"] == thread
    events = client.get(f"/api/v1/runs/{fork['run_id']}/events").json()
    started = [e["node"] for e in events if e["type"] == "node.started"]
    assert started == ["three", "four", "five"]
    assert fork["output"]["visited"] == ["one", "two", "three", "four", "five"]

    edited = client.post(
        f"/api/v1/threads/{thread}/fork",
        json={"checkpoint_id": before_three["checkpoint_id"], "values": {"visited": ["x"]}},
    )
    assert edited.status_code == 202, edited.text
    done = wait_for_status(client, edited.json()["run_id"], {"succeeded", "failed"})
    assert done["output"]["visited"] == ["x", "three", "four", "five"]
    runs = client.get(f"/api/v1/threads/{thread}").json()["runs"]
    assert runs == [run["run_id"], fork["run_id"], done["run_id"]]


def test_a_fork_from_an_unknown_checkpoint_or_with_bad_values_is_a_422(
    client: httpx.Client,
) -> None:
    run = finished_run(client, "steps", {"delay": 0.0})
    thread = run["thread_id"]
    missing = client.post(f"/api/v1/threads/{thread}/fork", json={"checkpoint_id": "nope"})
    assert missing.status_code == 422 and "no checkpoint" in missing.json()["message"]
    cp = checkpoint_before(client, thread, "three")["checkpoint_id"]
    bad = client.post(
        f"/api/v1/threads/{thread}/fork",
        json={"checkpoint_id": cp, "values": {"visited": []}, "as_node": "nowhere"},
    )
    assert bad.status_code == 422 and "LangGraph refused" in bad.json()["message"]
    nul = client.post(
        f"/api/v1/threads/{thread}/fork",
        json={"checkpoint_id": cp, "values": {"visited": ["a\u0000b"]}},
    )
    assert nul.status_code == 422 and "NUL" in nul.json()["message"]


def test_a_fork_refuses_unknown_state_keys_and_values_of_the_wrong_type(
    client: httpx.Client,
) -> None:
    run = finished_run(client, "steps", {"delay": 0.0})
    thread = run["thread_id"]
    cp = checkpoint_before(client, thread, "three")["checkpoint_id"]
    unknown = client.post(
        f"/api/v1/threads/{thread}/fork",
        json={"checkpoint_id": cp, "values": {"visitd": ["x"], "visited": ["x"]}},
    )
    assert unknown.status_code == 422, unknown.text
    message = unknown.json()["message"]
    assert "Unknown state key(s) 'visitd'" in message and "'visited'" in message
    assert "remove or rename" in message
    wrong = client.post(
        f"/api/v1/threads/{thread}/fork",
        json={"checkpoint_id": cp, "values": {"visited": "x"}},
    )
    assert wrong.status_code == 422, wrong.text
    assert "'visited' must be array" in wrong.json()["message"]
    assert "not string" in wrong.json()["message"]
    runs = client.get(f"/api/v1/threads/{thread}").json()["runs"]
    assert runs == [run["run_id"]]  # nothing was forked
    valid = client.post(
        f"/api/v1/threads/{thread}/fork",
        json={"checkpoint_id": cp, "values": {"visited": ["y"], "delay": 0}},
    )
    assert valid.status_code == 202, valid.text
    done = wait_for_status(client, valid.json()["run_id"], {"succeeded", "failed"})
    assert done["output"]["visited"] == ["y", "three", "four", "five"]


def fork(client: httpx.Client, thread: str, checkpoint: str, values: Any) -> httpx.Response:
    return client.post(
        f"/api/v1/threads/{thread}/fork", json={"checkpoint_id": checkpoint, "values": values}
    )


@pytest.mark.parametrize(
    ("values", "wanted"),
    [
        ({"tags": [1, {}]}, "'tags' does not match the graph's state schema at tags[0]"),
        ({"tags": "x"}, "'tags' must be array"),
        ({"profile": {"name": "Ada"}}, "at profile.age: Field required"),
        ({"profile": {"name": "Ada", "age": "3"}}, "at profile.age: Input should be a valid int"),
        ({"settings": {"retries": 1}}, "at settings.tone: Field required"),
        ({"settings": "dry"}, "'settings' must be object"),
        ({"scores": {"a": "high"}}, "at scores.a: Input should be a valid number"),
        ({"log": "x"}, "'log' must be array"),
        ({"log": ["ok", 2]}, "at log[1]: Input should be a valid string"),
        ({"log": {"__overwrite__": "x"}}, "'log' must be array"),
        ({"messages": 5}, "'messages' takes messages"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "Unexpected message type: 'robot'"),
        ({"messages": [{"content": "hi"}]}, "must contain 'role' and 'content'"),
    ],
)
def test_a_fork_checks_nested_reducer_and_messages_values_against_the_state_schema(
    client: httpx.Client, values: dict[str, Any], wanted: str
) -> None:
    run = finished_run(client, "typed_state", {"messages": ["hi"]})
    cp = checkpoint_before(client, run["thread_id"], "tally")["checkpoint_id"]
    refused = fork(client, run["thread_id"], cp, values)
    assert refused.status_code == 422, refused.text
    assert wanted in refused.json()["message"] and "fix its value" in refused.json()["message"]
    assert client.get(f"/api/v1/threads/{run['thread_id']}").json()["runs"] == [run["run_id"]]


def test_a_fork_accepts_every_shape_langgraph_accepts(client: httpx.Client) -> None:
    run = finished_run(client, "typed_state", {"messages": ["hi"]})
    thread = run["thread_id"]
    cp = checkpoint_before(client, thread, "tally")["checkpoint_id"]
    values = {
        "messages": [
            "a string",
            ["user", "a pair"],
            {"role": "assistant", "content": "a dict"},
            {"type": "human", "content": [{"type": "text", "text": "blocks"}]},
        ],
        "log": ["edited"],
        "tags": ["a", "b"],
        "profile": {"name": "Ada", "age": 36},
        "settings": {"tone": "dry"},
        "scores": {"a": 1, "b": 2.5},
    }
    forked = fork(client, thread, cp, values)
    assert forked.status_code == 202, forked.text
    done = wait_for_status(client, forked.json()["run_id"], {"succeeded", "failed"})
    assert done["status"] == "succeeded", done
    assert done["output"]["log"] == ["note", "edited", "tally:6"]
    contents = [m["content"] for m in done["output"]["messages"]]
    assert contents[:5] == ["hi", "noted", "a string", "a pair", "a dict"]
    assert done["output"]["profile"] == {"name": "Ada", "age": 36}
    one = fork(client, thread, cp, {"messages": {"role": "user", "content": "one dict"}})
    assert one.status_code == 202, one.text
    done = wait_for_status(client, one.json()["run_id"], {"succeeded", "failed"})
    assert [m["content"] for m in done["output"]["messages"]] == ["hi", "noted", "one dict"]
    # The messages as the history serves them go back unchanged (the UI's edit-and-fork).
    history = client.get(f"/api/v1/threads/{thread}/history").json()
    served = next(c for c in history if c["checkpoint_id"] == cp)["values"]["messages"]
    served[1]["content"] = "noted, edited"
    round_trip = fork(client, thread, cp, {"messages": served})
    assert round_trip.status_code == 202, round_trip.text
    done = wait_for_status(client, round_trip.json()["run_id"], {"succeeded", "failed"})
    assert [m["content"] for m in done["output"]["messages"]] == ["hi", "noted, edited"]
    replaced = fork(client, thread, cp, {"messages": {"__overwrite__": ["a string"]}})
    assert replaced.status_code == 202, replaced.text
    wait_for_status(client, replaced.json()["run_id"], {"succeeded", "failed"})
    overwrite = fork(client, thread, cp, {"log": {"__overwrite__": ["only"]}})
    assert overwrite.status_code == 202, overwrite.text
    done = wait_for_status(client, overwrite.json()["run_id"], {"succeeded", "failed"})
    assert done["output"]["log"] == ["only", "tally:2"]


def test_a_fork_of_a_pydantic_state_coerces_like_langgraph_and_keeps_field_limits(
    client: httpx.Client,
) -> None:
    run = finished_run(client, "validated", {"delay": 0})
    thread = run["thread_id"]
    cp = checkpoint_before(client, thread, "wait")["checkpoint_id"]
    too_long = fork(client, thread, cp, {"delay": 100})
    assert too_long.status_code == 422, too_long.text
    assert "at delay: Input should be less than or equal to 60" in too_long.json()["message"]
    coerced = fork(client, thread, cp, {"delay": "0.1"})
    assert coerced.status_code == 202, coerced.text
    done = wait_for_status(client, coerced.json()["run_id"], {"succeeded", "failed"})
    assert done["status"] == "succeeded" and done["output"]["done"] is True
