"""Reading the Agent Streaming Protocol with `langgraph-sdk`'s own stream transports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from langgraph_sdk.stream.transport import ProtocolSseTransport, ProtocolWebSocketTransport

ALL = ["values", "updates", "messages", "tools", "lifecycle", "input", "checkpoints", "tasks"]
ALL += ["custom"]
Event = dict[str, Any]
TIMEOUT = 60.0


def transport_for(kind: str, base_url: str, thread_id: str) -> Any:
    """The SDK's transport of `kind` (`sse` or `websocket`) on its own HTTP client."""
    http = httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT)
    cls = ProtocolWebSocketTransport if kind == "websocket" else ProtocolSseTransport
    return cls(client=http, thread_id=thread_id)


async def close(transport: Any) -> None:
    await transport.close()
    await transport._client.aclose()


async def command(transport: Any, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """Send one command; its whole response (`type`, `result`, `meta`)."""
    response = await transport.send_command({"id": 1, "method": method, "params": params})
    assert isinstance(response, dict)
    return response


def is_root_end(event: Event) -> bool:
    params = event.get("params") or {}
    return (
        event.get("method") == "lifecycle"
        and not params.get("namespace")
        and params["data"]["event"] in ("completed", "failed")
    )


async def read_until(
    transport: Any,
    params: dict[str, Any],
    stop: Callable[[Event], bool],
    frames: list[Event] | None = None,
) -> list[Event]:
    """Open one event stream, read events (not command responses) up to and including the
    first one `stop` accepts, then close the stream; `frames` gets every frame."""
    handle = transport.open_event_stream(params)
    events: list[Event] = []

    async def read() -> None:
        await handle.ready
        async for frame in handle.events:
            if frames is not None:
                frames.append(frame)
            if frame.get("type") != "event":
                continue
            events.append(frame)
            if stop(frame):
                return

    try:
        await asyncio.wait_for(read(), TIMEOUT)
    finally:
        await handle.close()
    return events


def seqs(events: list[Event]) -> list[int]:
    return [int(e["seq"]) for e in events]
