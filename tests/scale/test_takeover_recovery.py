"""A takeover in-process: node completions lost with a stalled worker are rebuilt once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from genesis_mesh.protocol import InterruptMode, RunStatus
from genesis_mesh.services import open_services
from genesis_mesh.settings import Settings
from genesis_mesh.store.clock import utcnow
from genesis_mesh.store.tables import events, runs
from tests.conftest import FIXTURE_CONFIG
from tests.runner.test_recovery import wait_status
from tests.scale.conftest import REDIS_URL, create_database, drop_database, require_redis

NODES = ["one", "two", "three", "four", "five"]


@pytest.fixture
def database() -> Iterator[str]:
    require_redis()
    name = create_database()
    yield f"postgresql+psycopg://127.0.0.1:5432/{name}"
    drop_database(name)


async def test_a_takeover_emits_the_completion_a_fenced_worker_could_not_store(
    tmp_path: Path, database: str
) -> None:
    settings = Settings(
        config=FIXTURE_CONFIG,
        data_dir=tmp_path / "data",
        database_url=database,
        redis_url=REDIS_URL,
        lease_seconds=3,
        heartbeat_seconds=0.5,
        claim_poll_seconds=0.2,
        run_worker=True,
    )
    record = tmp_path / "calls.txt"
    async with open_services(settings, recover=False) as services:
        run = await services.runner.create_run("steps", {"delay": 0.2, "record_to": str(record)})
        while "end two" not in (record.read_text() if record.exists() else ""):
            await asyncio.sleep(0.01)
        await services.runner.interrupt(run.run_id, InterruptMode.PAUSE)
        await wait_status(services, run.run_id, RunStatus.INTERRUPTED, timeout=30)
        stored = await services.store.list_events(run.run_id)
        first_done = next(e.seq for e in stored if e.type == "node.completed")
        # The worker stalled after node two's checkpoint was committed, before its
        # `node.completed` was: its lease expired and the event was refused by the fence.
        async with services.store.engine.begin() as conn:
            await conn.execute(
                delete(events).where(events.c.run_id == run.run_id, events.c.seq > first_done)
            )
            await conn.execute(
                update(runs)
                .where(runs.c.id == run.run_id)
                .values(
                    status="running",
                    interrupt=None,
                    worker_id="stalled",
                    lease_expires_at=utcnow() - timedelta(seconds=1),
                )
            )

    async with open_services(settings, recover=False) as services:
        await wait_status(services, run.run_id, RunStatus.SUCCEEDED, timeout=30)
        replay = await services.store.list_events(run.run_id)

    assert [e.seq for e in replay] == list(range(1, len(replay) + 1))
    assert [e.node for e in replay if e.type == "node.completed"] == NODES
    two = next(e for e in replay if e.type == "node.completed" and e.node == "two")
    resumed = next(e for e in replay if e.type == "run.resumed")
    assert resumed.data["reason"] == "recovered"
    assert two.seq < resumed.seq
    assert two.data["update"] == {"visited": ["one", "two"]}
    starts = [line for line in record.read_text().splitlines() if line.startswith("start")]
    assert starts == [f"start {n}" for n in NODES]
