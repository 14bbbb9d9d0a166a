"""End to end through a real genesis-mesh host: clone over loopback HTTP, node and
progress events for every node, and the report in run.completed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, LiveHost, wait_for_status

from .conftest import GitServer, make_repo
from .fixture_site import FILES, PAGES

NODES = ["clone", "parse", "score", "recommend", "write"]


@pytest.mark.slow
def test_the_host_runs_the_audit_and_streams_every_node(
    live_host: LiveHost, git_server: GitServer, tmp_path: Path
) -> None:
    url = git_server.publish("fixture", make_repo(tmp_path / "site", FILES))
    live_host.config = ROOT / "langgraph.json"
    live_host.env["GENESIS_MESH_GRAPH_CONTEXT"] = json.dumps(
        {
            "topical_mesh": {
                "allow_http": True,
                "allowed_private_hosts": ["127.0.0.1"],
                "workdir": str(tmp_path / "work"),
            }
        }
    )
    live_host.start()
    with live_host.client() as http:
        run = http.post(
            "/api/v1/runs", json={"graph": "topical_mesh", "input": {"repo_url": url}}
        ).json()
        finished = wait_for_status(http, run["run_id"], {"succeeded", "failed"}, timeout=60)
        events = http.get(f"/api/v1/runs/{run['run_id']}/events").json()
    assert finished["status"] == "succeeded", json.dumps(events[-3:])[:2000]
    by_type: dict[str, list[dict[str, object]]] = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    text = json.dumps(by_type.get("node.completed", []))
    assert all(f'"{node}"' in text for node in NODES)
    progress = json.dumps(by_type.get("node.progress", []))
    assert "parsed" in progress and "cloned" in progress
    completed = json.dumps(events[-1])
    assert events[-1]["type"] == "run.completed"
    assert "# Topical mesh report" in completed
    output = finished["output"]
    assert {p["id"] for p in output["pages"]} == PAGES
    assert not (tmp_path / "work" / run["thread_id"]).exists()


@pytest.mark.slow
def test_the_host_refuses_bad_input_with_422_before_a_run_exists(live_host: LiveHost) -> None:
    live_host.config = ROOT / "langgraph.json"
    live_host.start(timeout=120)  # a loaded 2-core machine can take over 30 s to start
    cases = {
        "max_pages": {"repo_url": "https://example.test/r", "max_pages": 10**12},
        "/etc": {"repo_url": "/etc"},
        "loopback": {"repo_url": "https://127.0.0.1/r"},
        "ext": {"repo_url": "ext::sh"},
    }
    with live_host.client() as http:
        for name, payload in cases.items():
            answer = http.post("/api/v1/runs", json={"graph": "topical_mesh", "input": payload})
            assert answer.status_code == 422, (name, answer.text)
            assert answer.json()["code"] == "invalid_input"
        # Past 64 bits no graph can take it (LangGraph cannot checkpoint it): the request
        # itself is refused.
        huge = {"repo_url": "https://example.test/r", "max_pages": 99999999999999999999}
        refused = http.post("/api/v1/runs", json={"graph": "topical_mesh", "input": huge})
        assert refused.status_code == 422 and refused.json()["code"] == "invalid_request"
        assert http.get("/api/v1/runs").json() == []
    message = answer.json()["detail"][0]["msg"]
    assert message.startswith("Refused: '::' selects a git remote helper transport")
