"""/ws behind authentication: header or first message, never the URL; expiry closes 4401."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.auth.conftest import User, create_key, keys_command, make_jwt
from tests.conftest import LiveHost
from tests.wsclient import ProtocolClient


async def closed(client: ProtocolClient, timeout: float = 15.0) -> tuple[int | None, str]:
    """Read until the server closes; returns its close code and reason."""
    with pytest.raises(ConnectionClosed):
        while True:
            await client.next(timeout)
    return client.connection.close_code, client.connection.close_reason or ""


async def test_the_authorization_header_authenticates_the_handshake(alice: User) -> None:
    client = await ProtocolClient.open(alice.host.ws_url, additional_headers=alice.headers)
    await client.send({"type": "ping", "id": 1})
    assert await client.next() == {"type": "pong", "id": 1}
    await client.close()


async def test_a_bad_header_is_refused_at_the_handshake_with_401(secured_host: LiveHost) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(secured_host.ws_url, additional_headers={"Authorization": "Bearer gm_x"})
    assert refused.value.response.status_code == 401
    assert json.loads(refused.value.response.body)["code"] == "invalid_token"


async def test_the_first_message_authenticates_and_is_answered(alice: User) -> None:
    client = await ProtocolClient.open(alice.host.ws_url)
    await client.send({"type": "auth", "token": alice.token})
    answer = await client.next()
    assert answer == {
        "type": "authenticated",
        "user_id": "alice",
        "admin": False,
        "expires_at": None,
    }
    await client.send({"type": "start", "graph": "steps", "input": {"delay": 0}})
    started = await client.until(lambda m: m.get("type") == "run.started")
    events = await client.run_events(started[-1]["run_id"])
    assert events[-1]["type"] == "run.completed"
    await client.close()


async def test_any_other_first_message_closes_with_4401(secured_host: LiveHost) -> None:
    client = await ProtocolClient.open(secured_host.ws_url)
    await client.send({"type": "ping"})
    error = await client.next()
    assert error["type"] == "error" and error["code"] == "authentication_required"
    assert await closed(client) == (4401, "authentication required")


async def test_a_wrong_token_in_the_first_message_closes_with_4401(secured_host: LiveHost) -> None:
    client = await ProtocolClient.open(secured_host.ws_url)
    await client.send({"type": "auth", "token": "gm_0123456789ab_wrongwrongwrongwrongwrong"})
    assert (await client.next())["code"] == "invalid_token"
    assert await closed(client) == (4401, "authentication failed")


async def test_a_silent_client_is_closed_after_the_auth_timeout(secured_host: LiveHost) -> None:
    client = await ProtocolClient.open(secured_host.ws_url)
    assert (await client.next(15))["code"] == "authentication_required"
    assert await closed(client) == (4401, "authentication required")


async def test_a_token_in_the_url_is_refused_and_never_logged(
    secured_host: LiveHost, alice: User
) -> None:
    for url in (
        f"{secured_host.ws_url}?token={alice.token}",
        f"{secured_host.ws_url}?access_token=WS-SECRET-IN-URL",
    ):
        with pytest.raises(InvalidStatus) as refused:
            await connect(url, additional_headers=alice.headers)
        assert refused.value.response.status_code == 400
        assert json.loads(refused.value.response.body)["code"] == "token_in_url"
    log = secured_host.log_path.read_text()
    assert alice.token not in log and "WS-SECRET-IN-URL" not in log
    # The refused handshake is logged, with the value cut out of its URL.
    assert '"WebSocket /ws?token=…" 400' in log or "/ws?token=[redacted]" in log


async def test_a_jwt_that_expires_mid_stream_closes_the_socket_with_4401(
    secured_host: LiveHost,
) -> None:
    token = make_jwt("frank", expires_in=3)
    client = await ProtocolClient.open(secured_host.ws_url)
    await client.send({"type": "auth", "token": token})
    answer = await client.next()
    assert answer["user_id"] == "frank" and answer["expires_at"] > time.time()
    await client.send({"type": "ping", "id": "before"})
    assert await client.next() == {"type": "pong", "id": "before"}
    error = await client.next(20)
    assert error["type"] == "error" and error["code"] == "token_expired"
    assert time.time() >= answer["expires_at"]
    assert await closed(client) == (4401, "token expired")


async def test_a_fresh_token_for_the_same_user_extends_the_session(secured_host: LiveHost) -> None:
    client = await ProtocolClient.open(secured_host.ws_url)
    await client.send({"type": "auth", "token": make_jwt("grace", expires_in=3)})
    first = await client.next()
    await client.send({"type": "auth", "token": make_jwt("grace", expires_in=600)})
    second = await client.next()
    assert second["type"] == "authenticated" and second["expires_at"] > first["expires_at"]
    await asyncio.sleep(max(0.0, first["expires_at"] - time.time()) + 1.5)
    await client.send({"type": "ping", "id": "after"})
    assert await client.next() == {"type": "pong", "id": "after"}
    await client.close()


async def test_a_socket_cannot_switch_to_another_user(alice: User, bob: User) -> None:
    client = await ProtocolClient.open(alice.host.ws_url, additional_headers=alice.headers)
    await client.send({"type": "auth", "token": bob.token})
    error = await client.next()
    assert error["type"] == "error" and error["code"] == "invalid_token"
    await client.send({"type": "start", "graph": "steps", "input": {"delay": 0}})
    started = (await client.until(lambda m: m.get("type") == "run.started"))[-1]
    with alice.client() as http:
        assert http.get(f"/api/v1/runs/{started['run_id']}").status_code == 200
    await client.close()


async def test_with_auth_off_an_auth_message_is_answered_as_local(host: LiveHost) -> None:
    client = await ProtocolClient.open(host.ws_url)
    await client.send({"type": "auth", "token": "anything"})
    assert (await client.next())["user_id"] == "local"
    await client.close()


async def test_revoking_a_key_closes_its_open_sockets(secured_host: LiveHost) -> None:
    key = create_key(secured_host, "ivan")
    by_header = await ProtocolClient.open(
        secured_host.ws_url, additional_headers={"Authorization": f"Bearer {key}"}
    )
    by_message = await ProtocolClient.open(secured_host.ws_url)
    await by_message.send({"type": "auth", "token": key})
    assert (await by_message.next())["type"] == "authenticated"
    for client in (by_header, by_message):
        await client.send({"type": "ping", "id": "live"})
        assert await client.next() == {"type": "pong", "id": "live"}
    revoked = keys_command(secured_host.workdir, "revoke", key.split("_")[1])
    assert revoked.returncode == 0, revoked.stderr
    for client in (by_header, by_message):
        error = await client.next(20)
        assert error["type"] == "error" and error["code"] == "invalid_token"
        assert await closed(client) == (4401, "authentication revoked")
