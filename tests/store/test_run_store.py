"""The run store's contract, run against every backend: SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from genesis_mesh.errors import RunNotFound, ThreadBusy
from genesis_mesh.protocol import Event, EventType, RunStatus
from genesis_mesh.store import RunStore
from tests.postgres import create_database, drop_database


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RunStore]:
    if request.param == "sqlite":
        run_store = RunStore(f"sqlite+aiosqlite:///{tmp_path}/store.db")
        await run_store.open()
        yield run_store
        await run_store.close()
        return
    name = create_database()
    run_store = RunStore(f"postgresql+psycopg://127.0.0.1:5432/{name}")
    try:
        await run_store.open()
        await run_store.open()  # migrations are idempotent
        yield run_store
    finally:
        await run_store.close()
        drop_database(name)


def event(run_id: str, seq: int, type: EventType = EventType.NODE_PROGRESS) -> Event:
    return Event(run_id=run_id, seq=seq, ts=datetime.now(UTC), type=type, data={"n": seq})


async def test_one_active_run_per_thread(store: RunStore) -> None:
    first = await store.create_run("g", {"a": 1}, None)
    with pytest.raises(ThreadBusy):
        await store.create_run("g", {}, first.thread_id)
    await store.update_run(first.run_id, status=RunStatus.SUCCEEDED)
    second = await store.create_run("g", {}, first.thread_id)
    thread = await store.get_thread(first.thread_id)
    assert thread.runs == [first.run_id, second.run_id]
    assert thread.active_run_id == second.run_id


async def test_events_are_deduplicated_by_run_and_seq_and_read_in_order(store: RunStore) -> None:
    run = await store.create_run("g", {}, None)
    await store.append_events([event(run.run_id, 2), event(run.run_id, 1)])
    await store.append_events([event(run.run_id, 2), event(run.run_id, 3)])
    stored = await store.list_events(run.run_id)
    assert [e.seq for e in stored] == [1, 2, 3]
    assert [e.seq for e in await store.list_events(run.run_id, after_seq=1, limit=1)] == [2]
    assert (await store.get_run(run.run_id)).last_seq == 3
    assert await store.max_seq(run.run_id) == 3


async def test_status_and_final_event_commit_together(store: RunStore) -> None:
    run = await store.create_run("g", {}, None)
    final = event(run.run_id, 1, EventType.RUN_COMPLETED)
    await store.append_events(
        [final], {run.run_id: {"status": RunStatus.SUCCEEDED, "output": {"ok": True}}}
    )
    done = await store.get_run(run.run_id)
    assert (done.status, done.output, done.last_seq) == (RunStatus.SUCCEEDED, {"ok": True}, 1)
    listed = await store.list_runs(status=RunStatus.SUCCEEDED)
    assert [r.run_id for r in listed] == [run.run_id]


async def test_unknown_run_is_not_found(store: RunStore) -> None:
    with pytest.raises(RunNotFound):
        await store.get_run("run-missing")


async def test_a_database_from_an_older_version_is_upgraded_in_place(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from genesis_mesh.store import schema

    url = f"sqlite:///{tmp_path}/old.db"
    engine = create_engine(url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(schema.MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(
            text("INSERT INTO threads VALUES ('t1', 'local', 'g', '2026-01-01', '2026-01-01');")
        )
        conn.execute(
            text(
                "INSERT INTO runs (id, thread_id, graph, owner, status, input, last_seq, attempt,"
                " created_at, updated_at) VALUES ('r1', 't1', 'g', 'local', 'succeeded', '{}',"
                " 0, 0, '2026-01-01', '2026-01-01')"
            )
        )
    engine.dispose()
    store = RunStore(f"sqlite+aiosqlite:///{tmp_path}/old.db")
    await store.open()
    try:
        old = await store.get_run("r1")
        fresh = await store.create_run("g", {}, "t1")
    finally:
        await store.close()
    assert old.status == RunStatus.SUCCEEDED and old.last_seq == 0
    assert fresh.thread_id == "t1"
