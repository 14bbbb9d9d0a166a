"""Bad AG-UI requests get a clear 4xx (the host's JSON error body) before any stream."""

from __future__ import annotations

import uuid

import httpx

from tests.api.ag_ui.agui import post, run_input, user_message
from tests.conftest import LiveHost


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, object] = response.json()
    assert body["code"] == code, body
    return body


def test_a_body_that_is_not_a_run_agent_input_is_a_422_naming_the_fields(host: LiveHost) -> None:
    with host.client() as http:
        missing = http.post("/ag-ui/react_agent", json={"messages": "hi"})
        not_json = http.post(
            "/ag-ui/react_agent", content=b"{nope", headers={"content-type": "application/json"}
        )
        bad_role = http.post(
            "/ag-ui/react_agent",
            json=run_input(messages=[{"id": "m1", "role": "robot", "content": "hi"}]),
        )
        not_object_state = http.post("/ag-ui/interrupt_node", json=run_input(state=[1, 2]))
    body = error_of(missing, 422, "invalid_request")
    locs = {tuple(d["loc"]) for d in body["detail"]}  # type: ignore[union-attr]
    assert ("body", "threadId") in locs and ("body", "runId") in locs
    error_of(not_json, 422, "invalid_request")
    error_of(bad_role, 422, "invalid_request")
    error_of(not_object_state, 422, "invalid_input")


def test_ids_with_control_characters_are_refused(host: LiveHost) -> None:
    with host.client() as http:
        response = http.post("/ag-ui/react_agent", json=run_input(threadId="a\nb"))
    body = error_of(response, 422, "invalid_request")
    assert body["detail"][0]["loc"] == ["body", "threadId"]  # type: ignore[index]


def test_an_unknown_assistant_is_a_404(host: LiveHost) -> None:
    with host.client() as http:
        response = http.post("/ag-ui/no_such_graph", json=run_input())
        health = http.get(f"/ag-ui/{uuid.uuid4()}/health")
    error_of(response, 404, "assistant_not_found")
    error_of(health, 404, "assistant_not_found")


def test_an_oversize_body_is_a_413(host: LiveHost) -> None:
    huge = run_input(messages=[user_message("x" * 1_100_000)])
    with host.client() as http:
        response = http.post("/ag-ui/react_agent", json=huge)
    error_of(response, 413, "request_too_large")


def test_resuming_a_thread_that_waits_for_nothing_is_a_409(host: LiveHost) -> None:
    resume = [{"interruptId": "nope", "status": "resolved", "payload": "yes"}]
    with host.client() as http:
        response = http.post("/ag-ui/interrupt_node", json=run_input(resume=resume))
    error_of(response, 409, "invalid_run_state")


def test_an_answer_to_an_interrupt_that_is_not_pending_is_a_422_and_the_run_waits(
    host: LiveHost,
) -> None:
    body = run_input(state={"draft": "d"})
    with host.client() as http:
        asked = post(http, "interrupt_node", body)
        wrong = [{"interruptId": "not-this-one", "status": "resolved", "payload": "yes"}]
        refused = http.post("/ag-ui/interrupt_node", json={**body, "runId": "x", "resume": wrong})
        bad_command = {"command": {"resume": "yes", "goto": 5}}
        malformed = http.post(
            "/ag-ui/interrupt_node", json={**body, "runId": "y", "forwardedProps": bad_command}
        )
        run = http.get(f"/api/v1/runs/{asked.headers['x-genesis-mesh-run-id']}").json()
    detail = error_of(refused, 422, "unknown_interrupt")["detail"]
    assert detail["pending_interrupt_ids"] == [  # type: ignore[index]
        asked.finished.outcome.interrupts[0].id
    ]
    error_of(malformed, 422, "invalid_input")
    assert run["status"] == "interrupted"


def test_rejoining_a_run_nobody_started_is_a_404_and_past_its_end_a_run_error(
    host: LiveHost,
) -> None:
    body = run_input(state={"draft": "d"})
    with host.client() as http:
        asked = post(http, "interrupt_node", body)
        path = asked.headers["content-location"]
        unknown = http.get(path.replace(body["runId"], "never-started"))
        past = http.get(path, params={"after_event": 99})
        negative = http.get(path, params={"after_event": -1})
        bad_prop = http.post(
            "/ag-ui/interrupt_node",
            json={**body, "forwardedProps": {"genesis_mesh": {"after_event": "two"}}},
        )
    error_of(unknown, 404, "run_not_found")
    assert past.status_code == 200 and '"code":"rejoin_out_of_range"' in past.text
    error_of(negative, 422, "invalid_request")
    error_of(bad_prop, 422, "invalid_request")
