"""Event fan-out, stop signals and worker wake-ups across processes, over Redis pub/sub.

Pub/sub delivers at most once and keeps nothing. That is enough here because nothing
depends on it alone: events are stored before they are published and followers fill
gaps from the store (`runner/follow.py`); a stop request is also written to the run's row,
which its worker reads with every heartbeat; idle workers also poll for runs. A lost
message, or Redis being away for a while, delays things; it never loses them.

Every process receives every message (one channel per kind, not per run): simple and
robust to reconnects; fine for a handful of processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from genesis_mesh.bus.base import Deliver, Unsubscribe
from genesis_mesh.bus.memory import MemoryEventBus
from genesis_mesh.protocol import Event

logger = logging.getLogger(__name__)

PREFIX = "genesis-mesh"
EVENTS = f"{PREFIX}:events"
CONTROL = f"{PREFIX}:control"
WAKE = f"{PREFIX}:wake"
OUTBOX_SIZE = 50_000
RECONNECT_MAX_SECONDS = 2.0

ControlHandler = Callable[[str, str], None]


class RedisBus:
    """The scale-out bus: events to every process's followers, stop signals to workers."""

    def __init__(self, url: str, events: bool = True) -> None:
        """`events=False` for a process that follows no runs (a worker without HTTP): it
        then hears only stop signals and wake-ups."""
        self._redis = aioredis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=15
        )
        self._local = MemoryEventBus()
        self._outbox: asyncio.Queue[tuple[str, str]] = asyncio.Queue(OUTBOX_SIZE)
        self._control_handlers: list[ControlHandler] = []
        self._wake_handlers: list[Callable[[], None]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._dropped = 0
        self._channels = [EVENTS, CONTROL, WAKE] if events else [CONTROL, WAKE]
        self.connected = False

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen_forever(), name="genesis-mesh-redis-listen"),
            asyncio.create_task(self._publish_forever(), name="genesis-mesh-redis-publish"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._redis.aclose()

    async def ping(self) -> None:
        await self._redis.ping()

    # ---- events -----------------------------------------------------------------------

    def publish(self, event: Event) -> None:
        # The run id first, so a process with no follower of the run skips the parsing.
        self._send(EVENTS, f"{event.run_id}\n{event.model_dump_json()}")

    def subscribe(self, run_id: str, deliver: Deliver) -> Unsubscribe:
        return self._local.subscribe(run_id, deliver)

    # ---- signals ----------------------------------------------------------------------

    def send_control(self, run_id: str, mode: str) -> None:
        self._send(CONTROL, json.dumps({"run_id": run_id, "mode": mode}))

    def on_control(self, handler: ControlHandler) -> None:
        self._control_handlers.append(handler)

    def on_wake(self, handler: Callable[[], None]) -> None:
        """Call `handler` when a run may be waiting (a doorbell, or Redis is back)."""
        self._wake_handlers.append(handler)

    def wake(self) -> None:
        """Tell idle workers there is a run to claim."""
        self._send(WAKE, "")

    # ---- plumbing ---------------------------------------------------------------------

    def _send(self, channel: str, message: str) -> None:
        try:
            self._outbox.put_nowait((channel, message))
        except asyncio.QueueFull:
            self._dropped += 1
            if self._dropped % 1000 == 1:
                logger.warning(
                    "Redis is not keeping up: %d messages dropped (events stay stored; "
                    "followers catch up from the database)",
                    self._dropped,
                )

    async def _publish_forever(self) -> None:
        delay = 0.05
        while True:
            batch = [await self._outbox.get()]
            while not self._outbox.empty() and len(batch) < 500:
                batch.append(self._outbox.get_nowait())
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for channel, message in batch:
                        pipe.publish(channel, message)
                    await pipe.execute()
                delay = 0.05
            except (RedisError, OSError) as exc:
                logger.warning(
                    "publishing to Redis failed (%s); %d messages dropped", exc, len(batch)
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    async def _listen_forever(self) -> None:
        delay = 0.05
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(*self._channels)
                if not self.connected:
                    self._on_connected()
                delay = 0.05
                async for message in pubsub.listen():
                    self._dispatch(message)
            except (RedisError, OSError) as exc:
                if self.connected:
                    logger.warning("lost Redis (%s); reconnecting", exc)
                self.connected = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _on_connected(self) -> None:
        self.connected = True
        self._ring()

    def _ring(self) -> None:
        for handler in self._wake_handlers:
            handler()

    def _dispatch(self, message: dict[str, Any]) -> None:
        channel = _text(message.get("channel"))
        data = _text(message.get("data"))
        try:
            if channel == EVENTS:
                run_id, _, body = data.partition("\n")
                if self._local.has_subscribers(run_id):
                    self._local.publish(Event.model_validate_json(body))
            elif channel == CONTROL:
                control = json.loads(data)
                for handler in self._control_handlers:
                    handler(str(control["run_id"]), str(control["mode"]))
            elif channel == WAKE:
                self._ring()
        except Exception:
            logger.exception("ignoring a malformed message on %s", channel)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
