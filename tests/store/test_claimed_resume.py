"""Scale-out: a resume a worker claims is `running` only with its `run.resumed` stored.

In one process the run's task stores both in one write. The claim of a resume queued by
an API process must do the same: a reader in between (a LangGraph client's `join`) would
otherwise see the run `running` with only the stop it continues, and answer that stop's
values instead of the resumed run's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from genesis_mesh.bus.memory import MemoryEventBus
from genesis_mesh.protocol import EventType, InterruptMode, RunStatus
from genesis_mesh.registry import GraphRegistry
from genesis_mesh.runner.runner import Runner
from genesis_mesh.store.queue import RunQueue
from genesis_mesh.store.run_store import RunStore
from tests.scale.conftest import create_database, drop_database


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    name = create_database()
    try:
        yield f"postgresql+psycopg://127.0.0.1:5432/{name}"
    finally:
        drop_database(name)


@pytest.mark.parametrize("answer", [None, {"accepted": ["a"]}])
async def test_a_claimed_resume_is_running_only_with_its_resumed_event_stored(
    postgres_url: str, tmp_path: Path, answer: object
) -> None:
    store = RunStore(postgres_url)
    queue = RunQueue(postgres_url, "w1", lease_seconds=30, max_recoveries=5)
    # The runner of an API process: it queues the resume, a worker's claim takes it.
    runner = Runner(
        store, GraphRegistry(tmp_path / "langgraph.json", None), MemoryEventBus(), queue=queue
    )
    try:
        await store.open()
        run = await store.create_run("g", {}, None)
        paused = await runner.interrupt(run.run_id, InterruptMode.PAUSE)
        assert paused.status == RunStatus.INTERRUPTED
        queued = await runner.resume(run.run_id, answer)
        assert queued.status == RunStatus.PENDING

        (claim,) = (await queue.claim(1)).claims

        claimed = await store.get_run(run.run_id)
        events = await store.list_events(run.run_id)
        assert claimed.status == RunStatus.RUNNING
        assert [e.type for e in events] == [EventType.RUN_INTERRUPTED, EventType.RUN_RESUMED]
        assert events[-1].data == {"value": answer, "worker": "w1"}
        assert claim.opening == events[-1]  # for the worker to publish
        assert claimed.interrupt is None
    finally:
        queue.close()
        await store.close()
