"""The event log's handling of token streams: deltas that outpace the commits are
merged while they wait, and no other event waits for them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from genesis_mesh.bus.memory import MemoryEventBus
from genesis_mesh.protocol import Event, EventType
from genesis_mesh.runner import event_log
from genesis_mesh.runner.event_log import EventLog
from genesis_mesh.runner.events import EventDraft
from genesis_mesh.store.run_store import RunStore


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
