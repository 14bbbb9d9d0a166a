"""Numbers, stores and publishes the events of every run: stored first, then published.

Publishing only what is stored means a sequence number a client has seen is never given
to another event after a crash. Writes are grouped: everything queued while one commit
runs goes into the next, so many busy runs cost few transactions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from genesis_mesh.bus.base import EventBus
from genesis_mesh.observability import observe_events
from genesis_mesh.protocol import Event, EventType
from genesis_mesh.runner.events import EventDraft
from genesis_mesh.store.events import WriteResult
from genesis_mesh.store.run_store import RunStore

logger = logging.getLogger(__name__)

BUSY_WINDOW = 0.005
LINGER = 0.001
"""Concurrent runs' commits that follow each other within `BUSY_WINDOW` wait `LINGER`
for more events; a lone run's never wait (its events queued during a commit go into the
next one anyway), so its latency is one commit."""
DELTA_LINGER = 0.005
"""Except a token stream: a commit that follows the previous one within `BUSY_WINDOW`
with nothing but `message.delta`s queued waits up to this long for more tokens."""


class EventLog:
    """Single writer of the events table for this process."""

    def __init__(self, store: RunStore, bus: EventBus) -> None:
        self._store = store
        self._bus = bus
        self._seq: dict[str, int] = {}
        self._queue: list[Event] = []
        self._run_updates: dict[str, dict[str, Any]] = {}
        self._waiters: list[asyncio.Future[None]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_commit = 0.0
        self._last_shared = False
        self._cut: asyncio.Future[None] | None = None
        self._storing: asyncio.Future[None] | None = None
        """Settled when the batch being stored is also published."""
        self._fences: dict[str, int] = {}
        self._queued_fences: dict[str, int] = {}
        self.on_lost: Callable[[str], None] = _ignore
        self.on_promoted: Callable[[list[str]], None] = _ignore

    def start(self) -> None:
        self._task = asyncio.create_task(self._write_forever(), name="genesis-mesh-event-log")

    async def stop(self) -> None:
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def open_run(self, run_id: str, fence: int | None = None) -> None:
        """Continue numbering after the events already stored for `run_id`; with `fence`
        (the claim's attempt), its writes are refused once another worker claims it."""
        if fence is not None:
            self._fences[run_id] = fence
        if run_id not in self._seq:
            self._seq[run_id] = await self._store.max_seq(run_id)

    def start_run(self, run_id: str) -> None:
        """Number the events of a run that has none stored yet from 1, with no query."""
        self._seq.setdefault(run_id, 0)

    def is_open(self, run_id: str) -> bool:
        """Whether events of `run_id` can be appended without a query (it is numbered)."""
        return run_id in self._seq

    def close_run(self, run_id: str) -> None:
        self._seq.pop(run_id, None)
        self._fences.pop(run_id, None)

    def append(
        self, run_id: str, draft: EventDraft, run_update: dict[str, Any] | None = None
    ) -> Event:
        """Queue an event; `run_update` (run columns) is committed in the same transaction.

        Consecutive `message.delta` events of one message that are still queued (so no
        client has seen them) are merged into one: fewer, larger deltas, each still
        carrying only text the client has not seen.
        """
        merged = None if run_update else self._merge_delta(run_id, draft)
        if merged is not None:
            return merged
        if run_update or draft.type != EventType.MESSAGE_DELTA:
            self._cut_linger()
        seq = self._seq.get(run_id, 0) + 1
        self._seq[run_id] = seq
        event = Event(
            run_id=run_id,
            seq=seq,
            ts=datetime.now(UTC),
            type=draft.type,
            node=draft.node,
            data=draft.data,
        )
        self._queue.append(event)
        fence = self._fences.get(run_id)
        if fence is not None:
            self._queued_fences[run_id] = fence
        if run_update:
            self._run_updates.setdefault(run_id, {}).update(run_update)
        self._wake.set()
        return event

    def _merge_delta(self, run_id: str, draft: EventDraft) -> Event | None:
        if draft.type != EventType.MESSAGE_DELTA or not self._queue:
            return None
        last = self._queue[-1]
        same = (
            last.type == EventType.MESSAGE_DELTA
            and last.run_id == run_id
            and last.node == draft.node
            and last.data.get("message_id") == draft.data.get("message_id")
        )
        if not same:
            return None
        last.data["text"] = str(last.data.get("text", "")) + str(draft.data.get("text", ""))
        calls = draft.data.get("tool_call_chunks")
        if calls:
            last.data["tool_call_chunks"] = _merge_calls(
                last.data.get("tool_call_chunks", []), calls
            )
        return last

    async def flush(self) -> None:
        """Wait until every event appended so far is stored and published."""
        if self._task is None:
            return
        if not self._queue:  # all taken: only the batch in flight, if any, to wait for
            if self._storing is not None:
                await asyncio.shield(self._storing)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._wake.set()
        self._cut_linger()
        await waiter

    async def _write_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            # Each commit, not each event, is what costs: when the commits of several runs
            # follow each other closely, linger a moment so one commit carries more events.
            # Otherwise commit after this loop tick's events, so a lone run waits for none.
            recent = loop.time() - self._last_commit < BUSY_WINDOW
            if recent and self._deltas_only():
                await self._linger_for_deltas(loop)
            else:
                await asyncio.sleep(LINGER if recent and self._last_shared else 0)
            self._wake.clear()
            batch, self._queue = self._queue, []
            updates, self._run_updates = self._run_updates, {}
            fences, self._queued_fences = self._queued_fences, {}
            waiters, self._waiters = self._waiters, []
            self._storing = storing = loop.create_future()
            try:
                await self._commit(batch, updates, fences, waiters)
            finally:
                self._storing = None
                _settle(storing)

    async def _commit(
        self,
        batch: list[Event],
        updates: dict[str, dict[str, Any]],
        fences: dict[str, int],
        waiters: list[asyncio.Future[None]],
    ) -> None:
        """Store one batch, then publish it and tell the flushes that waited for it."""
        loop = asyncio.get_running_loop()
        result = await self._store_with_retry(batch, updates, fences)
        self._last_commit = loop.time()
        self._last_shared = _several_runs(batch, updates)
        for event in batch:
            if event.run_id not in result.lost:
                self._bus.publish(event)
        observe_events([e for e in batch if e.run_id not in result.lost])
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
        for run_id in result.lost:
            logger.warning("run %s was claimed by another worker; its writes here stop", run_id)
            self.on_lost(run_id)
        if result.promoted:
            self.on_promoted(result.promoted)

    def _deltas_only(self) -> bool:
        return not (self._run_updates or self._waiters) and all(
            event.type == EventType.MESSAGE_DELTA for event in self._queue
        )

    async def _linger_for_deltas(self, loop: asyncio.AbstractEventLoop) -> None:
        """A token stream outpacing the commits: wait `DELTA_LINGER` so the tokens of
        that time travel as one merged delta (one row, one send), unless another kind of
        event, or a flush, comes first."""
        self._cut = cut = loop.create_future()
        handle = loop.call_later(DELTA_LINGER, _settle, cut)
        try:
            await cut
        finally:
            handle.cancel()
            self._cut = None

    def _cut_linger(self) -> None:
        if self._cut is not None:
            _settle(self._cut)

    async def _store_with_retry(
        self, batch: list[Event], updates: dict[str, dict[str, Any]], fences: dict[str, int]
    ) -> WriteResult:
        delay = 0.05
        while batch or updates:
            try:
                return await self._store.append_events(batch, updates, fences)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("storing %d events failed; retrying in %.2fs", len(batch), delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        return WriteResult()


def _several_runs(batch: list[Event], updates: dict[str, dict[str, Any]]) -> bool:
    first = batch[0].run_id if batch else next(iter(updates), None)
    return any(e.run_id != first for e in batch) or any(r != first for r in updates)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _ignore(_: object) -> None:
    return None


def _merge_calls(
    merged: list[dict[str, Any]], chunks: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Tool-call chunks of one message joined per call `index`: arguments text appended,
    `id` and `name` kept from the chunk that first carried them."""
    by_index = {chunk.get("index"): dict(chunk) for chunk in merged}
    for chunk in chunks:
        known = by_index.get(chunk.get("index"))
        if known is None or chunk.get("index") is None:
            by_index[chunk.get("index")] = dict(chunk)
            continue
        known["args"] = str(known.get("args") or "") + str(chunk.get("args") or "")
        known["id"] = known.get("id") or chunk.get("id")
        known["name"] = known.get("name") or chunk.get("name")
    return list(by_index.values())
