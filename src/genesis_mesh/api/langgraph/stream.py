"""Stream modes: a run's stored events become the LangGraph Server's SSE events.

`metadata` comes first, then the parts of the modes the client asked for, `error` when
the run failed, and `end` last. Each SSE message carries the `seq` of the event it came
from as its id (on the last message of that event), so `Last-Event-ID` resumes exactly
after it. A LangGraph run's stream ends when the run ends or stops at an interrupt.

A run started here records LangGraph's own parts of the modes asked for (`stream.part`
events, `CORE_MODES`): those are passed on as they came, with `mode|namespace` names
for subgraphs when `stream_subgraphs` is asked. A run that did not record a mode (one
started by another protocol, or a resume asking for more) gets it derived from the
runner's events instead: `updates` (a node's state update), `values` (the state when
the run ends or stops), `messages-tuple` and `messages` (LLM tokens), `custom` (what a
node writes), `tasks` (node start and result); see docs/langgraph-api.md. `events`
(LangChain's stream events, `runner/stream_events.py`) is recorded or not at all.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from genesis_mesh.api.langgraph.host_keys import client_part
from genesis_mesh.protocol import FINAL_EVENT_TYPES, Event, EventType, RunStatus
from genesis_mesh.serialization import serialize
from genesis_mesh.services import Services

CORE_MODES = {
    "values": "values",
    "updates": "updates",
    "messages-tuple": "messages",
    "messages": "messages",
    "custom": "custom",
    "tasks": "tasks",
    "checkpoints": "checkpoints",
    "debug": "debug",
    "events": "events",
}
"""The LangGraph Server's stream modes and the LangGraph stream mode each is made of."""
SUPPORTED_MODES = frozenset(CORE_MODES)
ENDING_TYPES = FINAL_EVENT_TYPES | {EventType.RUN_INTERRUPTED}
INTERRUPT_KEY = "__interrupt__"
MOVING = (RunStatus.QUEUED, RunStatus.PENDING, RunStatus.RUNNING)
KEEPALIVE_SECONDS = 10.0
QUEUE_SIZE = 10_000


class StateReader(Protocol):
    """Reads the run's thread state values (`state_reader`)."""

    def __call__(self, stopped: bool = False) -> Coroutine[Any, Any, dict[str, Any]]:
        """`stopped`: the values LangGraph streams when a run stops at interrupts (the
        checkpoint's, without what the step's finished nodes wrote, plus `__interrupt__`)."""
        ...


@dataclass
class Part:
    """One SSE message: its event name, data, and id (None: not a resumption point)."""

    event: str
    data: Any
    id: str | None = None

    def encode(self) -> bytes:
        lines = [f"event: {self.event}"]
        if self.data is not None:
            lines.append("data: " + json.dumps(self.data, default=str, ensure_ascii=False))
        if self.id is not None:
            lines.append(f"id: {self.id}")
        return ("\n".join(lines) + "\n\n").encode()


@dataclass
class Translator:
    """Turns one run's events into the parts of the requested modes (one per stream)."""

    modes: Sequence[str]
    read_state: StateReader
    recorded: frozenset[str] = frozenset()
    """LangGraph modes whose raw parts the run stored."""
    subgraphs: bool = False
    _messages: dict[str, str] = field(default_factory=dict)
    last_values: Any = None
    stopped_values: Any = None
    """The root values that carried `__interrupt__`: what LangGraph Server's `wait` and
    `join` answer for a run that stopped at interrupts, even when a later values chunk
    (the writes of a node that finished in the same step) came after it."""

    def __post_init__(self) -> None:
        self._raw = {m for m in self.modes if CORE_MODES[m] in self.recorded}

    async def translate(self, event: Event) -> list[Part]:
        if event.type == EventType.STREAM_PART:
            parts = self._recorded(event.data)
        else:
            parts = await self._parts(event)
        if parts:
            parts[-1].id = str(event.seq)
        return parts

    def _recorded(self, part: dict[str, Any]) -> list[Part]:
        mode, namespace, data = part.get("mode"), part.get("namespace") or [], part.get("data")
        wanted = [m for m in self._raw if CORE_MODES[m] == mode]
        if not wanted or (namespace and not self.subgraphs and mode != "messages"):
            return []
        data = client_part(str(mode), data)
        suffix = "|" + "|".join(namespace) if namespace and self.subgraphs else ""
        parts = []
        for server_mode in wanted:
            if server_mode == "messages":
                parts += self._legacy_message(data)
            elif server_mode == "messages-tuple":
                parts.append(Part("messages" + suffix, data))
            else:
                parts.append(Part(server_mode + suffix, data))
        if mode == "values" and not namespace:
            self.last_values = data
            if isinstance(data, dict) and data.get(INTERRUPT_KEY):
                self.stopped_values = data
        return parts

    def _legacy_message(self, data: Any) -> list[Part]:
        chunk, metadata = data if isinstance(data, list) and len(data) == 2 else ({}, {})
        return self._partial(str(chunk.get("id") or ""), str(chunk.get("content") or ""), metadata)

    def _partial(self, message_id: str, text: str, metadata: Any) -> list[Part]:
        """`messages/metadata` once per message, then `messages/partial` with all text so far."""
        parts = []
        if message_id not in self._messages:
            self._messages[message_id] = ""
            parts.append(Part("messages/metadata", {message_id: {"metadata": metadata}}))
        self._messages[message_id] += text
        parts.append(Part("messages/partial", [_chunk(message_id, self._messages[message_id])]))
        return parts

    def _when(self, mode: str, data: Any) -> list[Part]:
        return [Part(mode, data)] if mode in self.modes and mode not in self._raw else []

    async def _parts(self, event: Event) -> list[Part]:
        kind, node, data = event.type, event.node, event.data
        if kind == EventType.NODE_STARTED:
            return self._when(
                "tasks", {"id": data.get("task_id"), "name": node, "input": None, "triggers": []}
            )
        if kind == EventType.NODE_COMPLETED:
            update = data.get("update")
            return [
                *self._when("updates", {node: update}),
                *self._when(
                    "tasks",
                    {
                        "id": data.get("task_id"),
                        "name": node,
                        "error": None,
                        "interrupts": [],
                        "result": update,
                    },
                ),
            ]
        if kind == EventType.NODE_PROGRESS:
            payload = {k: v for k, v in data.items() if k != "namespace"}
            return self._when("custom", payload)
        if kind == EventType.MESSAGE_DELTA:
            return self._message(node, data)
        if kind == EventType.RUN_STOPPING:
            return []  # LangGraph Server streams nothing until the run stops
        if kind == EventType.RUN_INTERRUPTED:
            return await self._interrupted(data)
        if kind == EventType.RUN_COMPLETED:
            return self._values(data.get("output"))
        if kind == EventType.RUN_FAILED:
            error = data.get("error") or {}
            return [
                Part(
                    "error",
                    {"error": error.get("type", "Error"), "message": error.get("message", "")},
                )
            ]
        return []

    def _values(self, values: Any) -> list[Part]:
        self.last_values = values
        return self._when("values", values)

    async def _interrupted(self, data: dict[str, Any]) -> list[Part]:
        """As LangGraph streams a stop at interrupts: `__interrupt__` (every pending one)
        as an update, the values of the step's checkpoint with it, then the values with
        the writes of the nodes that finished in that step, when they changed any."""
        state = await self.read_state()
        if data.get("reason") != "question":
            return self._values(state)
        stopped = await self.read_state(stopped=True)
        self.stopped_values = stopped
        parts = [
            *self._when("updates", {INTERRUPT_KEY: stopped[INTERRUPT_KEY]}),
            *self._values(stopped),
        ]
        if state != {k: v for k, v in stopped.items() if k != INTERRUPT_KEY}:
            parts += self._values(state)
        return parts

    def _message(self, node: str | None, data: dict[str, Any]) -> list[Part]:
        message_id = str(data.get("message_id") or "")
        text = str(data.get("text", ""))
        metadata = {"langgraph_node": node}
        parts = []
        if "messages-tuple" in self.modes and "messages-tuple" not in self._raw:
            parts.append(Part("messages", [_chunk(message_id, text), metadata]))
        if "messages" in self.modes and "messages" not in self._raw:
            parts += self._partial(message_id, text, metadata)
        return parts


def _chunk(message_id: str, text: str) -> dict[str, Any]:
    """An `AIMessageChunk` as LangChain dumps it."""
    return {
        "content": text,
        "additional_kwargs": {},
        "response_metadata": {},
        "type": "AIMessageChunk",
        "name": None,
        "id": message_id or None,
        "example": False,
        "tool_calls": [],
        "invalid_tool_calls": [],
        "usage_metadata": None,
        "tool_call_chunks": [],
    }


def state_reader(services: Services, graph: str, thread_id: str) -> StateReader:
    async def read(stopped: bool = False) -> dict[str, Any]:
        compiled = services.registry.get(graph).compiled()
        snapshot = await compiled.aget_state({"configurable": {"thread_id": thread_id}})
        if not stopped:
            return _values_of(snapshot.values)
        # With its checkpoint's id LangGraph reads the checkpoint as saved (not `live`,
        # the pending writes of the step's finished tasks left out).
        saved = await compiled.aget_state(snapshot.config)
        return {**_values_of(saved.values), INTERRUPT_KEY: serialize(list(snapshot.interrupts))}

    return read


def _values_of(state: Any) -> dict[str, Any]:
    values = serialize(state)
    return values if isinstance(values, dict) else {"value": values}


class Feed:
    """One reader's queue of a run's events. Given to `Runner.create_run` as `on_event`
    (`subscribe`), it hears the run from its first event, so its reader needs no replay
    from the store; otherwise `follow_events` fills it with `Runner.follow`."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_SIZE)
        self.unsubscribe: Callable[[], None] = lambda: None

    async def send(self, event: Event) -> None:
        await self.queue.put(event)

    def push(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:  # too slow for the run: end; the client resumes by id
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)
        if event.type in ENDING_TYPES:  # all its reader reads: never left subscribed
            self.unsubscribe()


async def follow_events(
    services: Services,
    run_id: str,
    after_seq: int,
    started: bool = False,
    feed: Feed | None = None,
) -> AsyncIterator[Event]:
    """The run's events after `after_seq`, stored then live, until it ends or stops at an
    interrupt (also when it already has, unless the caller has just `started` it). A
    `feed` subscribed as the run was created brings every event from its first."""
    async for batch in follow_batches(services, run_id, after_seq, started, feed):
        for event in batch:
            yield event


async def follow_batches(
    services: Services,
    run_id: str,
    after_seq: int,
    started: bool = False,
    feed: Feed | None = None,
) -> AsyncIterator[list[Event]]:
    """`follow_events`, each time with every event already come (a stream writes them
    at once: one send for a batch the event log published together)."""
    if not started:
        run = await services.store.get_run(run_id)
        if run.status not in MOVING and after_seq >= run.last_seq:
            return
    follow = None
    if feed is None:
        feed = Feed()
        follow = asyncio.create_task(
            services.runner.follow(run_id, after_seq, feed.send, feed.push, True)
        )
    queue = feed.queue
    try:
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                run = await services.store.get_run(run_id)
                following = follow is not None and not follow.done()
                if run.status not in MOVING and not following and queue.empty():
                    return
                continue
            batch: list[Event] = []
            while event is not None:
                batch.append(event)
                if event.type in ENDING_TYPES or queue.empty():
                    break
                event = queue.get_nowait()
            if batch:
                yield batch
            if event is None or event.type in ENDING_TYPES:
                return
    finally:
        if follow is None:
            feed.unsubscribe()
        elif follow.done() and not follow.cancelled() and follow.exception() is None:
            follow.result()()
        else:
            follow.cancel()


async def segment_start(services: Services, run_id: str) -> int:
    """The seq before the run's latest start or resume: where a fresh join begins."""
    events = await services.store.list_events(run_id, 0, 100_000)
    openings = (EventType.RUN_STARTED, EventType.RUN_RESUMED)
    starts = [e.seq for e in events if e.type in openings]
    return (starts[-1] - 1) if starts else 0


async def join_point(services: Services, run_id: str) -> tuple[int, bool]:
    """Where a join begins, and whether it must wait for the run to move on. A resume
    accepted but not yet opened (`run.resumed` unstored: `pending` in the store, or still
    `interrupted`/`failed` while this process's task waits to write it) joins its coming
    segment, after the stop, not the segment that stop ended."""
    run = await services.store.get_run(run_id)
    start = await segment_start(services, run_id)
    stopped = (RunStatus.INTERRUPTED, RunStatus.FAILED)
    coming = run.status in (RunStatus.QUEUED, RunStatus.PENDING) or (
        run.status in stopped and services.runner.executor.is_executing(run_id)
    )
    if not coming:
        return start, False
    ended = await services.store.list_events(run_id, start, 100_000)
    if any(e.type in ENDING_TYPES for e in ended):
        return max(e.seq for e in ended), True
    return start, False
