"""The one translation boundary: a run's stored events become Agent Streaming Protocol
events (`langchain-protocol`'s `Event` shapes, without their `seq`).

A `RunMapper` is fed one run's stored events in order, from its first, and answers each
with the protocol events it maps to. It keeps only what the stored events already said
(which messages and subgraphs are open), so feeding the same events always gives the
same protocol events: replaying a prefix silently rebuilds the state a reconnecting
client's position needs (`feed.py`).

| stored event | protocol events |
|---|---|
| `run.started`, `run.resumed` | `lifecycle` `running` at the root |
| `node.started` | `tasks` (the task) |
| `node.completed` | `updates` (`{node, values}`), `tasks` (its result), and the |
| | `lifecycle` `completed` of the subgraph the node ran |
| `node.failed` | `tasks` (a result with `error`); `lifecycle` `failed` of its subgraph |
| `node.progress` | `custom` (`{payload}`) |
| `message.delta` | `messages`: `message-start`, `content-block-start/-delta/-finish`, |
| | and `message-finish` (the usage and metadata of the message the node |
| | returned) when its node ends |
| `message.tool` | `tools`: `tool-started`, then `tool-finished` or `tool-error` |
| `run.interrupted` | `input.requested` per question (at the asking namespace), |
| | then `lifecycle` `interrupted` of the open subgraphs and of the root |
| `run.completed` | `values` (the output, unless the run recorded its `values`), |
| | then `lifecycle` `completed` |
| `run.failed`, `run.cancelled` | `lifecycle` `failed` with the error |
| `run.stopping` | nothing: the protocol's `lifecycle` has no "stopping" status; the |
| | `lifecycle` `interrupted` follows where the run stops |
| `stream.part` `values` / `checkpoints` | `values` / `checkpoints` at the part's namespace |

The first event in a subgraph's namespace is preceded by its `lifecycle` `started`
(again after the subgraph was interrupted, when the run resumes).

LangGraph's own `astream_events(version="v3")` is the reference: the events of a corpus
run are held to its events channel by channel (`tests/fidelity/test_v3_events.py`; the
differences kept, and why, are in docs/agent-protocol.md). Only its subgraph lifecycle,
`values`, `checkpoints` and `custom` carry no `node`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from genesis_mesh.protocol import Event, EventType

Namespace = tuple[str, ...]
Wire = dict[str, Any]
ROLES = {"ai": "ai", "human": "human", "system": "system"}


@dataclass
class _Block:
    kind: str  # "text" or "tool_call_chunk"
    index: int
    text: str = ""
    call_id: str | None = None
    name: str | None = None
    call_index: Any = None


@dataclass
class _Message:
    namespace: Namespace
    node: str | None
    blocks: dict[Any, _Block] = field(default_factory=dict)
    current: Any = None


@dataclass
class RunMapper:
    """Maps one run's stored events, in order, to protocol events (one instance per run)."""

    graph: str
    values_recorded: bool = False
    _messages: dict[str, _Message] = field(default_factory=dict)
    _subgraphs: dict[Namespace, str] = field(default_factory=dict)
    """Open subgraph namespaces and the task id of the parent node that runs each."""
    _seen: set[Namespace] = field(default_factory=set)
    _calls: dict[str, Any] = field(default_factory=dict)
    """Arguments of the tool calls streamed so far, by call id."""

    def map(self, event: Event) -> list[Wire]:
        ts = int(event.ts.timestamp() * 1000)
        out: list[tuple[str, Namespace, str | None, Any]] = []
        handler = _HANDLERS.get(event.type)
        if handler is not None:
            handler(self, event, out)
        return [_wire(method, ns, node, data, ts) for method, ns, node, data in self._opened(out)]

    def _opened(self, out: list[Any]) -> list[Any]:
        """`out` with a `lifecycle` `started` before the first event of each subgraph."""
        opened: list[Any] = []
        for item in out:
            ns = item[1]
            for depth in range(1, len(ns) + 1):
                inner = ns[:depth]
                if inner in self._seen or (item[0] == "lifecycle" and inner == ns):
                    continue
                self._seen.add(inner)
                name, _, task_id = inner[-1].partition(":")
                self._subgraphs[inner] = task_id
                started = {"event": "started", "graph_name": name, "trigger_call_id": task_id}
                opened.append(("lifecycle", inner, None, started))
            opened.append(item)
            if item[0] == "lifecycle" and ns and item[3]["event"] == "interrupted":
                self._seen.discard(ns)  # it starts again when the run resumes
        return opened

    # ---- run --------------------------------------------------------------------------

    def _running(self, _event: Event, out: list[Any]) -> None:
        out.append(("lifecycle", (), None, {"event": "running", "graph_name": self.graph}))

    def _interrupted(self, event: Event, out: list[Any]) -> None:
        self._finish_messages(None, out)
        data = event.data
        asking: list[Namespace] = []
        if data.get("reason") == "question":
            asked = data.get("interrupts") or [
                {
                    "id": data.get("interrupt_id"),
                    "value": data.get("question"),
                    "namespace": data.get("namespace") or [],
                    "node": data.get("node"),
                }
            ]
            for item in asked:
                value = item.get("value")
                request = {"interrupt_id": str(item.get("id")), "payload": value, "value": value}
                ns = tuple(str(part) for part in item.get("namespace") or ())
                asking.append(ns)
                out.append(("input.requested", ns, item.get("node"), request))
        self._close_asking(asking, out)
        lifecycle = {"event": "interrupted", "graph_name": self.graph}
        out.append(("lifecycle", (), None, lifecycle))

    def _nothing(self, event: Event, out: list[Any]) -> None:
        del event, out

    def _completed(self, event: Event, out: list[Any]) -> None:
        self._finish_messages(None, out)
        self._close_subgraphs((), "completed", None, out)
        output = event.data.get("output")
        if not self.values_recorded and isinstance(output, dict):
            out.append(("values", (), None, output))
        out.append(("lifecycle", (), None, {"event": "completed", "graph_name": self.graph}))

    def _failed(self, event: Event, out: list[Any]) -> None:
        error = event.data.get("error") or {}
        if event.type == EventType.RUN_CANCELLED:
            message = f"cancelled: {event.data.get('reason') or 'cancelled'}"
        else:
            message = f"{error.get('type', 'Error')}: {error.get('message', '')}"
        self._finish_messages(None, out, error=message)
        self._close_subgraphs((), "failed", message, out)
        out.append(
            ("lifecycle", (), None, {"event": "failed", "graph_name": self.graph, "error": message})
        )

    # ---- nodes ------------------------------------------------------------------------

    def _node_started(self, event: Event, out: list[Any]) -> None:
        ns = _namespace(event.data)
        task: dict[str, Any] = {
            "id": event.data.get("task_id"),
            "name": event.node,
            "input": None,
            "triggers": [],
        }
        out.append(("tasks", ns, event.node, task))

    def _node_completed(self, event: Event, out: list[Any]) -> None:
        ns = _namespace(event.data)
        update = event.data.get("update")
        self._finish_messages((ns, event.node), out, result=update)
        values = update_values(update)
        out.append(("updates", ns, event.node, {"node": event.node, "values": values}))
        task_id = event.data.get("task_id")
        result: dict[str, Any] = {
            "id": task_id,
            "name": event.node,
            "error": None,
            "interrupts": [],
            "result": update,
        }
        out.append(("tasks", ns, event.node, result))
        self._close_subgraphs((*ns, f"{event.node}:{task_id}"), "completed", None, out)

    def _node_failed(self, event: Event, out: list[Any]) -> None:
        ns = _namespace(event.data)
        error = event.data.get("error") or {}
        message = f"{error.get('type', 'Error')}: {error.get('message', '')}"
        self._finish_messages((ns, event.node), out, error=message)
        task_id = event.data.get("task_id")
        result: dict[str, Any] = {
            "id": task_id,
            "name": event.node,
            "error": message,
            "interrupts": [],
            "result": None,
        }
        out.append(("tasks", ns, event.node, result))
        self._close_subgraphs((*ns, f"{event.node}:{task_id}"), "failed", message, out)

    def _progress(self, event: Event, out: list[Any]) -> None:
        payload = {k: v for k, v in event.data.items() if k != "namespace"}
        if set(payload) == {"value"}:
            payload = payload["value"]
        out.append(("custom", _namespace(event.data), None, {"payload": payload}))

    def _close_asking(self, asking: list[Namespace], out: list[Any]) -> None:
        """`lifecycle` ends of the subgraphs open when the run paused, deepest first:
        `interrupted` for those a question was asked in (at or below them), `completed`
        for the others (as LangGraph ends them: by their parent task's result, or when
        its stream ends)."""
        for ns in sorted(self._subgraphs, key=len, reverse=True):
            asked = any(where[: len(ns)] == ns for where in asking)
            del self._subgraphs[ns]
            status = "interrupted" if asked else "completed"
            out.append(("lifecycle", ns, None, {"event": status}))

    def _close_subgraphs(
        self, prefix: Namespace, status: str, error: str | None, out: list[Any]
    ) -> None:
        """`lifecycle` ends of the open subgraphs at and below `prefix`, deepest first."""
        size = len(prefix)
        closing = [ns for ns in self._subgraphs if ns[:size] == prefix and len(ns) > 0]
        for ns in sorted(closing, key=len, reverse=True):
            del self._subgraphs[ns]
            data: dict[str, Any] = {"event": status}
            if error is not None:
                data["error"] = error
            out.append(("lifecycle", ns, None, data))

    # ---- messages and tools -----------------------------------------------------------

    def _delta(self, event: Event, out: list[Any]) -> None:
        data = event.data
        ns = _namespace(data)
        message_id = str(data.get("message_id") or f"{event.run_id}:{event.node}")
        message = self._messages.get(message_id)
        if message is None:
            message = self._messages[message_id] = _Message(ns, event.node)
            start = {
                "event": "message-start",
                "role": ROLES.get(str(data.get("type", "ai")), "ai"),
                "id": message_id,
            }
            if data.get("model"):
                start["metadata"] = data["model"]
            out.append(("messages", ns, event.node, start))
        text = str(data.get("text") or "")
        if text:
            block = self._block(message, "text", None, out)
            block.text += text
            delta = {"type": "text-delta", "text": text}
            out.append(("messages", ns, event.node, _block_delta(block, delta)))
        for chunk in data.get("tool_call_chunks") or []:
            key = ("tool", chunk.get("index"))
            block = self._block(message, "tool_call_chunk", key, out, chunk)
            block.call_id = block.call_id or chunk.get("id")
            block.name = block.name or chunk.get("name")
            args = str(chunk.get("args") or "")
            if args:
                block.text += args
                delta = {"type": "tool-call-delta", "args": args}
                out.append(("messages", ns, event.node, _block_delta(block, delta)))

    def _block(
        self,
        message: _Message,
        kind: str,
        key: Any,
        out: list[Any],
        chunk: dict[str, Any] | None = None,
    ) -> _Block:
        """The block a delta goes to; a new one finishes the one before (blocks of one
        message never interleave)."""
        key = key if key is not None else ("text", len(message.blocks))
        if kind == "text" and message.current is not None:
            current = message.blocks[message.current]
            if current.kind == "text":
                return current
        elif key in message.blocks:
            return message.blocks[key]
        self._finish_block(message, out)
        block = _Block(kind, len(message.blocks))
        content: dict[str, Any] = {"type": "text", "text": ""}
        if kind == "tool_call_chunk" and chunk is not None:
            block.call_id, block.name = chunk.get("id"), chunk.get("name")
            block.call_index = chunk.get("index")
            content = {"type": "tool_call_chunk", "id": block.call_id, "name": block.name}
            content["args"] = ""
            if isinstance(block.call_index, int):
                content["index"] = block.call_index
        message.blocks[key] = block
        message.current = key
        start = {"event": "content-block-start", "index": block.index, "content": content}
        out.append(("messages", message.namespace, message.node, start))
        return block

    def _finish_block(self, message: _Message, out: list[Any]) -> None:
        if message.current is None:
            return
        block = message.blocks[message.current]
        message.current = None
        finish = {"event": "content-block-finish", "index": block.index}
        if block.kind == "text":
            finish["content"] = {"type": "text", "text": block.text}
        else:
            finish["content"] = self._finalized_call(block)
        out.append(("messages", message.namespace, message.node, finish))

    def _finalized_call(self, block: _Block) -> dict[str, Any]:
        try:
            args = json.loads(block.text) if block.text.strip() else {}
        except ValueError:
            args = None
        if not isinstance(args, dict):
            return {
                "type": "invalid_tool_call",
                "id": block.call_id,
                "name": block.name,
                "args": block.text,
                "error": "the arguments are not a JSON object",
            }
        if block.call_id:
            self._calls[block.call_id] = args
        return {"type": "tool_call", "id": block.call_id, "name": block.name or "", "args": args}

    def _finish_messages(
        self,
        where: tuple[Namespace, str | None] | None,
        out: list[Any],
        error: str | None = None,
        result: Any = None,
    ) -> None:
        """End the open messages of a node (all when `where` is None); the node's
        `result` holds the finished messages, whose metadata and usage the end carries."""
        for message_id, message in list(self._messages.items()):
            if where is not None and (message.namespace, message.node) != where:
                continue
            self._finish_block(message, out)
            if error is not None:
                end: dict[str, Any] = {"event": "error", "message": error}
            else:
                end = message_finish(_message_in(result, message_id))
            out.append(("messages", message.namespace, message.node, end))
            del self._messages[message_id]

    def _tool(self, event: Event, out: list[Any]) -> None:
        data = event.data
        ns = _namespace(data)
        call_id = str(data.get("tool_call_id") or data.get("message_id") or "")
        started: dict[str, Any] = {
            "event": "tool-started",
            "tool_call_id": call_id,
            "tool_name": str(data.get("name") or ""),
        }
        if call_id in self._calls:
            started["input"] = self._calls[call_id]
        out.append(("tools", ns, event.node, started))
        content = data.get("content")
        ended: dict[str, Any]
        if data.get("status") == "error":
            text = content if isinstance(content, str) else json.dumps(content, default=str)
            ended = {"event": "tool-error", "tool_call_id": call_id, "message": text}
        else:
            ended = {"event": "tool-finished", "tool_call_id": call_id, "output": content}
        out.append(("tools", ns, event.node, ended))

    # ---- recorded LangGraph parts -----------------------------------------------------

    def _part(self, event: Event, out: list[Any]) -> None:
        part = event.data
        ns = tuple(part.get("namespace") or ())
        mode, data = part.get("mode"), part.get("data")
        if mode == "values" and isinstance(data, dict):
            values = {k: v for k, v in data.items() if k != "__interrupt__"}
            out.append(("values", ns, None, values))
        elif mode == "checkpoints" and isinstance(data, dict):
            out.append(("checkpoints", ns, None, checkpoint_envelope(data)))


def checkpoint_envelope(data: dict[str, Any]) -> dict[str, Any]:
    """LangGraph's checkpoint part as the protocol's light envelope (`Checkpoint`)."""
    metadata = data.get("metadata") or {}
    configurable = (data.get("config") or {}).get("configurable") or {}
    parent = ((data.get("parent_config") or {}).get("configurable") or {}).get("checkpoint_id")
    envelope: dict[str, Any] = {
        "id": str(configurable.get("checkpoint_id") or ""),
        "step": int(metadata.get("step", 0)),
        "source": metadata.get("source") if metadata.get("source") in _SOURCES else "loop",
    }
    if parent:
        envelope["parent_id"] = str(parent)
    return envelope


_SOURCES = frozenset({"input", "loop", "update", "fork"})
RETURN_CHANNELS = ("__return__", "__end__")
"""Where the functional API writes a task's and an entrypoint's return value."""


def update_values(update: Any) -> dict[str, Any]:
    """A task's result as `UpdatesData.values`: what LangGraph's `updates` stream gives
    for the node (a functional task's or entrypoint's return value, not the channel it
    went to), kept under that channel when it is not a dict (the protocol's `values` is
    one)."""
    if isinstance(update, dict) and len(update) == 1:
        channel, value = next(iter(update.items()))
        if channel in RETURN_CHANNELS and isinstance(value, dict):
            return value
    return update if isinstance(update, dict) else {"value": update}


def _message_in(result: Any, message_id: str) -> dict[str, Any]:
    """The message `message_id` among a node's written messages (empty when absent)."""
    if not isinstance(result, dict):
        return {}
    for value in result.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and item.get("id") == message_id:
                return item
    return {}


def message_finish(message: dict[str, Any]) -> dict[str, Any]:
    """`message-finish` as `langchain-core`'s compat bridge ends a streamed message: the
    usage it summed (no empty details) and the message's response metadata."""
    finish: dict[str, Any] = {"event": "message-finish"}
    usage = message.get("usage_metadata")
    if isinstance(usage, dict) and usage:
        finish["usage"] = {k: v for k, v in usage.items() if v or k.endswith("tokens")}
    for key, field_name in (("metadata", "response_metadata"), ("additional_kwargs",) * 2):
        if message.get(field_name):
            finish[key] = dict(message[field_name])
    return finish


def _block_delta(block: _Block, delta: dict[str, Any]) -> dict[str, Any]:
    return {"event": "content-block-delta", "index": block.index, "delta": delta}


def _namespace(data: dict[str, Any]) -> Namespace:
    return tuple(str(part) for part in data.get("namespace") or ())


def _wire(method: str, ns: Namespace, node: str | None, data: Any, ts: int) -> Wire:
    params: dict[str, Any] = {"namespace": list(ns), "timestamp": ts, "data": data}
    if node:
        params["node"] = node
    return {"type": "event", "method": method, "params": params}


_HANDLERS = {
    EventType.RUN_STARTED: RunMapper._running,
    EventType.RUN_RESUMED: RunMapper._running,
    EventType.NODE_STARTED: RunMapper._node_started,
    EventType.NODE_COMPLETED: RunMapper._node_completed,
    EventType.NODE_FAILED: RunMapper._node_failed,
    EventType.NODE_PROGRESS: RunMapper._progress,
    EventType.MESSAGE_DELTA: RunMapper._delta,
    EventType.MESSAGE_TOOL: RunMapper._tool,
    EventType.RUN_STOPPING: RunMapper._nothing,
    EventType.RUN_INTERRUPTED: RunMapper._interrupted,
    EventType.RUN_COMPLETED: RunMapper._completed,
    EventType.RUN_FAILED: RunMapper._failed,
    EventType.RUN_CANCELLED: RunMapper._failed,
    EventType.STREAM_PART: RunMapper._part,
}
