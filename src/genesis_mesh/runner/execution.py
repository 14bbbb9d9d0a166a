"""Executes runs as asyncio tasks: streams the graph durably, turns parts into events.

One `_Execution` per run in this process. It streams the graph with the runner's
durability, stores each event (the event log numbers and publishes it), and ends the run
`succeeded`, `failed`, `cancelled`, or `interrupted` (a question, a pause, a shutdown).
A claimed run (scale-out) writes only while its claim's attempt holds the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphDrained
from langgraph.pregel import Pregel
from langgraph.runtime import RunControl

from genesis_mesh.errors import LeaseLost, RunTimedOut
from genesis_mesh.llm_cache import LLM_CACHE_KEY, current_tally
from genesis_mesh.observability.llm_usage import raise_if_over_token_limit
from genesis_mesh.observability.logs import bind_run_id
from genesis_mesh.protocol import EventType, RunInfo, RunStatus
from genesis_mesh.registry import GraphEntry, GraphRegistry
from genesis_mesh.runner.config import run_config
from genesis_mesh.runner.context import RuntimeContexts
from genesis_mesh.runner.event_log import EventLog
from genesis_mesh.runner.events import (
    EventDraft,
    StreamMapper,
    describe_error,
    stream_modes_for,
)
from genesis_mesh.runner.interrupts import build_command, pending_interrupts, question_interrupt
from genesis_mesh.runner.options import CURRENT_CLAIM, RunnerOptions
from genesis_mesh.runner.recovery import continuation_payload, recovery_payload
from genesis_mesh.runner.stream_events import (
    DEFAULT_GRAPH_NAME,
    EVENTS_MODE,
    recording_events,
)
from genesis_mesh.serialization import serialize
from genesis_mesh.store.queue import Claim, RunQueue
from genesis_mesh.store.run_store import RunStore
from genesis_mesh.store_owners import OwnedStore

logger = logging.getLogger(__name__)

RELEASED = {"worker_id": None, "lease_expires_at": None, "stop_requested": None}
"""Run columns cleared when a claimed run ends here: nobody executes it any more."""
_STOP_DONE = {"stop_requested": None}
"""Cleared when an unclaimed (embedded) run ends: the stop asked of it, if any, happened."""


class StopReason(StrEnum):
    PAUSE = "pause"
    CANCEL = "cancel"
    SHUTDOWN = "shutdown"
    LEASE_LOST = "lease lost"


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
    graphs: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)
    """Closes what a graph factory opened for this run, when the run ends here."""

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


class Executor:
    """The runs executing in this process: launches them, stops them, records their end."""

    def __init__(
        self,
        store: RunStore,
        registry: GraphRegistry,
        events: EventLog,
        contexts: RuntimeContexts,
        options: RunnerOptions,
        queue: RunQueue | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.events = events
        self.contexts = contexts
        self.options = options
        self.queue = queue
        self.worker_id = None if queue is None else queue.worker_id
        self._executions: dict[str, _Execution] = {}
        self._slots = asyncio.Semaphore(options.max_concurrent_runs)
        self.held: dict[str, int] = {}
        """Claims this process executes (run id -> attempt); read by the heartbeat thread."""
        self.on_run_end: Callable[[str], None] = _ignore

    @property
    def busy(self) -> int:
        return len(self._executions)

    def is_executing(self, run_id: str) -> bool:
        return run_id in self._executions

    # ---- starting and stopping --------------------------------------------------------

    def launch(
        self,
        run: RunInfo,
        payload: Any,
        opening: EventDraft,
        fresh: bool = False,
        from_checkpoint: str | None = None,
    ) -> None:
        ex = _Execution(run=run, fresh=fresh, from_checkpoint=from_checkpoint)
        self._start(ex, payload, opening)

    def execute_claim(self, claim: Claim) -> None:
        """Execute a run this worker has just claimed; what it continues with comes from
        its dispatch note and its checkpoints (`_claimed_start`)."""
        run = claim.run
        self.held[run.run_id] = claim.attempt
        self._start(_Execution(run=run, claim=claim), None, None)
        if run.stop_requested:
            self.apply_stop(run.run_id, run.stop_requested)

    def _start(
        self,
        ex: _Execution,
        payload: Any,
        opening: EventDraft | None,
    ) -> None:
        self._executions[ex.run.run_id] = ex
        ex.task = asyncio.create_task(
            self._execute(ex, payload, opening), name=f"run-{ex.run.run_id}"
        )

    def request_stop(self, run_id: str, reason: StopReason) -> asyncio.Event | None:
        """Ask a run executing here to stop; the event it sets when it has (None: not here)."""
        ex = self._executions.get(run_id)
        if ex is None:
            return None
        ex.request_stop(reason)
        return ex.finished

    def apply_stop(self, run_id: str, mode: str) -> None:
        """A pause or cancel asked for elsewhere (Redis, or the run's row at a heartbeat)."""
        ex = self._executions.get(run_id)
        if ex is None or ex.stop in (StopReason.CANCEL, StopReason.LEASE_LOST):
            return
        if mode == StopReason.CANCEL.value:
            ex.request_stop(StopReason.CANCEL)
        elif ex.stop is None:
            ex.request_stop(StopReason.PAUSE)

    def lease_lost(self, run_id: str, attempt: int | None = None) -> None:
        """Another worker claimed the run (our lease expired): stop it here, writing nothing."""
        ex = self._executions.get(run_id)
        if ex is None or ex.attempt is None or (attempt is not None and ex.attempt != attempt):
            return
        logger.warning(
            "lost the lease of run %s (attempt %d); stopping it here", run_id, ex.attempt
        )
        ex.request_stop(StopReason.LEASE_LOST)

    def announce_shutdown(self) -> list[str]:
        """Tell every run executing here that the shutdown pauses it, before the server
        closes its sockets: a `run.stopping` event and `stop_requested="shutdown"` are
        queued (the caller flushes them), and the run starts draining to its next node
        boundary. Runs being cancelled, and runs not yet numbered (waiting for a slot,
        they have nothing to drain), are left to `stop_all`. Returns the runs told."""
        told = []
        for run_id, ex in list(self._executions.items()):
            if ex.stop is not None and ex.stop != StopReason.PAUSE:
                continue
            if not self.events.is_open(run_id):
                continue
            reason = StopReason.SHUTDOWN.value
            draft = EventDraft(EventType.RUN_STOPPING, None, {"reason": reason})
            self.events.append(run_id, draft, {"stop_requested": reason})
            ex.request_stop(StopReason.SHUTDOWN)
            told.append(run_id)
        return told

    async def stop_all(self, grace_seconds: float) -> None:
        """Pause every run at its next node boundary; cancel what outlives the grace."""
        executions = list(self._executions.values())
        if not executions:
            return
        for ex in executions:
            ex.request_stop(StopReason.SHUTDOWN)
        waits = [asyncio.ensure_future(ex.finished.wait()) for ex in executions]
        _, pending = await asyncio.wait(waits, timeout=grace_seconds)
        for ex in executions:
            if not ex.finished.is_set() and ex.task is not None:
                ex.task.cancel()
        await asyncio.gather(
            *(ex.task for ex in executions if ex.task is not None), return_exceptions=True
        )
        for wait in pending:
            wait.cancel()

    # ---- one run ------------------------------------------------------------------------

    async def _execute(
        self,
        ex: _Execution,
        payload: Any,
        opening: EventDraft | None,
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
                if opening is not None:  # None: the claim stored it (`RunQueue._take`)
                    await self._open(ex, opening)
                await self._stream(ex, payload)
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
            await _close_graphs(ex)
            self._executions.pop(run_id, None)
            self.held.pop(run_id, None)
            self.events.close_run(run_id)
            ex.finished.set()
            self.on_run_end(run_id)

    async def _open(self, ex: _Execution, opening: EventDraft) -> None:
        """Store the run's opening event with its `running` status, in one write."""
        update: dict[str, Any] = {"status": RunStatus.RUNNING, "interrupt": None, "error": None}
        if ex.run.stop_requested == StopReason.SHUTDOWN.value:
            update["stop_requested"] = None  # a drain the process died during
        self.events.append(ex.run.run_id, opening, update)
        if not ex.fresh:
            await self.events.flush()

    async def _claimed_start(self, ex: _Execution, claim: Claim) -> tuple[Any, EventDraft | None]:
        """What a claimed run continues with, from its dispatch note and its checkpoints,
        and the opening event to store (None: its claim stored it)."""
        run, dispatch = claim.run, claim.dispatch
        kind = dispatch.get("kind", "start")
        if kind == "resume" and claim.opening is not None:
            reason = dispatch.get("reason")
            value, goto, update = (
                dispatch.get("value"),
                dispatch.get("goto"),
                dispatch.get("update"),
            )
            # Checked at the door (`Runner.resume`); a run paused before its first
            # checkpoint (pending) starts from its input.
            if reason == "question" or goto is not None or update is not None:
                return build_command(value if reason == "question" else None, goto, update), None
            return await continuation_payload(self.store, self.registry, self.events, run), None
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
        payload = await self._recovery(run)
        if payload is not None:
            ex.from_checkpoint = dispatch.get("from_checkpoint")
        reason = "recovered" if claim.recovered else "continued"
        data = {"reason": reason, "worker": self.worker_id}
        return payload, EventDraft(EventType.RUN_RESUMED, None, data)

    async def _recovery(self, run: RunInfo) -> Any:
        return await recovery_payload(self.store, self.registry, self.events, run)

    async def _stream(self, ex: _Execution, payload: Any) -> None:
        # Held for the whole run: a hot reload swaps registry entries, never this run's code.
        entry = self.registry.get(ex.run.graph)
        with self._llm_cache_scope(ex.run, entry):
            await self._stream_entry(ex, entry, payload)

    def _llm_cache_scope(
        self, run: RunInfo, entry: GraphEntry
    ) -> contextlib.AbstractContextManager[Any]:
        cache = self.options.llm_cache
        if cache is None:
            return contextlib.nullcontext()
        policy = self.contexts.policy(run.graph)
        operator = policy.defaults.get(LLM_CACHE_KEY)
        graph_flag = operator if isinstance(operator, bool) else entry.llm_cache
        wanted = ((run.config or {}).get("metadata") or {}).get(LLM_CACHE_KEY)
        if LLM_CACHE_KEY in policy.locked or not isinstance(wanted, bool):
            wanted = None
        return cache.scope(run.graph, graph_flag, wanted)

    async def _stream_entry(self, ex: _Execution, entry: GraphEntry, payload: Any) -> None:
        run = ex.run
        config = run_config(run, ex.from_checkpoint, ex.attempt, self.worker_id)
        registered = entry.compiled()
        run_context = self.contexts.build(run.graph, registered, run.context, entry.locked_context)
        store = registered.store
        if store is not None:  # the run's owner's items only (store_owners.py)
            store = OwnedStore(store, await self.store.run_owner(run.run_id))
        # A factory builds this run's graph, as LangGraph Server calls it per run.
        graph = await ex.graphs.enter_async_context(entry.for_run(config, run_context, store))
        done = set() if ex.fresh else await self.store.completed_task_ids(run.run_id)
        mapper = StreamMapper(completed_task_ids=done, recorded=frozenset(run.stream_modes))

        def emit(draft: EventDraft) -> None:
            self._emit(run.run_id, draft, mapper)

        async with contextlib.AsyncExitStack() as recorders:
            if EVENTS_MODE in run.stream_modes:  # LangGraph Server's `events` mode
                name = run.graph if graph.name == DEFAULT_GRAPH_NAME else graph.name
                recording = recording_events(config, payload, emit, run.run_id, name)
                config = await recorders.enter_async_context(recording)
            await self._stream_parts(ex, graph, payload, config, run_context, mapper)
        for draft in mapper.release():
            self._emit(run.run_id, draft, mapper)
        raise_if_over_token_limit(run.run_id)  # also when the graph caught the error
        values = mapper.final_values()
        if values is None:
            await self._settle(run, entry)
        else:
            await self._complete(run, entry, values)

    async def _stream_parts(
        self,
        ex: _Execution,
        graph: Pregel[Any, Any, Any, Any],
        payload: Any,
        config: RunnableConfig,
        run_context: Any,
        mapper: StreamMapper,
    ) -> None:
        """Stream the graph, each part's drafts emitted as it comes; on the way out by an
        error, what was committed before it."""
        run = ex.run
        stream = graph.astream(
            payload,
            config,
            context=run_context,
            stream_mode=stream_modes_for(run.stream_modes),
            subgraphs=True,
            durability=self.options.durability,
            control=ex.control,
            # The run's static breakpoints, kept in its config (`RunConfig`).
            interrupt_before=(run.config or {}).get("interrupt_before"),
            interrupt_after=(run.config or {}).get("interrupt_after"),
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
        except asyncio.CancelledError:
            for draft in mapper.committed():
                self._emit(run.run_id, draft, mapper)
            raise
        except LeaseLost:
            raise
        except Exception as exc:
            for draft in mapper.committed():
                self._emit(run.run_id, draft, mapper)
            failed = mapper.failure_node()
            if failed is not None:
                data = {"error": describe_error(exc)}
                self._emit(run.run_id, EventDraft(EventType.NODE_FAILED, failed, data), mapper)
            raise
        finally:
            await cast(AsyncGenerator[Any, None], stream).aclose()

    def _emit(self, run_id: str, draft: EventDraft, mapper: StreamMapper) -> None:
        if draft.type == EventType.NODE_FAILED:
            mapper.running.clear()
        tally = current_tally()
        if tally is not None and draft.type == EventType.NODE_COMPLETED:
            counts = tally.take(str(draft.data.get("task_id")))
            if counts is not None:
                draft = EventDraft(draft.type, draft.node, {**draft.data, "llm_cache": counts})
        self.events.append(run_id, draft)

    async def _settle(self, run: RunInfo, entry: GraphEntry) -> None:
        """Read the thread's state after the stream ended: a question, or the output."""
        graph = entry.compiled()
        state = await graph.aget_state(run_config(run))
        if state.interrupts:
            interrupt = question_interrupt(await pending_interrupts(graph, run_config(run)))
            data = {k: v for k, v in interrupt.items() if k != "node"}
            draft = EventDraft(EventType.RUN_INTERRUPTED, interrupt["node"], data)
            await self.finish(run.run_id, draft, status=RunStatus.INTERRUPTED, interrupt=interrupt)
            return
        if state.next:
            stop = {"reason": "breakpoint", "next": list(state.next)}
            draft = EventDraft(EventType.RUN_INTERRUPTED, None, stop)
            await self.finish(run.run_id, draft, status=RunStatus.INTERRUPTED, interrupt=stop)
            return
        await self._complete(run, entry, state.values)

    async def _complete(self, run: RunInfo, entry: GraphEntry, values: Any) -> None:
        output = entry.output_of(serialize(values))
        data: dict[str, Any] = {"output": output}
        tally = current_tally()
        totals = None if tally is None else tally.totals()
        if totals is not None:
            data["llm_cache"] = totals
        await self.finish(
            run.run_id,
            EventDraft(EventType.RUN_COMPLETED, None, data),
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

    async def finish(self, run_id: str, draft: EventDraft, **values: Any) -> None:
        """Store an event and the run's new status together, before anyone sees either."""
        await self.events.open_run(run_id)
        values = {**values, **(RELEASED if run_id in self.held else _STOP_DONE)}
        self.events.append(run_id, draft, values)
        await self.events.flush()


async def _close_graphs(ex: _Execution) -> None:
    try:
        await ex.graphs.aclose()
    except Exception:
        logger.exception("run %s: the graph factory's clean-up failed", ex.run.run_id)


def _ignore(run_id: str) -> None:
    del run_id
