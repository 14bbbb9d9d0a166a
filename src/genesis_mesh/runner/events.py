"""The one place that knows LangGraph's stream shapes: stream parts become event drafts.

The runner asks LangGraph for `tasks`, `custom`, `messages` and `checkpoints` parts with
`subgraphs=True`, plus the modes a run asked to record (`stream_modes_for`): those parts
are also stored as they came, as `stream.part` events, for protocols that replay
LangGraph's own stream modes (the LangGraph Server API); `events`, LangChain's stream
events, come from a callback handler instead (`stream_events.py`). A task's result is
held back until the next checkpoint of its graph arrives (with `durability="sync"`
LangGraph emits it only after the previous step's checkpoint was saved), so
`node.completed` is never sent for a step that was not committed. A subgraph's own
nodes, and messages streamed inside a subgraph, carry their `namespace`; a
`ToolMessage` becomes `message.tool`, never `message.delta` text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from langgraph.types import StreamMode

from genesis_mesh.protocol import EventType
from genesis_mesh.serialization import serialize

STREAM_MODES: list[StreamMode] = ["tasks", "custom", "messages", "checkpoints"]
RECORDABLE_MODES = frozenset(
    {"values", "updates", "messages", "custom", "tasks", "checkpoints", "debug", "events"}
)
"""What a run may record: LangGraph's stream modes, and `events` (`stream_events.py`)."""
NOT_ASTREAM_MODES = frozenset({"events"})
HIDDEN_NODES = frozenset({"__start__", "__end__"})


@dataclass(frozen=True)
class EventDraft:
    """An event before the runner gives it a sequence number and a timestamp."""

    type: EventType
    node: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class StreamMapper:
    """Maps the parts of one `astream` call to event drafts; one instance per call.

    Events of a subgraph's own nodes carry `namespace` (LangGraph's path to the subgraph,
    e.g. `["child:<task id>"]`); their completions are held until a checkpoint of their
    own graph (or of a graph above it) was saved.
    """

    completed_task_ids: set[str] = field(default_factory=set)
    step: int = 0
    running: dict[str, str] = field(default_factory=dict)
    _held: list[tuple[tuple[str, ...], EventDraft]] = field(default_factory=list)
    _steps: dict[tuple[str, ...], int] = field(default_factory=dict)
    last_checkpoint: dict[str, Any] | None = None
    saw_interrupt: bool = False
    recorded: frozenset[str] = frozenset()
    """Modes whose parts also become `stream.part` drafts."""
    _final: list[EventDraft] = field(default_factory=list)
    """Drafts of the run's last step, committed (its final checkpoint was saved) but sent
    with the run's end: the last `node.completed` and `run.completed` then share one
    commit instead of two syncs in a row at the end of every run."""

    def map(self, part: Sequence[Any]) -> list[EventDraft]:
        namespace, mode, chunk = part
        namespace = tuple(namespace)
        drafts = self._native(namespace, mode, chunk)
        if mode in self.recorded:
            data = {"mode": mode, "namespace": list(namespace), "data": serialize(chunk)}
            draft = EventDraft(EventType.STREAM_PART, _top_node(namespace), data)
            if _is_result(mode, chunk):
                # like node.completed: only once it is committed
                self._held.append((namespace, draft))
            elif mode == "checkpoints" and self._final:
                self._final.append(draft)  # after the results it committed, held with them
            elif mode == "checkpoints":
                drafts.append(draft)  # after the results it committed, as LangGraph orders them
            else:
                drafts.insert(0, draft)
        return drafts

    def _native(self, namespace: tuple[str, ...], mode: str, chunk: Any) -> list[EventDraft]:
        if mode == "checkpoints":
            return self._checkpoint(namespace, chunk)
        if mode == "tasks":
            return self._task(namespace, chunk)
        if mode == "custom":
            return [self._progress(namespace, chunk)]
        if mode == "messages":
            draft = self._message(namespace, chunk)
            return [] if draft is None else [draft]
        return []

    def release(self, namespace: tuple[str, ...] | None = None) -> list[EventDraft]:
        """Completions held back so far (of `namespace` and the graphs inside it; all when
        None); call when their checkpoint is known to be saved."""
        if namespace is None:
            held, self._held = self._held, []
            final, self._final = self._final, []
            return [*final, *(draft for _, draft in held)]
        size = len(namespace)
        released = [draft for ns, draft in self._held if ns[:size] == namespace]
        self._held = [(ns, draft) for ns, draft in self._held if ns[:size] != namespace]
        return released

    def committed(self) -> list[EventDraft]:
        """The last step's drafts held for the run's end (committed, not yet sent): what a
        run that fails or is cancelled after its final checkpoint still reports."""
        final, self._final = self._final, []
        return final

    def final_values(self) -> dict[str, Any] | None:
        """The state of a run that ended with nothing left to do and no question asked,
        read off its last checkpoint part (None when the thread must be read instead)."""
        final = self.last_checkpoint
        if final is None or final.get("next") or self.saw_interrupt:
            return None
        values = final.get("values")
        return values if isinstance(values, dict) else None

    def failure_node(self) -> str | None:
        return next(iter(self.running.values()), None)

    def _checkpoint(self, namespace: tuple[str, ...], chunk: dict[str, Any]) -> list[EventDraft]:
        step = int(chunk.get("metadata", {}).get("step", self._steps.get(namespace, 0)))
        self._steps[namespace] = step
        if not namespace:
            self.step = step
            self.last_checkpoint = chunk
            released = self.release()
            if chunk.get("next") or self.saw_interrupt:
                return released
            self._final = released  # nothing left to run: sent with the run's end
            return []
        return self.release(namespace)

    def _task(self, namespace: tuple[str, ...], chunk: dict[str, Any]) -> list[EventDraft]:
        name = str(chunk.get("name"))
        if name in HIDDEN_NODES:
            return []
        task_id = str(chunk["id"])
        where = {"namespace": list(namespace)} if namespace else {}
        step = self._steps.get(namespace, 0)
        if "result" not in chunk:
            if not namespace:
                self.running[task_id] = name
            return [
                EventDraft(
                    EventType.NODE_STARTED, name, {"task_id": task_id, "step": step, **where}
                )
            ]
        self.running.pop(task_id, None)
        if chunk.get("error") is not None:
            error = describe_error(chunk["error"])
            return [
                EventDraft(
                    EventType.NODE_FAILED, name, {"task_id": task_id, "error": error, **where}
                )
            ]
        if chunk.get("interrupts"):
            self.saw_interrupt = True
            return []
        if task_id in self.completed_task_ids:
            return []
        self.completed_task_ids.add(task_id)
        update = serialize(chunk.get("result"))
        data = {"task_id": task_id, "step": step, "update": update, **where}
        self._held.append((namespace, EventDraft(EventType.NODE_COMPLETED, name, data)))
        return []

    def _progress(self, namespace: tuple[str, ...], chunk: Any) -> EventDraft:
        data = serialize(chunk)
        if not isinstance(data, dict):
            data = {"value": data}
        node = _top_node(namespace)
        if node is None:
            node = self.failure_node()
        if namespace:
            data = {**data, "namespace": list(namespace)}
        return EventDraft(EventType.NODE_PROGRESS, node, data)

    def _message(self, namespace: tuple[str, ...], chunk: Any) -> EventDraft | None:
        message, metadata = chunk
        node = metadata.get("langgraph_node") or _top_node(namespace)
        where = {"namespace": list(namespace)} if namespace else {}
        kind = message_type(message)
        if kind == "tool":
            data = {
                "message_id": getattr(message, "id", None),
                "tool_call_id": getattr(message, "tool_call_id", None),
                "name": getattr(message, "name", None),
                "content": serialize(getattr(message, "content", "")),
                "status": getattr(message, "status", "success"),
                **where,
            }
            return EventDraft(EventType.MESSAGE_TOOL, node, data)
        text = _message_text(getattr(message, "content", ""))
        calls = _tool_call_chunks(message)
        if not text and not calls:
            return None
        data = {"message_id": getattr(message, "id", None), "type": kind, "text": text, **where}
        if calls:
            data["tool_call_chunks"] = calls
        if model := _model_hints(getattr(message, "response_metadata", None) or {}):
            data["model"] = model
        return EventDraft(EventType.MESSAGE_DELTA, node, data)


def message_type(message: Any) -> str:
    """LangChain's message type without its chunk suffix: `ai`, `tool`, `human`, ..."""
    kind = str(getattr(message, "type", "ai"))
    if kind.endswith("MessageChunk"):
        kind = kind.removesuffix("MessageChunk").lower() or "ai"
    return kind


def _tool_call_chunks(message: Any) -> list[dict[str, Any]]:
    """The tool calls a message streams, as chunks (`id`, `name`, `args` text, `index`);
    a whole message's calls become one chunk each with their arguments as JSON text."""
    chunks = getattr(message, "tool_call_chunks", None)
    if chunks:
        return [
            {
                "id": c.get("id"),
                "name": c.get("name"),
                "args": c.get("args") or "",
                "index": c.get("index"),
            }
            for c in chunks
        ]
    if chunks is None and getattr(message, "tool_calls", None):
        return [
            {
                "id": c.get("id"),
                "name": c.get("name"),
                "args": json.dumps(serialize(c.get("args"))),
                "index": i,
            }
            for i, c in enumerate(message.tool_calls)
        ]
    return []


def _model_hints(response_metadata: dict[str, Any]) -> dict[str, str]:
    """The provider and model a message names (`message-start` metadata of the Agent
    Streaming Protocol, as `langchain-core` reads them)."""
    hints = {"provider": response_metadata.get("model_provider")}
    hints["model"] = response_metadata.get("model_name")
    return {key: str(value) for key, value in hints.items() if value}


def _is_result(mode: str, chunk: Any) -> bool:
    """A step's results (updates, task results, the state after it): recorded once its
    checkpoint is saved, in the order they came, so that a node run again after a crash
    does not report them twice."""
    if mode in ("updates", "values"):
        return True
    return mode == "tasks" and isinstance(chunk, dict) and "result" in chunk


def stream_modes_for(recorded: Sequence[str]) -> list[StreamMode]:
    """What to ask `astream` for: the runner's own modes and those a run records."""
    extra = [
        cast(StreamMode, m)
        for m in recorded
        if m not in STREAM_MODES and m not in NOT_ASTREAM_MODES
    ]
    return [*STREAM_MODES, *extra]


def _top_node(namespace: tuple[str, ...]) -> str | None:
    return namespace[0].split(":", 1)[0] if namespace else None


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in content
        )
    return ""


def describe_error(error: BaseException | Any) -> dict[str, str]:
    if isinstance(error, BaseException):
        return {"type": type(error).__name__, "message": str(error)[:2000]}
    return {"type": "Error", "message": str(error)[:2000]}
