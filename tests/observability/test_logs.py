"""Log lines: JSON with request and run ids when asked for, and never a secret."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
import websockets

from tests.conftest import LiveHost
from tests.observability.helpers import json_log_lines
from tests.wsclient import ProtocolClient

SECRET_INPUT = "sk-live-TOPIC-5ec2e7-do-not-log"
SECRET_ANSWER = "ANSWER-9f1b2c-do-not-log"
BEARER = "Bearer tok-AUTH-7d3a91-do-not-log"
API_KEY = "gm-KEY-41c0de-do-not-log"
WS_TOKEN = "WSTOKEN-0b5e77-do-not-log"


def test_json_log_lines_name_the_request_and_the_run_and_hold_no_secret(
    live_host: LiveHost,
) -> None:
    live_host.env["GENESIS_MESH_LOG_FORMAT"] = "json"
    live_host.start()
    secret_headers = {"Authorization": BEARER, "X-API-Key": API_KEY}
    with live_host.client() as http:
        started = http.post(
            "/api/v1/runs",
            json={"graph": "ask", "input": {"topic": SECRET_INPUT}},
            headers={**secret_headers, "X-Request-ID": "req-start-1"},
        )
        run_id = started.json()["run_id"]
        live_host.wait_for_status(run_id, {"interrupted"})
        http.post(
            f"/api/v1/runs/{run_id}/resume",
            json={"value": {"accepted": [SECRET_ANSWER]}},
            headers=secret_headers,
        )
        live_host.wait_for_status(run_id, {"succeeded"})
        http.get(f"/api/v1/runs/{run_id}?token={WS_TOKEN}", headers=secret_headers)
        failing = http.post("/api/v1/runs", json={"graph": "failing", "input": {}}).json()
        live_host.wait_for_status(failing["run_id"], {"failed"})
    asyncio.run(_touch_websocket(live_host))
    live_host.stop()

    text = live_host.log_path.read_text()
    for secret in (SECRET_INPUT, SECRET_ANSWER, BEARER, "tok-AUTH", API_KEY, WS_TOKEN):
        assert secret not in text, f"{secret!r} leaked into the server log"

    lines = json_log_lines(live_host.log_path)
    assert lines, text[-2000:]
    for line in lines:
        assert set(line) >= {"ts", "level", "logger", "message", "request_id", "run_id"}
    assert started.headers["x-request-id"] == "req-start-1"
    start_lines = [line for line in lines if line["request_id"] == "req-start-1"]
    assert any(line["logger"] == "uvicorn.access" for line in start_lines), start_lines
    about_run = [line for line in lines if line["run_id"] == run_id]
    assert any(line["logger"] == "uvicorn.access" for line in about_run), about_run
    failure = [line for line in lines if line["run_id"] == failing["run_id"]]
    assert any(line["level"] == "error" and "RuntimeError" in line["exception"] for line in failure)
    assert any(
        "/api/v1/runs/" in line["message"] and "token=…" in line["message"] for line in lines
    )


async def _touch_websocket(live_host: LiveHost) -> None:
    """A handshake with a token in its URL: refused (docs/security.md), and not logged."""
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        await ProtocolClient.open(f"{live_host.ws_url}?token={WS_TOKEN}")
    assert refused.value.response.status_code == 400


def test_text_log_lines_name_the_request(live_host: LiveHost) -> None:
    live_host.start()
    with live_host.client() as http:
        http.get("/version", headers={"X-Request-ID": "text-req-42"})
    live_host.stop()
    assert re.search(
        r"INFO +uvicorn\.access \[req=text-req-42\]: .*GET /version", live_host.log_path.read_text()
    )


def test_a_client_request_id_is_echoed_and_a_bad_one_replaced(host: LiveHost) -> None:
    with host.client() as http:
        kept = http.get("/health", headers={"X-Request-ID": "abc-123_x.y:z"})
        replaced = http.get("/health", headers={"X-Request-ID": "no spaces\tor tabs"})
        too_long = http.get("/health", headers={"X-Request-ID": "a" * 129})
        fresh = http.get("/health")
        refused = http.post("/api/v1/runs", json={"graph": "nope", "input": {}})
    assert kept.headers["x-request-id"] == "abc-123_x.y:z"
    for answer in (replaced, too_long, fresh, refused):
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])
    assert len({r.headers["x-request-id"] for r in (replaced, too_long, fresh, refused)}) == 4


NOISY_GRAPH = """
import logging

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

logger = logging.getLogger("noisy_graph")


class State(TypedDict, total=False):
    value: int


async def speak(state: State) -> dict[str, int]:
    logger.warning("a node speaks")
    return {"value": 1}


builder = StateGraph(State)
builder.add_node("speak", speak)
builder.add_edge(START, "speak")
builder.add_edge("speak", END)
graph = builder
"""


def test_a_nodes_own_log_line_names_its_run(live_host: LiveHost, tmp_path: Path) -> None:
    (tmp_path / "noisy.py").write_text(NOISY_GRAPH)
    config = tmp_path / "langgraph.json"
    config.write_text(json.dumps({"graphs": {"noisy": "./noisy.py:graph"}}))
    live_host.config = config
    live_host.env["GENESIS_MESH_LOG_FORMAT"] = "json"
    live_host.start()
    with live_host.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "noisy", "input": {}}).json()
        live_host.wait_for_status(run["run_id"], {"succeeded"})
    live_host.stop()
    spoken = [
        line for line in json_log_lines(live_host.log_path) if line["message"] == "a node speaks"
    ]
    assert [(line["logger"], line["run_id"]) for line in spoken] == [("noisy_graph", run["run_id"])]


def test_a_websocket_handshake_echoes_the_request_id(host: LiveHost) -> None:
    async def handshake() -> str:
        client = await ProtocolClient.open(
            host.ws_url, additional_headers={"X-Request-ID": "ws-req-7"}
        )
        try:
            response = client.connection.response
            assert response is not None
            return str(response.headers["x-request-id"])
        finally:
            await client.close()

    assert asyncio.run(handshake()) == "ws-req-7"
