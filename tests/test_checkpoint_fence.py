"""A checkpoint write of a claimed run commits only while the writer's claim holds.

The stale writer is paused exactly where a stopped worker would be: between its own
lease check (the saver's guard) and its write, or inside its write's transaction. Real
PostgreSQL, the real run queue, LangGraph's own Postgres saver.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from langgraph.checkpoint.base import empty_checkpoint

from genesis_mesh.checkpointers import open_checkpointer
from genesis_mesh.errors import LeaseLost
from genesis_mesh.protocol import Event, EventType, RunStatus
from genesis_mesh.store.queue import RunQueue
from genesis_mesh.store.run_store import RunStore
from tests.scale.conftest import create_database, drop_database


@dataclass
class Fenced:
    """A run claimed by a stale worker (whose lease is already over) and the saver it
    writes with; `rival` is the worker that takes the run over."""

    saver: Any
    store: RunStore
    conninfo: str
    run_id: str
    stale: RunQueue
    rival: RunQueue
    attempt: int


@pytest.fixture
async def fenced() -> AsyncIterator[Fenced]:
    name = create_database()
    url = f"postgresql+psycopg://127.0.0.1:5432/{name}"
    conninfo = f"postgresql://127.0.0.1:5432/{name}"
    store = RunStore(url)
    stale = RunQueue(url, "stale", lease_seconds=0, max_recoveries=5)
    rival = RunQueue(url, "rival", lease_seconds=60, max_recoveries=5)
    try:
        await store.open()
        run = await store.create_run("g", {}, None)
        (claim,) = (await stale.claim(1)).claims
        async with open_checkpointer(conninfo) as saver:
            yield Fenced(saver, store, conninfo, run.run_id, stale, rival, claim.attempt)
    finally:
        stale.close()
        rival.close()
        await store.close()
        drop_database(name)


def _guard(fenced: Fenced, pause: Callable[[], Awaitable[None]] | None = None) -> Any:
    """The worker's guard as the saver sees it: it vouches for the stale claim (its
    process has not noticed anything), then `pause` runs before the write goes on."""

    async def guard() -> tuple[str, int]:
        if pause is not None:
            await pause()
        return fenced.run_id, fenced.attempt

    return guard


def _checkpoint(n: int) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    config = {"configurable": {"thread_id": "t", "checkpoint_ns": ""}}
    checkpoint = empty_checkpoint()
    # A list goes to the blobs table: the write is several statements, all fenced.
    checkpoint["channel_values"] = {"items": list(range(n)), "count": n}
    checkpoint["channel_versions"] = {"items": str(n), "count": str(n)}
    return config, checkpoint, {"items": str(n), "count": str(n)}


async def _put(saver: Any, n: int) -> dict[str, Any]:
    config, checkpoint, versions = _checkpoint(n)
    stored: dict[str, Any] = await saver.aput(config, checkpoint, {"step": n}, versions)
    return stored


async def _latest(saver: Any) -> Any:
    latest = await saver.aget_tuple({"configurable": {"thread_id": "t", "checkpoint_ns": ""}})
    return None if latest is None else latest.checkpoint["channel_values"]["count"]


async def _wait_for_a_lock_wait(conninfo: str) -> None:
    """Until a session of the database waits on a lock (the writer, blocked)."""
    deadline = time.monotonic() + 10
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        while time.monotonic() < deadline:
            cur = await conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            row = await cur.fetchone()
            if row and row[0]:
                return
            await asyncio.sleep(0.02)
    raise AssertionError("the writer never waited on a lock")


async def test_a_claim_current_at_the_write_commits(fenced: Fenced) -> None:
    fenced.saver.guard = _guard(fenced)
    stored = await _put(fenced.saver, 1)
    await fenced.saver.aput_writes(stored, [("items", [9])], "task-1")
    assert await _latest(fenced.saver) == 1
    latest = await fenced.saver.aget_tuple(stored)
    assert latest.pending_writes == [("task-1", "items", [9])]


async def test_a_takeover_between_the_check_and_the_write_refuses_the_write(
    fenced: Fenced,
) -> None:
    fenced.saver.guard = _guard(fenced)
    stored = await _put(fenced.saver, 1)

    async def takeover() -> None:  # the stale worker is stopped right here
        (claim,) = (await fenced.rival.claim(1)).claims
        assert claim.attempt == fenced.attempt + 1

    fenced.saver.guard = _guard(fenced, takeover)
    with pytest.raises(LeaseLost):
        await _put(fenced.saver, 2)
    fenced.saver.guard = _guard(fenced)  # the claim is gone for pending writes too
    with pytest.raises(LeaseLost):
        await fenced.saver.aput_writes(stored, [("items", [9])], "task-1")
    assert await _latest(fenced.saver) == 1
    assert (await fenced.saver.aget_tuple(stored)).pending_writes == []


async def test_a_claim_in_flight_at_the_check_refuses_the_write(fenced: Fenced) -> None:
    fenced.saver.guard = _guard(fenced)
    async with await psycopg.AsyncConnection.connect(fenced.conninfo) as claimer:
        # What a claim does, held open: the row locked, the attempt incremented.
        await claimer.execute(
            "UPDATE runs SET attempt = attempt + 1 WHERE id = %s", (fenced.run_id,)
        )
        write = asyncio.create_task(_put(fenced.saver, 1))
        await _wait_for_a_lock_wait(fenced.conninfo)  # the fence waits for the claim
        assert not write.done()
        await claimer.commit()
        with pytest.raises(LeaseLost):
            await write
    assert await _latest(fenced.saver) is None


async def test_no_claim_lands_while_a_write_is_in_flight(fenced: Fenced) -> None:
    fenced.saver.guard = _guard(fenced)
    config, checkpoint, versions = _checkpoint(1)
    async with await psycopg.AsyncConnection.connect(fenced.conninfo) as blocker:
        # Hold the checkpoint's key: the write stops inside its transaction, fence read.
        await blocker.execute(
            "INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, checkpoint, "
            "metadata) VALUES ('t', '', %s, '{}', '{}')",
            (checkpoint["id"],),
        )
        write = asyncio.create_task(fenced.saver.aput(config, checkpoint, {"step": 1}, versions))
        await _wait_for_a_lock_wait(fenced.conninfo)
        # The run's lease is long over, yet the rival cannot take it mid-write...
        assert (await fenced.rival.claim(1)).claims == []
        await blocker.rollback()
        await write
    assert await _latest(fenced.saver) == 1
    # ...and takes it once the write committed, with the next attempt.
    (claim,) = (await fenced.rival.claim(1)).claims
    assert claim.attempt == fenced.attempt + 1


async def test_a_final_event_and_status_of_a_claim_taken_over_in_flight_are_refused(
    fenced: Fenced,
) -> None:
    """The event writer's batch: the same fence (a share lock on the run's row, in the
    batch's transaction), so a final status races a claim the same way."""
    final = Event(
        run_id=fenced.run_id, seq=1, ts=datetime.now(UTC), type=EventType.RUN_COMPLETED, data={}
    )
    async with await psycopg.AsyncConnection.connect(fenced.conninfo) as claimer:
        await claimer.execute(
            "UPDATE runs SET attempt = attempt + 1 WHERE id = %s", (fenced.run_id,)
        )
        write = asyncio.create_task(
            fenced.store.append_events(
                [final],
                {fenced.run_id: {"status": RunStatus.SUCCEEDED}},
                {fenced.run_id: fenced.attempt},
            )
        )
        await _wait_for_a_lock_wait(fenced.conninfo)
        await claimer.commit()
        result = await write
    assert result.lost == {fenced.run_id}
    assert await fenced.store.list_events(fenced.run_id) == []
    assert (await fenced.store.get_run(fenced.run_id)).status == RunStatus.RUNNING


async def test_a_checkpoint_is_committed_after_the_writes_of_the_step_it_follows(
    fenced: Fenced,
) -> None:
    """LangGraph stores a task's writes and the next checkpoint in background tasks and,
    with durability "sync", waits for the checkpoint only. A write whose guard is slow
    (the worker renewing its claim) must still be in the store before that checkpoint:
    a worker dying between the two would otherwise leave a step without its writes."""
    fenced.saver.guard = _guard(fenced)
    stored = await _put(fenced.saver, 1)
    renewing = asyncio.Event()
    fenced.saver.guard = _guard(fenced, renewing.wait)
    writes = asyncio.create_task(fenced.saver.aput_writes(stored, [("items", [9])], "task-1"))
    await asyncio.sleep(0)
    fenced.saver.guard = _guard(fenced)  # the checkpoint's own guard answers at once
    config, checkpoint, versions = _checkpoint(2)
    config["configurable"]["checkpoint_id"] = stored["configurable"]["checkpoint_id"]
    following = asyncio.create_task(fenced.saver.aput(config, checkpoint, {"step": 2}, versions))
    await asyncio.sleep(0.3)
    assert not following.done()
    assert await _latest(fenced.saver) == 1
    renewing.set()
    await asyncio.wait_for(asyncio.gather(writes, following), 10)
    assert await _latest(fenced.saver) == 2
    assert (await fenced.saver.aget_tuple(stored)).pending_writes == [("task-1", "items", [9])]
