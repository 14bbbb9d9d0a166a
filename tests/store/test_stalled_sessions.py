"""A worker frozen in the middle of a pipelined statement keeps its run share-locked,
and PostgreSQL's idle timeout does not end it (the session counts as running a
statement). The other workers' claims end such sessions once the run's lease is over by
the grace, and take the run over. Real PostgreSQL, the real run queue."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from genesis_mesh.store import database
from genesis_mesh.store.database import connect_args
from genesis_mesh.store.queue import RunQueue
from genesis_mesh.store.run_store import RunStore
from tests.postgres import PG_ADMIN

GRACE_MS = 500


@pytest.fixture
def grace(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(database, "IDLE_IN_TRANSACTION_MS", GRACE_MS)
    yield


def _frozen_mid_pipeline(conninfo: str, run_id: str) -> tuple[Any, Any, int]:
    """A session of this host that share-locked the run, as the event writer's fence
    does, and then stopped sending before the pipeline's Sync: where a worker stopped
    inside `executemany` leaves it."""
    conn = psycopg.connect(conninfo, **connect_args(conninfo))
    pipeline = conn.pipeline()
    pipeline.__enter__()
    conn.execute("SELECT attempt FROM runs WHERE id = %s FOR SHARE", (run_id,))
    conn.pgconn.flush()
    return conn, pipeline, conn.pgconn.backend_pid


def _state(pid: int) -> tuple[str, str] | None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        row = admin.execute(
            "SELECT state, wait_event FROM pg_stat_activity WHERE pid = %s", (pid,)
        ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


async def test_a_session_frozen_mid_pipeline_is_ended_and_its_run_taken_over(
    postgres_database: str, grace: None
) -> None:
    url = f"postgresql+psycopg://127.0.0.1:5432/{postgres_database}"
    conninfo = f"postgresql://127.0.0.1:5432/{postgres_database}"
    store = RunStore(url)
    stale = RunQueue(url, "stale", lease_seconds=0.1, max_recoveries=5)
    rival = RunQueue(url, "rival", lease_seconds=60, max_recoveries=5)
    bystander = psycopg.connect(conninfo, **connect_args(conninfo))  # idle: left alone
    try:
        await store.open()
        run = await store.create_run("g", {}, None)
        assert [c.attempt for c in (await stale.claim(1)).claims] == [1]
        frozen, pipeline, pid = _frozen_mid_pipeline(conninfo, run.run_id)
        deadline = time.monotonic() + 10
        while _state(pid) != ("active", "ClientRead") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _state(pid) == ("active", "ClientRead")  # beyond the idle timeout's reach

        time.sleep(GRACE_MS / 1000 * 2.5)  # the lease and the session, over by the grace
        assert _state(pid) is not None  # the server on its own keeps it
        taken = []
        for _ in range(20):
            taken = (await rival.claim(1)).claims
            if taken:
                break
            time.sleep(0.1)
        assert [(c.run.run_id, c.attempt, c.recovered) for c in taken] == [(run.run_id, 2, True)]
        assert _state(pid) is None
        assert bystander.execute("SELECT 1").fetchone() == (1,)
        with pytest.raises(psycopg.OperationalError):
            pipeline.__exit__(None, None, None)
        frozen.close()
    finally:
        bystander.close()
        stale.close()
        rival.close()
        await store.close()


async def test_a_run_whose_lease_is_not_over_by_the_grace_keeps_its_sessions(
    postgres_database: str, grace: None
) -> None:
    """A writer in the middle of a pipeline with a live lease is not ended, however long."""
    url = f"postgresql+psycopg://127.0.0.1:5432/{postgres_database}"
    conninfo = f"postgresql://127.0.0.1:5432/{postgres_database}"
    store = RunStore(url)
    owner = RunQueue(url, "owner", lease_seconds=60, max_recoveries=5)
    rival = RunQueue(url, "rival", lease_seconds=60, max_recoveries=5)
    try:
        await store.open()
        run = await store.create_run("g", {}, None)
        assert len((await owner.claim(1)).claims) == 1
        frozen, pipeline, pid = _frozen_mid_pipeline(conninfo, run.run_id)
        time.sleep(GRACE_MS / 1000 * 2.5)
        assert (await rival.claim(1)).claims == []
        assert _state(pid) == ("active", "ClientRead")
        pipeline.__exit__(None, None, None)
        frozen.close()
    finally:
        owner.close()
        rival.close()
        await store.close()


async def test_a_claim_that_may_not_end_a_frozen_session_still_claims(
    postgres_database: str, grace: None, caplog: pytest.LogCaptureFixture
) -> None:
    """The rival's role sees the frozen session but may not end it (a superuser's): its
    claim still answers, with what it claimed, and says why the run stays stuck."""
    url = f"postgresql+psycopg://127.0.0.1:5432/{postgres_database}"
    conninfo = f"postgresql://127.0.0.1:5432/{postgres_database}"
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gm_claimer') "
            "THEN CREATE ROLE gm_claimer LOGIN; END IF; END $$"
        )
        admin.execute("GRANT pg_read_all_stats TO gm_claimer")  # sees, may not end
    store = RunStore(url)
    stale = RunQueue(url, "stale", lease_seconds=0.1, max_recoveries=5)
    limited = url.replace("127.0.0.1", "gm_claimer@127.0.0.1")
    rival = RunQueue(limited, "rival", lease_seconds=60, max_recoveries=5)
    try:
        await store.open()
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO gm_claimer")
        stuck = await store.create_run("g", {}, None)
        assert len((await stale.claim(1)).claims) == 1
        frozen, pipeline, pid = _frozen_mid_pipeline(conninfo, stuck.run_id)
        time.sleep(GRACE_MS / 1000 * 2.5)
        fresh = await store.create_run("g", {}, None)
        with caplog.at_level("WARNING", logger="genesis_mesh.store.queue"):
            claimed = (await rival.claim(2)).claims
        assert [c.run.run_id for c in claimed] == [fresh.run_id]
        assert "looking for frozen database sessions failed" in caplog.text
        assert _state(pid) == ("active", "ClientRead")
        pipeline.__exit__(None, None, None)
        frozen.close()
    finally:
        stale.close()
        rival.close()
        await store.close()
