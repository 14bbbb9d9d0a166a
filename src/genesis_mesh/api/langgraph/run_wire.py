"""A LangGraph Server API run as its clients read it: the run's record, its SSE stream of
parts, and the final values `wait` and `join` answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from fastapi.responses import StreamingResponse

from genesis_mesh.api.langgraph.stream import (
    Feed,
    Part,
    Translator,
    follow_batches,
    follow_events,
    state_reader,
)
from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import (
    RunNotFound,
)
from genesis_mesh.protocol import (
    InterruptMode,
    RunInfo,
    RunStatus,
)
from genesis_mesh.services import Services
from genesis_mesh.store.run_notes import RunNote, RunNotes

logger = logging.getLogger(__name__)

WIRE_STATUS = {  # the LangGraph Server's name of each run status
    RunStatus.QUEUED: "pending",
    RunStatus.PENDING: "pending",
    RunStatus.RUNNING: "running",
    RunStatus.INTERRUPTED: "interrupted",
    RunStatus.SUCCEEDED: "success",
    RunStatus.FAILED: "error",
    RunStatus.CANCELLED: "interrupted",
}


def run_wire(run: RunInfo, note: RunNote) -> dict[str, Any]:
    """A run as the LangGraph Server shows it."""
    return {
        "run_id": run.run_id,
        "thread_id": run.thread_id,
        "assistant_id": note.options.get("assistant_id", run.graph),
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "status": WIRE_STATUS[run.status],
        "metadata": note.metadata,
        "multitask_strategy": note.options.get("multitask_strategy", "reject"),
        "kwargs": {
            "stream_mode": note.options.get("stream_mode", ["values"]),
            "subgraphs": note.options.get("stream_subgraphs", False),
        },
    }


async def owned_run(
    services: Services, user: Identity, thread_id: str | None, run_id: str
) -> tuple[RunInfo, RunNote]:
    run = await services.store.get_run(run_id, owner=user.owner_filter)
    if thread_id is not None and run.thread_id != thread_id:
        raise RunNotFound(run_id)
    note = (await RunNotes(services.store.engine).read([run_id]))[run_id]
    return run, note


async def parts_of(
    services: Services,
    run: RunInfo,
    after_seq: int,
    translator: Translator,
    started: bool,
    feed: Feed | None = None,
) -> AsyncIterator[list[Part]]:
    """The stream's parts, those of the events that came together in one list."""
    yield [Part("metadata", {"run_id": run.run_id, "attempt": 1})]
    async for batch in follow_batches(services, run.run_id, after_seq, started, feed):
        parts = [part for event in batch for part in await translator.translate(event)]
        if parts:
            yield parts
    yield [Part("end", None)]


def sse_response(
    services: Services,
    run: RunInfo,
    modes: list[str],
    after_seq: int,
    cancel_on_disconnect: bool,
    started: bool = False,
    subgraphs: bool = False,
    read: asyncio.Event | None = None,
    feed: Feed | None = None,
) -> StreamingResponse:
    translator = Translator(
        modes,
        state_reader(services, run.graph, run.thread_id),
        recorded=frozenset(run.stream_modes),
        subgraphs=subgraphs,
    )
    location = f"/threads/{run.thread_id}/runs/{run.run_id}"

    async def body() -> AsyncIterator[bytes]:
        finished = False
        try:
            async for parts in parts_of(services, run, after_seq, translator, started, feed):
                yield b"".join(part.encode() for part in parts)
            finished = True
        finally:
            if read is not None:
                read.set()
            if not finished and cancel_on_disconnect:
                task = asyncio.create_task(
                    services.runner.interrupt(run.run_id, InterruptMode.CANCEL)
                )
                _background.add(task)
                task.add_done_callback(_background.discard)

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={
            "Content-Location": location,
            "Location": f"{location}/stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        },
    )


_background: set[asyncio.Task[Any]] = set()


def in_background(work: Coroutine[Any, Any, Any]) -> None:
    """Carry on after the response (a cancel the client does not wait for, a webhook)."""
    task = asyncio.create_task(work)
    _background.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task[Any]) -> None:
    _background.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.warning("a background task failed: %s", task.exception())


async def final_values(
    services: Services,
    run: RunInfo,
    after_seq: int,
    started: bool = False,
    feed: Feed | None = None,
) -> Any:
    """What `wait` and `join` answer: the last values, or `__error__` on failure."""
    translator = Translator(["values"], state_reader(services, run.graph, run.thread_id))
    error = None
    async for event in follow_events(services, run.run_id, after_seq, started, feed):
        for part in await translator.translate(event):
            if part.event == "error":
                error = part.data
    if error is not None:
        return {"__error__": error}
    if translator.stopped_values is not None:  # as LangGraph Server: the stop's values
        return translator.stopped_values
    if translator.last_values is None:
        return await translator.read_state()
    return translator.last_values
