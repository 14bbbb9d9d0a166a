"""The runner: starts, stops, resumes and recovers runs; the only writer of run status.

A run's life: `create_run` stores it `pending` and launches it (`runner/execution.py`
streams the graph); `interrupt` pauses or cancels it; `resume` continues an interrupted
run from its last checkpoint; `recover` restarts the runs a dead process left behind.

In the scale-out mode (a `RunQueue` given) runs are not launched where they are created:
they wait `pending` in PostgreSQL until a worker claims them (`execute_claim`, called by
`runner/worker.py`), and every write of a claimed run is fenced by the claim's attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.exc import IntegrityError

from genesis_mesh.bus.base import EventBus, Unsubscribe
from genesis_mesh.errors import ChatModelNotConfigured, InvalidInput, InvalidRunState, ThreadBusy
from genesis_mesh.llm import SETTINGS_HINT, ChatModels
from genesis_mesh.protocol import (
    Event,
    EventType,
    InterruptMode,
    MultitaskPolicy,
    RunConfig,
    RunInfo,
    RunStatus,
)
from genesis_mesh.registry import GraphRegistry
from genesis_mesh.runner.context import RuntimeContexts
from genesis_mesh.runner.event_log import EventLog
from genesis_mesh.runner.events import RECORDABLE_MODES, EventDraft, describe_error
from genesis_mesh.runner.execution import RELEASED, Executor, StopReason
from genesis_mesh.runner.follow import Follower
from genesis_mesh.runner.interrupts import resume_command
from genesis_mesh.runner.multitask import Multitask
from genesis_mesh.runner.options import RunnerOptions
from genesis_mesh.runner.recovery import needs_recovery, recovery_payload
from genesis_mesh.runner.run_end import RunEnd
from genesis_mesh.serialization import serialize
from genesis_mesh.store.queue import Claim, RunQueue
from genesis_mesh.store.run_store import RunStore
from genesis_mesh.store.runs import Birth, Within

if TYPE_CHECKING:  # redis is imported only in the scale-out mode (issue 17)
    from genesis_mesh.bus.redis import RedisBus

logger = logging.getLogger(__name__)

BREAKPOINT_KEYS = ("interrupt_before", "interrupt_after")

STOP_POLL_SECONDS = 0.1


class Runner:
    """Starts, stops, resumes and recovers runs; the only writer of run status."""

    def __init__(
        self,
        store: RunStore,
        registry: GraphRegistry,
        bus: EventBus,
        options: RunnerOptions | None = None,
        queue: RunQueue | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.bus = bus
        self.options = options or RunnerOptions()
        self.queue = queue
        self.events = EventLog(store, bus)
        self.events.on_lost = self._on_lease_lost
        self.events.on_promoted = self._on_promoted
        self.contexts = RuntimeContexts(self.options.graph_context)
        self.executor = Executor(store, registry, self.events, self.contexts, self.options, queue)
        self.executor.on_run_end = self._run_ended
        self.multitask = Multitask(
            store, registry, self.interrupt, self.options.interrupt_wait_seconds
        )
        self._unsubscribers: dict[str, Unsubscribe] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.draining = False
        """True once the server announced its shutdown (`begin_drain`)."""
        self.on_run_end: Callable[[], None] = lambda: None
        # Called for each run this process stops executing (ended, paused, lost): what
        # must follow a run's end wherever it ran, such as its webhook (`run_end.py`).
        self.run_end_hooks: list[Callable[[RunEnd], None]] = []
        self._local: set[str] = set()  # launched for a caller of this process
        self._claimed: dict[str, bool] = {}  # claimed here: its row owed end work

    @property
    def scale_out(self) -> bool:
        return self.queue is not None

    @property
    def worker_id(self) -> str | None:
        return None if self.queue is None else self.queue.worker_id

    @property
    def busy(self) -> int:
        return self.executor.busy

    @property
    def held(self) -> dict[str, int]:
        """Claims this process executes (run id -> attempt); read by the heartbeat thread."""
        return self.executor.held

    @property
    def chat_models(self) -> ChatModels:
        """The chat models runs get; assign `ChatModels(model=...)` to inject one."""
        return self.contexts.chat_models

    @chat_models.setter
    def chat_models(self, models: ChatModels) -> None:
        self.contexts.chat_models = models

    # ---- life cycle -----------------------------------------------------------------

    async def start(self, recover: bool = True) -> None:
        self.events.start()
        if recover and not self.scale_out:  # at scale, expired leases bring runs back
            await self.recover()

    async def begin_drain(self) -> list[str]:
        """Announce the shutdown to the runs executing here (`run.stopping`, reason
        `shutdown`), stored and published before this returns, so that clients still
        connected hear it; the runs start draining to their next node boundary, where
        `stop` pauses them. Scale-out: nothing (a draining worker hands its runs to
        another worker instead of pausing them). Returns the runs told."""
        self.draining = True
        if self.scale_out:
            return []
        told = self.executor.announce_shutdown()
        await self.events.flush()
        return told

    async def stop(self) -> None:
        """Pause every running run at its next node boundary; cancel what outlives grace."""
        await self.executor.stop_all(self.options.shutdown_grace_seconds)
        await self.events.stop()

    # ---- commands -------------------------------------------------------------------

    async def create_run(
        self,
        graph: str,
        input: Any,
        thread_id: str | None = None,
        client_ref: str | None = None,
        owner: str = "local",
        context: dict[str, Any] | None = None,
        on_event: Callable[[Event], None] | None = None,
        multitask: MultitaskPolicy = MultitaskPolicy.REJECT,
        config: dict[str, Any] | RunConfig | None = None,
        stream_modes: Sequence[str] = (),
        from_checkpoint: str | None = None,
        delay_seconds: float | None = None,
        within: Within | None = None,
        birth: Birth | None = None,
    ) -> RunInfo:
        """Store a pending run and launch it (scale-out: a worker claims it). `on_event`
        follows it from its first event. `multitask` says what happens when the thread
        already has an active run (`runner/multitask.py`).

        `context` (the graph's `context_schema` values) and `config` (`configurable`,
        `recursion_limit`, `tags`, `metadata`) are the client's: checked here
        (`InvalidContext`, `ContextLocked`), stored with the run, and used again by its
        resumes and recoveries wherever they execute (`runner/context.py`).
        `stream_modes`: LangGraph stream modes whose raw parts the run also records, as
        `stream.part` events. `from_checkpoint` forks the thread at that checkpoint of
        its history (the run continues from there, not from the thread's newest).
        `delay_seconds` delays the start: the run waits `pending` until its
        `not_before`, on the store's clock (`RunStore.now`). `within` runs in the
        transaction that stores the run, `birth` is stored with it (`RunRows.create`)."""
        _check_stream_modes(stream_modes)
        entry = self.registry.get(graph)
        compiled = entry.compiled()
        if entry.requires_chat_model and self.contexts.lacks_chat_model(graph):
            raise ChatModelNotConfigured(graph, SETTINGS_HINT)
        context, stored_config = self.contexts.admit(
            graph, compiled, entry.locked_context, context, config
        )
        # The operator's settings plus the admitted (never locked) client values, so the
        # input schema's validators judge the input by what this run will really allow.
        settings = {**self.contexts.policy(graph).defaults, **(context or {})}
        data = entry.validate_input(input, new_thread=thread_id is None, settings=settings)
        room = await self.multitask.make_room(thread_id, multitask)
        dispatch = {"kind": "start", "client_ref": client_ref, **room.dispatch}
        if from_checkpoint is not None:
            dispatch["from_checkpoint"] = from_checkpoint
        run = await self.store.create_run(
            graph,
            data,
            thread_id,
            owner,
            enqueue=multitask == MultitaskPolicy.ENQUEUE,
            supersede=room.supersede,
            dispatch=dispatch if self.scale_out else None,
            context=context,
            config=stored_config,
            stream_modes=stream_modes,
            delay_seconds=delay_seconds,
            within=within,
            birth=birth,
        )
        if self.scale_out:
            if on_event is not None:
                follower = Follower(self.store, self.bus, run.run_id, 0, on_event, self._poll)
                self._unsubscribers[run.run_id] = await follower.start()
            if run.status == RunStatus.PENDING:
                self._wake_workers()
            return run
        if on_event is not None:
            self._unsubscribers[run.run_id] = self.bus.subscribe(run.run_id, on_event)
        self._local.add(run.run_id)
        if run.status == RunStatus.PENDING and await self._delay(run) > 0:
            self._launch_later(run.run_id, client_ref, dispatch.get("from_checkpoint"))
        elif run.status == RunStatus.PENDING:
            self._launch_fresh(run, client_ref, dispatch.get("from_checkpoint"))
        return run

    def _launch_fresh(
        self, run: RunInfo, client_ref: str | None, from_checkpoint: str | None = None
    ) -> None:
        opening = EventDraft(
            EventType.RUN_STARTED,
            None,
            {
                "graph": run.graph,
                "thread_id": run.thread_id,
                "input": run.input,
                "client_ref": client_ref,
            },
        )
        self.events.start_run(run.run_id)
        self.executor.launch(run, run.input, opening, fresh=True, from_checkpoint=from_checkpoint)

    def take_subscription(self, run_id: str) -> Unsubscribe:
        """The unsubscribe handle of the `on_event` given to `create_run`."""
        return self._unsubscribers.pop(run_id, lambda: None)

    async def interrupt(self, run_id: str, mode: InterruptMode) -> RunInfo:
        """Pause at the next node boundary or cancel now, wherever the run executes.

        Returns the run as it is after the stop; a run still `running` means it did not
        reach a node boundary within `interrupt_wait_seconds` (the request stays recorded).
        """
        reason = StopReason.CANCEL if mode == InterruptMode.CANCEL else StopReason.PAUSE
        for _ in range(5):
            run = await self.store.get_run(run_id)
            finished = self.executor.request_stop(run_id, reason)
            if finished is not None:
                await self.store.record_stop_request(run_id, mode.value)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(finished.wait(), self.options.interrupt_wait_seconds)
                return await self.store.get_run(run_id)
            if run.status == RunStatus.RUNNING and self.queue is not None:
                if await self.queue.request_stop(run_id, mode.value):
                    cast("RedisBus", self.bus).send_control(run_id, mode.value)
                    return await self._wait_until_stopped(run_id)
                continue  # it stopped meanwhile: look again
            stopped = await self._interrupt_idle(run, mode)
            if stopped is not None:
                return stopped
        return await self.store.get_run(run_id)

    async def _wait_until_stopped(self, run_id: str) -> RunInfo:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.interrupt_wait_seconds
        while True:
            run = await self.store.get_run(run_id)
            if run.status != RunStatus.RUNNING or loop.time() >= deadline:
                return run
            await asyncio.sleep(STOP_POLL_SECONDS)

    async def _interrupt_idle(self, run: RunInfo, mode: InterruptMode) -> RunInfo | None:
        """Stop a run nobody executes (queued, pending, interrupted, or orphaned); None if
        it changed hands meanwhile."""
        if run.status.is_final:
            raise InvalidRunState(
                run.run_id, run.status, "interrupt", "queued, pending, running or interrupted"
            )
        if mode == InterruptMode.PAUSE:
            if run.status != RunStatus.PENDING:
                return run
            values: dict[str, Any] = {
                "status": RunStatus.INTERRUPTED,
                "interrupt": {"reason": "pause"},
            }
            event = (EventType.RUN_INTERRUPTED, {"reason": "pause"})
        else:
            values = {"status": RunStatus.CANCELLED, **RELEASED}
            event = (EventType.RUN_CANCELLED, {"reason": "cancelled by user"})
        changed = await self.store.transition(run.run_id, [run.status], values, event)
        if changed is None:
            return None
        stopped, stored, promoted = changed
        if stored is not None:
            self.bus.publish(stored)
        self._on_promoted(promoted)
        return stopped

    async def resume(
        self,
        run_id: str,
        value: Any = None,
        goto: Any = None,
        update: Any = None,
        stream_modes: Sequence[str] = (),
        breakpoints: Mapping[str, Any] | None = None,
    ) -> RunInfo:
        """Continue an interrupted run (answering its question with `value`: one answer, or
        a map by interrupt id), or retry a failed one; either way from its last checkpoint,
        without re-running finished nodes. `goto` and `update` are LangGraph's
        `Command(goto=..., update=...)`. A resume LangGraph could not take is refused
        (`runner/interrupts.py`) and the run keeps waiting. `stream_modes` the run records
        from here on, besides those it recorded already (`create_run`). `breakpoints`
        (`interrupt_before` / `interrupt_after`), when given, replace the run's own from
        here on, as each invocation of a LangGraph graph has its own."""
        _check_stream_modes(stream_modes)
        run = await self.store.get_run(run_id)
        resumable = (RunStatus.INTERRUPTED, RunStatus.FAILED)
        if run.status not in resumable or self.executor.is_executing(run_id):
            raise InvalidRunState(run_id, run.status, "resume", "interrupted or failed")
        if run.superseded_by is not None:
            raise InvalidRunState(
                run_id, f"superseded by {run.superseded_by}", "resume", "not superseded"
            )
        if run.status == RunStatus.FAILED:
            thread = await self.store.get_thread(run.thread_id)
            if thread.active_run_id is not None:
                raise ThreadBusy(run.thread_id, thread.active_run_id)
        if set(stream_modes) - set(run.stream_modes):
            recorded = sorted({*run.stream_modes, *stream_modes})
            await self.store.update_run(run_id, stream_modes=recorded)
            run = run.model_copy(update={"stream_modes": recorded})
        if breakpoints is not None:
            run = await self._replace_breakpoints(run, breakpoints)
        reason = (run.interrupt or {}).get("reason")
        interrupt = run.interrupt if run.status == RunStatus.INTERRUPTED else None
        payload = resume_command(run_id, interrupt, value, goto, update)
        steering = _steering(goto, update)
        if self.scale_out:
            return await self._queue_resume(run, reason, value, steering)
        data = {"value": serialize(value), **steering}
        if run.status == RunStatus.FAILED:
            data["reason"] = "retry"
        opening = EventDraft(EventType.RUN_RESUMED, None, data)
        self._local.add(run_id)
        self.executor.launch(run, payload, opening)
        # The task itself stores `running` with its `run.resumed` event; writing it here
        # could overwrite the final status of a run that finishes first.
        return run.model_copy(update={"status": RunStatus.RUNNING})

    async def _replace_breakpoints(self, run: RunInfo, breakpoints: Mapping[str, Any]) -> RunInfo:
        kept = {k: v for k, v in (run.config or {}).items() if k not in BREAKPOINT_KEYS}
        given = {k: v for k, v in breakpoints.items() if k in BREAKPOINT_KEYS and v}
        config = {**kept, **given} or None
        if config != run.config:
            await self.store.update_run(run.run_id, config=config)
            run = run.model_copy(update={"config": config})
        return run

    async def _queue_resume(
        self, run: RunInfo, reason: str | None, value: Any, steering: dict[str, Any]
    ) -> RunInfo:
        dispatch = {
            "kind": "resume",
            "reason": "retry" if run.status == RunStatus.FAILED else reason,
            "value": serialize(value),
            **steering,
        }
        try:
            changed = await self.store.transition(
                run.run_id, [run.status], {"status": RunStatus.PENDING, "dispatch": dispatch}
            )
        except IntegrityError:
            thread = await self.store.get_thread(run.thread_id)
            raise ThreadBusy(run.thread_id, thread.active_run_id or "?") from None
        if changed is None:
            current = await self.store.get_run(run.run_id)
            raise InvalidRunState(run.run_id, current.status, "resume", "interrupted or failed")
        self._wake_workers()
        return changed[0]

    async def recover(self) -> None:
        """Restart runs left `pending`/`running` by a dead process, or paused by a shutdown
        (`runner/recovery.py`); one run's trouble never keeps the host from starting."""
        try:
            candidates = await self.store.list_runs(
                statuses=(RunStatus.PENDING, RunStatus.RUNNING, RunStatus.INTERRUPTED),
                limit=100_000,
            )
        except Exception:
            logger.exception("could not list the runs to recover; they wait for the next start")
            return
        for run in candidates:
            if self.executor.is_executing(run.run_id) or not needs_recovery(run):
                continue
            if run.status == RunStatus.PENDING and await self._delay(run) > 0:
                self._launch_later(run.run_id)  # a delayed run not due yet: it waits
                continue
            try:
                await self._recover_one(run)
            except Exception:
                logger.exception(
                    "recovering run %s failed; it waits for the next start", run.run_id
                )

    async def _recover_one(self, run: RunInfo) -> None:
        try:
            payload = await recovery_payload(self.store, self.registry, self.events, run)
        except Exception as exc:
            logger.warning("run %s cannot be resumed: %s", run.run_id, exc)
            await self.executor.finish(
                run.run_id,
                EventDraft(EventType.RUN_FAILED, None, {"error": describe_error(exc)}),
                status=RunStatus.FAILED,
                error=describe_error(exc),
            )
            return
        logger.info("recovering run %s (%s)", run.run_id, run.status)
        opening = EventDraft(EventType.RUN_RESUMED, None, {"reason": "recovered"})
        self.executor.launch(run, payload, opening)

    def is_executing(self, run_id: str) -> bool:
        return self.executor.is_executing(run_id)

    # ---- following ------------------------------------------------------------------

    async def follow(
        self,
        run_id: str,
        after_seq: int,
        send: Callable[[Event], Awaitable[None]],
        push: Callable[[Event], None],
        known: bool = False,
    ) -> Unsubscribe:
        """Replay stored events after `after_seq` with `send`, then live ones with `push`;
        every event exactly once and in order (`runner/follow.py`). `RunNotFound` for a
        missing run, unless the caller knows it exists (`known`: it has just created or read it)."""
        if not known:
            await self.store.get_run(run_id)
        follower = Follower(self.store, self.bus, run_id, after_seq, push, self._poll)
        return await follower.start(send)

    # ---- scale-out ------------------------------------------------------------------

    def execute_claim(self, claim: Claim) -> None:
        """Execute a run this worker has just claimed (`runner/worker.py`)."""
        self._claimed[claim.run.run_id] = claim.owes_end_work
        self.executor.execute_claim(claim)

    def apply_stop(self, run_id: str, mode: str) -> None:
        """A pause or cancel asked for elsewhere (Redis, or the run's row at a heartbeat)."""
        self.executor.apply_stop(run_id, mode)

    def lease_lost(self, run_id: str, attempt: int) -> None:
        """Another worker claimed the run (our lease expired): stop it here, writing nothing."""
        self.executor.lease_lost(run_id, attempt)

    def _on_lease_lost(self, run_id: str) -> None:
        self.executor.lease_lost(run_id)

    def _run_ended(self, run_id: str) -> None:
        self._unsubscribers.pop(run_id, None)
        self.on_run_end()
        local = run_id in self._local
        self._local.discard(run_id)
        end = RunEnd(run_id, local, self._claimed.pop(run_id, None))
        for hook in self.run_end_hooks:
            hook(end)

    def _on_promoted(self, run_ids: list[str]) -> None:
        """Queued runs whose thread became free: start them (scale-out: wake a worker)."""
        if not run_ids:
            return
        if self.scale_out:
            self._wake_workers()
            return
        for run_id in run_ids:
            self._launch_later(run_id)

    def _launch_later(
        self, run_id: str, client_ref: str | None = None, from_checkpoint: str | None = None
    ) -> None:
        task = asyncio.create_task(self._launch_promoted(run_id, client_ref, from_checkpoint))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _launch_promoted(
        self, run_id: str, client_ref: str | None = None, from_checkpoint: str | None = None
    ) -> None:
        """Launch a pending run, once its `not_before` has come (embedded mode; a host
        that restarts meanwhile schedules it again in `recover`)."""
        run = await self.store.get_run(run_id)
        while run.status == RunStatus.PENDING and (delay := await self._delay(run)) > 0:
            await asyncio.sleep(delay)
            run = await self.store.get_run(run_id)  # cancelled meanwhile? then not pending
        if run.status == RunStatus.PENDING and not self.executor.is_executing(run_id):
            self._launch_fresh(run, client_ref, from_checkpoint)

    async def _delay(self, run: RunInfo) -> float:
        """Seconds until a delayed run may start (0 or less: it may start now), on the
        clock its due time was set by (the store's, not necessarily this host's)."""
        if run.not_before is None:
            return 0.0
        return (run.not_before - await self.store.now()).total_seconds()

    def _wake_workers(self) -> None:
        wake = getattr(self.bus, "wake", None)  # the Redis bus's; the memory bus has none
        if wake is not None:
            wake()

    @property
    def _poll(self) -> float | None:
        return self.options.follow_poll_seconds if self.scale_out else None


def _steering(goto: Any, update: Any) -> dict[str, Any]:
    """`goto` and `update` as they are recorded (in `run.resumed` and a dispatch note)."""
    steering = {"goto": goto, "update": update}
    return {key: value for key, value in steering.items() if value is not None}


def _check_stream_modes(stream_modes: Sequence[str]) -> None:
    unknown = set(stream_modes) - RECORDABLE_MODES
    if unknown:
        raise InvalidInput(
            f"Unknown stream mode(s) {sorted(unknown)}; use {sorted(RECORDABLE_MODES)}."
        )
