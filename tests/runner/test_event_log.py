"""The event log's group commit: concurrent runs' commits wait a moment for more events;
a lone run's events are committed and published at once, stored before published."""

from __future__ import annotations

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
