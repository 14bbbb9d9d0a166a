"""The event log's group commit: concurrent runs' commits wait a moment for more events;
a lone run's events are committed and published at once, stored before published. A
token stream that outpaces the commits is merged while it waits, and no other event
waits for it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from genesis_mesh.bus.memory import MemoryEventBus
from genesis_mesh.protocol import Event, EventType
from genesis_mesh.runner import event_log
from genesis_mesh.runner.event_log import EventLog
from genesis_mesh.runner.events import EventDraft
from genesis_mesh.store import RunStore

LINGER = 1.0
"""Long enough that a commit which waited for it is told apart from one that did not."""


@pytest.fixture
async def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[EventLog]:
    monkeypatch.setattr(event_log, "LINGER", LINGER)
    monkeypatch.setattr(event_log, "BUSY_WINDOW", 60.0)
    store = RunStore(f"sqlite+aiosqlite:///{tmp_path / 'gm.db'}")
    await store.open()
    events = EventLog(store, MemoryEventBus())
    events.start()
    try:
        yield events
    finally:
        await events.stop()
        await store.close()


async def _run(log: EventLog) -> str:
    run = await log._store.create_run("g", {}, None, "alice")
    log.start_run(run.run_id)
    return run.run_id


async def _timed_flush(log: EventLog, *run_ids: str) -> float:
    for run_id in run_ids:
        log.append(run_id, EventDraft(EventType.NODE_PROGRESS, "n", {"i": 1}))
    started = time.monotonic()
    await log.flush()
    return time.monotonic() - started


async def test_a_lone_runs_back_to_back_events_are_committed_without_lingering(
    log: EventLog,
) -> None:
    run_id = await _run(log)
    published: list[Event] = []
    log._bus.subscribe(run_id, published.append)
    waits = [await _timed_flush(log, run_id) for _ in range(3)]
    assert max(waits) < LINGER / 2, waits
    stored = await log._store.list_events(run_id, 0, None)
    assert [e.seq for e in stored] == [e.seq for e in published] == [1, 2, 3]


async def test_concurrent_runs_commits_linger_for_more_events(log: EventLog) -> None:
    first, second = await _run(log), await _run(log)
    await _timed_flush(log, first, second)  # one commit carrying two runs' events
    assert await _timed_flush(log, first) >= LINGER * 0.9
    # that commit held one run only: the next one is made at once again
    assert await _timed_flush(log, first) < LINGER / 2


class Logged:
    def __init__(self, store: RunStore, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self.bus = MemoryEventBus()
        self.log = EventLog(store, self.bus)
        self.published: list[Event] = []
        self.arrived = asyncio.Event()
        self.bus.subscribe(run_id, self._deliver)

    def _deliver(self, event: Event) -> None:
        self.published.append(event)
        self.arrived.set()

    def delta(self, text: str) -> None:
        data = {"message_id": "m1", "type": "ai", "text": text}
        self.log.append(self.run_id, EventDraft(EventType.MESSAGE_DELTA, "reply", data))

    async def until(self, kind: EventType, timeout: float) -> Event:
        async with asyncio.timeout(timeout):
            while True:
                for event in self.published:
                    if event.type == kind:
                        return event
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def logged(tmp_path: Path) -> AsyncIterator[Logged]:
    store = RunStore(f"sqlite+aiosqlite:///{tmp_path}/store.db")
    await store.open()
    run = await store.create_run("g", {}, None)
    subject = Logged(store, run.run_id)
    subject.log.start()
    subject.log.start_run(run.run_id)
    yield subject
    await subject.log.stop()
    await store.close()


async def test_a_fast_token_stream_travels_in_few_stored_deltas(
    logged: Logged, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_log, "DELTA_LINGER", 0.05)
    tokens = [f"t{i} " for i in range(150)]
    for token in tokens:
        logged.delta(token)
        await asyncio.sleep(0.002)
    await logged.log.flush()
    deltas = [e for e in logged.published if e.type == EventType.MESSAGE_DELTA]
    assert "".join(str(e.data["text"]) for e in deltas) == "".join(tokens)
    # 0.3 s of tokens, a commit at most every 50 ms while they keep coming
    assert len(deltas) <= 15, [len(str(e.data["text"])) for e in deltas]
    stored = await logged.store.list_events(logged.run_id)
    assert [(e.seq, e.data["text"]) for e in stored] == [(e.seq, e.data["text"]) for e in deltas]


async def test_another_event_does_not_wait_for_the_deltas_linger(
    logged: Logged, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_log, "DELTA_LINGER", 30.0)
    monkeypatch.setattr(event_log, "BUSY_WINDOW", 10.0)  # the writer counts as busy
    logged.delta("first ")
    await logged.until(EventType.MESSAGE_DELTA, timeout=10)
    logged.delta("second ")  # right after a commit: the writer lingers for more tokens
    await asyncio.sleep(0.05)
    logged.log.append(logged.run_id, EventDraft(EventType.NODE_PROGRESS, "reply", {"done": 1}))
    progress = await logged.until(EventType.NODE_PROGRESS, timeout=10)
    texts = [e.data.get("text") for e in logged.published]
    assert texts == ["first ", "second ", None]
    assert progress.seq == 3


async def test_a_flush_does_not_wait_for_the_deltas_linger(
    logged: Logged, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_log, "DELTA_LINGER", 30.0)
    monkeypatch.setattr(event_log, "BUSY_WINDOW", 10.0)  # the writer counts as busy
    logged.delta("first ")
    await logged.until(EventType.MESSAGE_DELTA, timeout=10)
    logged.delta("second ")
    await asyncio.sleep(0.05)
    async with asyncio.timeout(10):
        await logged.log.flush()
    assert [e.data["text"] for e in await logged.store.list_events(logged.run_id)] == [
        "first ",
        "second ",
    ]


async def test_a_flush_waits_for_the_batch_being_stored(
    logged: Logged, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flush that comes while the writer stores the last events (none left queued)
    returns once they are stored and published, not at once without them."""
    store_events = logged.store.append_events
    storing = asyncio.Event()

    async def slow_store(*args: object) -> object:
        storing.set()
        await asyncio.sleep(0.3)
        return await store_events(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(logged.store, "append_events", slow_store)
    logged.delta("last words")
    await asyncio.wait_for(storing.wait(), timeout=10)
    await logged.log.flush()
    assert [e.data["text"] for e in logged.published] == ["last words"]
    stored = await logged.store.list_events(logged.run_id)
    assert [e.data["text"] for e in stored] == ["last words"]
