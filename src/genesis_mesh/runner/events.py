"""The one place that knows LangGraph's stream shapes: stream parts become event drafts.

The runner asks LangGraph for `tasks`, `custom`, `messages` and `checkpoints` parts with
`subgraphs=True`. A task's result is held back until the next checkpoint of the root
graph arrives (with `durability="sync"` LangGraph emits it only after the previous step's
checkpoint was saved), so `node.completed` is never sent for a step that was not
committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langgraph.types import StreamMode

from genesis_mesh.protocol import EventType
from genesis_mesh.serialization import serialize

STREAM_MODES: list[StreamMode] = ["tasks", "custom", "messages", "checkpoints"]
HIDDEN_NODES = frozenset({"__start__", "__end__"})


@dataclass(frozen=True)
class EventDraft:
    """An event before the runner gives it a sequence number and a timestamp."""

    type: EventType
    node: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class StreamMapper:
    """Maps the parts of one `astream` call to event drafts; one instance per call."""

    completed_task_ids: set[str] = field(default_factory=set)
    step: int = 0
    running: dict[str, str] = field(default_factory=dict)
    _held: list[EventDraft] = field(default_factory=list)
    last_checkpoint: dict[str, Any] | None = None
    saw_interrupt: bool = False

    def map(self, part: Sequence[Any]) -> list[EventDraft]:
        namespace, mode, chunk = part
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

    def release(self) -> list[EventDraft]:
        """Completions held back so far; call when their checkpoint is known to be saved."""
        held, self._held = self._held, []
        return held

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
        if namespace:
            return []
        self.step = int(chunk.get("metadata", {}).get("step", self.step))
        self.last_checkpoint = chunk
        return self.release()

    def _task(self, namespace: tuple[str, ...], chunk: dict[str, Any]) -> list[EventDraft]:
        name = str(chunk.get("name"))
        if namespace or name in HIDDEN_NODES:
            return []
        task_id = str(chunk["id"])
        if "result" not in chunk:
            self.running[task_id] = name
            return [
                EventDraft(EventType.NODE_STARTED, name, {"task_id": task_id, "step": self.step})
            ]
        self.running.pop(task_id, None)
        if chunk.get("error") is not None:
            return [
                EventDraft(
                    EventType.NODE_FAILED,
                    name,
                    {"task_id": task_id, "error": describe_error(chunk["error"])},
                )
            ]
        if chunk.get("interrupts"):
            self.saw_interrupt = True
            return []
        if task_id in self.completed_task_ids:
            return []
        self.completed_task_ids.add(task_id)
        self._held.append(
            EventDraft(
                EventType.NODE_COMPLETED,
                name,
                {"task_id": task_id, "step": self.step, "update": serialize(chunk.get("result"))},
            )
        )
        return []

    def _progress(self, namespace: tuple[str, ...], chunk: Any) -> EventDraft:
        data = serialize(chunk)
        if not isinstance(data, dict):
            data = {"value": data}
        node = _top_node(namespace)
        if node is None:
            node = self.failure_node()
        if namespace:
            data = {**data, "namespace": "/".join(namespace)}
        return EventDraft(EventType.NODE_PROGRESS, node, data)

    def _message(self, namespace: tuple[str, ...], chunk: Any) -> EventDraft | None:
        message, metadata = chunk
        text = _message_text(getattr(message, "content", ""))
        if not text:
            return None
        node = _top_node(namespace) or metadata.get("langgraph_node")
        return EventDraft(
            EventType.MESSAGE_DELTA,
            node,
            {"message_id": getattr(message, "id", None), "text": text},
        )


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
