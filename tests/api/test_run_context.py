"""Per-run `context` and `config` over REST and the WebSocket of a live host; the context
survives a SIGKILL; a memory graph's store items follow their user across threads."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.auth.conftest import SECURED_ENV, User, create_key
from tests.conftest import LiveHost, wait_for_status
from tests.runner.test_run_context import PROJECT
from tests.wsclient import ProtocolClient, final

OPERATOR = {"persona": {"defaults": {"repeat": 2}, "locked": ["repeat"]}}


@pytest.fixture(scope="module")
def context_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    env = {"GENESIS_MESH_GRAPH_CONTEXT": json.dumps(OPERATOR)}
    live = LiveHost(tmp_path_factory.mktemp("context"), config=PROJECT, env=env).start()
    yield live
    live.stop()


def test_rest_takes_a_runs_context_and_config_under_the_operators_defaults(
    context_host: LiveHost,
) -> None:
    body = {
        "graph": "persona",
        "input": {},
        "context": {"user_name": "Ada", "shout": True},
        "config": {"tags": ["rest"], "metadata": {"origin": "rest"}, "recursion_limit": 40},
    }
    with context_host.client() as http:
        started = http.post("/api/v1/runs", json=body)
        assert started.status_code == 202, started.text
        assert started.json()["context"] == {"user_name": "Ada", "shout": True}
        done = wait_for_status(http, started.json()["run_id"], {"succeeded", "failed"})
    assert done["output"]["greetings"] == ["HELLO ADA HELLO ADA", "BYE ADA BYE ADA"]
    seen = done["output"]["seen"]
    assert (seen["tags"], seen["origin"], seen["recursion_limit"]) == (["rest"], "rest", 40)


def test_rest_refuses_a_wrong_or_locked_context_with_422_and_stores_nothing(
    context_host: LiveHost,
) -> None:
    with context_host.client() as http:
        before = len(http.get("/api/v1/runs").json())
        locked = http.post("/api/v1/runs", json={"graph": "persona", "context": {"repeat": 50}})
        wrong = http.post("/api/v1/runs", json={"graph": "strict", "context": {"level": "x"}})
        missing = http.post("/api/v1/runs", json={"graph": "strict"})
        both = http.post(
            "/api/v1/runs",
            json={"graph": "persona", "context": {"a": 1}, "config": {"configurable": {"b": 2}}},
        )
        odd_config = http.post(
            "/api/v1/runs", json={"graph": "persona", "config": {"recursion_limit": 0}}
        )
        after = len(http.get("/api/v1/runs").json())
    assert (locked.status_code, locked.json()["code"]) == (422, "context_locked")
    assert locked.json()["detail"]["locked"] == ["repeat"]
    assert (wrong.status_code, wrong.json()["code"]) == (422, "invalid_context")
    assert wrong.json()["detail"][0]["loc"] == ["level"]
    assert (missing.status_code, missing.json()["code"]) == (422, "invalid_context")
    assert (both.status_code, both.json()["code"]) == (422, "invalid_context")
    assert odd_config.status_code == 422
    assert after == before


async def test_the_websocket_takes_a_context_and_refuses_a_wrong_one_with_an_error(
    context_host: LiveHost,
) -> None:
    client = await ProtocolClient.open(context_host.ws_url)
    try:
        await client.send({"type": "start", "graph": "strict", "context": {"level": 11}})
        refused = await client.until(lambda m: m.get("type") == "error")
        assert refused[-1]["code"] == "invalid_context"
        await client.send(
            {
                "type": "start",
                "graph": "persona",
                "context": {"user_name": "Linus"},
                "config": {"configurable": {}, "tags": ["ws"]},
            }
        )
        started = await client.until(lambda m: m.get("type") == "run.started")
        events = await client.run_events(started[-1]["run_id"])
    finally:
        await client.close()
    output = final(events)["data"]["output"]
    assert output["greetings"] == ["hello Linus hello Linus", "bye Linus bye Linus"]
    assert output["seen"]["tags"] == ["ws"]


def test_a_run_recovered_after_sigkill_keeps_its_context(
    live_host: LiveHost, tmp_path: Path
) -> None:
    record = tmp_path / "calls.txt"
    live_host.config = PROJECT
    live_host.start()
    body = {
        "graph": "persona",
        "input": {"delay": 1.0, "record_to": str(record)},
        "context": {"user_name": "Grace", "shout": True},
    }
    with live_host.client() as http:
        run = http.post("/api/v1/runs", json=body).json()
        deadline = time.monotonic() + 20
        while "start wait" not in (record.read_text() if record.exists() else ""):
            assert time.monotonic() < deadline, "the run never reached its slow node"
            time.sleep(0.02)
    live_host.kill()
    live_host.start()
    with live_host.client() as http:
        done = wait_for_status(http, run["run_id"], {"succeeded", "failed"}, timeout=30)
        events = http.get(f"/api/v1/runs/{run['run_id']}/events").json()
    assert any(e["type"] == "run.resumed" for e in events)
    assert done["output"]["greetings"] == ["HELLO GRACE", "BYE GRACE"]


def test_a_memory_graph_recalls_across_threads_for_its_user_only(live_host: LiveHost) -> None:
    live_host.config = PROJECT
    live_host.env.update(SECURED_ENV)
    live_host.start()
    alice = User("alice", create_key(live_host, "alice"), live_host)
    bob = User("bob", create_key(live_host, "bob"), live_host)

    def play(user: User, input: dict[str, str]) -> dict[str, object]:
        with user.client() as http:
            started = http.post("/api/v1/runs", json={"graph": "memory", "input": input})
            assert started.status_code == 202, started.text
            return wait_for_status(http, started.json()["run_id"], {"succeeded", "failed"})

    first = play(alice, {"remember": "likes tea"})
    play(bob, {"remember": "likes coffee"})
    second = play(alice, {"remember": "lives in Oslo"})
    third = play(alice, {})
    assert len({first["thread_id"], second["thread_id"], third["thread_id"]}) == 3
    assert sorted(third["output"]["recalled"]) == ["likes tea", "lives in Oslo"]
    assert third["output"]["namespaces"] == [["memories", "default"]]
    assert play(bob, {})["output"]["recalled"] == ["likes coffee"]
