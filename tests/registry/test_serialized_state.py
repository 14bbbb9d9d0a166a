"""State reads as LangGraph Server shows it, the same in the run output, `node.completed`
updates, `/state` and `/history`; what a client reads back it can send back as input."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import LiveHost, wait_for_status

FINAL = {"succeeded", "failed", "interrupted", "cancelled"}


def _run(http: httpx.Client, graph: str, input: Any) -> dict[str, Any]:
    answer = http.post("/api/v1/runs", json={"graph": graph, "input": input})
    assert answer.status_code == 202, answer.text
    return wait_for_status(http, answer.json()["run_id"], FINAL)


def _is_message(value: Any, kind: str) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") == kind
        and isinstance(value.get("id"), str)
        and {"content", "additional_kwargs", "response_metadata", "name"} <= set(value)
    )


def test_messages_are_dicts_in_output_updates_state_and_history(project_host: LiveHost) -> None:
    with project_host.client() as http:
        run = _run(http, "chat", {"messages": [{"role": "user", "content": "hi"}]})
        events = http.get(f"/api/v1/runs/{run['run_id']}/events").json()
        state = http.get(f"/api/v1/threads/{run['thread_id']}/state").json()
        history = http.get(f"/api/v1/threads/{run['thread_id']}/history").json()
    human, ai = run["output"]["messages"]
    assert _is_message(human, "human") and _is_message(ai, "ai")
    assert ai["tool_calls"] == [
        {"name": "lookup", "args": {"q": "hi"}, "id": "call-1", "type": "tool_call"}
    ]
    (update,) = [e["data"]["update"] for e in events if e["type"] == "node.completed"]
    assert update["messages"] == [ai]
    assert state["values"]["messages"] == [human, ai]
    assert history[0]["values"] == state["values"]
    assert all(_is_message(m, m["type"]) for s in history for m in s["values"].get("messages", []))


def test_messages_read_back_can_be_sent_back_as_input(project_host: LiveHost) -> None:
    with project_host.client() as http:
        first = _run(http, "chat", {"messages": [{"role": "user", "content": "hi"}]})
        read = http.get(f"/api/v1/threads/{first['thread_id']}/state").json()["values"]
        again = _run(http, "chat", {"messages": read["messages"]})
    assert again["status"] == "succeeded", again
    sent = [(m["type"], m["content"], m["id"]) for m in read["messages"]]
    got = [(m["type"], m["content"], m["id"]) for m in again["output"]["messages"][:2]]
    assert got == sent


def test_pydantic_models_dataclasses_and_sets_are_objects_and_lists(
    project_host: LiveHost,
) -> None:
    with project_host.client() as http:
        run = _run(http, "objects", {"title": "Home"})
        state = http.get(f"/api/v1/threads/{run['thread_id']}/state").json()
    expected = {
        "title": "Home",
        "page": {"title": "Home", "words": 2},
        "link": {"source": "/", "target": "/about"},
        "tags": ["pillar"],
    }
    assert run["output"] == expected
    assert state["values"] == expected
