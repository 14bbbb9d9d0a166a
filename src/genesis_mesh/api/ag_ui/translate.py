"""A run's stored events become AG-UI events: the one place that knows both shapes.

One `Translator` per AG-UI run. An AG-UI run is one *segment* of a genesis-mesh run: from
its start (or a resume) to where it stops (done, failed, cancelled, or waiting for an
answer); a resume is the next AG-UI run, as AG-UI wants it. The translation depends only
on the events (and on the thread's state read where a segment stops at an interrupt),
so the same events always give the same AG-UI events in the same order: that is what
lets a client rejoin by counting the events it has (`stream.py`).

The mapping, event by event, is the table of docs/ag-ui.md: steps from top-level
`node.*` events, text messages and tool calls from `message.delta` (ended with the node
that streams them), `TOOL_CALL_RESULT` from `message.tool`, `STATE_DELTA` from a node's
update of keys without a reducer, `CUSTOM` `progress` from `node.progress`; where the
segment stops, `STATE_SNAPSHOT`, `MESSAGES_SNAPSHOT` and `RUN_FINISHED` with its outcome
(`success`, `interrupt` with a `CUSTOM` `on_interrupt` per question, `cancelled`), or
`RUN_ERROR`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ag_ui.core import (
    PROTOCOL_VERSION,
    BaseEvent,
    CustomEvent,
    Interrupt,
    MessagesSnapshotEvent,
    RunErrorEvent,
    RunFinishedCancelledOutcome,
    RunFinishedEvent,
    RunFinishedInterruptOutcome,
    RunFinishedSuccessOutcome,
    RunStartedEvent,
    StateDeltaEvent,
    StateSnapshotEvent,
    StepFinishedEvent,
    StepStartedEvent,
    TextMessageContentEvent,
    TextMessageEndEvent,
    TextMessageStartEvent,
    ToolCallArgsEvent,
    ToolCallEndEvent,
    ToolCallResultEvent,
    ToolCallStartEvent,
)
from ag_ui.core.events import TextMessageRole

from genesis_mesh.api.ag_ui.messages import from_langchain, tool_content
from genesis_mesh.protocol import Event, EventType

StateReader = Callable[[], Awaitable[dict[str, Any]]]
"""Reads the thread's state now (serialized), for the snapshots of a stopped segment."""

INTERRUPT_EVENT = "on_interrupt"
"""The CUSTOM event ag-ui-langgraph sends per interrupt (CopilotKit's LangGraph hooks)."""
PROGRESS_EVENT = "progress"
STOPPING_EVENT = "stopping"
"""The `CUSTOM` event of `run.stopping`: the server is shutting down and pauses the run
at its next node; the stream ends there without `RUN_FINISHED` (rejoin when it is back)."""
_ROLES: dict[str, TextMessageRole] = {"ai": "assistant", "human": "user", "system": "system"}


@dataclass
class _Call:
    id: str | None = None
    name: str | None = None
    pending: str = ""
    started: bool = False


@dataclass
class _Message:
    node: str | None
    """The top-level node streaming it: the message ends with that node's step."""
    role: TextMessageRole
    text_open: bool = False
    calls: dict[Any, _Call] = field(default_factory=dict)


@dataclass
class Translator:
    """Turns the events of one segment into AG-UI events; `finished` once it stopped."""

    thread_id: str
    run_id: str
    read_state: StateReader
    plain_keys: frozenset[str] = frozenset()
    """State keys without a reducer: their updates are sent as `STATE_DELTA`."""
    metadata: dict[str, Any] = field(default_factory=dict)
    finished: bool = False
    _steps: dict[str, set[str]] = field(default_factory=dict)
    _messages: dict[str, _Message] = field(default_factory=dict)

    def opening(self) -> RunStartedEvent:
        return RunStartedEvent(
            thread_id=self.thread_id,
            run_id=self.run_id,
            protocol_version=PROTOCOL_VERSION,
            metadata={"genesis_mesh": self.metadata} if self.metadata else None,
        )

    async def translate(self, event: Event) -> list[BaseEvent]:
        """The AG-UI events of one stored event (none after the segment stopped)."""
        if self.finished:
            return []
        produced = await self._translate(event)
        stamp = int(event.ts.timestamp() * 1000)
        for item in produced:
            item.timestamp = stamp
        return produced

    async def _translate(self, event: Event) -> list[BaseEvent]:
        kind, data, node = event.type, event.data, event.node
        top = node is not None and not data.get("namespace")
        if kind == EventType.NODE_STARTED and top:
            return self._step_started(str(node), str(data.get("task_id")))
        if kind == EventType.NODE_COMPLETED and top:
            task = str(data.get("task_id"))
            return [*self._delta(data.get("update")), *self._step_finished(str(node), task)]
        if kind == EventType.NODE_FAILED and top:
            return self._step_finished(str(node), str(data.get("task_id")))
        if kind == EventType.MESSAGE_DELTA:
            return self._message_delta(node, data, event)
        if kind == EventType.MESSAGE_TOOL:
            return self._tool_result(data)
        if kind == EventType.NODE_PROGRESS:
            return [CustomEvent(name=PROGRESS_EVENT, value=data, raw_event=event.wire())]
        if kind == EventType.RUN_STOPPING:
            return [CustomEvent(name=STOPPING_EVENT, value=data, raw_event=event.wire())]
        if kind == EventType.RUN_INTERRUPTED:
            return await self._interrupted(event)
        if kind == EventType.RUN_COMPLETED:
            output = data.get("output")
            values = output if isinstance(output, dict) else {"output": output}
            return self._finish(values, RunFinishedSuccessOutcome())
        if kind == EventType.RUN_CANCELLED:
            return self._finish(await self.read_state(), RunFinishedCancelledOutcome())
        if kind == EventType.RUN_FAILED:
            self.finished = True
            error = data.get("error") or {}
            return [
                RunErrorEvent(
                    message=str(error.get("message") or "the run failed"),
                    code=str(error.get("type") or "Error"),
                )
            ]
        return []  # run.started, run.resumed, stream.part, subgraph nodes

    # ---- steps ----------------------------------------------------------------------

    def _step_started(self, node: str, task_id: str) -> list[BaseEvent]:
        tasks = self._steps.setdefault(node, set())
        opened = not tasks
        tasks.add(task_id)
        return [StepStartedEvent(step_name=node)] if opened else []

    def _step_finished(self, node: str, task_id: str) -> list[BaseEvent]:
        tasks = self._steps.get(node)
        if tasks is None:
            return []
        tasks.discard(task_id)
        if tasks:
            return []
        del self._steps[node]
        ended = [m for m, msg in self._messages.items() if msg.node == node]
        return [*self._end_messages(ended), StepFinishedEvent(step_name=node)]

    def _delta(self, update: Any) -> list[BaseEvent]:
        if not isinstance(update, dict):
            return []
        ops = [
            {"op": "add", "path": "/" + _pointer(key), "value": value}
            for key, value in update.items()
            if key in self.plain_keys
        ]
        return [StateDeltaEvent.model_validate({"delta": ops})] if ops else []

    # ---- messages and tool calls ----------------------------------------------------

    def _message_delta(
        self, node: str | None, data: dict[str, Any], event: Event
    ) -> list[BaseEvent]:
        """Text and tool-call pieces of one message; it stays open until the top-level
        node that streams it (its subgraph's parent, for a subgraph's message) ends."""
        message_id = str(data.get("message_id") or f"{event.run_id}-{node or 'message'}")
        message = self._messages.get(message_id)
        if message is None:
            role = _ROLES.get(str(data.get("type") or "ai"), "assistant")
            namespace = data.get("namespace")
            owner = str(namespace[0]).split(":", 1)[0] if namespace else node
            message = self._messages[message_id] = _Message(owner, role)
        produced: list[BaseEvent] = []
        text = str(data.get("text") or "")
        if text:
            if not message.text_open:
                message.text_open = True
                produced.append(TextMessageStartEvent(message_id=message_id, role=message.role))
            produced.append(TextMessageContentEvent(message_id=message_id, delta=text))
        for position, chunk in enumerate(data.get("tool_call_chunks") or []):
            produced += self._call_chunk(message_id, message, position, chunk)
        return produced

    def _call_chunk(
        self, message_id: str, message: _Message, position: int, chunk: dict[str, Any]
    ) -> list[BaseEvent]:
        index = chunk.get("index")
        call = message.calls.setdefault(position if index is None else index, _Call())
        call.id = call.id or chunk.get("id")
        call.name = call.name or chunk.get("name")
        call.pending += str(chunk.get("args") or "")
        produced: list[BaseEvent] = []
        if not call.started and call.id and call.name:
            call.started = True
            produced.append(
                ToolCallStartEvent(
                    tool_call_id=call.id, tool_call_name=call.name, parent_message_id=message_id
                )
            )
        if call.started and call.pending:
            produced.append(ToolCallArgsEvent(tool_call_id=str(call.id), delta=call.pending))
            call.pending = ""
        return produced

    def _tool_result(self, data: dict[str, Any]) -> list[BaseEvent]:
        call_id = data.get("tool_call_id")
        if not call_id:
            return []
        produced = self._end_call(str(call_id))
        produced.append(
            ToolCallResultEvent(
                message_id=str(data.get("message_id") or f"{call_id}-result"),
                tool_call_id=str(call_id),
                content=tool_content(data.get("content", "")),
                role="tool",
            )
        )
        return produced

    def _end_call(self, call_id: str) -> list[BaseEvent]:
        for message in self._messages.values():
            for key, call in list(message.calls.items()):
                if call.id == call_id and call.started:
                    del message.calls[key]
                    return [ToolCallEndEvent(tool_call_id=call_id)]
        return []

    def _end_messages(self, message_ids: list[str]) -> list[BaseEvent]:
        produced: list[BaseEvent] = []
        for message_id in message_ids:
            message = self._messages.pop(message_id)
            for call in message.calls.values():
                if call.started:
                    produced.append(ToolCallEndEvent(tool_call_id=str(call.id)))
            if message.text_open:
                produced.append(TextMessageEndEvent(message_id=message_id))
        return produced

    def _close_all(self) -> list[BaseEvent]:
        produced = self._end_messages(list(self._messages))
        produced += [StepFinishedEvent(step_name=node) for node in self._steps]
        self._steps.clear()
        return produced

    # ---- where the segment stops ----------------------------------------------------

    def _finish(self, values: dict[str, Any], outcome: Any) -> list[BaseEvent]:
        self.finished = True
        return [
            *self._close_all(),
            *snapshots(values),
            RunFinishedEvent(thread_id=self.thread_id, run_id=self.run_id, outcome=outcome),
        ]

    async def _interrupted(self, event: Event) -> list[BaseEvent]:
        data = event.data
        reason = data.get("reason")
        if reason == "shutdown":
            return []  # it goes on by itself when the server is back: keep following
        values = await self.read_state()
        if reason != "question":
            stop = Interrupt(
                id=f"{reason}:{event.run_id}:{event.seq}",
                reason=f"genesis_mesh:{reason}",
                message="Paused: resume to continue." if reason == "pause" else None,
                metadata={"genesis_mesh": data},
            )
            return self._finish(values, RunFinishedInterruptOutcome(interrupts=[stop]))
        pending = data.get("interrupts") or [
            {"id": data.get("interrupt_id"), "value": data.get("question"), "node": event.node}
        ]
        customs: list[BaseEvent] = [
            CustomEvent(name=INTERRUPT_EVENT, value=_json_text(item.get("value")))
            for item in pending
        ]
        outcome = RunFinishedInterruptOutcome(interrupts=[interrupt_of(i) for i in pending])
        finished = self._finish(values, outcome)
        return [*finished[:-1], *customs, finished[-1]]


def snapshots(values: dict[str, Any]) -> list[BaseEvent]:
    """`STATE_SNAPSHOT` (the state without its messages) and, when the state has a
    `messages` list, `MESSAGES_SNAPSHOT` of them."""
    messages = values.get("messages")
    if not isinstance(messages, list):
        return [StateSnapshotEvent(snapshot=values)]
    state = {k: v for k, v in values.items() if k != "messages"}
    return [
        StateSnapshotEvent(snapshot=state),
        MessagesSnapshotEvent(messages=from_langchain(messages)),
    ]


def interrupt_of(pending: dict[str, Any]) -> Interrupt:
    """A LangGraph interrupt (`{id, value, node, namespace}`) as AG-UI's, read the way
    ag-ui-langgraph reads it: `reason`, `message`, `toolCallId`, `responseSchema` and
    `expiresAt` from the value when it has them; the value itself in `metadata.langgraph`."""
    value = pending.get("value")
    asked = value if isinstance(value, dict) else {}
    message = value if isinstance(value, str) else asked.get("message", asked.get("question"))
    schema = asked.get("responseSchema", asked.get("response_schema"))
    return Interrupt(
        id=str(pending.get("id")),
        reason=str(asked.get("reason") or "langgraph:interrupt"),
        message=message if isinstance(message, str) else None,
        tool_call_id=_text_or_none(asked.get("toolCallId", asked.get("tool_call_id"))),
        response_schema=schema if isinstance(schema, dict) else None,
        expires_at=_text_or_none(asked.get("expiresAt", asked.get("expires_at"))),
        metadata={
            "langgraph": {
                "raw": value,
                "ns": pending.get("namespace") or [],
                "node": pending.get("node"),
            }
        },
    )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _json_text(value: Any) -> str:
    """As ag-ui-langgraph sends an interrupt's value: text as it is, the rest as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def _pointer(key: str) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")
