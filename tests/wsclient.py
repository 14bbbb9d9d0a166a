"""A small WebSocket test client over the real `websockets` library."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


class ProtocolClient:
    """Sends protocol messages and collects what the server sends back."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.received: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, url: str, **kwargs: Any) -> ProtocolClient:
        return cls(await connect(url, max_size=2**24, **kwargs))

    async def close(self) -> None:
        await self.connection.close()

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.connection.send(message if isinstance(message, str) else json.dumps(message))

    async def next(self, timeout: float = 15.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.connection.recv(), timeout)
        message = json.loads(raw)
        self.received.append(message)
        return message

    async def until(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20.0
    ) -> list[dict[str, Any]]:
        """Receive until `predicate` holds for a message; returns everything received."""
        got: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.next(max(0.01, deadline - loop.time()))
            got.append(message)
            if predicate(message):
                return got

    async def run_events(self, run_id: str, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Events of one run up to its final event or its interruption."""
        stop = {"run.completed", "run.failed", "run.cancelled", "run.interrupted"}
        got = await self.until(
            lambda m: m.get("run_id") == run_id and m.get("type") in stop, timeout
        )
        return [m for m in got if m.get("run_id") == run_id and "seq" in m]


def final(run_events: list[dict[str, Any]]) -> dict[str, Any]:
    return run_events[-1]


def types(run_events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in run_events]
