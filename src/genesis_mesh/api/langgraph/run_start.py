"""Starting a run of the LangGraph Server API: the run body, its checks, and a new run,
a fork or the resume of a waiting run as the runner stores it.

Every run is an ordinary run of the runner, owned and limited like any other. A
`command={"resume": ...}` answers the thread's interrupted run: that run continues (same
run id) rather than a new run starting, as the host keeps one run per question.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from genesis_mesh.api.langgraph.assistants import resolve
from genesis_mesh.api.langgraph.run_end import hooks_of
from genesis_mesh.api.langgraph.stream import (
    CORE_MODES,
    SUPPORTED_MODES,
    Feed,
)
from genesis_mesh.api.langgraph.threads import Checkpoint, graph_of, owned_thread
from genesis_mesh.api.langgraph.webhooks import check_url
from genesis_mesh.api.limits import get_limits, user_key
from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import (
    InvalidInput,
    InvalidRunState,
    ThreadBusy,
    ThreadNotFound,
    UnsupportedOption,
)
from genesis_mesh.protocol import (
    ID_PATTERN,
    Breakpoints,
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
from genesis_mesh.store.threads import ThreadRecord, ThreadStore
from genesis_mesh.store.webhook_outbox import WebhookOutbox

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
