"""Runs on a thread and stateless: create, stream, wait, join, cancel, list, delete.

Every run is an ordinary run of the runner, owned and limited like any other. A
`command={"resume": ...}` answers the thread's interrupted run: that run continues (same
run id) rather than a new run starting, as the host keeps one run per question.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from genesis_mesh.api.deps import RunIdPath, ServicesDep, ThreadIdPath, UserDep
from genesis_mesh.api.langgraph.assistants import resolve
from genesis_mesh.api.langgraph.rollback import roll_back
from genesis_mesh.api.langgraph.run_end import hooks_of
from genesis_mesh.api.langgraph.stream import (
    CORE_MODES,
    SUPPORTED_MODES,
    Feed,
    Part,
    Translator,
    follow_batches,
    follow_events,
    join_point,
    state_reader,
)
from genesis_mesh.api.langgraph.threads import Checkpoint, graph_of, owned_thread
from genesis_mesh.api.langgraph.webhooks import check_url
from genesis_mesh.api.limits import get_limits, user_key
from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import (
    InvalidInput,
    InvalidRunState,
    RunNotFound,
    ThreadBusy,
    ThreadNotFound,
    UnsupportedOption,
)
from genesis_mesh.protocol import (
    ID_PATTERN,
    Breakpoints,
    InterruptMode,
    JsonObject,
    JsonValue,
    MultitaskPolicy,
    RunInfo,
    RunStatus,
)
from genesis_mesh.services import Services
from genesis_mesh.store.run_notes import RunNote, RunNotes
from genesis_mesh.store.runs import Birth, Within
from genesis_mesh.store.temporary_threads import AFTER_READER, AT_END, TemporaryThreads
from genesis_mesh.store.threads import ThreadRecord, ThreadStore, delete_run
from genesis_mesh.store.webhook_outbox import WebhookOutbox

router = APIRouter(tags=["langgraph"])
logger = logging.getLogger(__name__)
_SSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events: `metadata`, the parts of the modes asked for, `end`.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}

_STATUS = {
    RunStatus.QUEUED: "pending",
    RunStatus.PENDING: "pending",
    RunStatus.RUNNING: "running",
    RunStatus.INTERRUPTED: "interrupted",
    RunStatus.SUCCEEDED: "success",
    RunStatus.FAILED: "error",
    RunStatus.CANCELLED: "interrupted",
}
_UNSERVED = {
    "feedback_keys": "LangSmith feedback is not served.",
}


MAX_DELAY = 365 * 24 * 3600.0  # one year: a bound, so a typo is refused, not kept for ever


class LangGraphRunCreate(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    assistant_id: str = Field(min_length=1, max_length=200, pattern=ID_PATTERN)
    input: JsonValue = None  # any JSON: a functional API entrypoint takes a string, a list
    command: JsonObject | None = None
    config: JsonObject | None = None
    context: JsonObject | None = None
    metadata: JsonObject | None = None
    stream_mode: str | list[str] = "values"
    stream_subgraphs: bool = False
    stream_resumable: bool = False
    multitask_strategy: Literal["reject", "interrupt", "rollback", "enqueue"] = "reject"
    if_not_exists: Literal["create", "reject"] = "reject"
    on_disconnect: Literal["cancel", "continue"] = "cancel"
    on_completion: Literal["delete", "keep"] | None = None
    durability: Literal["sync", "async", "exit"] | None = None
    interrupt_before: Breakpoints = None
    interrupt_after: Breakpoints = None
    checkpoint: Checkpoint | None = None
    checkpoint_id: str | None = Field(default=None, max_length=200, pattern=ID_PATTERN)
    webhook: str | None = Field(default=None, max_length=2000, pattern=ID_PATTERN)
    # A delayed run: `pending` at once, started no earlier than this many seconds later.
    after_seconds: float | None = Field(default=None, ge=0, le=MAX_DELAY, allow_inf_nan=False)
    feedback_keys: JsonValue = None

    def modes(self) -> list[str]:
        modes = [self.stream_mode] if isinstance(self.stream_mode, str) else self.stream_mode
        for mode in modes:
            if mode not in SUPPORTED_MODES:
                raise UnsupportedOption(f"stream_mode {mode}", "unknown stream mode.")
        return modes or ["values"]

    def fork_from(self) -> str | None:
        """The checkpoint a run forks its thread at (`checkpoint` or `checkpoint_id`)."""
        if self.checkpoint is not None and self.checkpoint.checkpoint_id:
            if self.checkpoint.checkpoint_ns:
                raise UnsupportedOption(
                    "checkpoint.checkpoint_ns", "a run forks the thread's root graph only."
                )
            return self.checkpoint.checkpoint_id
        return self.checkpoint_id

    def breakpoints(self) -> dict[str, Any]:
        """`interrupt_before` / `interrupt_after` as the run's config keeps them."""
        given = {"interrupt_before": self.interrupt_before, "interrupt_after": self.interrupt_after}
        return {k: v for k, v in given.items() if v not in (None, [])}


@dataclass
class Started:
    """A run as this API started or resumed it, and where its stream begins."""

    run: RunInfo
    note: RunNote
    after_seq: int
    # Set when the request has read the run's answer: a stateless thread outlives it.
    read: asyncio.Event = field(default_factory=asyncio.Event)
    marked: bool = False  # its thread already marked for deletion (`TemporaryThreads`)
    feed: Feed | None = None  # subscribed as the run was created: its events from the first


def run_wire(run: RunInfo, note: RunNote) -> dict[str, Any]:
    """A run as the LangGraph Server shows it."""
    return {
        "run_id": run.run_id,
        "thread_id": run.thread_id,
        "assistant_id": note.options.get("assistant_id", run.graph),
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "status": _STATUS[run.status],
        "metadata": note.metadata,
        "multitask_strategy": note.options.get("multitask_strategy", "reject"),
        "kwargs": {
            "stream_mode": note.options.get("stream_mode", ["values"]),
            "subgraphs": note.options.get("stream_subgraphs", False),
        },
    }


async def start(
    services: Services,
    user: Identity,
    request: Request,
    thread_id: str | None,
    body: LangGraphRunCreate,
    reads: bool = False,
    within: Within | None = None,
    feed: bool = False,
) -> Started:
    """Start (or resume) the run the body asks for; a `webhook` is sent when it ends, by
    whichever process ends it (the URL is kept in the run's row, `store/webhook_outbox`).
    A stateless run's thread is deleted when it is done unless `on_completion="keep"`
    (the mark is in the run's row, `temporary.py`); with a webhook, once the webhook was
    sent, as it reads the final state. `run_end.py` follows both up.
    A request that `reads` the run's answer sets `started.read` once it has.
    `within` runs in the transaction that stores a new run (a cron's claim of its time;
    a resume stores none). `feed`: a new run's `Started.feed` hears it from its first
    event (a resume's reader follows it from the store)."""
    mark = None
    if thread_id is None and body.on_completion != "keep":
        mark = AFTER_READER if reads else AT_END
    started = await _start(services, user, request, thread_id, body, mark, within, feed)
    run_id = started.run.run_id
    if not reads:
        started.read.set()
    if mark is not None and not started.marked:
        await TemporaryThreads(services.store.engine).mark(run_id, after_reader=reads)
    hooks = hooks_of(services)
    if hooks is not None:
        await hooks.arm(
            run_id, _launched(started.run), mark, body.webhook, started.after_seq, started.read
        )
    elif body.webhook is not None:  # no process here follows runs up: a later one will
        await WebhookOutbox(services.store.engine).arm(run_id, body.webhook, started.after_seq)
    return started


def _launched(run: RunInfo) -> bool:
    """Whether the runner executes the run from now on (not delayed, not queued)."""
    return run.status == RunStatus.RUNNING or (
        run.status == RunStatus.PENDING and run.not_before is None
    )


async def _start(
    services: Services,
    user: Identity,
    request: Request,
    thread_id: str | None,
    body: LangGraphRunCreate,
    mark: bool | None = None,
    within: Within | None = None,
    feed: bool = False,
) -> Started:
    """`mark`: mark a new run's thread for deletion, stored with the run."""
    for name, why in _UNSERVED.items():
        if getattr(body, name) not in (None, [], {}):
            raise UnsupportedOption(name, why)
    if body.webhook is not None:
        check_url(body.webhook, services.settings)
    assistant = await resolve(services, user, body.assistant_id)
    modes = body.modes()
    fork = body.fork_from()
    breakpoints = body.breakpoints()
    if fork is not None and thread_id is None:
        raise UnsupportedOption("checkpoint_id", "a stateless run has no history to fork.")
    stamp = {"graph_id": assistant.graph, "assistant_id": assistant.assistant_id}
    fresh = thread_id is None  # created with its run, in the run's transaction
    if thread_id is None:
        thread_id = str(uuid.uuid4())
    else:
        record = await ThreadStore(services.store.engine).get(thread_id, user.owner_filter)
        if record is None:
            if body.if_not_exists != "create":
                raise ThreadNotFound(thread_id)
            await _create_thread(services, user, thread_id, stamp)
        else:
            await _stamp_thread(services, record, stamp)
            if fork is not None and await _is_head(services, thread_id, fork):
                fork = None  # useStream sends the head it shows: no fork, a continuation
    note = RunNote(
        metadata={**(body.metadata or {}), "assistant_id": assistant.assistant_id},
        options={
            "assistant_id": assistant.assistant_id,
            "multitask_strategy": body.multitask_strategy,
            "stream_mode": modes,
            "stream_subgraphs": body.stream_subgraphs,
            **({"webhook": body.webhook} if body.webhook else {}),
        },
    )
    limits = get_limits(request)
    if body.command is not None:
        _refuse_on_resume(fork, body.after_seconds)
        _check_nodes(assistant.graph, services, breakpoints)
        if fresh:
            raise InvalidRunState("-", "not waiting", "resume", "interrupted (a new thread)")
        return await _resume(services, request, thread_id, body.command, note, breakpoints)
    if body.input is None and fork is None and not fresh:
        waiting = await _stopped_run(services, thread_id)
        if waiting is not None:  # `input=None`: go on from a breakpoint or a pause
            _refuse_on_resume(fork, body.after_seconds)
            _check_nodes(assistant.graph, services, breakpoints)
            return await _resume(services, request, thread_id, {}, note, breakpoints)
    if breakpoints:
        _check_nodes(assistant.graph, services, breakpoints)
    if fork is not None:
        await _check_fork(services, user, thread_id, fork, body.multitask_strategy)
    run_input = body.input
    if run_input is None and fork is None and (fresh or not await _has_next(services, thread_id)):
        run_input = {}  # nothing to go on with: a run without input starts afresh
    context = {**assistant.context, **(body.context or {})} or None
    config = _merged_config(assistant.config, {**(body.config or {}), **breakpoints}) or None
    # The note (and a stateless thread's mark) is stored with the run, in its transaction.
    columns = {"metadata": note.metadata, "client_options": note.options, "delete_thread": mark}
    birth = Birth(thread_id, stamp, columns) if fresh else Birth(note=columns)
    heard = Feed() if feed else None
    async with limits.admit_run(user_key(request), services.store) as admitted:
        run = await services.runner.create_run(
            assistant.graph,
            run_input,
            None if fresh else thread_id,
            owner=user.user_id,
            context=context,
            multitask=MultitaskPolicy(body.multitask_strategy),
            config=config,
            stream_modes=sorted({CORE_MODES[m] for m in modes}),
            from_checkpoint=fork,
            delay_seconds=body.after_seconds,
            within=within,
            birth=birth,
            on_event=None if heard is None else heard.push,
        )
        admitted(run.run_id)
    if heard is not None:
        heard.unsubscribe = services.runner.take_subscription(run.run_id)
    return Started(run, note, 0, marked=mark is not None, feed=heard)


def _merged_config(base: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The run's config over its assistant's (`configurable` merged key by key)."""
    merged = {**base, **given}
    configurable = {**base.get("configurable", {}), **given.get("configurable", {})}
    if configurable:
        merged["configurable"] = configurable
    return merged


async def _create_thread(
    services: Services, user: Identity, thread_id: str, stamp: dict[str, Any]
) -> None:
    """A new thread, born with its run's stamp (`_stamp_thread`): no second write."""
    if await ThreadStore(services.store.engine).create(thread_id, user.user_id, stamp) is None:
        raise ThreadNotFound(thread_id)  # taken by someone else: as if missing


async def _stamp_thread(services: Services, record: ThreadRecord, stamp: dict[str, Any]) -> None:
    """Keep the thread's `graph_id` and `assistant_id` metadata at those of its latest run,
    as a LangGraph Server does: clients list a graph's threads by them (Agent Chat UI's
    history searches `{"graph_id": ...}` or `{"assistant_id": ...}`)."""
    if any(record.metadata.get(key) != value for key, value in stamp.items()):
        await ThreadStore(services.store.engine).set_metadata(
            record.thread_id, {**record.metadata, **stamp}
        )


def _refuse_on_resume(fork: str | None, after_seconds: float | None) -> None:
    """A resume continues its run from its own checkpoint, at once (docs/langgraph-api.md)."""
    if after_seconds:
        raise UnsupportedOption("after_seconds", "a resume continues the waiting run at once.")
    if fork is not None:
        raise UnsupportedOption(
            "checkpoint_id", "a resume continues the waiting run; fork with a new run's input."
        )


async def _is_head(services: Services, thread_id: str, checkpoint_id: str) -> bool:
    """Whether `checkpoint_id` is the thread's newest checkpoint: a run "from" it goes on
    with the thread as it is, as on a LangGraph Server (a resume included)."""
    checkpointer = services.registry.checkpointer
    if checkpointer is None:
        return False
    head = await checkpointer.aget_tuple({"configurable": {"thread_id": thread_id}})
    return head is not None and head.config["configurable"].get("checkpoint_id") == checkpoint_id


async def _stopped_run(services: Services, thread_id: str) -> RunInfo | None:
    """The thread's run stopped at a breakpoint or paused, which `input=None` continues."""
    thread = await services.store.get_thread(thread_id)
    if thread.active_run_id is None:
        return None
    run = await services.store.get_run(thread.active_run_id)
    reason = (run.interrupt or {}).get("reason")
    if run.status == RunStatus.INTERRUPTED and reason in ("breakpoint", "pause"):
        return run
    return None


async def _has_next(services: Services, thread_id: str) -> bool:
    """Whether the thread's newest checkpoint has work left (after a state update at an
    earlier checkpoint, say): `input=None` goes on with it, as in LangGraph."""
    record = await ThreadStore(services.store.engine).get(thread_id, None)
    graph = None if record is None else graph_of(services, record)
    if graph is None:
        return False
    state = await graph.aget_state({"configurable": {"thread_id": thread_id}})
    return bool(state.next)


def _check_nodes(graph: str, services: Services, breakpoints: dict[str, Any]) -> None:
    nodes = set(services.registry.get(graph).compiled().nodes) - {"__start__"}
    for option, names in breakpoints.items():
        unknown = sorted(set(names) - nodes) if isinstance(names, list) else []
        if unknown:
            raise InvalidInput(
                f"{option} names nodes graph {graph!r} does not have: {unknown}; "
                f"its nodes are {sorted(nodes)} (or give '*').",
                {"option": option, "unknown": unknown},
            )


async def _check_fork(
    services: Services, user: Identity, thread_id: str, fork: str, multitask: str
) -> None:
    """A fork needs the thread's checkpoint, and a run that starts at once (a queued
    run starts from the thread's newest checkpoint)."""
    if multitask == "enqueue":
        raise UnsupportedOption(
            "checkpoint_id", "a queued run cannot fork; use reject, interrupt or rollback."
        )
    record = await owned_thread(services, user, thread_id)
    graph = graph_of(services, record)
    config: Any = {"configurable": {"thread_id": thread_id, "checkpoint_id": fork}}
    checkpointer = services.registry.checkpointer
    found = None if graph is None or checkpointer is None else await checkpointer.aget_tuple(config)
    if found is None:
        raise InvalidInput(
            f"Thread {thread_id} has no checkpoint {fork!r}; take one from threads.get_history.",
            {"checkpoint_id": fork},
        )


async def _resume(
    services: Services,
    request: Request,
    thread_id: str,
    command: dict[str, Any],
    note: RunNote,
    breakpoints: dict[str, Any],
) -> Started:
    """Continue the thread's waiting run with `command`; `breakpoints` are this request's,
    which replace the run's (none given: none from here on, as in LangGraph)."""
    given = {k for k, v in command.items() if v not in (None, [], {})}  # RemoteGraph: goto=[]
    if given - {"resume", "goto", "update"}:
        raise UnsupportedOption(
            "command." + sorted(given - {"resume", "goto", "update"})[0],
            "a command takes resume, goto and update.",
        )
    thread = await services.store.get_thread(thread_id)
    if thread.active_run_id is None:
        raise InvalidRunState("-", "not waiting", "resume", "interrupted (the thread has none)")
    waiting = await services.store.get_run(thread.active_run_id)
    if waiting.status != RunStatus.INTERRUPTED:
        raise ThreadBusy(thread_id, waiting.run_id)
    goto = command.get("goto") or None
    update = command.get("update") or None
    limits = get_limits(request)
    async with limits.admit_run(user_key(request), services.store, new_run=False) as admitted:
        resumed = await services.runner.resume(
            waiting.run_id,
            command.get("resume"),
            goto=goto,
            update=update,
            # recorded from here on (the other modes are rebuilt from the runner's events)
            stream_modes=[m for m in note.options["stream_mode"] if m == "events"],
            breakpoints=breakpoints,
        )
        admitted(resumed.run_id)
    notes = RunNotes(services.store.engine)
    kept = (await notes.read([resumed.run_id]))[resumed.run_id]
    note = RunNote(kept.metadata or note.metadata, {**kept.options, **note.options})
    await notes.write(resumed.run_id, note)
    return Started(resumed, note, waiting.last_seq)


async def owned_run(
    services: Services, user: Identity, thread_id: str | None, run_id: str
) -> tuple[RunInfo, RunNote]:
    run = await services.store.get_run(run_id, owner=user.owner_filter)
    if thread_id is not None and run.thread_id != thread_id:
        raise RunNotFound(run_id)
    note = (await RunNotes(services.store.engine).read([run_id]))[run_id]
    return run, note


# ---- streaming and waiting -----------------------------------------------------------


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


def _in_background(work: Coroutine[Any, Any, Any]) -> None:
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


# ---- routes --------------------------------------------------------------------------


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
    found = [r for r in found if status is None or _STATUS[r.status] == status]
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
        _in_background(stopping)
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
