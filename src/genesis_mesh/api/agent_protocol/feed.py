"""A thread's protocol events from a position on: stored first, then live, run after run.

Every run of the thread is read in creation order through the runner's follower (stored
events, then the bus; exactly once, in order) and mapped by a `RunMapper` fed from the
run's first event, so the protocol events and their `seq` are the same on every read.
Events at or before the position are mapped but not yielded. A subscription outlives
runs: once the thread's runs are drained the feed waits for the next one (a command
of this process wakes it at once; otherwise the store is looked at every
`POLL_SECONDS`, so a run started through another door or another API process is found).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field

from genesis_mesh.api.agent_protocol.cursor import MAX_INDEX, Cursor, encode
from genesis_mesh.api.agent_protocol.mapping import RunMapper, Wire
from genesis_mesh.errors import RunNotFound, ThreadNotFound
from genesis_mesh.protocol import FINAL_EVENT_TYPES, Event, EventType, RunInfo
from genesis_mesh.services import Services
from genesis_mesh.store.threads import ThreadStore

POLL_SECONDS = 0.5
MAX_POLL_SECONDS = 4.0
"""A quiet feed looks at the store less often, up to this (a wake-up resets it)."""
QUEUE_SIZE = 10_000


class Wakeup:
    """What a feed waits on: a command's wake-up (`set`) or an event of the run it follows
    (`arrived`), whichever comes first; one future per wait, no task."""

    def __init__(self) -> None:
        self.woken = False
        self._future: asyncio.Future[None] | None = None

    def set(self) -> None:
        self.woken = True
        self.arrived()

    def clear(self) -> None:
        self.woken = False

    def arrived(self) -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(None)

    async def wait(self, timeout: float) -> None:
        """Until `set` or `arrived` is called, or `timeout` seconds have passed."""
        if self.woken:
            return
        loop = asyncio.get_running_loop()
        self._future = loop.create_future()
        handle = loop.call_later(timeout, self.arrived)
        try:
            await self._future
        finally:
            handle.cancel()
            self._future = None


@dataclass
class ThreadWakers:
    """In-process wake-ups: a command that starts or resumes a run wakes the feeds of
    its thread instead of letting them wait for their next look at the store."""

    _waiters: dict[str, set[Wakeup]] = field(default_factory=lambda: defaultdict(set))

    def wake(self, thread_id: str) -> None:
        for waiter in self._waiters.get(thread_id, ()):
            waiter.set()

    def register(self, thread_id: str, waiter: Wakeup) -> None:
        self._waiters[thread_id].add(waiter)

    def unregister(self, thread_id: str, waiter: Wakeup) -> None:
        waiters = self._waiters.get(thread_id)
        if waiters is not None:
            waiters.discard(waiter)
            if not waiters:
                del self._waiters[thread_id]


class SlowReader(Exception):
    """The client reads more slowly than the run writes: its stream ends, and it comes
    back with its last `seq`."""


async def ordered_runs(services: Services, thread_id: str) -> list[RunInfo]:
    """The thread's runs in creation order: the run at index i has ordinal i + 1."""
    found = await services.store.list_runs(thread_id=thread_id, limit=1_000_000)
    return sorted(found, key=lambda run: (run.created_at, run.run_id))


async def ordinal_of(services: Services, thread_id: str, run_id: str) -> int:
    runs = await ordered_runs(services, thread_id)
    return next((i + 1 for i, run in enumerate(runs) if run.run_id == run_id), len(runs) + 1)


async def default_position(services: Services, thread_id: str) -> Cursor:
    """Where a subscription without `since` begins: at the latest start or resume of the
    thread's latest run while that run is going (a client joining sees the question it
    waits on, not the ones already answered), after it once it has ended (a new session
    does not see an old run finish)."""
    runs = await ordered_runs(services, thread_id)
    if not runs:
        return Cursor()
    latest = runs[-1]
    if latest.status.is_final:
        return Cursor(len(runs), latest.last_seq, MAX_INDEX)
    events = await services.store.list_events(latest.run_id, 0, None)
    openings = [e.seq for e in events if e.type in (EventType.RUN_STARTED, EventType.RUN_RESUMED)]
    return Cursor(len(runs), openings[-1] - 1, MAX_INDEX) if openings else Cursor(len(runs))


async def count_after(services: Services, thread_id: str, after: Cursor) -> int:
    """How many protocol events the thread has stored after `after` (what a client that
    reconnects from there has missed so far)."""
    count = 0
    for ordinal, run in enumerate(await ordered_runs(services, thread_id), start=1):
        if ordinal < after.ordinal:
            continue
        mapper = RunMapper(run.graph, values_recorded="values" in run.stream_modes)
        for event in await services.store.list_events(run.run_id, 0, None):
            for index, _ in enumerate(mapper.map(event)[: MAX_INDEX + 1]):
                count += encode(ordinal, event.seq, index) > after.seq
    return count


async def thread_events(
    services: Services, wakers: ThreadWakers, thread_id: str, after: Cursor
) -> AsyncGenerator[tuple[int, Wire], None]:
    """`(seq, event)` for every protocol event of the thread after `after`, forever."""
    waiter = Wakeup()
    wakers.register(thread_id, waiter)
    drained = 0
    quiet = POLL_SECONDS
    try:
        while True:
            waiter.clear()
            runs = await ordered_runs(services, thread_id)
            if len(runs) < max(drained, 1) and not await ThreadStore(services.store.engine).exists(
                thread_id
            ):
                raise ThreadNotFound(thread_id)  # deleted while followed: the stream ends
            for ordinal, run in enumerate(runs, start=1):
                if ordinal <= drained:
                    continue
                if ordinal >= after.ordinal:
                    try:
                        async for item in _run_events(services, ordinal, run, after, waiter):
                            yield item
                    except RunNotFound:
                        if await ThreadStore(services.store.engine).exists(thread_id):
                            raise
                        raise ThreadNotFound(thread_id) from None  # its runs went with it
                drained, quiet = ordinal, POLL_SECONDS
            await waiter.wait(quiet)
            quiet = POLL_SECONDS if waiter.woken else min(quiet * 2, MAX_POLL_SECONDS)
    finally:
        wakers.unregister(thread_id, waiter)


async def _run_events(
    services: Services,
    ordinal: int,
    run: RunInfo,
    after: Cursor,
    waiter: Wakeup,
) -> AsyncIterator[tuple[int, Wire]]:
    """One run's protocol events after `after`, until the run has ended (an interrupted
    run is followed on: its resume adds to the same run)."""
    mapper = RunMapper(run.graph, values_recorded="values" in run.stream_modes)
    queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_SIZE)

    async def send(event: Event) -> None:
        await queue.put(event)
        waiter.arrived()

    overflow = False

    def push(event: Event) -> None:
        nonlocal overflow
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:  # too slow a reader: end here, the client resumes by seq
            overflow = True
        waiter.arrived()

    if run.status.is_final and run.last_seq == 0:
        return
    follow = asyncio.create_task(services.runner.follow(run.run_id, 0, send, push))
    follow.add_done_callback(lambda _: waiter.arrived())  # a failed follow is seen at once
    seen, quiet = 0, POLL_SECONDS
    try:
        while True:
            event = await _next(queue, waiter, quiet)
            if overflow:
                raise SlowReader(run.run_id)
            if event is None:
                if follow.done() and (error := follow.exception()) is not None:
                    raise error
                current = await services.store.get_run(run.run_id)
                if _settled(current) and seen >= current.last_seq and queue.empty():
                    return
                quiet = min(quiet * 2, MAX_POLL_SECONDS)  # a waiting run: look less often
                continue
            seen, quiet = event.seq, POLL_SECONDS
            for index, wire in enumerate(mapper.map(event)[: MAX_INDEX + 1]):
                seq = encode(ordinal, event.seq, index)
                if seq > after.seq:
                    yield seq, {**wire, "seq": seq, "event_id": str(seq)}
            if event.type in FINAL_EVENT_TYPES:
                return
    finally:
        if follow.done() and not follow.cancelled() and follow.exception() is None:
            follow.result()()
        else:
            follow.cancel()


async def _next(queue: asyncio.Queue[Event | None], waiter: Wakeup, timeout: float) -> Event | None:
    """The next event, or None after `timeout` quiet seconds (or a command's wake-up)."""
    if queue.empty() and not waiter.woken:
        await waiter.wait(timeout)
    if not queue.empty():
        return queue.get_nowait()
    waiter.clear()
    return None


def _settled(run: RunInfo) -> bool:
    """Nothing more will be added to this run's events: it ended, or a newer run of its
    thread took over (an interrupted run may still be resumed: it is followed on)."""
    return run.status.is_final or run.superseded_by is not None
