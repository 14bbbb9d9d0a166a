"""Executes runs as asyncio tasks on LangGraph compiled graphs, durably.

A run's life: `create_run` stores it `pending` and launches a task; the task streams the
graph with `durability="sync"`, turning stream parts into events; it ends `succeeded`,
`failed`, `cancelled`, or `interrupted` (a question, a pause, or a shutdown). `resume`
continues an interrupted run from its last checkpoint; `recover` restarts the runs a dead
process left behind.

In the scale-out mode (a `RunQueue` given) runs are not launched where they are created:
they wait `pending` in PostgreSQL until a worker claims them (`execute_claim`, called by
`runner/worker.py`), and every write of a claimed run is fenced by the claim's attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphDrained
from langgraph.pregel import Pregel
from langgraph.runtime import RunControl
from langgraph.types import Command, Durability
from sqlalchemy.exc import IntegrityError

from genesis_mesh.bus.base import EventBus, Unsubscribe
from genesis_mesh.bus.redis import RedisBus
from genesis_mesh.errors import (
    ChatModelNotConfigured,
    InvalidRunState,
    LeaseLost,
    RunTimedOut,
    ThreadBusy,
)
from genesis_mesh.llm import SETTINGS_HINT
from genesis_mesh.observability.llm_usage import raise_if_over_token_limit
from genesis_mesh.observability.logs import bind_run_id
from genesis_mesh.protocol import (
    Event,
    EventType,
    InterruptMode,
    MultitaskPolicy,
    RunInfo,
    RunStatus,
)
from genesis_mesh.registry import GraphEntry, GraphRegistry
from genesis_mesh.runner.context import chat_model_given, chat_models_of, runtime_context
from genesis_mesh.runner.event_log import EventLog
from genesis_mesh.runner.events import (
    STREAM_MODES,
    EventDraft,
    StreamMapper,
    describe_error,
    to_jsonable,
)
from genesis_mesh.runner.follow import Follower
from genesis_mesh.runner.multitask import make_room
from genesis_mesh.runner.recovery import recover_runs, recovery_payload
from genesis_mesh.store.queue import Claim, RunQueue
from genesis_mesh.store.run_store import RunStore

logger = logging.getLogger(__name__)

STOP_POLL_SECONDS = 0.1
CURRENT_CLAIM: ContextVar[tuple[str, int] | None] = ContextVar("genesis_claim", default=None)
"""(run id, attempt) of the claimed run whose task this is; read by the checkpoint guard."""
_RELEASED = {"worker_id": None, "lease_expires_at": None, "stop_requested": None}


class StopReason(StrEnum):
    PAUSE = "pause"
    CANCEL = "cancel"
    SHUTDOWN = "shutdown"
    LEASE_LOST = "lease lost"


@dataclass
class RunnerOptions:
    durability: Durability = "sync"
    max_concurrent_runs: int = 1_000
    shutdown_grace_seconds: float = 5.0
    interrupt_wait_seconds: float = 30.0
    run_timeout_seconds: float | None = None
    follow_poll_seconds: float | None = None
    """Scale-out: how often a quiet follower reads the store for what the bus missed."""
    graph_context: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Execution:
    run: RunInfo
    task: asyncio.Task[None] | None = None
    stop: StopReason | None = None
    control: RunControl = field(default_factory=RunControl)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    fresh: bool = False
    claim: Claim | None = None
    from_checkpoint: str | None = None

    @property
    def attempt(self) -> int | None:
        return None if self.claim is None else self.claim.attempt

    def request_stop(self, reason: StopReason) -> None:
        """Pause and shutdown drain at the next node boundary; cancel stops now."""
        self.stop = reason
        if reason in (StopReason.CANCEL, StopReason.LEASE_LOST):
            if self.task is not None:
                self.task.cancel()
        else:
            self.control.request_drain(reason.value)


class _Stopped(Exception):
    """The run drained at a node boundary on request (LangGraph's `GraphDrained`)."""


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
        self._executions: dict[str, _Execution] = {}
        self._unsubscribers: dict[str, Unsubscribe] = {}
        self._slots = asyncio.Semaphore(self.options.max_concurrent_runs)
        self._background: set[asyncio.Task[None]] = set()
        self.held: dict[str, int] = {}
        """Claims this process executes (run id -> attempt); read by the heartbeat thread."""
        self.on_run_end: Callable[[], None] = lambda: None

    @property
    def scale_out(self) -> bool:
        return self.queue is not None

    @property
    def worker_id(self) -> str | None:
        return None if self.queue is None else self.queue.worker_id

    @property
    def busy(self) -> int:
        return len(self._executions)

    # ---- life cycle -----------------------------------------------------------------

    async def start(self, recover: bool = True) -> None:
        self.events.start()
        if recover and not self.scale_out:  # at scale, expired leases bring runs back
            await self.recover()

    async def stop(self) -> None:
        """Pause every running run at its next node boundary; cancel what outlives grace."""
        executions = list(self._executions.values())
        for ex in executions:
            ex.request_stop(StopReason.SHUTDOWN)
        waits = [ex.finished.wait() for ex in executions]
        if waits:
            _, pending = await asyncio.wait(
                [asyncio.ensure_future(w) for w in waits],
                timeout=self.options.shutdown_grace_seconds,
            )
            for ex in executions:
                if not ex.finished.is_set() and ex.task is not None:
                    ex.task.cancel()
            tasks = [ex.task for ex in executions if ex.task is not None]
            await asyncio.gather(*tasks, return_exceptions=True)
            for p in pending:
                p.cancel()
        await self.events.stop()

    # ---- commands -------------------------------------------------------------------

    async def create_run(
        self,
        graph: str,
        input: dict[str, Any],
        thread_id: str | None = None,
        client_ref: str | None = None,
        owner: str = "local",
        context: dict[str, Any] | None = None,
        on_event: Callable[[Event], None] | None = None,
        multitask: MultitaskPolicy = MultitaskPolicy.REJECT,
    ) -> RunInfo:
        """Store a pending run and launch it (scale-out: a worker claims it). `on_event`
        follows it from its first event. `multitask` says what happens when the thread
        already has an active run (`runner/multitask.py`)."""
        entry = self.registry.get(graph)
        entry.compiled()
        if (
            entry.requires_chat_model
            and not chat_model_given(self.options.graph_context.get(graph), context)
            and not chat_models_of(self).configured
        ):
            raise ChatModelNotConfigured(graph, SETTINGS_HINT)
        settings = {**self.options.graph_context.get(graph, {}), **(context or {})}
        data = entry.validate_input(input, settings)
        room = await make_room(self, thread_id, multitask)
        dispatch = {"kind": "start", "client_ref": client_ref, **room.dispatch}
        run = await self.store.create_run(
            graph,
            data,
            thread_id,
            owner,
            enqueue=multitask == MultitaskPolicy.ENQUEUE,
            supersede=room.supersede,
            dispatch=dispatch if self.scale_out else None,
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
        if run.status == RunStatus.PENDING:
            self._launch_fresh(run, client_ref, context, dispatch.get("from_checkpoint"))
        return run

    def _launch_fresh(
        self,
        run: RunInfo,
        client_ref: str | None,
        context: dict[str, Any] | None,
        from_checkpoint: str | None = None,
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
        self.launch(run, run.input, opening, context, fresh=True, from_checkpoint=from_checkpoint)

    def take_subscription(self, run_id: str) -> Unsubscribe:
        """The unsubscribe handle of the `on_event` given to `create_run`."""
        return self._unsubscribers.pop(run_id, lambda: None)

    async def interrupt(self, run_id: str, mode: InterruptMode) -> RunInfo:
        """Pause at the next node boundary or cancel now, wherever the run executes.

        Returns the run as it is after the stop; a run still `running` means it did not
        reach a node boundary within `interrupt_wait_seconds` (the request stays recorded).
        """
        for _ in range(5):
            run = await self.store.get_run(run_id)
            ex = self._executions.get(run_id)
            if ex is not None:
                ex.request_stop(
                    StopReason.CANCEL if mode == InterruptMode.CANCEL else StopReason.PAUSE
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ex.finished.wait(), self.options.interrupt_wait_seconds)
                return await self.store.get_run(run_id)
            if run.status == RunStatus.RUNNING and self.queue is not None:
                if await self.queue.request_stop(run_id, mode.value):
                    cast(RedisBus, self.bus).send_control(run_id, mode.value)
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
            values = {"status": RunStatus.CANCELLED, **_RELEASED}
            event = (EventType.RUN_CANCELLED, {"reason": "cancelled by user"})
        changed = await self.store.transition(run.run_id, [run.status], values, event)
        if changed is None:
            return None
        stopped, stored, promoted = changed
        if stored is not None:
            self.bus.publish(stored)
        self._on_promoted(promoted)
        return stopped

    async def resume(self, run_id: str, value: Any = None) -> RunInfo:
        """Continue an interrupted run (answering its question with `value`), or retry a
        failed one; either way from its last checkpoint, without re-running finished nodes."""
        run = await self.store.get_run(run_id)
        resumable = (RunStatus.INTERRUPTED, RunStatus.FAILED)
        if run.status not in resumable or run_id in self._executions:
            raise InvalidRunState(run_id, run.status, "resume", "interrupted or failed")
        if run.superseded_by is not None:
            raise InvalidRunState(
                run_id, f"superseded by {run.superseded_by}", "resume", "not superseded"
            )
        if run.status == RunStatus.FAILED:
            thread = await self.store.get_thread(run.thread_id)
            if thread.active_run_id is not None:
                raise ThreadBusy(run.thread_id, thread.active_run_id)
        reason = (run.interrupt or {}).get("reason")
        if self.scale_out:
            return await self._queue_resume(run, reason, value)
        payload: Any = Command(resume=value) if reason == "question" else None
        data = {"value": to_jsonable(value)}
        if run.status == RunStatus.FAILED:
            data["reason"] = "retry"
        opening = EventDraft(EventType.RUN_RESUMED, None, data)
        self.launch(run, payload, opening, None)
        # The task itself stores `running` with its `run.resumed` event; writing it here
        # could overwrite the final status of a run that finishes first.
        return run.model_copy(update={"status": RunStatus.RUNNING})

    async def _queue_resume(self, run: RunInfo, reason: str | None, value: Any) -> RunInfo:
        dispatch = {
            "kind": "resume",
            "reason": "retry" if run.status == RunStatus.FAILED else reason,
            "value": to_jsonable(value),
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
        """Restart runs left `pending`/`running` by a dead process, or paused by a shutdown."""
        await recover_runs(self)

    def is_executing(self, run_id: str) -> bool:
        return run_id in self._executions

    # ---- following ------------------------------------------------------------------

    async def follow(
        self,
        run_id: str,
        after_seq: int,
        send: Callable[[Event], Awaitable[None]],
        push: Callable[[Event], None],
    ) -> Unsubscribe:
        """Replay stored events after `after_seq` with `send`, then live ones with `push`;
        every event exactly once and in order (`runner/follow.py`)."""
        await self.store.get_run(run_id)
        follower = Follower(self.store, self.bus, run_id, after_seq, push, self._poll)
        return await follower.start(send)

    # ---- scale-out ------------------------------------------------------------------

    def execute_claim(self, claim: Claim) -> None:
        """Execute a run this worker has just claimed (`runner/worker.py`)."""
        run = claim.run
        self.held[run.run_id] = claim.attempt
        ex = _Execution(run=run, claim=claim)
        self._executions[run.run_id] = ex
        ex.task = asyncio.create_task(self._execute(ex, None, None, None), name=f"run-{run.run_id}")
        if run.stop_requested:
            self.apply_stop(run.run_id, run.stop_requested)

    def apply_stop(self, run_id: str, mode: str) -> None:
        """A pause or cancel asked for elsewhere (Redis, or the run's row at a heartbeat)."""
        ex = self._executions.get(run_id)
        if ex is None or ex.stop in (StopReason.CANCEL, StopReason.LEASE_LOST):
            return
        if mode == InterruptMode.CANCEL.value:
            ex.request_stop(StopReason.CANCEL)
        elif ex.stop is None:
            ex.request_stop(StopReason.PAUSE)

    def lease_lost(self, run_id: str, attempt: int) -> None:
        """Another worker claimed the run (our lease expired): stop it here, writing nothing."""
        ex = self._executions.get(run_id)
        if ex is not None and ex.attempt == attempt:
            logger.warning(
                "lost the lease of run %s (attempt %d); stopping it here", run_id, attempt
            )
            ex.request_stop(StopReason.LEASE_LOST)

    def _on_lease_lost(self, run_id: str) -> None:
        ex = self._executions.get(run_id)
        if ex is not None and ex.attempt is not None:
            self.lease_lost(run_id, ex.attempt)

    def _on_promoted(self, run_ids: list[str]) -> None:
        """Queued runs whose thread became free: start them (scale-out: wake a worker)."""
        if not run_ids:
            return
        if self.scale_out:
            self._wake_workers()
            return
        for run_id in run_ids:
            task = asyncio.create_task(self._launch_promoted(run_id))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _launch_promoted(self, run_id: str) -> None:
        run = await self.store.get_run(run_id)
        if run.status == RunStatus.PENDING and run_id not in self._executions:
            self._launch_fresh(run, None, None)

    def _wake_workers(self) -> None:
        if isinstance(self.bus, RedisBus):
            self.bus.wake()

    @property
    def _poll(self) -> float | None:
        return self.options.follow_poll_seconds if self.scale_out else None

    # ---- execution ------------------------------------------------------------------

    def launch(
        self,
        run: RunInfo,
        payload: Any,
        opening: EventDraft,
        context: dict[str, Any] | None,
        fresh: bool = False,
        from_checkpoint: str | None = None,
    ) -> None:
        ex = _Execution(run=run, fresh=fresh, from_checkpoint=from_checkpoint)
        self._executions[run.run_id] = ex
        ex.task = asyncio.create_task(
            self._execute(ex, payload, opening, context), name=f"run-{run.run_id}"
        )

    async def _execute(
        self,
        ex: _Execution,
        payload: Any,
        opening: EventDraft | None,
        context: dict[str, Any] | None,
    ) -> None:
        run_id = ex.run.run_id
        bind_run_id(run_id)  # log lines of this task and of its nodes name the run
        if ex.attempt is not None:
            CURRENT_CLAIM.set((run_id, ex.attempt))
        try:
            async with self._slots:
                await self.events.open_run(run_id, ex.attempt)
                if ex.claim is not None:
                    payload, opening = await self._claimed_start(ex, ex.claim)
                assert opening is not None
                update = {"status": RunStatus.RUNNING, "interrupt": None, "error": None}
                self.events.append(run_id, opening, update)
                if not ex.fresh:
                    await self.events.flush()
                await self._stream(ex, payload, context)
        except asyncio.CancelledError:
            await self._on_cancelled(ex)
            if ex.stop is None:
                raise
        except _Stopped:
            await self._on_paused(ex)
        except LeaseLost as exc:
            logger.warning("%s", exc)
        except Exception as exc:
            logger.exception("run %s failed", run_id)
            await self.finish(
                run_id,
                EventDraft(EventType.RUN_FAILED, None, {"error": describe_error(exc)}),
                status=RunStatus.FAILED,
                error=describe_error(exc),
            )
        finally:
            self._executions.pop(run_id, None)
            self._unsubscribers.pop(run_id, None)
            self.held.pop(run_id, None)
            self.events.close_run(run_id)
            ex.finished.set()
            self.on_run_end()

    async def _claimed_start(self, ex: _Execution, claim: Claim) -> tuple[Any, EventDraft]:
        """What a claimed run continues with, from its dispatch note and its checkpoints."""
        run, dispatch = claim.run, claim.dispatch
        kind = dispatch.get("kind", "start")
        if kind == "resume" and not claim.recovered:
            reason = dispatch.get("reason")
            value = dispatch.get("value")
            data: dict[str, Any] = {"value": value}
            if reason == "retry":
                data["reason"] = "retry"
            # A run paused before its first checkpoint (pending) starts from its input.
            payload: Any = (
                Command(resume=value) if reason == "question" else await recovery_payload(self, run)
            )
            data["worker"] = self.worker_id
            return payload, EventDraft(EventType.RUN_RESUMED, None, data)
        if kind == "start" and not claim.recovered and run.last_seq == 0:
            ex.fresh = True
            ex.from_checkpoint = dispatch.get("from_checkpoint")
            opening = EventDraft(
                EventType.RUN_STARTED,
                None,
                {
                    "graph": run.graph,
                    "thread_id": run.thread_id,
                    "input": run.input,
                    "client_ref": dispatch.get("client_ref"),
                    "worker": self.worker_id,
                },
            )
            return run.input, opening
        payload = await recovery_payload(self, run)
        if payload is not None:
            ex.from_checkpoint = dispatch.get("from_checkpoint")
        reason = "recovered" if claim.recovered else "continued"
        data = {"reason": reason, "worker": self.worker_id}
        return payload, EventDraft(EventType.RUN_RESUMED, None, data)

    async def _stream(self, ex: _Execution, payload: Any, context: dict[str, Any] | None) -> None:
        run = ex.run
        # Held for the whole run: a hot reload swaps registry entries, never this run's code.
        entry = self.registry.get(run.graph)
        graph = entry.compiled()
        config = self.run_config(run, ex.from_checkpoint, ex.attempt)
        done = set() if ex.fresh else await self.store.completed_task_ids(run.run_id)
        mapper = StreamMapper(completed_task_ids=done)
        stream = graph.astream(
            payload,
            config,
            context=self._context(run.graph, graph, context),
            stream_mode=STREAM_MODES,
            subgraphs=True,
            durability=self.options.durability,
            control=ex.control,
        )
        try:
            async with asyncio.timeout(self.options.run_timeout_seconds):
                async for part in stream:
                    for draft in mapper.map(cast(tuple[Any, ...], part)):
                        self._emit(run.run_id, draft, mapper)
        except TimeoutError:
            raise RunTimedOut(self.options.run_timeout_seconds or 0) from None
        except GraphDrained:
            for draft in mapper.release():
                self._emit(run.run_id, draft, mapper)
            raise _Stopped from None
        except (asyncio.CancelledError, LeaseLost):
            raise
        except Exception as exc:
            if mapper.failure_node() is not None:
                self._emit(
                    run.run_id,
                    EventDraft(
                        EventType.NODE_FAILED,
                        mapper.failure_node(),
                        {"error": describe_error(exc)},
                    ),
                    mapper,
                )
            raise
        finally:
            await cast(AsyncGenerator[Any, None], stream).aclose()
        for draft in mapper.release():
            self._emit(run.run_id, draft, mapper)
        raise_if_over_token_limit(run.run_id)  # also when the graph caught the error
        values = mapper.final_values()
        if values is None:
            await self._settle(run, entry, self.run_config(run))
        else:
            await self._complete(run, entry, values)

    def _emit(self, run_id: str, draft: EventDraft, mapper: StreamMapper) -> None:
        if draft.type == EventType.NODE_FAILED:
            mapper.running.clear()
        self.events.append(run_id, draft)

    async def _settle(self, run: RunInfo, entry: GraphEntry, config: RunnableConfig) -> None:
        """Read the thread's state after the stream ended: a question, or the output."""
        state = await entry.compiled().aget_state(config)
        if state.interrupts:
            first = state.interrupts[0]
            node = next((t.name for t in state.tasks if t.interrupts), None)
            question = to_jsonable(first.value)
            interrupt = {
                "reason": "question",
                "question": question,
                "interrupt_id": first.id,
                "node": node,
            }
            draft = EventDraft(
                EventType.RUN_INTERRUPTED,
                node,
                {"reason": "question", "question": question, "interrupt_id": first.id},
            )
            await self.finish(run.run_id, draft, status=RunStatus.INTERRUPTED, interrupt=interrupt)
            return
        if state.next:
            await self.finish(
                run.run_id,
                EventDraft(
                    EventType.RUN_INTERRUPTED,
                    None,
                    {"reason": "breakpoint", "next": list(state.next)},
                ),
                status=RunStatus.INTERRUPTED,
                interrupt={"reason": "breakpoint", "next": list(state.next)},
            )
            return
        await self._complete(run, entry, state.values)

    async def _complete(self, run: RunInfo, entry: GraphEntry, values: Any) -> None:
        output = entry.output_of(to_jsonable(values))
        await self.finish(
            run.run_id,
            EventDraft(EventType.RUN_COMPLETED, None, {"output": output}),
            status=RunStatus.SUCCEEDED,
            output=output,
        )

    async def _on_paused(self, ex: _Execution) -> None:
        if ex.stop == StopReason.SHUTDOWN and self.queue is not None and ex.attempt is not None:
            await self.events.flush()
            if await self.queue.release(ex.run.run_id, ex.attempt):
                logger.info("run %s goes back to the queue for another worker", ex.run.run_id)
            return
        reason = "shutdown" if ex.stop == StopReason.SHUTDOWN else "pause"
        await self.finish(
            ex.run.run_id,
            EventDraft(EventType.RUN_INTERRUPTED, None, {"reason": reason}),
            status=RunStatus.INTERRUPTED,
            interrupt={"reason": reason},
        )

    async def _on_cancelled(self, ex: _Execution) -> None:
        if ex.stop == StopReason.LEASE_LOST:
            return  # the run belongs to another worker now; its writes here would be refused
        if ex.stop == StopReason.CANCEL:
            await self.finish(
                ex.run.run_id,
                EventDraft(EventType.RUN_CANCELLED, None, {"reason": "cancelled by user"}),
                status=RunStatus.CANCELLED,
            )
        else:
            await self._on_paused(ex)

    async def _emit_with_status(self, run_id: str, draft: EventDraft, **values: Any) -> None:
        """Store an event and the run's new status together, before anyone sees either."""
        await self.events.open_run(run_id)
        if run_id in self.held:
            values = {**values, **_RELEASED}
        self.events.append(run_id, draft, values)
        await self.events.flush()

    finish = _emit_with_status

    # ---- helpers --------------------------------------------------------------------

    def run_config(
        self, run: RunInfo, from_checkpoint: str | None = None, attempt: int | None = None
    ) -> RunnableConfig:
        configurable: dict[str, Any] = {"thread_id": run.thread_id, "run_id": run.run_id}
        if from_checkpoint:
            configurable["checkpoint_id"] = from_checkpoint  # multitask `rollback`
        metadata: dict[str, Any] = {"genesis_run_id": run.run_id}
        if attempt is not None:  # at scale: which claim wrote each checkpoint
            metadata.update(genesis_worker=self.worker_id, genesis_attempt=attempt)
        return {"configurable": configurable, "metadata": metadata, "recursion_limit": 200}

    def _context(
        self, name: str, graph: Pregel[Any, Any, Any, Any], overrides: dict[str, Any] | None
    ) -> Any:
        return runtime_context(self, name, graph, overrides)
