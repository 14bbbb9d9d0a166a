"""Runs on a thread and stateless: create, stream, wait, join, cancel, list, delete.

The routes only: a run starts in `run_start.py`, and is shown, streamed and waited for in
`run_wire.py`.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import Field

from genesis_mesh.api.deps import RunIdPath, ServicesDep, ThreadIdPath, UserDep
from genesis_mesh.api.langgraph.rollback import roll_back
from genesis_mesh.api.langgraph.run_start import LangGraphRunCreate, Started, start
from genesis_mesh.api.langgraph.run_wire import (
    WIRE_STATUS,
    final_values,
    in_background,
    owned_run,
    run_wire,
    sse_response,
)
from genesis_mesh.api.langgraph.stream import (
    SUPPORTED_MODES,
    join_point,
)
from genesis_mesh.api.langgraph.threads import owned_thread
from genesis_mesh.errors import (
    InvalidRunState,
    UnsupportedOption,
)
from genesis_mesh.protocol import (
    ID_PATTERN,
    InterruptMode,
)
from genesis_mesh.services import Services
from genesis_mesh.store.run_notes import RunNotes
from genesis_mesh.store.threads import delete_run

router = APIRouter(tags=["langgraph"])
_SSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events: `metadata`, the parts of the modes asked for, `end`.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.post("/threads/{thread_id}/runs", summary="LangGraph Server API: start a run")
async def create_run(
    thread_id: ThreadIdPath,
    body: LangGraphRunCreate,
    services: ServicesDep,
    user: UserDep,
    request: Request,
    response: Response,
) -> dict[str, Any]:
    started = await start(services, user, request, thread_id, body)
    response.headers["Content-Location"] = f"/threads/{thread_id}/runs/{started.run.run_id}"
    return run_wire(started.run, started.note)


@router.post("/runs", summary="LangGraph Server API: start a stateless run")
async def create_stateless_run(
    body: LangGraphRunCreate,
    services: ServicesDep,
    user: UserDep,
    request: Request,
    response: Response,
) -> dict[str, Any]:
    started = await start(services, user, request, None, body)
    response.headers["Content-Location"] = f"/runs/{started.run.run_id}"
    return run_wire(started.run, started.note)


@router.post("/runs/batch", summary="LangGraph Server API: start stateless runs")
async def create_batch(
    body: Annotated[list[LangGraphRunCreate], Field(max_length=100)],
    services: ServicesDep,
    user: UserDep,
    request: Request,
) -> list[dict[str, Any]]:
    started = [await start(services, user, request, None, item) for item in body]
    return [run_wire(s.run, s.note) for s in started]


@router.post(
    "/threads/{thread_id}/runs/stream",
    response_class=StreamingResponse,
    responses=_SSE,
    summary="LangGraph Server API: start, stream",
)
async def stream_run(
    thread_id: ThreadIdPath,
    body: LangGraphRunCreate,
    services: ServicesDep,
    user: UserDep,
    request: Request,
) -> StreamingResponse:
    started = await start(services, user, request, thread_id, body, feed=True)
    return _stream_of_started(services, body, started)


@router.post(
    "/runs/stream",
    response_class=StreamingResponse,
    responses=_SSE,
    summary="LangGraph Server API: start a stateless run, stream it",
)
async def stream_stateless_run(
    body: LangGraphRunCreate, services: ServicesDep, user: UserDep, request: Request
) -> StreamingResponse:
    started = await start(services, user, request, None, body, reads=True, feed=True)
    return _stream_of_started(services, body, started)


def _stream_of_started(
    services: Services, body: LangGraphRunCreate, started: Started
) -> StreamingResponse:
    """The SSE answer of a run the request has just started (its `read` set once sent)."""
    cancel = body.on_disconnect == "cancel"
    return sse_response(
        services,
        started.run,
        body.modes(),
        started.after_seq,
        cancel,
        True,
        body.stream_subgraphs,
        started.read,
        started.feed,
    )


@router.post("/threads/{thread_id}/runs/wait", summary="LangGraph Server API: start, wait")
async def wait_run(
    thread_id: ThreadIdPath,
    body: LangGraphRunCreate,
    services: ServicesDep,
    user: UserDep,
    request: Request,
    response: Response,
) -> Any:
    started = await start(services, user, request, thread_id, body, feed=True)
    response.headers["Content-Location"] = f"/threads/{thread_id}/runs/{started.run.run_id}"
    return await final_values(services, started.run, started.after_seq, True, started.feed)


@router.post("/runs/wait", summary="LangGraph Server API: start a stateless run, wait")
async def wait_stateless_run(
    body: LangGraphRunCreate,
    services: ServicesDep,
    user: UserDep,
    request: Request,
    response: Response,
) -> Any:
    started = await start(services, user, request, None, body, reads=True, feed=True)
    run = started.run
    response.headers["Content-Location"] = f"/threads/{run.thread_id}/runs/{run.run_id}"
    try:
        return await final_values(services, started.run, started.after_seq, True, started.feed)
    finally:
        started.read.set()


@router.get("/threads/{thread_id}/runs", summary="LangGraph Server API: a thread's runs")
async def list_runs(
    thread_id: ThreadIdPath,
    services: ServicesDep,
    user: UserDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> list[dict[str, Any]]:
    await owned_thread(services, user, thread_id)
    found = await services.store.list_runs(thread_id=thread_id, limit=limit + offset)
    found = [r for r in found if status is None or WIRE_STATUS[r.status] == status]
    page = found[offset : offset + limit]
    notes = await RunNotes(services.store.engine).read([r.run_id for r in page])
    return [run_wire(r, notes[r.run_id]) for r in page]


RunPath = Annotated[str, Path(min_length=1, max_length=200, pattern=ID_PATTERN)]


@router.get("/threads/{thread_id}/runs/{run_id}", summary="LangGraph Server API: one run")
async def get_run(
    thread_id: ThreadIdPath, run_id: RunIdPath, services: ServicesDep, user: UserDep
) -> dict[str, Any]:
    return run_wire(*await owned_run(services, user, thread_id, run_id))


@router.get("/threads/{thread_id}/runs/{run_id}/join", summary="LangGraph Server API: join")
async def join_run(
    thread_id: ThreadIdPath, run_id: RunIdPath, services: ServicesDep, user: UserDep
) -> Any:
    run, _ = await owned_run(services, user, thread_id, run_id)
    after, coming = await join_point(services, run_id)
    return await final_values(services, run, after, coming)


@router.get(
    "/threads/{thread_id}/runs/{run_id}/stream",
    response_class=StreamingResponse,
    responses=_SSE,
    summary="LangGraph Server API: join a run's stream (honours Last-Event-ID)",
)
async def join_stream(
    thread_id: ThreadIdPath,
    run_id: RunIdPath,
    services: ServicesDep,
    user: UserDep,
    request: Request,
    stream_mode: Annotated[list[str] | None, Query()] = None,
    cancel_on_disconnect: bool = False,
) -> StreamingResponse:
    run, note = await owned_run(services, user, thread_id, run_id)
    asked = [mode for mode in stream_mode or [] if mode]  # the SDK sends `stream_mode=`
    for mode in asked:
        if mode not in SUPPORTED_MODES:
            raise UnsupportedOption(f"stream_mode {mode}", "unknown stream mode.")
    modes = asked or note.options.get("stream_mode") or ["values"]
    last = (request.headers.get("last-event-id") or "").strip()
    after, coming = (int(last), False) if last.isdigit() else await join_point(services, run_id)
    subgraphs = bool(note.options.get("stream_subgraphs"))
    return sse_response(services, run, list(modes), after, cancel_on_disconnect, coming, subgraphs)


@router.post(
    "/threads/{thread_id}/runs/{run_id}/cancel",
    status_code=202,
    summary="LangGraph Server API: cancel a run",
)
async def cancel_run(
    thread_id: ThreadIdPath,
    run_id: RunIdPath,
    services: ServicesDep,
    user: UserDep,
    wait: bool = False,
    action: Literal["interrupt", "rollback"] = "interrupt",
) -> Response:
    run, _ = await owned_run(services, user, thread_id, run_id)
    if run.status.is_final:
        raise InvalidRunState(run_id, run.status, "cancel", "pending, running or interrupted")
    stopping: Coroutine[Any, Any, Any]
    if action == "rollback":
        stopping = roll_back(services, run)
    else:
        stopping = services.runner.interrupt(run.run_id, InterruptMode.CANCEL)
    if wait:
        await stopping
    else:
        in_background(stopping)
    return Response(status_code=202)


@router.delete(
    "/threads/{thread_id}/runs/{run_id}",
    status_code=204,
    summary="LangGraph Server API: delete a run",
)
async def delete_one_run(
    thread_id: ThreadIdPath, run_id: RunIdPath, services: ServicesDep, user: UserDep
) -> Response:
    run, _ = await owned_run(services, user, thread_id, run_id)
    if run.status.is_active and run.superseded_by is None:
        raise InvalidRunState(run_id, run.status, "delete", "finished (cancel it first)")
    await delete_run(services.store.engine, run_id)
    return Response(status_code=204)
