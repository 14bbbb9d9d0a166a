"""A worker frozen in the middle of a pipelined statement keeps its run share-locked,
and PostgreSQL's idle timeout does not end it (the session counts as running a
statement). The other workers' claims end such sessions once the run's lease is over by
the grace, and take the run over. Real PostgreSQL, the real run queue."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from genesis_mesh.store import stalled_sessions
from genesis_mesh.store.database import connect_args
from genesis_mesh.store.queue import RunQueue
from genesis_mesh.store.run_store import RunStore
from tests.postgres import PG_ADMIN

GRACE_MS = 500


@dataclass
class Database:
    """A test database with the run store's schema, and the run queues made on it
    (closed with it)."""

    url: str
    conninfo: str
    store: RunStore
    queues: list[RunQueue] = field(default_factory=list)

    def queue(self, worker: str, lease_seconds: float, url: str | None = None) -> RunQueue:
        made = RunQueue(url or self.url, worker, lease_seconds=lease_seconds, max_recoveries=5)
        self.queues.append(made)
        return made


@pytest.fixture
async def db(postgres_database: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    """The database, with the sweep's grace cut to `GRACE_MS` (the connections keep
    their 10 s idle timeout: a claim's own transaction on a loaded machine may pause)."""
    monkeypatch.setattr(stalled_sessions, "stalled_grace", lambda: timedelta(milliseconds=GRACE_MS))
    url = f"postgresql+psycopg://127.0.0.1:5432/{postgres_database}"
    made = Database(url, f"postgresql://127.0.0.1:5432/{postgres_database}", RunStore(url))
    await made.store.open()
    try:
        yield made
    finally:
        for queue in made.queues:
            queue.close()
        await made.store.close()


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
    db: Database,
) -> None:
    stale, rival = db.queue("stale", 0.1), db.queue("rival", 60)
    bystander = psycopg.connect(db.conninfo, **connect_args(db.conninfo))  # idle: left alone
    try:
        run = await db.store.create_run("g", {}, None)
        assert [c.attempt for c in (await stale.claim(1)).claims] == [1]
        frozen, pipeline, pid = _frozen_mid_pipeline(db.conninfo, run.run_id)
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


async def test_a_run_whose_lease_is_not_over_by_the_grace_keeps_its_sessions(
    db: Database,
) -> None:
    """A writer in the middle of a pipeline with a live lease is not ended, however long."""
    owner, rival = db.queue("owner", 60), db.queue("rival", 60)
    run = await db.store.create_run("g", {}, None)
    assert len((await owner.claim(1)).claims) == 1
    frozen, pipeline, pid = _frozen_mid_pipeline(db.conninfo, run.run_id)
    time.sleep(GRACE_MS / 1000 * 2.5)
    assert (await rival.claim(1)).claims == []
    assert _state(pid) == ("active", "ClientRead")
    pipeline.__exit__(None, None, None)
    frozen.close()


async def test_a_claim_that_may_not_end_a_frozen_session_still_claims(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The rival's role sees the frozen session but may not end it (a superuser's): its
    claim still answers, with what it claimed, and says why the run stays stuck."""
    with psycopg.connect(db.conninfo, autocommit=True) as admin:
        admin.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gm_claimer') "
            "THEN CREATE ROLE gm_claimer LOGIN; END IF; END $$"
        )
        admin.execute("GRANT pg_read_all_stats TO gm_claimer")  # sees, may not end
        admin.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO gm_claimer")
    stale = db.queue("stale", 0.1)
    rival = db.queue("rival", 60, url=db.url.replace("127.0.0.1", "gm_claimer@127.0.0.1"))
    stuck = await db.store.create_run("g", {}, None)
    assert len((await stale.claim(1)).claims) == 1
    frozen, pipeline, pid = _frozen_mid_pipeline(db.conninfo, stuck.run_id)
    time.sleep(GRACE_MS / 1000 * 2.5)
    fresh = await db.store.create_run("g", {}, None)
    with caplog.at_level("WARNING", logger="genesis_mesh.store.queue"):
        claimed = (await rival.claim(2)).claims
    assert [c.run.run_id for c in claimed] == [fresh.run_id]
    assert "looking for frozen database sessions failed" in caplog.text
    assert _state(pid) == ("active", "ClientRead")
    pipeline.__exit__(None, None, None)
    frozen.close()
