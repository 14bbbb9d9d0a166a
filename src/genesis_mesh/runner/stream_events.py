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
"""

from __future__ import annotations

import asyncio
import contextlib
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


@contextlib.asynccontextmanager
async def recording_events(
    config: RunnableConfig, payload: Any, emit: Callable[[EventDraft], None]
) -> AsyncIterator[RunnableConfig]:
    """The run's config with the event handler added; every event it makes is passed to
    `emit` (as a draft) before the block exits, whatever way it exits."""
    handler = _AstreamEventsCallbackHandler()
    callbacks = config.get("callbacks")
    if callbacks is None:
        callbacks = [handler]
    elif isinstance(callbacks, list):
        callbacks = [*callbacks, handler]
    else:
        callbacks = callbacks.copy()
        callbacks.add_handler(handler, inherit=True)
    drain = asyncio.create_task(_drain(handler, payload, emit))
    try:
        yield {**config, "callbacks": callbacks}
    finally:
        handler.send_stream.close()
        await asyncio.shield(drain)


async def _drain(
    handler: _AstreamEventsCallbackHandler, payload: Any, emit: Callable[[EventDraft], None]
) -> None:
    root: str | None = None
    async for event in handler:
        if HIDDEN_TAG in (event.get("tags") or ()):
            continue
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
