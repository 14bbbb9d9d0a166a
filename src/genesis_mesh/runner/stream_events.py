"""LangChain's stream events of a run (`astream_events(version="v2")`), recorded on request.

LangGraph Server's `events` stream mode sends every callback event of a run
(`on_chain_start`, `on_chat_model_stream`, `on_tool_end`, ...). A run that records the
`events` mode gets langchain_core's own event-stream callback handler (the one
`astream_events` uses) added to its config; each event it produces is stored as a
`stream.part` event of mode `events`, in the order the handler made them. Runs that do
not record the mode get no handler and pay nothing.

As LangGraph Server does, events tagged `langsmith:hidden` are dropped, the first event
carries the run's input, and the root run's end event does not repeat it. The root
graph's own `on_chain_stream` events are not made: the handler never taps the root's
output (LangGraph Server turns those into the other stream modes and never sends them).

As LangGraph Server does (it passes the run's id as the config's `run_id`), the root run
is the run itself: its events carry the run's id as `run_id`, and every other event
names it first in `parent_ids`, so a client can tell which run an event belongs to. The
root is named after the graph's id when the graph kept LangGraph's default name.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tracers.event_stream import _AstreamEventsCallbackHandler

from genesis_mesh.protocol import EventType
from genesis_mesh.runner.events import EventDraft
from genesis_mesh.serialization import serialize

EVENTS_MODE = "events"
"""The recorded mode that asks for stream events; not a mode `astream` knows."""
HIDDEN_TAG = "langsmith:hidden"
DEFAULT_GRAPH_NAME = "LangGraph"
"""The name LangGraph gives a compiled graph not named; LangGraph Server renames it."""


@contextlib.asynccontextmanager
async def recording_events(
    config: RunnableConfig,
    payload: Any,
    emit: Callable[[EventDraft], None],
    run_id: str,
    graph_name: str,
) -> AsyncIterator[RunnableConfig]:
    """The run's config with the event handler added, its root run being run `run_id`
    (named `graph_name`); every event it makes is passed to `emit` (as a draft) before
    the block exits, whatever way it exits."""
    handler = _AstreamEventsCallbackHandler()
    root = _callback_id(run_id)
    callbacks = config.get("callbacks")
    if callbacks is None:
        callbacks = [handler]
    elif isinstance(callbacks, list):
        callbacks = [*callbacks, handler]
    else:
        callbacks = callbacks.copy()
        callbacks.add_handler(handler, inherit=True)
    drain = asyncio.create_task(_drain(handler, payload, emit, {str(root): run_id}))
    recorded: RunnableConfig = {**config, "callbacks": callbacks, "run_id": root}
    recorded.setdefault("run_name", graph_name)
    try:
        yield recorded
    finally:
        handler.send_stream.close()
        await asyncio.shield(drain)


def _callback_id(run_id: str) -> uuid.UUID:
    """The UUID LangChain's callbacks need for the root run: the run id's own hex digits
    (`run-<32 hex>`), or a fresh one for an id that has none (the events then carry the
    run's id all the same, `_drain` puts it back)."""
    try:
        return uuid.UUID(hex=run_id.removeprefix("run-"))
    except ValueError:
        return uuid.uuid4()


async def _drain(
    handler: _AstreamEventsCallbackHandler,
    payload: Any,
    emit: Callable[[EventDraft], None],
    ids: dict[str, str],
) -> None:
    """Emit each event shown to clients, the root's callback UUID in it replaced by the
    run's id (`ids`)."""
    root: str | None = None
    async for event in handler:
        if HIDDEN_TAG in (event.get("tags") or ()):
            continue
        event = {
            **event,
            "run_id": ids.get(event["run_id"], event["run_id"]),
            "parent_ids": [ids.get(p, p) for p in event.get("parent_ids") or ()],
        }
        data = dict(event.get("data") or {})
        if root is None:
            root = event["run_id"]
            data["input"] = payload  # the whole input: a streamed one is not known yet
        elif event["run_id"] == root and event["event"].endswith("_end"):
            data.pop("input", None)
        emit(_draft({**event, "data": data}))


def _draft(event: dict[str, Any]) -> EventDraft:
    metadata = event.get("metadata") or {}
    namespace = str(metadata.get("langgraph_checkpoint_ns") or "")
    node = namespace.split("|", 1)[0].split(":", 1)[0] or None
    data = {"mode": EVENTS_MODE, "namespace": [], "data": serialize(event)}
    return EventDraft(EventType.STREAM_PART, node, data)
