"""`GET /threads/{id}/stream`: the stream of every run of a thread, as it happens.

The SDK's `threads.join_stream`. The stream stays open: it follows the thread's run that
is moving when the client connects (or the next one to start), then each later run, in
the order they were created, until the client goes. Each run's parts are those of
`runs.join_stream` in the modes that run asked for (`stream_mode=run_modes`, the
default) or those named; a `metadata` part opens each run. Message ids are
`<run id>:<seq>`, so `Last-Event-ID` resumes after the last part seen, in its run or
the runs after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from genesis_mesh.api.deps import ServicesDep, ThreadIdPath, UserDep
from genesis_mesh.api.langgraph.stream import (
    KEEPALIVE_SECONDS,
    MOVING,
    SUPPORTED_MODES,
    Part,
    Translator,
    follow_events,
    state_reader,
)
from genesis_mesh.api.langgraph.threads import owned_thread
from genesis_mesh.errors import InvalidInput, UnsupportedOption
from genesis_mesh.protocol import RunInfo
from genesis_mesh.services import Services
from genesis_mesh.store.run_notes import RunNote, RunNotes

router = APIRouter(tags=["langgraph"])
POLL_SECONDS = 0.2
NOTE_WAIT_SECONDS = 5.0
_THREAD_MODES = {"run_modes"}
_MAX_RUNS = 10_000


@router.get(
    "/threads/{thread_id}/stream",
    response_class=StreamingResponse,
    summary="LangGraph Server API: join a thread's stream (every run, Last-Event-ID)",
)
async def join_thread_stream(
    thread_id: ThreadIdPath,
    services: ServicesDep,
    user: UserDep,
    request: Request,
    stream_mode: Annotated[list[str] | None, Query()] = None,
) -> StreamingResponse:
    await owned_thread(services, user, thread_id)
    asked = [m for m in stream_mode or [] if m and m not in _THREAD_MODES]
    for mode in asked:
        if mode not in SUPPORTED_MODES:
            raise UnsupportedOption(f"stream_mode {mode}", "unknown stream mode.")
    resume = _last_event_id(request.headers.get("last-event-id"))
    body = _follow_thread(services, thread_id, asked, resume)
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _last_event_id(value: str | None) -> tuple[str, int] | None:
    if not value or not value.strip():
        return None
    run_id, _, seq = value.strip().rpartition(":")
    if not run_id or not seq.isdigit():
        raise InvalidInput(
            f"Last-Event-ID {value[:100]!r} is not an id of this stream (`<run id>:<seq>`).",
            {"last_event_id": value[:100]},
        )
    return run_id, int(seq)


async def _follow_thread(
    services: Services, thread_id: str, modes: list[str], resume: tuple[str, int] | None
) -> AsyncIterator[bytes]:
    # streamed[run id] = the last seq sent; a run is due while it has events past it
    # (a resumed run goes on under its id) or has not been opened yet.
    streamed: dict[str, int] = {}
    runs = await _runs(services, thread_id)
    if resume is not None:
        index = next((i for i, r in enumerate(runs) if r.run_id == resume[0]), len(runs))
        streamed.update({r.run_id: r.last_seq for r in runs[:index]})
        if index < len(runs):
            streamed[resume[0]] = resume[1]
    else:  # from the run moving now; what is finished is history
        streamed.update({r.run_id: r.last_seq for r in runs if r.status not in MOVING})
    while True:
        run = await _next_run(services, thread_id, streamed)
        if run is None:
            yield b": keep-alive\n\n"
            continue
        opening = run.run_id not in streamed
        after = streamed.setdefault(run.run_id, 0)
        async for part in _run_parts(services, run, modes, after, opening):
            if part.id is not None:
                streamed[run.run_id] = int(part.id.rpartition(":")[2])
            yield part.encode()
        latest = await services.store.get_run(run.run_id)
        if latest.status not in MOVING:
            streamed[run.run_id] = max(streamed[run.run_id], latest.last_seq)


def _due(run: RunInfo, streamed: dict[str, int]) -> bool:
    return run.run_id not in streamed or run.last_seq > streamed[run.run_id]


async def _next_run(services: Services, thread_id: str, streamed: dict[str, int]) -> RunInfo | None:
    """The oldest run of the thread with something not streamed, waiting up to a
    keep-alive."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + KEEPALIVE_SECONDS
    while loop.time() < deadline:
        due = [r for r in await _runs(services, thread_id) if _due(r, streamed)]
        if due:
            return due[0]
        await asyncio.sleep(POLL_SECONDS)
    return None


async def _runs(services: Services, thread_id: str) -> list[RunInfo]:
    found = await services.store.list_runs(thread_id=thread_id, limit=_MAX_RUNS)
    return sorted(found, key=lambda r: r.created_at)


async def _note(services: Services, run: RunInfo) -> RunNote:
    """The run's note. A run of this API (it records stream modes) has its note written
    just after the run is stored, so a stream that finds the run first waits for it."""
    notes = RunNotes(services.store.engine)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + NOTE_WAIT_SECONDS
    while True:
        note = (await notes.read([run.run_id]))[run.run_id]
        if note.options or not run.stream_modes or loop.time() >= deadline:
            return note
        await asyncio.sleep(0.02)


async def _run_parts(
    services: Services, run: RunInfo, modes: list[str], after: int, opening: bool
) -> AsyncIterator[Part]:
    note = await _note(services, run)
    wanted: list[str] = modes or list(note.options.get("stream_mode") or ["values"])
    translator = Translator(
        wanted,
        state_reader(services, run.graph, run.thread_id),
        recorded=frozenset(run.stream_modes),
        subgraphs=bool(note.options.get("stream_subgraphs")),
    )
    if opening:
        yield Part("metadata", {"run_id": run.run_id, "attempt": 1})
    async for event in follow_events(services, run.run_id, after, started=True):
        for part in await translator.translate(event):
            if part.id is not None:
                part.id = f"{run.run_id}:{part.id}"
            yield part
