"""Per-user limits against a real host. Two users are two real client addresses on
loopback (127.0.0.2 and 127.0.0.3): without authentication a user is its address
(`limits.user_key`); with authentication the same code keys on the user id."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from starlette.requests import HTTPConnection
from websockets.exceptions import ConnectionClosed

from genesis_mesh.api.limits import MessageRate, StartWindow, user_key
from genesis_mesh.errors import RateLimited
from tests.conftest import LiveHost
from tests.wsclient import ProtocolClient

ALICE, BOB = "127.0.0.2", "127.0.0.3"
SLOW = {"graph": "steps", "input": {"delay": 1.0}}  # five nodes, about five seconds


def http_as(host: LiveHost, address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=host.base_url, transport=transport, timeout=30)


async def ws_as(host: LiveHost, address: str) -> ProtocolClient:
    return await ProtocolClient.open(host.ws_url, local_addr=(address, 0))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---- the rules, in-process ------------------------------------------------------------------


def test_user_key_prefers_the_authenticated_user_and_falls_back_to_the_address() -> None:
    anonymous = HTTPConnection({"type": "http", "client": ("10.1.2.3", 5000), "headers": []})
    state = {"user_id": "u7", "authenticated": True}
    signed_in = HTTPConnection(
        {"type": "http", "client": ("10.1.2.3", 5000), "headers": [], "state": state}
    )
    # With auth off everyone is user "local": one bucket for all would be wrong.
    auth_off = {"user_id": "local", "authenticated": False}
    local = HTTPConnection(
        {"type": "http", "client": ("10.1.2.3", 5000), "headers": [], "state": auth_off}
    )
    assert user_key(anonymous) == "addr:10.1.2.3"
    assert user_key(signed_in) == "user:u7"
    assert user_key(local) == "addr:10.1.2.3"
    assert user_key(HTTPConnection({"type": "http", "headers": []})) == "addr:unknown"


def test_start_window_allows_n_per_minute_and_says_when_the_next_fits() -> None:
    clock = Clock()
    window = StartWindow(3, 60.0, clock)
    for _ in range(3):
        window.check("a")
        window.record("a")
        clock.now += 10
    with pytest.raises(RateLimited) as refused:
        window.check("a")
    assert refused.value.retry_after == 30  # the first start leaves the window at +60 s
    assert refused.value.headers == {"Retry-After": "30"}
    window.check("b")
    clock.now += 30
    window.check("a")


def test_message_rate_allows_a_burst_then_the_rate_and_counts_refusals_in_a_row() -> None:
    clock = Clock()
    rate = MessageRate(per_second=2.0, burst=3, clock=clock)
    assert [rate.admit() for _ in range(3)] == [None, None, None]
    assert rate.admit() == pytest.approx(0.5)
    assert not rate.exhausted
    rate.admit()
    rate.admit()
    assert rate.exhausted
    clock.now += 0.5
    assert rate.admit() is None
    assert not rate.exhausted


# ---- against a live host --------------------------------------------------------------------


async def test_run_starts_over_the_minute_limit_get_429_with_retry_after_per_user(
    live_host: LiveHost,
) -> None:
    live_host.env["GENESIS_MESH_RUN_STARTS_PER_MINUTE"] = "3"
    live_host.start()
    with http_as(live_host, ALICE) as alice, http_as(live_host, BOB) as bob:
        quick = {"graph": "steps", "input": {}}
        assert [alice.post("/api/v1/runs", json=quick).status_code for _ in range(3)] == [202] * 3
        refused = alice.post("/api/v1/runs", json=quick)
        assert bob.post("/api/v1/runs", json=quick).status_code == 202
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "rate_limited"
    assert "GENESIS_MESH_RUN_STARTS_PER_MINUTE" in body["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert (
        body["retry_after"] == body["detail"]["retry_after"] == int(refused.headers["retry-after"])
    )
    socket = await ws_as(live_host, ALICE)
    await socket.send({"type": "start", "graph": "steps", "input": {}})
    reply = await socket.next()
    assert (reply["type"], reply["code"]) == ("error", "rate_limited")
    assert 1 <= reply["retry_after"] <= 60
    await socket.close()


def test_active_runs_are_capped_per_user_and_a_finished_or_paused_run_frees_its_slot(
    live_host: LiveHost,
) -> None:
    live_host.env["GENESIS_MESH_MAX_ACTIVE_RUNS_PER_USER"] = "2"
    live_host.start()
    with http_as(live_host, ALICE) as alice, http_as(live_host, BOB) as bob:
        first, second = (alice.post("/api/v1/runs", json=SLOW).json() for _ in range(2))
        third = alice.post("/api/v1/runs", json=SLOW)
        assert (third.status_code, third.json()["code"]) == (429, "too_many_active_runs")
        assert "GENESIS_MESH_MAX_ACTIVE_RUNS_PER_USER" in third.json()["message"]
        assert bob.post("/api/v1/runs", json=SLOW).status_code == 202
        alice.post(f"/api/v1/runs/{first['run_id']}/interrupt", json={"mode": "cancel"})
        fourth = alice.post("/api/v1/runs", json=SLOW)
        assert fourth.status_code == 202
        paused = alice.post(f"/api/v1/runs/{second['run_id']}/interrupt", json={"mode": "pause"})
        assert paused.json()["status"] == "interrupted"
        fifth = alice.post("/api/v1/runs", json=SLOW)
        assert fifth.status_code == 202
        resumed = alice.post(f"/api/v1/runs/{second['run_id']}/resume", json={})
        assert (resumed.status_code, resumed.json()["code"]) == (429, "too_many_active_runs")
        for run in (fourth.json(), fifth.json()):
            alice.post(f"/api/v1/runs/{run['run_id']}/interrupt", json={"mode": "cancel"})
        assert alice.post(f"/api/v1/runs/{second['run_id']}/resume", json={}).status_code == 202


async def test_sockets_are_capped_per_user_with_an_error_and_a_1008_close(
    live_host: LiveHost,
) -> None:
    live_host.env["GENESIS_MESH_WS_MAX_SOCKETS_PER_USER"] = "3"
    live_host.start()
    alices = [await ws_as(live_host, ALICE) for _ in range(3)]
    for socket in alices:
        await socket.send({"type": "ping", "id": 1})
        assert (await socket.next())["type"] == "pong"
    extra = await ws_as(live_host, ALICE)
    refusal = await extra.next()
    assert (refusal["type"], refusal["code"]) == ("error", "too_many_sockets")
    assert "GENESIS_MESH_WS_MAX_SOCKETS_PER_USER" in refusal["message"]
    with pytest.raises(ConnectionClosed) as closed:
        await extra.next()
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "too many open sockets")
    bob = await ws_as(live_host, BOB)
    await bob.send({"type": "ping", "id": "bob"})
    assert (await bob.next())["id"] == "bob"
    await alices.pop().close()
    again = await _reconnect_within(live_host, ALICE, seconds=5)
    await again.close()
    for socket in [*alices, bob]:
        await socket.close()


async def _reconnect_within(host: LiveHost, address: str, seconds: float) -> ProtocolClient:
    """The server frees a slot when it sees the close: retry for a moment."""
    for _ in range(int(seconds / 0.1)):
        socket = await ws_as(host, address)
        await socket.send({"type": "ping", "id": "again"})
        reply = await socket.next()
        if reply["type"] == "pong":
            return socket
        await socket.close()
        await asyncio.sleep(0.1)
    raise AssertionError("the freed socket slot was not given back")


async def test_a_socket_over_its_message_rate_gets_errors_then_a_1008_close(
    live_host: LiveHost,
) -> None:
    live_host.env.update(
        {"GENESIS_MESH_WS_MESSAGES_PER_SECOND": "1", "GENESIS_MESH_WS_MESSAGE_BURST": "10"}
    )
    live_host.start()
    socket = await ws_as(live_host, ALICE)
    for i in range(15):
        await socket.send({"type": "ping", "id": i})
    replies = [await socket.next() for _ in range(15)]
    pongs = [r for r in replies if r["type"] == "pong"]
    limited = [r for r in replies if r.get("code") == "rate_limited"]
    assert len(pongs) + len(limited) == 15
    assert 10 <= len(pongs) <= 11 and len(limited) >= 4
    assert all(0 < r["retry_after"] <= 1 for r in limited)
    assert "GENESIS_MESH_WS_MESSAGES_PER_SECOND" in limited[0]["message"]
    received: list[dict[str, Any]] = []
    with pytest.raises(ConnectionClosed) as closed:
        for i in range(100):
            await socket.send({"type": "ping", "id": 100 + i})
        while True:
            received.append(json.loads(await asyncio.wait_for(socket.connection.recv(), 10)))
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "message rate limit")
    assert received[-1]["code"] == "rate_limited" and "closed" in received[-1]["message"]
    fresh = await ws_as(live_host, ALICE)
    await fresh.send({"type": "ping", "id": "fresh"})
    assert (await fresh.next())["type"] == "pong"
    await fresh.close()


def test_a_run_over_its_wall_time_ends_failed_naming_the_setting(live_host: LiveHost) -> None:
    live_host.env["GENESIS_MESH_RUN_TIMEOUT_SECONDS"] = "1"
    live_host.start()
    with live_host.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 2.0}}).json()
    ended = live_host.wait_for_status(run["run_id"], {"failed", "succeeded"}, timeout=15)
    assert ended["status"] == "failed"
    assert "GENESIS_MESH_RUN_TIMEOUT_SECONDS" in json.dumps(ended["error"])
