"""One AG-UI run as Server-Sent Events: its stored events, then live ones, numbered.

Every AG-UI event of a run has a number, from 1 (`RUN_STARTED`), sent as the SSE `id`
(AG-UI clients ignore it). Because the translation is a function of the stored events,
the same run always gives the same numbered events, so a client that lost its connection
after event N asks for the rest (`after_event=N`, or `Last-Event-ID: N`) and gets it
exactly once. That rest starts with what a fresh AG-UI stream needs to be valid on its
own: `RUN_STARTED` again, then `STEP_STARTED`, `TEXT_MESSAGE_START` and `TOOL_CALL_START`
for what was open after event N (none of these numbered). A client that applies it on top
of the N events it had ends where an unbroken stream would have left it: AG-UI's client
appends to a message or tool call it already holds.

The run goes on when the connection drops (it is an ordinary run); a reader too slow for
the run has its stream ended, and rejoins the same way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from ag_ui.core import (
    BaseEvent,
    EventType,
    RunErrorEvent,
    RunStartedEvent,
    StepStartedEvent,
    TextMessageStartEvent,
    ToolCallStartEvent,
)
from ag_ui.encoder import EventEncoder

from genesis_mesh.api.ag_ui.translate import Translator
from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import TokenExpired
from genesis_mesh.protocol import Event
from genesis_mesh.services import Services

KEEPALIVE_SECONDS = 10.0
QUEUE_SIZE = 10_000
KEEPALIVE = ": keep-alive\n\n"


class _Opened:
    """What a client has open after the events it saw: the run, steps, text messages and
    tool calls (what a rejoined stream opens again)."""

    def __init__(self) -> None:
        self.run: RunStartedEvent | None = None
        self.steps: dict[str, StepStartedEvent] = {}
        self.messages: dict[str, TextMessageStartEvent] = {}
        self.calls: dict[str, ToolCallStartEvent] = {}

    def see(self, event: BaseEvent) -> None:
        kind = event.type
        if isinstance(event, RunStartedEvent):
            self.run = event
        elif isinstance(event, StepStartedEvent):
            self.steps[event.step_name] = event
        elif kind == EventType.STEP_FINISHED:
            self.steps.pop(str(getattr(event, "step_name", "")), None)
        elif isinstance(event, TextMessageStartEvent):
            self.messages[event.message_id] = event
        elif kind == EventType.TEXT_MESSAGE_END:
            self.messages.pop(str(getattr(event, "message_id", "")), None)
        elif isinstance(event, ToolCallStartEvent):
            self.calls[event.tool_call_id] = event
        elif kind == EventType.TOOL_CALL_END:
            self.calls.pop(str(getattr(event, "tool_call_id", "")), None)

    def reopening(self) -> list[BaseEvent]:
        opened: list[BaseEvent] = [] if self.run is None else [self.run]
        return [*opened, *self.steps.values(), *self.messages.values(), *self.calls.values()]


async def sse(
    services: Services,
    run_id: str,
    after_seq: int,
    translator: Translator,
    user: Identity,
    after_event: int = 0,
) -> AsyncIterator[str]:
    """The AG-UI run of `translator` (the run's events after `after_seq`) as SSE messages,
    from the one after event number `after_event`."""
    encoder = EventEncoder()
    opened = _Opened()
    number = 0
    caught_up = after_event == 0

    def numbered(event: BaseEvent) -> list[str]:
        nonlocal number, caught_up
        number += 1
        if number > after_event:
            return [f"id: {number}\n{encoder.encode(event)}"]
        opened.see(event)
        if number == after_event:
            caught_up = True
            return [encoder.encode(e) for e in opened.reopening()]
        return []

    for message in numbered(translator.opening()):
        yield message
    async for event in _follow(services, run_id, after_seq, user):
        if event is None:
            yield KEEPALIVE
            continue
        if isinstance(event, BaseEvent):  # the caller's token ran out
            yield encoder.encode(event)
            return
        for item in await translator.translate(event):
            for message in numbered(item):
                yield message
        if translator.finished:
            break
    if not caught_up:
        refused = RunErrorEvent(
            message=f"after_event={after_event}, but this run has {number} events; "
            "rejoin with the number of the last event you received.",
            code="rejoin_out_of_range",
        )
        yield encoder.encode(refused)


async def _follow(
    services: Services, run_id: str, after_seq: int, user: Identity
) -> AsyncIterator[Event | BaseEvent | None]:
    """The run's events after `after_seq`, stored then live (None: a keep-alive tick; a
    `RUN_ERROR` when the caller's token expires). Ends early for a reader too slow for
    the run: it rejoins."""
    queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_SIZE)

    async def send(event: Event) -> None:
        await queue.put(event)

    def push(event: Event) -> None:
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait(None)

    follow = asyncio.create_task(services.runner.follow(run_id, after_seq, send, push))
    try:
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), _wait(user))
            except TimeoutError:
                if follow.done() and follow.exception() is not None:
                    raise follow.exception() from None  # type: ignore[misc]
                if user.expired():
                    expired = TokenExpired()
                    yield RunErrorEvent(message=expired.message, code=expired.code)
                    return
                yield None
                continue
            if event is None:
                return
            yield event
    finally:
        _stop(follow)


def _stop(follow: asyncio.Task[Any]) -> None:
    if follow.done() and not follow.cancelled() and follow.exception() is None:
        follow.result()()  # unsubscribe
    else:
        follow.cancel()


def _wait(user: Identity) -> float:
    if user.expires_at is None:
        return KEEPALIVE_SECONDS
    return max(0.05, min(KEEPALIVE_SECONDS, user.expires_at - time.time()))
