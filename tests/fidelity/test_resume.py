"""A resume LangGraph cannot take (no value for a pending `interrupt()`) is refused at the
door, and the run keeps waiting for its answer (`langgraph dev` asks the question again)."""

from __future__ import annotations

from typing import Any

from tests.conftest import LiveHost
from tests.wsclient import ProtocolClient


def waiting_run(host: LiveHost) -> dict[str, Any]:
    with host.client() as client:
        run = client.post(
            "/api/v1/runs", json={"graph": "interrupt_node", "input": {"draft": "Post"}}
        )
        return host.wait_for_status(run.json()["run_id"], {"interrupted", "failed", "succeeded"})


def test_rest_resume_without_a_value_is_a_422_and_the_run_keeps_waiting(
    corpus_host: LiveHost,
) -> None:
    run = waiting_run(corpus_host)
    assert run["status"] == "interrupted"

    with corpus_host.client() as client:
        refused = client.post(f"/api/v1/runs/{run['run_id']}/resume", json={})
        assert refused.status_code == 422, refused.text
        assert "answer" in refused.json()["message"].lower()
        still = client.get(f"/api/v1/runs/{run['run_id']}").json()
        assert still["status"] == "interrupted" and still["interrupt"] == run["interrupt"]
        answered = client.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": "yes"})
        assert answered.status_code == 202
    asked_again = corpus_host.wait_for_status(run["run_id"], {"interrupted", "failed"})
    assert asked_again["last_seq"] > still["last_seq"], "the answer did not reach the run"


async def test_websocket_resume_without_a_value_is_an_error_and_the_run_keeps_waiting(
    corpus_host: LiveHost,
) -> None:
    run = waiting_run(corpus_host)
    socket = await ProtocolClient.open(corpus_host.ws_url)
    try:
        await socket.send({"type": "resume", "run_id": run["run_id"]})
        reply = await socket.until(lambda m: m.get("type") in ("error", "ack"))
    finally:
        await socket.close()

    assert reply[-1]["type"] == "error", reply[-1]
    with corpus_host.client() as client:
        assert client.get(f"/api/v1/runs/{run['run_id']}").json()["status"] == "interrupted"
