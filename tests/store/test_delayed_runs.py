"""A delayed run's due time and the checks of it use one clock: the store's.

The host's clock is set off by an hour (as a host with a drifting clock would be); on
PostgreSQL the due time is still the database's `now()` plus the delay, which is what
the workers' claims compare it with. On SQLite the one clock is the host's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from genesis_mesh.store import database, runs
from genesis_mesh.store.queue import RunQueue
from genesis_mesh.store.run_store import RunStore
from tests.scale.conftest import create_database, drop_database

HOUR = timedelta(hours=1)


def _host_clock_off_by(monkeypatch: pytest.MonkeyPatch, offset: timedelta) -> None:
    def skewed() -> datetime:
        return datetime.now(UTC) + offset

    monkeypatch.setattr(runs, "utcnow", skewed)
    monkeypatch.setattr(database, "utcnow", skewed)


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    name = create_database()
    try:
        yield f"postgresql+psycopg://127.0.0.1:5432/{name}"
    finally:
        drop_database(name)


@pytest.mark.parametrize("offset", [HOUR, -HOUR])
async def test_a_delayed_run_is_due_on_the_databases_clock(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, offset: timedelta
) -> None:
    store = RunStore(postgres_url)
    queue = RunQueue(postgres_url, "w", lease_seconds=30, max_recoveries=5)
    try:
        await store.open()
        _host_clock_off_by(monkeypatch, offset)
        run = await store.create_run("g", {}, None, delay_seconds=1.5)
        assert run.not_before is not None
        wait = (run.not_before - await store.now()).total_seconds()
        assert 0.5 < wait <= 1.5, wait  # the database's now, not the host's
        assert abs(await store.now() - datetime.now(UTC)) < timedelta(seconds=5)
        assert (await store.get_run(run.run_id)).not_before == run.not_before
        assert (await queue.claim(1)).claims == []  # not due yet
        await asyncio.sleep(wait + 0.2)
        (claim,) = (await queue.claim(1)).claims  # due: claimed
        assert claim.run.run_id == run.run_id
    finally:
        queue.close()
        await store.close()


async def test_on_sqlite_the_due_time_is_the_hosts_clock_plus_the_delay(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RunStore(f"sqlite+aiosqlite:///{tmp_path}/store.db")
    try:
        await store.open()
        _host_clock_off_by(monkeypatch, HOUR)
        run = await store.create_run("g", {}, None, delay_seconds=30)
        assert run.not_before is not None
        wait = (run.not_before - await store.now()).total_seconds()
        assert 29 < wait <= 30, wait
        assert (await store.get_run(run.run_id)).not_before == run.not_before
        assert (await store.create_run("g", {}, None)).not_before is None
    finally:
        await store.close()
