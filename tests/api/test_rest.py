"""REST and Server-Sent Events against a real host."""

from __future__ import annotations

import json
import time

import httpx

from tests.conftest import ROOT, LiveHost, wait_for_status

NODES = ["one", "two", "three", "four", "five"]


def sse_events(response: httpx.Response) -> list[dict[str, object]]:
    events, current = [], {}
    for line in response.iter_lines():
        if not line:
            if "data" in current:
                events.append(current)
            current = {}
        elif line.startswith(":"):
            continue
        else:
            key, _, value = line.partition(":")
            current[key] = value.lstrip(" ")
    return events


def test_graphs_are_listed_with_broken_ones_unavailable_and_explained(host: LiveHost) -> None:
    with host.client() as http:
        graphs = {g["name"]: g for g in http.get("/api/v1/graphs").json()}
    assert graphs["steps"]["available"] is True
    assert graphs["steps"]["description"].startswith("Five steps in a row")
    assert graphs["broken"]["available"] is False
    assert "a_module_that_does_not_exist" in graphs["broken"]["error"]


def test_graph_detail_has_schemas_nodes_edges_and_mermaid(host: LiveHost) -> None:
    with host.client() as http:
        info = http.get("/api/v1/graphs/steps").json()
        missing = http.get("/api/v1/graphs/nope")
    assert set(info["input_schema"]["properties"]) == {"delay", "record_to", "record_pid"}
    assert "visited" in info["output_schema"]["properties"]
    assert [n["id"] for n in info["nodes"]] == ["__start__", *NODES, "__end__"]
    assert {"source": "one", "target": "two", "conditional": False} in info["edges"]
    assert info["mermaid"].startswith("---") or "graph TD" in info["mermaid"]
    assert missing.status_code == 404 and missing.json()["code"] == "graph_not_found"


def test_a_run_is_accepted_with_202_and_completes_with_its_output(host: LiveHost) -> None:
    with host.client() as http:
        created = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0.01}})
        assert created.status_code == 202
        body = created.json()
        assert body["status"] in ("pending", "running") and body["thread_id"]
        run = wait_for_status(http, body["run_id"], {"succeeded"})
        listed = http.get("/api/v1/runs", params={"thread_id": body["thread_id"]}).json()
        by_status = http.get("/api/v1/runs", params={"status": "succeeded"}).json()
    assert run["output"] == {"delay": 0.01, "visited": NODES} or run["output"]["visited"] == NODES
    assert [r["run_id"] for r in listed] == [body["run_id"]]
    assert body["run_id"] in {r["run_id"] for r in by_status}


def test_bad_requests_get_clear_errors(host: LiveHost) -> None:
    with host.client() as http:
        bad_input = http.post("/api/v1/runs", json={"graph": "steps", "input": "not an object"})
        unknown = http.post("/api/v1/runs", json={"graph": "nope", "input": {}})
        broken = http.post("/api/v1/runs", json={"graph": "broken", "input": {}})
        malformed = http.post(
            "/api/v1/runs", content=b"{nope", headers={"content-type": "application/json"}
        )
        extra = http.post("/api/v1/runs", json={"graph": "steps", "surprise": 1})
        no_run = http.get("/api/v1/runs/run-missing")
        huge = http.post("/api/v1/runs", json={"graph": "steps", "input": {"x": "a" * 2_000_000}})
        bad_status = http.get("/api/v1/runs", params={"status": "sleeping"})
    assert bad_input.status_code == 422
    assert bad_input.json()["code"] == "invalid_input"
    assert "Expected dict, got 'not an object'" in bad_input.json()["message"]
    assert (unknown.status_code, unknown.json()["code"]) == (404, "graph_not_found")
    assert (broken.status_code, broken.json()["code"]) == (503, "graph_unavailable")
    assert (malformed.status_code, malformed.json()["code"]) == (422, "invalid_request")
    assert extra.status_code == 422
    assert (no_run.status_code, no_run.json()["code"]) == (404, "run_not_found")
    assert (huge.status_code, huge.json()["code"]) == (413, "request_too_large")
    assert bad_status.status_code == 422


def test_a_second_run_on_a_busy_thread_is_409(host: LiveHost) -> None:
    with host.client() as http:
        first = http.post("/api/v1/runs", json={"graph": "ask", "input": {}}).json()
        wait_for_status(http, first["run_id"], {"interrupted"})
        second = http.post(
            "/api/v1/runs", json={"graph": "ask", "input": {}, "thread_id": first["thread_id"]}
        )
        assert second.status_code == 409
        assert second.json()["code"] == "thread_busy"
        http.post(f"/api/v1/runs/{first['run_id']}/interrupt", json={"mode": "cancel"})
        third = http.post(
            "/api/v1/runs", json={"graph": "ask", "input": {}, "thread_id": first["thread_id"]}
        )
    assert third.status_code == 202


def test_interrupt_and_resume_over_rest_report_the_real_status(host: LiveHost) -> None:
    with host.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "ask", "input": {"topic": "t"}}).json()
        waiting = wait_for_status(http, run["run_id"], {"interrupted"})
        assert waiting["interrupt"]["question"]["question"] == "Which pages about t?"
        resumed = http.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": "free text"})
        assert resumed.status_code == 202
        done = wait_for_status(http, run["run_id"], {"succeeded"})
        again = http.post(f"/api/v1/runs/{run['run_id']}/resume", json={})
        late_cancel = http.post(f"/api/v1/runs/{run['run_id']}/interrupt", json={"mode": "cancel"})
    assert done["output"]["summary"] == "t: free text"
    assert (again.status_code, again.json()["code"]) == (409, "invalid_run_state")
    assert late_cancel.status_code == 409


def test_events_endpoint_returns_stored_events_after_seq(host: LiveHost) -> None:
    with host.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "steps", "input": {}}).json()
        wait_for_status(http, run["run_id"], {"succeeded"})
        every = http.get(f"/api/v1/runs/{run['run_id']}/events").json()
        later = http.get(f"/api/v1/runs/{run['run_id']}/events", params={"after_seq": 5}).json()
    assert [e["seq"] for e in every] == list(range(1, len(every) + 1))
    assert later == every[5:]
    assert every[-1]["type"] == "run.completed"


def test_sse_stream_follows_a_run_and_honours_last_event_id(host: LiveHost) -> None:
    with host.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0.02}}).json()
        url = f"/api/v1/runs/{run['run_id']}/stream"
        with http.stream("GET", url) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            live = sse_events(response)
        with http.stream("GET", url, headers={"Last-Event-ID": "7"}) as response:
            replay = sse_events(response)
    assert [int(e["id"]) for e in live] == list(range(1, len(live) + 1))
    assert live[-1]["event"] == "run.completed"
    assert [int(e["id"]) for e in replay] == list(range(8, len(live) + 1))
    assert json.loads(replay[0]["data"])["seq"] == 8


def test_the_stream_of_a_finished_run_read_from_its_end_closes_at_once(host: LiveHost) -> None:
    with host.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "steps", "input": {}}).json()
        done = wait_for_status(http, run["run_id"], {"succeeded"})
        url = f"/api/v1/runs/{run['run_id']}/stream"
        began = time.monotonic()
        with http.stream("GET", url, params={"after_seq": done["last_seq"]}) as response:
            rest = sse_events(response)
        took = time.monotonic() - began
    assert rest == []
    assert took < 5, f"the stream stayed open {took:.1f}s after the run's last event"


def test_malformed_json_gets_the_status_the_protocol_document_names(host: LiveHost) -> None:
    """FastAPI's answers, which LangGraph Server clients also get for bad JSON: 422 for a
    body that is not JSON, 400 for one that cannot even be decoded."""
    doc = " ".join((ROOT / "docs" / "protocol.md").read_text().split())
    headers = {"content-type": "application/json"}
    with host.client() as http:
        not_json = http.post("/api/v1/runs", content=b"{nope", headers=headers)
        undecodable = http.post("/api/v1/runs", content=b'{"graph": "\xff"}', headers=headers)
    assert (not_json.status_code, not_json.json()["code"]) == (422, "invalid_request")
    assert not_json.json()["detail"][0]["type"] == "json_invalid"
    assert "422 `invalid_request` for a body that is not JSON" in doc
    assert (undecodable.status_code, undecodable.json()["code"]) == (400, "invalid_request")
    assert "400 `invalid_request` for a body that cannot be decoded" in doc


def test_a_pause_asked_inside_a_node_shows_on_the_run_until_the_run_stops(
    live_host: LiveHost,
) -> None:
    live_host.env["GENESIS_MESH_INTERRUPT_WAIT_SECONDS"] = "0.3"
    live_host.start()
    with live_host.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 2}}).json()
        events_url = f"/api/v1/runs/{run['run_id']}/events"
        deadline = time.monotonic() + 30
        while not any(e["type"] == "node.started" for e in http.get(events_url).json()):
            assert time.monotonic() < deadline, "the run never started a node"
            time.sleep(0.05)
        asked = http.post(f"/api/v1/runs/{run['run_id']}/interrupt", json={"mode": "pause"})
        meanwhile = http.get(f"/api/v1/runs/{run['run_id']}").json()
        paused = wait_for_status(http, run["run_id"], {"interrupted"})
    assert (asked.status_code, asked.json()["stop_requested"]) == (202, "pause")
    assert (meanwhile["status"], meanwhile["stop_requested"]) == ("running", "pause")
    assert paused["stop_requested"] is None


def test_thread_state_and_history_come_from_langgraph_checkpoints(host: LiveHost) -> None:
    with host.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "steps", "input": {}}).json()
        wait_for_status(http, run["run_id"], {"succeeded"})
        thread = http.get(f"/api/v1/threads/{run['thread_id']}").json()
        state = http.get(f"/api/v1/threads/{run['thread_id']}/state").json()
        history = http.get(f"/api/v1/threads/{run['thread_id']}/history").json()
        missing = http.get("/api/v1/threads/thread-nope/state")
    assert thread["runs"] == [run["run_id"]] and thread["active_run_id"] is None
    assert state["values"]["visited"] == NODES and state["next"] == []
    assert [h["step"] for h in history] == [5, 4, 3, 2, 1, 0, -1]
    assert history[0]["run_id"] == run["run_id"]
    assert missing.status_code == 404


def test_health_ready_version_and_openapi_examples(host: LiveHost) -> None:
    with host.client() as http:
        assert http.get("/health").json() == {"status": "ok"}
        ready = http.get("/ready").json()
        version = http.get("/version").json()
        spec = http.get("/openapi.json").json()
        docs = http.get("/docs")
    assert ready == {"status": "ready", "checks": {"database": "ok", "checkpointer": "ok"}}
    assert version["protocol"] == "2.1"
    for model in ("RunCreate", "InterruptRequest", "ResumeRequest"):
        assert spec["components"]["schemas"][model]["examples"], model
    assert docs.status_code == 200


def test_a_graph_typed_with_typing_typeddict_runs_without_a_schema(host: LiveHost) -> None:
    with host.client() as http:
        info = http.get("/api/v1/graphs/plain_typeddict").json()
        run = http.post(
            "/api/v1/runs", json={"graph": "plain_typeddict", "input": {"name": "mesh"}}
        ).json()
        done = wait_for_status(http, run["run_id"], {"succeeded"})
    assert info["available"] is True and info["input_schema"] is None
    assert [n["name"] for n in info["nodes"]] == ["__start__", "greet", "__end__"]
    assert done["output"]["greeting"] == "hello mesh"


def test_a_failed_run_is_retried_from_its_last_checkpoint(host: LiveHost, tmp_path) -> None:
    record = tmp_path / "calls.txt"
    with host.client() as http:
        run = http.post(
            "/api/v1/runs", json={"graph": "flaky", "input": {"record_to": str(record)}}
        ).json()
        failed = wait_for_status(http, run["run_id"], {"failed"})
        retried = http.post(f"/api/v1/runs/{run['run_id']}/resume", json={})
        done = wait_for_status(http, run["run_id"], {"succeeded"})
        events = http.get(f"/api/v1/runs/{run['run_id']}/events").json()
    assert "timed out" in failed["error"]["message"]
    assert retried.status_code == 202
    assert done["output"]["result"] == "fetched"
    assert record.read_text().splitlines() == ["prepare", "fetch", "fetch"]
    resumed = [e for e in events if e["type"] == "run.resumed"]
    assert resumed[0]["data"]["reason"] == "retry"
    assert [e["node"] for e in events if e["type"] == "node.completed"] == ["prepare", "fetch"]


def test_graph_detail_opens_its_subgraph_with_the_inner_nodes_grouped(host: LiveHost) -> None:
    with host.client() as http:
        info = http.get("/api/v1/graphs/sub_ask").json()
        flat = http.get("/api/v1/graphs/steps").json()
    assert [n["id"] for n in info["nodes"]] == ["__start__", "begin", "review", "finish", "__end__"]
    assert info["subgraphs"] == [{"id": "review", "name": "review", "parent": None}]
    inner = [n for n in info["xray"]["nodes"] if n["subgraph"] == "review"]
    assert inner == [
        {"id": "review:draft", "name": "draft", "subgraph": "review"},
        {"id": "review:confirm", "name": "confirm", "subgraph": "review"},
    ]
    edges = {(e["source"], e["target"]) for e in info["xray"]["edges"]}
    assert {("begin", "review:draft"), ("review:draft", "review:confirm")} <= edges
    assert ("review:confirm", "finish") in edges
    assert flat["subgraphs"] == [] and flat["xray"]["nodes"] == [
        {**n, "subgraph": None} for n in flat["nodes"]
    ]
