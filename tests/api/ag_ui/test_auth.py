"""AG-UI on a host that requires authentication: a run started here is its caller's, and
another user's thread, run or assistant is not found (nor rejoinable)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api.ag_ui.agui import parse, run_input
from tests.auth.conftest import SECURED_ENV, create_key
from tests.conftest import LiveHost


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    env = {**SECURED_ENV, "GENESIS_MESH_RUN_STARTS_PER_MINUTE": "3"}
    live = LiveHost(tmp_path_factory.mktemp("ag-ui-secured"), env=env)
    try:
        yield live.start(timeout=120)
    finally:
        live.stop()


@pytest.fixture(scope="module")
def keys(secured: LiveHost) -> dict[str, str]:
    return {name: create_key(secured, name) for name in ("alice", "bob", "carol")}


def as_user(host: LiveHost, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=host.base_url, timeout=60, headers={"Authorization": f"Bearer {key}"}
    )


def test_without_a_key_the_endpoint_is_a_401(secured: LiveHost) -> None:
    with secured.client() as anonymous:
        response = anonymous.post("/ag-ui/ask", json=run_input())
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_required"


def test_a_run_is_its_callers_and_another_user_cannot_reach_or_rejoin_it(
    secured: LiveHost, keys: dict[str, str]
) -> None:
    body = run_input(state={"topic": "espresso"})
    with as_user(secured, keys["alice"]) as alice, as_user(secured, keys["bob"]) as bob:
        with alice.stream("POST", "/ag-ui/ask", json=body) as response:
            assert response.status_code == 200
            asked = parse(list(response.iter_lines()))
            path = response.headers["content-location"]
            run_id = response.headers["x-genesis-mesh-run-id"]
        assert asked.events[-1].outcome.type == "interrupt"
        mine = alice.get(f"/api/v1/runs/{run_id}")
        theirs = bob.get(f"/api/v1/runs/{run_id}")
        same_thread = bob.post("/ag-ui/ask", json={**body, "runId": "bob-run"})
        same_run = bob.post("/ag-ui/ask", json=body)
        rejoin = bob.get(path)
        created = alice.post("/assistants", json={"graph_id": "ask", "name": "alices"})
        assistant = created.json()["assistant_id"]
        with alice.stream("POST", f"/ag-ui/{assistant}", json=run_input()) as own:
            own_status = own.status_code
        foreign = bob.post(f"/ag-ui/{assistant}", json=run_input())
    assert mine.status_code == 200 and theirs.status_code == 404
    assert same_thread.status_code == 404 and same_thread.json()["code"] == "thread_not_found"
    assert same_run.status_code == 404
    assert rejoin.status_code == 404
    assert own_status == 200
    assert foreign.status_code == 404 and foreign.json()["code"] == "assistant_not_found"


def test_run_starts_count_against_the_callers_limit_and_a_resume_does_not(
    secured: LiveHost, keys: dict[str, str]
) -> None:
    bodies = [run_input(state={"topic": f"t{i}"}) for i in range(4)]
    with as_user(secured, keys["carol"]) as carol:
        asked = []
        for body in bodies[:3]:
            with carol.stream("POST", "/ag-ui/ask", json=body) as response:
                assert response.status_code == 200
                asked.append(parse(list(response.iter_lines())))
        refused = carol.post("/ag-ui/ask", json=bodies[3])
        interrupt = asked[0].events[-1].outcome.interrupts[0]
        resume = [{"interruptId": interrupt.id, "status": "resolved", "payload": "Page A"}]
        answer = {**bodies[0], "runId": "answered", "resume": resume}
        with carol.stream("POST", "/ag-ui/ask", json=answer) as response:
            resumed_status = response.status_code
            done = parse(list(response.iter_lines()))
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert "retry-after" in refused.headers
    assert resumed_status == 200 and done.events[-1].outcome.type == "success"
