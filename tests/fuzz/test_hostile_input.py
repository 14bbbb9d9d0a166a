"""Inputs the fuzzers found or aim at, pinned as plain tests on both backends: none may
cause a 5xx, and the host keeps serving."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import LiveHost
from tests.wsclient import ProtocolClient

ID_PATHS = [
    "/api/v1/runs/{}",
    "/api/v1/runs/{}/events",
    "/api/v1/runs/{}/stream",
    "/api/v1/threads/{}",
    "/api/v1/threads/{}/state",
    "/api/v1/threads/{}/history",
]
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("path", ID_PATHS)
def test_ids_with_nul_or_control_characters_are_refused_not_crashed_on(
    backend_host: LiveHost, path: str
) -> None:
    with backend_host.client() as http:
        for bad in ("a%00b", "%01", "x%7f"):
            answer = http.get(path.format(bad))
            assert answer.status_code == 422, (path, bad, answer.text)
            assert answer.json()["code"] == "invalid_request"
        listed = http.get("/api/v1/runs", params={"thread_id": "a\x00b"})
        assert listed.status_code == 422


def test_interrupt_resume_and_thread_id_with_nul_are_refused(backend_host: LiveHost) -> None:
    with backend_host.client() as http:
        assert http.post("/api/v1/runs/a%00/interrupt", json={}).status_code == 422
        assert http.post("/api/v1/runs/a%00/resume", json={}).status_code == 422
        start = http.post("/api/v1/runs", json={"graph": "steps", "thread_id": "t\x00"})
        assert start.status_code == 422


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused_in_input_and_answers(
    backend_host: LiveHost, number: str
) -> None:
    with backend_host.client() as http:
        body = '{"graph": "steps", "input": {"delay": ' + number + "}}"
        start = http.post("/api/v1/runs", content=body, headers=JSON)
        assert start.status_code == 422, start.text
        assert "finite" in start.text
        run_id = http.post("/api/v1/runs", json={"graph": "steps", "input": {}}).json()["run_id"]
        resume = http.post(
            f"/api/v1/runs/{run_id}/resume", content='{"value": [' + number + "]}", headers=JSON
        )
        assert resume.status_code == 422, resume.text
        assert http.get("/health").status_code == 200


async def test_non_finite_numbers_and_nul_ids_get_an_error_on_the_socket(
    backend_host: LiveHost,
) -> None:
    client = await ProtocolClient.open(backend_host.ws_url)
    for message in (
        '{"type": "start", "graph": "steps", "input": {"delay": NaN}}',
        '{"type": "resume", "run_id": "r", "value": {"a": [1e999]}}',
        '{"type": "subscribe", "run_id": "a\\u0000b"}',
        '{"type": "start", "graph": "steps", "thread_id": "\\u0000"}',
    ):
        await client.send(message)
        reply = await client.next()
        assert (reply["type"], reply["code"]) == ("error", "invalid_message"), reply
    await client.send({"type": "ping", "id": "alive"})
    assert await client.next() == {"type": "pong", "id": "alive"}
    await client.close()


@pytest.mark.parametrize(
    "body",
    [
        b'{"graph": "steps", "input": {"a": "\xff\xfe"}}',
        b'{"graph": "steps", "input": {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
        b'{"graph": "steps", "input": {"a": ' + b"9" * 5000 + b"}}",
    ],
    ids=["invalid-utf8", "nested-100k", "int-5000-digits"],
)
def test_unreadable_json_bodies_get_400_invalid_request(host: LiveHost, body: bytes) -> None:
    with host.client() as http:
        answer = http.post("/api/v1/runs", content=body, headers=JSON)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_request"
    assert "valid JSON" in answer.json()["message"]


def _chunks(total: int, size: int = 64_000) -> Iterator[bytes]:
    yield b'{"graph": "steps", "input": {"x": "'
    for _ in range(total // size):
        yield b"a" * size
    yield b'"}}'


def test_a_chunked_body_over_the_limit_gets_413_like_an_announced_one(host: LiveHost) -> None:
    with host.client() as http:
        chunked = http.post("/api/v1/runs", content=_chunks(2_000_000), headers=JSON)
        announced = http.post("/api/v1/runs", json={"graph": "steps", "x": "a" * 2_000_000})
        small = http.post("/api/v1/runs", content=_chunks(1000), headers=JSON)
    assert "content-length" not in chunked.request.headers
    assert (chunked.status_code, chunked.json()["code"]) == (413, "request_too_large")
    assert chunked.json() == announced.json()
    assert chunked.json()["detail"] == {"limit": 1_000_000}
    assert small.status_code == 202


def test_oversized_headers_are_refused_and_the_host_keeps_serving(host: LiveHost) -> None:
    with host.client() as http:
        # h11 checks the limit on what it could not parse yet, so a request that arrives
        # in one read (up to 256 KiB on loopback) may pass; far bigger never does.
        for size in (1_000_000, 20_000_000):
            assert _refused(host, {"x-filler": "a" * size}), size
        assert http.get("/health", headers={"x-filler": "a" * 30_000}).status_code == 200
        run_id = http.post("/api/v1/runs", json={"graph": "steps", "input": {}}).json()["run_id"]
        long_event_id = http.get(
            f"/api/v1/runs/{run_id}/stream", headers={"last-event-id": "9" * 100}
        )
        assert long_event_id.status_code == 422
        assert http.get("/health").status_code == 200


def _refused(host: LiveHost, headers: dict[str, str]) -> bool:
    """A 400, or the connection closed while the client was still sending."""
    with httpx.Client(base_url=host.base_url, timeout=30) as fresh:
        try:
            return fresh.get("/health", headers=headers).status_code == 400
        except httpx.TransportError:
            return True


def test_the_405_answer_lists_every_method_of_the_path(host: LiveHost) -> None:
    with host.client() as http:
        answer = http.request("DELETE", "/api/v1/runs")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"


async def test_a_frame_over_the_websocket_layer_limit_is_closed_with_1009(host: LiveHost) -> None:
    client = await ProtocolClient.open(host.ws_url)
    with pytest.raises(ConnectionClosed) as closed:
        await client.send("x" * (17 * 1024 * 1024))  # the server may close while it arrives
        await client.next()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    again = await ProtocolClient.open(host.ws_url)
    await again.send({"type": "ping", "id": "after"})
    assert await again.next() == {"type": "pong", "id": "after"}
    await again.close()
