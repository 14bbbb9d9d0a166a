"""Threads as records of their own: created before any run, with metadata, searched,
updated and deleted; rows become `ThreadRecord`s (and the protocol's `ThreadInfo`) here
and nowhere else."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from genesis_mesh.errors import ThreadNotFound
from genesis_mesh.protocol import ThreadInfo
from genesis_mesh.store.clock import aware, utcnow
from genesis_mesh.store.database import Database
from genesis_mesh.store.tables import ACTIVE_STATUSES, events, runs, threads


class ThreadRecord(BaseModel):
    """A thread with its metadata and the status of its runs."""

    thread_id: str
    owner: str
    graph: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime
    active_run_id: str | None = None
    active_status: str | None = None
    """Status of the run holding the thread (pending, running or interrupted)."""
    last_status: str | None = None
    """Status of the thread's newest run."""


class ThreadStore:
    """Threads by owner; someone else's thread reads as missing (None)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(
        self, thread_id: str, owner: str, metadata: dict[str, Any], graph: str | None = None
    ) -> ThreadRecord | None:
        """Insert a thread; None when the id is taken (by anyone)."""
        row = new_thread_row(thread_id, owner, metadata, graph)
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(threads).values(**row))
        except IntegrityError:
            return None
        return record_of_new_row(row)

    async def get(self, thread_id: str, owner: str | None) -> ThreadRecord | None:
        found = await self.search(owner, ids=[thread_id])
        return found[0] if found else None

    async def exists(self, thread_id: str) -> bool:
        query = select(threads.c.id).where(threads.c.id == thread_id)
        async with self.engine.connect() as conn:
            return (await conn.execute(query)).first() is not None

    async def search(
        self, owner: str | None, ids: Sequence[str] | None = None
    ) -> list[ThreadRecord]:
        """The owner's threads (all of them, or those of `ids`), newest first."""
        query = select(threads).order_by(threads.c.created_at.desc())
        if owner is not None:
            query = query.where(threads.c.owner == owner)
        if ids is not None:
            query = query.where(threads.c.id.in_(list(ids)))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
            thread_ids = [row.id for row in rows]
            run_rows = (
                await conn.execute(
                    select(runs.c.id, runs.c.thread_id, runs.c.status, runs.c.superseded_by)
                    .where(runs.c.thread_id.in_(thread_ids))
                    .order_by(runs.c.created_at)
                )
            ).all()
        by_thread: dict[str, list[Row[Any]]] = {}
        for run in run_rows:
            by_thread.setdefault(run.thread_id, []).append(run)
        return [_record(row, by_thread.get(row.id, [])) for row in rows]

    async def set_metadata(self, thread_id: str, metadata: dict[str, Any]) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(threads)
                .where(threads.c.id == thread_id)
                .values(metadata=metadata, updated_at=utcnow())
            )

    async def delete(self, thread_id: str) -> None:
        """Delete a thread with its runs and their events (not its checkpoints)."""
        async with self.engine.begin() as conn:
            run_ids = select(runs.c.id).where(runs.c.thread_id == thread_id)
            await conn.execute(delete(events).where(events.c.run_id.in_(run_ids)))
            await conn.execute(delete(runs).where(runs.c.thread_id == thread_id))
            await conn.execute(delete(threads).where(threads.c.id == thread_id))


_DELETE_SQLITE = (
    "DELETE FROM events WHERE run_id IN (SELECT id FROM runs WHERE thread_id = ?)",
    "DELETE FROM runs WHERE thread_id = ?",
    "DELETE FROM threads WHERE id = ?",
)


async def create_thread_row(
    db: Database, thread_id: str, owner: str, metadata: dict[str, Any], graph: str | None = None
) -> ThreadRecord | None:
    """`ThreadStore.create` in one hop: on SQLite, the same row as a plain DB-API insert
    on the writer's connection (`sqlite_rows.py`); None when the id is taken (by anyone)."""
    if not db.sqlite:
        return await ThreadStore(db.engine).create(thread_id, owner, metadata, graph)
    row = new_thread_row(thread_id, owner, metadata, graph)
    if not await db.write(_insert_sqlite, db, row):
        return None
    return record_of_new_row(row)


def new_thread_row(
    thread_id: str, owner: str, metadata: dict[str, Any], graph: str | None
) -> dict[str, Any]:
    """The `threads` row of a thread created now."""
    now = utcnow()
    return {
        "id": thread_id,
        "owner": owner,
        "graph": graph,
        "metadata": metadata,
        "created_at": now,
        "updated_at": now,
    }


def record_of_new_row(row: dict[str, Any]) -> ThreadRecord:
    return ThreadRecord(
        thread_id=row["id"],
        owner=row["owner"],
        graph=row["graph"],
        metadata=row["metadata"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _insert_sqlite(db: Database, row: dict[str, Any]) -> bool:
    connection = db.raw_writer()
    try:
        db.sqlite_rows(threads).insert(connection, row)
        connection.commit()
    except sqlite3.IntegrityError:
        connection.rollback()
        return False
    except BaseException:
        connection.rollback()
        raise
    return True


async def delete_thread_rows(db: Database, thread_id: str) -> None:
    """`ThreadStore.delete` in one hop: on SQLite, the same three statements as plain
    DB-API calls on the writer's connection, one commit (`sqlite_rows.py` says why)."""
    if not db.sqlite:
        await ThreadStore(db.engine).delete(thread_id)
        return
    await db.write(_delete_sqlite, db, thread_id)


def _delete_sqlite(db: Database, thread_id: str) -> None:
    connection = db.raw_writer()
    try:
        for statement in _DELETE_SQLITE:
            connection.execute(statement, (thread_id,))
        connection.commit()
    except BaseException:
        connection.rollback()
        raise


def _record(row: Row[Any], run_rows: list[Row[Any]]) -> ThreadRecord:
    m = row._mapping
    active = next(
        (r for r in run_rows if r.status in ACTIVE_STATUSES and not r.superseded_by), None
    )
    return ThreadRecord(
        thread_id=m["id"],
        owner=m["owner"],
        graph=m["graph"],
        metadata=m["metadata"] or {},
        created_at=aware(m["created_at"]),
        updated_at=aware(m["updated_at"]),
        active_run_id=None if active is None else active.id,
        active_status=None if active is None else active.status,
        last_status=run_rows[-1].status if run_rows else None,
    )


async def delete_run(engine: AsyncEngine, run_id: str) -> None:
    """Delete a run that no longer holds its thread, with its events."""
    async with engine.begin() as conn:
        await conn.execute(delete(events).where(events.c.run_id == run_id))
        await conn.execute(delete(runs).where(runs.c.id == run_id))


async def thread_info(engine: AsyncEngine, thread_id: str, owner: str | None = None) -> ThreadInfo:
    """The thread as the protocol shows it; `owner` given, someone else's is
    `ThreadNotFound` like a missing one."""
    query = select(threads).where(threads.c.id == thread_id)
    if owner is not None:
        query = query.where(threads.c.owner == owner)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
        if row is None:
            raise ThreadNotFound(thread_id)
        run_rows = (
            await conn.execute(
                select(runs.c.id, runs.c.status, runs.c.superseded_by)
                .where(runs.c.thread_id == thread_id)
                .order_by(runs.c.created_at)
            )
        ).all()
    active = next(
        (r.id for r in run_rows if r.status in ACTIVE_STATUSES and not r.superseded_by), None
    )
    return ThreadInfo(
        thread_id=row.id,
        graph=row.graph,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        active_run_id=active,
        runs=[r.id for r in run_rows],
    )
