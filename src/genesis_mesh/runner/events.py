"""The one place that knows LangGraph's stream shapes: stream parts become event drafts.

The runner asks LangGraph for `tasks`, `custom`, `messages` and `checkpoints` parts with
`subgraphs=True`, plus the modes a run asked to record (`stream_modes_for`): those parts
are also stored as they came, as `stream.part` events, for protocols that replay
LangGraph's own stream modes (the LangGraph Server API). A task's result is held back
until the next checkpoint of the root graph arrives (with `durability="sync"` LangGraph
emits it only after the previous step's checkpoint was saved), so `node.completed` is
never sent for a step that was not committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from langgraph.types import StreamMode

from genesis_mesh.protocol import EventType

STREAM_MODES: list[StreamMode] = ["tasks", "custom", "messages", "checkpoints"]
RECORDABLE_MODES = frozenset(
    {"values", "updates", "messages", "custom", "tasks", "checkpoints", "debug"}
)
HIDDEN_NODES = frozenset({"__start__", "__end__"})
MAX_STRING = 100_000


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
    recorded: frozenset[str] = frozenset()
    """Modes whose parts also become `stream.part` drafts."""

    def map(self, part: Sequence[Any]) -> list[EventDraft]:
        namespace, mode, chunk = part
        drafts = self._native(namespace, mode, chunk)
        if mode in self.recorded:
            data = {"mode": mode, "namespace": list(namespace), "data": to_jsonable(chunk)}
            draft = EventDraft(EventType.STREAM_PART, _top_node(namespace), data)
            if _is_result(mode, chunk):
                self._held.append(draft)  # like node.completed: only once it is committed
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
                {"task_id": task_id, "step": self.step, "update": to_jsonable(chunk.get("result"))},
            )
        )
        return []

    def _progress(self, namespace: tuple[str, ...], chunk: Any) -> EventDraft:
        data = to_jsonable(chunk)
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


def _is_result(mode: str, chunk: Any) -> bool:
    """A step's results (updates, task results, the state after it): recorded once its
    checkpoint is saved, in the order they came, so that a node run again after a crash
    does not report them twice."""
    if mode in ("updates", "values"):
        return True
    return mode == "tasks" and isinstance(chunk, dict) and "result" in chunk


def stream_modes_for(recorded: Sequence[str]) -> list[StreamMode]:
    """What to ask `astream` for: the runner's own modes and those a run records."""
    extra = [cast(StreamMode, m) for m in recorded if m not in STREAM_MODES]
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


def to_jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy of a state value (pydantic models, messages, sets, bytes...)."""
    if depth > 50:
        return "…"
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_STRING else value[:MAX_STRING] + "…"
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, depth + 1) for k, v in value.items()}
    dump = getattr(value, "model_dump", None)
    if callable(dump):  # before Iterable: a pydantic model (a message) iterates its fields
        return to_jsonable(dump(mode="json"), depth + 1)
    if isinstance(value, Iterable) and not isinstance(value, bytes | bytearray):
        return [to_jsonable(v, depth + 1) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: to_jsonable(getattr(value, k), depth + 1) for k in value.__dataclass_fields__}
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return str(value)[:MAX_STRING]
