"""A run's input: what LangGraph accepts runs, what it refuses is a 422 with its reason, and
the graph gets the input as the client sent it (over REST and the WebSocket)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import LiveHost, wait_for_status
from tests.wsclient import ProtocolClient, final

FINAL = {"succeeded", "failed", "interrupted", "cancelled"}


def _run(
    http: httpx.Client, graph: str, input: Any, thread_id: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"graph": graph, "input": input}
    if thread_id is not None:
        body["thread_id"] = thread_id
    answer = http.post("/api/v1/runs", json=body)
    assert answer.status_code == 202, answer.text
    return wait_for_status(http, answer.json()["run_id"], FINAL)


@pytest.mark.parametrize(
    "input",
    [
        {"messages": [{"role": "user", "content": "hi"}]},
        {"messages": "hi"},
        {"messages": [["user", "hi"]]},
        {"messages": [{"type": "human", "content": "hi"}]},
    ],
    ids=["role-dict", "string", "tuple", "type-dict"],
)
def test_standard_chat_input_runs_a_graph_typed_list_of_any_message(
    project_host: LiveHost, input: Any
) -> None:
    with project_host.client() as http:
        run = _run(http, "chat", input)
    assert run["status"] == "succeeded", run
    human, ai = run["output"]["messages"]
    assert (human["type"], human["content"]) == ("human", "hi")
    assert (ai["type"], ai["content"]) == ("ai", "echo: hi")


@pytest.mark.parametrize(
    ("input", "reason"),
    [
        ({"messages": [{"bad": 1}]}, "Message dict must contain 'role' and 'content' keys"),
        ({"messages": 5}, "Unsupported message type"),
        ({"messages": [{"role": "wizard", "content": "x"}]}, "Unexpected message type: 'wizard'"),
        ("hi", "Expected dict, got 'hi'"),
        ([1, 2], "Expected dict, got [1, 2]"),
    ],
    ids=["no-role", "number", "unknown-role", "string-input", "list-input"],
)
def test_input_langchain_or_langgraph_refuses_is_a_422_naming_the_reason(
    project_host: LiveHost, input: Any, reason: str
) -> None:
    with project_host.client() as http:
        answer = http.post("/api/v1/runs", json={"graph": "chat", "input": input})
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert body["code"] == "invalid_input"
        assert reason in body["message"]
        assert http.get("/ready").status_code == 200


def test_a_total_typeddict_state_takes_partial_input_as_langgraph_does(
    project_host: LiveHost,
) -> None:
    with project_host.client() as http:
        run = _run(http, "partial", {"topic": "animals"})
    assert run["status"] == "succeeded", run
    assert run["output"]["summary"] == "animals 1, animals 2"
    assert run["input"] == {"topic": "animals"}


@pytest.mark.parametrize("value", ["hi", [1, "two"], {"a": 1}, 7, True])
def test_a_functional_api_entrypoint_takes_any_json_value(
    project_host: LiveHost, value: Any
) -> None:
    with project_host.client() as http:
        run = _run(http, "echo", value)
    assert run["status"] == "succeeded", run
    assert run["output"] == {"got": value, "kind": type(value).__name__}
    assert run["input"] == value


def test_a_second_run_of_a_thread_keeps_what_the_first_set(project_host: LiveHost) -> None:
    with project_host.client() as http:
        first = _run(http, "counter", {"note": "first"})
        second = _run(http, "counter", {}, thread_id=first["thread_id"])
    assert first["output"] == {"count": 1, "note": "first"}
    assert second["status"] == "succeeded", second
    assert second["output"] == {"count": 2, "note": "first"}
    assert second["input"] == {}


def test_pydantic_state_input_is_validated_but_passed_on_as_sent(project_host: LiveHost) -> None:
    with project_host.client() as http:
        refused = http.post("/api/v1/runs", json={"graph": "counter", "input": {"count": "abc"}})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"] == ["count"]
        run = _run(http, "counter", {"count": "5", "unknown": 1})
    assert run["status"] == "succeeded", run
    assert run["input"] == {"count": "5", "unknown": 1}
    assert run["output"]["count"] == 6


async def test_a_websocket_start_takes_a_string_input(project_host: LiveHost) -> None:
    client = await ProtocolClient.open(project_host.ws_url)
    try:
        await client.send({"type": "start", "graph": "echo", "input": "hello"})
        started = await client.until(lambda m: m.get("type") == "run.started")
        run_id = started[-1]["run_id"]
        events = await client.run_events(run_id)
        refused = {"type": "start", "graph": "chat", "input": {"messages": 5}}
        await client.send(refused)
        error = await client.until(lambda m: m.get("type") == "error")
    finally:
        await client.close()
    assert started[-1]["data"]["input"] == "hello"
    assert final(events)["type"] == "run.completed"
    assert final(events)["data"]["output"] == {"got": "hello", "kind": "str"}
    assert error[-1]["code"] == "invalid_input"
    assert "Unsupported message type" in error[-1]["message"]


def test_null_input_on_a_new_thread_is_refused_as_langgraph_refuses_it(
    project_host: LiveHost,
) -> None:
    with project_host.client() as http:
        answer = http.post("/api/v1/runs", json={"graph": "partial", "input": None})
    assert answer.status_code == 422, answer.text
    assert "Received no input for __start__" in answer.json()["message"]


@pytest.mark.parametrize(
    "value",
    [2**64 - 1, -(2**63), "x" * 200_000, {"a": [[[[{"b": [1.5e308]}]]]]}, "nul\u0000 text"],
    ids=["uint64-max", "int64-min", "huge-string", "nested", "nul"],
)
def test_odd_json_values_run_and_come_back_without_a_500(
    project_host: LiveHost, value: Any
) -> None:
    with project_host.client() as http:
        run = _run(http, "echo", value)
        events = http.get(f"/api/v1/runs/{run['run_id']}/events")
    assert run["status"] == "succeeded", run
    expected = value.replace("\x00", "") if isinstance(value, str) else value
    assert run["output"]["got"] == expected
    assert events.status_code == 200


@pytest.mark.parametrize("number", [2**64, -(2**63) - 1, 2**200])
def test_integers_langgraph_cannot_checkpoint_are_refused_at_the_door(
    project_host: LiveHost, number: int
) -> None:
    with project_host.client() as http:
        answer = http.post("/api/v1/runs", json={"graph": "echo", "input": {"n": [number]}})
        assert http.get("/ready").status_code == 200
    assert answer.status_code == 422, answer.text
    assert "64 bits" in answer.text


def test_null_input_continues_an_existing_thread_as_langgraph_does(
    project_host: LiveHost,
) -> None:
    with project_host.client() as http:
        first = _run(http, "counter", {"note": "kept"})
        again = _run(http, "counter", None, thread_id=first["thread_id"])
    assert again["status"] == "succeeded", again
    assert again["input"] is None
    assert again["output"] == {"count": 1, "note": "kept"}
