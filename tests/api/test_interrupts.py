"""Interrupts as LangGraph has them, against a real host: every pending interrupt is
reported, answered by id when there are several, a resume LangGraph cannot take is
refused at the door (the run keeps waiting), and `goto` / `update` steer a resume."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.conftest import LiveHost, wait_for_status
from tests.wsclient import ProtocolClient


def start(http: httpx.Client, graph: str, input: dict[str, Any] | None = None) -> dict[str, Any]:
    response = http.post("/api/v1/runs", json={"graph": graph, "input": input or {}})
    assert response.status_code == 202, response.text
    return response.json()


def waiting(http: httpx.Client, graph: str) -> dict[str, Any]:
    run = start(http, graph)
    return wait_for_status(http, run["run_id"], {"interrupted", "failed"})


def events(http: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    return http.get(f"/api/v1/runs/{run_id}/events").json()


def asked_again(http: httpx.Client, run_id: str, timeout: float = 20.0) -> None:
    """Wait for the run's second `run.interrupted` (a resume is stored asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if [e["type"] for e in events(http, run_id)].count("run.interrupted") >= 2:
            return
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not ask again")


def test_two_parallel_questions_are_both_reported_with_their_node(host: LiveHost) -> None:
    with host.client() as http:
        run = waiting(http, "parallel_ask")
        assert run["status"] == "interrupted"
        pending = run["interrupt"]["interrupts"]
        assert sorted(i["node"] for i in pending) == ["approve", "name"]
        assert {i["value"]["question"] for i in pending} == {
            "Approve the plan?",
            "What is it called?",
        }
        assert all(i["namespace"] == [] and len(i["id"]) == 32 for i in pending)
        assert run["interrupt"]["interrupt_id"] == pending[0]["id"]  # 1.x fields kept
        assert run["interrupt"]["question"] == pending[0]["value"]
        interrupted = [e for e in events(http, run["run_id"]) if e["type"] == "run.interrupted"]
        assert len(interrupted) == 1
        assert interrupted[0]["data"]["interrupts"] == pending


def test_a_map_by_interrupt_id_answers_each_parallel_question(host: LiveHost) -> None:
    with host.client() as http:
        run = waiting(http, "parallel_ask")
        ids = {i["node"]: i["id"] for i in run["interrupt"]["interrupts"]}
        answer = {ids["approve"]: "yes", ids["name"]: "Atlas"}
        resumed = http.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": answer})
        assert resumed.status_code == 202, resumed.text
        done = wait_for_status(http, run["run_id"], {"succeeded", "failed"})
        assert done["status"] == "succeeded", done
        assert sorted(done["output"]["log"]) == ["approve:yes", "join:-", "name:Atlas"]


def test_answering_one_of_two_questions_leaves_the_other_pending(host: LiveHost) -> None:
    with host.client() as http:
        run = waiting(http, "parallel_ask")
        ids = {i["node"]: i["id"] for i in run["interrupt"]["interrupts"]}
        http.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": {ids["name"]: "Atlas"}})
        asked_again(http, run["run_id"])
        again = wait_for_status(http, run["run_id"], {"interrupted", "failed"})
        assert again["status"] == "interrupted"
        assert [i["node"] for i in again["interrupt"]["interrupts"]] == ["approve"]
        resumed = http.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": "yes"})
        assert resumed.status_code == 202, resumed.text
        done = wait_for_status(http, run["run_id"], {"succeeded", "failed"})
        assert sorted(done["output"]["log"]) == ["approve:yes", "join:-", "name:Atlas"]


def test_one_plain_value_for_two_questions_is_refused_naming_them(host: LiveHost) -> None:
    with host.client() as http:
        run = waiting(http, "parallel_ask")
        refused = http.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": "yes"})
        assert refused.status_code == 422
        body = refused.json()
        assert body["code"] == "answers_by_id_required"
        ids = sorted(i["id"] for i in run["interrupt"]["interrupts"])
        assert sorted(body["detail"]["pending_interrupt_ids"]) == ids
        assert all(i in body["message"] for i in ids)
        assert http.get(f"/api/v1/runs/{run['run_id']}").json()["status"] == "interrupted"


def test_a_resume_without_an_answer_is_refused_and_the_run_keeps_waiting(
    host: LiveHost,
) -> None:
    with host.client() as http:
        run = waiting(http, "ask")
        for body in ({}, {"value": None}, {"value": {}}):
            refused = http.post(f"/api/v1/runs/{run['run_id']}/resume", json=body)
            assert refused.status_code == 422, body
            assert refused.json()["code"] == "answer_required"
        after = http.get(f"/api/v1/runs/{run['run_id']}").json()
        assert after["status"] == "interrupted"
        assert [e["type"] for e in events(http, run["run_id"])][-1] == "run.interrupted"
        answered = http.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": "a"})
        assert answered.status_code == 202
        assert wait_for_status(http, run["run_id"], {"succeeded", "failed"})["status"] == (
            "succeeded"
        )


def test_answers_to_questions_that_are_not_pending_are_refused(host: LiveHost) -> None:
    with host.client() as http:
        run = waiting(http, "ask")
        stale = "0123456789abcdef0123456789abcdef"
        refused = http.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": {stale: 1}})
        assert refused.status_code == 422
        assert refused.json()["code"] == "unknown_interrupt"
        assert refused.json()["detail"]["interrupt_ids"] == [stale]
        assert http.get(f"/api/v1/runs/{run['run_id']}").json()["status"] == "interrupted"


def test_update_and_goto_steer_a_resume_as_command_does(host: LiveHost) -> None:
    with host.client() as http:
        run = waiting(http, "parallel_ask")
        ids = [i["id"] for i in run["interrupt"]["interrupts"]]
        body = {"value": {ids[0]: "a", ids[1]: "b"}, "update": {"note": "noted"}, "goto": "extra"}
        resumed = http.post(f"/api/v1/runs/{run['run_id']}/resume", json=body)
        assert resumed.status_code == 202, resumed.text
        done = wait_for_status(http, run["run_id"], {"succeeded", "failed"})
        assert done["status"] == "succeeded", done
        assert done["output"]["note"] == "noted"
        assert "extra" in done["output"]["log"] and "join:noted" in done["output"]["log"]
        resumed_event = next(e for e in events(http, run["run_id"]) if e["type"] == "run.resumed")
        assert resumed_event["data"]["goto"] == "extra"
        assert resumed_event["data"]["update"] == {"note": "noted"}


def test_a_bad_goto_or_update_shape_is_a_422_not_a_500(host: LiveHost) -> None:
    with host.client() as http:
        run = waiting(http, "ask")
        for body in ({"value": "a", "goto": 3}, {"value": "a", "update": "x"}):
            refused = http.post(f"/api/v1/runs/{run['run_id']}/resume", json=body)
            assert refused.status_code == 422, body
        assert http.get(f"/api/v1/runs/{run['run_id']}").json()["status"] == "interrupted"


def test_an_interrupt_inside_a_subgraph_names_the_inner_node_and_its_namespace(
    host: LiveHost,
) -> None:
    with host.client() as http:
        run = waiting(http, "sub_ask")
        (pending,) = run["interrupt"]["interrupts"]
        assert pending["node"] == "confirm" and run["interrupt"]["node"] == "confirm"
        assert len(pending["namespace"]) == 1 and pending["namespace"][0].startswith("review:")
        interrupted = [e for e in events(http, run["run_id"]) if e["type"] == "run.interrupted"]
        assert interrupted[0]["node"] == "confirm"
        assert interrupted[0]["data"]["namespace"] == pending["namespace"]
        http.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": "yes"})
        done = wait_for_status(http, run["run_id"], {"succeeded", "failed"})
        assert done["output"] == {"log": ["begin", "finish"], "notes": ["draft", "confirm:yes"]}


async def test_the_socket_refuses_a_plain_value_for_two_questions_and_takes_a_map(
    host: LiveHost,
) -> None:
    client = await ProtocolClient.open(host.ws_url)
    await client.send({"type": "start", "graph": "parallel_ask", "input": {}})
    run_id = (await client.until(lambda m: m.get("type") == "run.started"))[-1]["run_id"]
    interrupted = (await client.run_events(run_id))[-1]
    assert interrupted["type"] == "run.interrupted"
    pending = interrupted["data"]["interrupts"]
    assert len(pending) == 2
    await client.send({"type": "resume", "run_id": run_id, "value": "yes"})
    error = (await client.until(lambda m: m.get("type") in ("error", "ack")))[-1]
    assert error["type"] == "error" and error["code"] == "answers_by_id_required"
    assert error["run_id"] == run_id
    await client.send({"type": "resume", "run_id": run_id})
    error = (await client.until(lambda m: m.get("type") in ("error", "ack")))[-1]
    assert error["code"] == "answer_required"
    answers = {i["id"]: i["node"] for i in pending}
    await client.send({"type": "resume", "run_id": run_id, "value": answers, "goto": ["extra"]})
    ack = (await client.until(lambda m: m.get("type") in ("error", "ack")))[-1]
    assert ack["type"] == "ack", ack
    done = await client.until(lambda m: m.get("type") == "run.completed" and m["run_id"] == run_id)
    log = done[-1]["data"]["output"]["log"]
    assert sorted(log) == ["approve:approve", "extra", "join:-", "name:name"]
    await client.close()
