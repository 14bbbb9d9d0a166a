"""The protocol on a host that requires authentication: the SDK's `X-Api-Key` opens
commands, streams and the WebSocket; no key is refused; another user's thread is not
found, over both transports."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
import websockets
from langgraph_sdk import get_client

from tests.api.agent_protocol.streams import ALL
from tests.auth.conftest import SECURED_ENV, create_key
from tests.conftest import LiveHost


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    live = LiveHost(tmp_path_factory.mktemp("secured-agent-protocol"), env=dict(SECURED_ENV))
    try:
        yield live.start(timeout=120)
    finally:
        live.stop()


@pytest.fixture(scope="module")
def keys(secured: LiveHost) -> dict[str, str]:
    return {name: create_key(secured, name) for name in ("alice", "bob")}


async def test_the_sdk_streams_with_its_api_key_and_others_are_kept_out(
    secured: LiveHost, keys: dict[str, str], transport: str
) -> None:
    # The SDK's WebSocket handshake sends the stream's own headers, not the client's key.
    headers = {"X-Api-Key": keys["alice"]}
    async with (
        get_client(url=secured.base_url, api_key=keys["alice"]) as alice,
        alice.threads.stream(assistant_id="steps", transport=transport, headers=headers) as thread,
    ):
        await thread.run.start(input={})
        events = [e async for e in thread.subscribe(ALL)]
        thread_id = thread.thread_id
    assert events[-1]["params"]["data"]["event"] == "completed"

    url = f"/threads/{thread_id}/stream/events"
    bob = {"X-Api-Key": keys["bob"]}
    async with httpx.AsyncClient(base_url=secured.base_url, timeout=30) as http:
        anonymous = await http.post(url, json={"channels": ["values"]})
        foreign = await http.post(url, json={"channels": ["values"]}, headers=bob)
        hijack = await http.post(
            f"/threads/{thread_id}/commands",
            json={"id": 1, "method": "run.start", "params": {"assistant_id": "steps"}},
            headers=bob,
        )
    assert anonymous.status_code == 401
    assert foreign.status_code == 404
    assert hijack.status_code == 404 and hijack.json()["type"] == "error"
    ws_url = secured.base_url.replace("http", "ws", 1) + url
    for headers in ({}, bob):
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(ws_url, additional_headers=headers):
                pass
        assert refused.value.response.status_code == (401 if not headers else 404)


async def test_a_websocket_from_a_foreign_origin_is_refused(
    secured: LiveHost, keys: dict[str, str]
) -> None:
    url = secured.base_url.replace("http", "ws", 1) + f"/threads/{uuid.uuid4()}/stream/events"
    headers = {"X-Api-Key": keys["alice"], "Origin": "https://evil.example"}
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(url, additional_headers=headers):
            pass
    assert refused.value.response.status_code == 403
