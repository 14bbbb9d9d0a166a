"""REST and Server-Sent Events: runs, their events, interrupt and resume."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from genesis_mesh.api.access import OwnedRun, thread_of
from genesis_mesh.api.deps import ServicesDep, ThreadIdQuery, UserDep
from genesis_mesh.api.limits import get_limits, user_key
from genesis_mesh.api.uploads import check_upload_sources
from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import TokenExpired
from genesis_mesh.protocol import (
    FINAL_EVENT_TYPES,
    Event,
    EventType,
    InterruptRequest,
    ResumeRequest,
    RunCreate,
    RunInfo,
    RunStatus,
)

router = APIRouter(prefix="/api/v1/runs", tags=["runs"])

SSE_QUEUE_SIZE = 10_000
SSE_KEEPALIVE_SECONDS = 15.0


@router.post("", status_code=202, summary="Start a run")
async def create_run(
    body: RunCreate, services: ServicesDep, user: UserDep, request: Request
) -> RunInfo:
    if body.thread_id is not None:
        await thread_of(services, user, body.thread_id)
    check_upload_sources(request, user, body.input)
    async with get_limits(request).admit_run(user_key(request), services.store) as admitted:
        run = await services.runner.create_run(
            body.graph,
            body.input,
            body.thread_id,
            owner=user.user_id,
            multitask=body.multitask,
            context=body.context,
            config=body.config,
        )
        admitted(run.run_id)
    return run


@router.get("", summary="List runs, newest first")
async def list_runs(
    services: ServicesDep,
    user: UserDep,
    thread_id: ThreadIdQuery,
    status: RunStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[RunInfo]:
    return await services.store.list_runs(
        thread_id=thread_id, status=status, limit=limit, owner=user.owner_filter
    )


@router.get("/{run_id}", summary="One run")
async def get_run(run: OwnedRun) -> RunInfo:
    return run


@router.get("/{run_id}/events", summary="Stored events after a sequence number")
async def list_events(
    run: OwnedRun,
    services: ServicesDep,
    after_seq: Annotated[int, Query(ge=0, le=2**53)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[Event]:
    return await services.store.list_events(run.run_id, after_seq, limit)


@router.get(
    "/{run_id}/stream",
    response_class=EventSourceResponse,
    summary="Follow a run as Server-Sent Events (honours Last-Event-ID)",
)
async def stream_run(
    run: OwnedRun,
    services: ServicesDep,
    user: UserDep,
    after_seq: Annotated[int, Query(ge=0, le=2**53)] = 0,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
) -> AsyncIterator[ServerSentEvent]:
    if last_event_id and last_event_id.strip().isdigit():
        after_seq = max(after_seq, int(last_event_id.strip()))
    queue: asyncio.Queue[Event | None] = asyncio.Queue(SSE_QUEUE_SIZE)

    async def send(event: Event) -> None:
        await queue.put(event)

    def push(event: Event) -> None:
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:
            _end_stream_of_slow_reader(queue)

    run_id = run.run_id
    follow = asyncio.create_task(services.runner.follow(run_id, after_seq, send, push))
    try:
        while True:
            if run.status.is_final and follow.done() and queue.empty():
                break
            if user.expired():  # a JWT ran out mid-stream: say so; the client reconnects
                yield ServerSentEvent(data=TokenExpired().to_dict(), event="error")
                break
            try:
                event = await _next_event(queue, follow, _keepalive_wait(user))
            except _FollowDone:
                continue  # the replay is over: a finished run's stream may end now
            except TimeoutError:
                if user.expired():
                    continue
                yield ServerSentEvent(comment="keep-alive")
                run = await services.store.get_run(run_id)
                continue
            if event is None:
                break
            yield ServerSentEvent(data=event.wire(), event=event.type.value, id=str(event.seq))
            if event.type in FINAL_EVENT_TYPES:
                break
            if event.type == EventType.RUN_INTERRUPTED and services.runner.draining:
                break  # paused by the shutdown: an open stream would hold the server up
    finally:
        if follow.done() and not follow.cancelled() and follow.exception() is None:
            follow.result()()
        else:
            follow.cancel()


class _FollowDone(Exception):
    """The follow task ended (its replay is queued) before another event arrived."""


async def _next_event(
    queue: asyncio.Queue[Event | None], follow: asyncio.Task[Any], timeout: float
) -> Event | None:
    """The next queued event; raises `_FollowDone` if the follow task ends first (once),
    `TimeoutError` after `timeout` seconds."""
    if follow.done() or not queue.empty():
        return await asyncio.wait_for(queue.get(), timeout)
    getter = asyncio.ensure_future(queue.get())
    await asyncio.wait({getter, follow}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if getter.done():
        return getter.result()
    getter.cancel()  # a cancelled Queue.get takes nothing off the queue
    if follow.done():
        raise _FollowDone
    raise TimeoutError


def _keepalive_wait(user: Identity) -> float:
    """Seconds to wait for an event: the keep-alive period, or less if the token ends."""
    if user.expires_at is None:
        return SSE_KEEPALIVE_SECONDS
    return max(0.0, min(SSE_KEEPALIVE_SECONDS, user.expires_at - time.time()))


def _end_stream_of_slow_reader(queue: asyncio.Queue[Event | None]) -> None:
    """A reader too slow for the run: end its stream; it reconnects with Last-Event-ID."""
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(None)


@router.post(
    "/{run_id}/interrupt",
    summary="Pause at the next node boundary, or cancel now",
    responses={202: {"model": RunInfo, "description": "Asked, but still running: see below."}},
)
async def interrupt_run(
    run: OwnedRun, body: InterruptRequest, services: ServicesDep, response: Response
) -> RunInfo:
    """Answers once the run has stopped (200, with its status: `interrupted` or
    `cancelled`, or the final status it reached first). A run still in a node after
    `GENESIS_MESH_INTERRUPT_WAIT_SECONDS` answers 202 with status `running` and
    `stop_requested` set: the stop happens at its next node boundary."""
    stopped = await services.runner.interrupt(run.run_id, body.mode)
    if stopped.status in (RunStatus.RUNNING, RunStatus.PENDING):
        response.status_code = 202
    return stopped


@router.post(
    "/{run_id}/resume",
    status_code=202,
    summary="Resume an interrupted run",
    description="Answers the run's question with `value` (a map {interrupt id: answer} when "
    "several interrupts are pending), optionally with LangGraph's `goto` / `update`; 422 "
    "`answer_required`, `answers_by_id_required` or `unknown_interrupt` when LangGraph "
    "could not take the resume (the run keeps waiting).",
)
async def resume_run(
    run: OwnedRun, body: ResumeRequest, services: ServicesDep, request: Request
) -> RunInfo:
    limits = get_limits(request)
    async with limits.admit_run(user_key(request), services.store, new_run=False) as admitted:
        resumed = await services.runner.resume(run.run_id, body.value, **body.command())
        admitted(resumed.run_id)
    return resumed
