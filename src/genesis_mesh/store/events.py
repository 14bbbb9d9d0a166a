"""The events table: a run's numbered events, and the event writer's batch (events plus
run updates, fenced by the writer's claim, in one transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from genesis_mesh.protocol import Event, EventType
from genesis_mesh.store.active_run import frees_thread, promote_queued, sqlite_promote_queued
from genesis_mesh.store.clock import utcnow
from genesis_mesh.store.database import Database
from genesis_mesh.store.rows import (
    SQLITE_INSERT_EVENTS,
    event_from_row,
    event_row,
    run_columns,
    sqlite_event_row,
)
from genesis_mesh.store.tables import events, runs


@dataclass
class WriteResult:
    """What a batch write did beyond storing: runs whose writer lost its claim (their
    events and updates were refused) and queued runs that their thread now lets start."""

    lost: set[str] = field(default_factory=set)
    promoted: list[str] = field(default_factory=list)


class EventRows:
    """Appends and reads runs' events; every write goes through the database's writer."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(
        self,
        batch: Sequence[Event],
        run_updates: dict[str, dict[str, Any]] | None = None,
        fences: dict[str, int] | None = None,
    ) -> WriteResult:
        """Store events (ignoring ones already stored) and apply `run_updates`
        (run id -> columns) in the same transaction.

        `fences` (run id -> attempt) are the claims the writer holds: a run whose attempt
        has moved on was claimed by another worker, and its events and updates are refused.
        """
        if not (batch or run_updates):
            return WriteResult()
        result: WriteResult = await self._db.write(
            self._append_sync, list(batch), run_updates or {}, fences or {}
        )
        return result

    def _append_sync(
        self, batch: list[Event], run_updates: dict[str, dict[str, Any]], fences: dict[str, int]
    ) -> WriteResult:
        result = WriteResult()
        if self._db.sqlite and not fences:
            return self._append_sqlite(batch, run_updates)
        with self._db.writer_engine.begin() as conn:
            if fences:
                result.lost = _lost_claims(conn, fences)
            if result.lost:
                batch = [e for e in batch if e.run_id not in result.lost]
                run_updates = {k: v for k, v in run_updates.items() if k not in result.lost}
            if batch and self._db.dialect == "sqlite":
                # The hot path of every run: plain executemany, no per-row SQLAlchemy work.
                conn.exec_driver_sql(SQLITE_INSERT_EVENTS, [sqlite_event_row(e) for e in batch])
            elif batch:
                conn.execute(_insert_ignore(self._db.dialect), [event_row(e) for e in batch])
            for run_id, values in run_updates.items():
                conn.execute(update(runs).where(runs.c.id == run_id).values(**run_columns(values)))
            for run_id, values in run_updates.items():
                if frees_thread(values):
                    result.promoted.extend(promote_queued(conn, run_id))
        return result

    def _append_sqlite(
        self, batch: list[Event], run_updates: dict[str, dict[str, Any]]
    ) -> WriteResult:
        """The hot path of every run on SQLite (no fences: the embedded host): the batch's
        events as one plain `executemany`, its run updates as plain `UPDATE`s
        (`sqlite_rows`), and a queued run promoted when one frees its thread, all in one
        transaction and commit on the writer's DB-API connection (no SQLAlchemy
        statement, connection, transaction or reset per batch). Committed before it
        returns, like every other write; on an error the transaction is rolled back and
        the error raised, so the event log retries the batch."""
        result = WriteResult()
        connection = self._db.raw_writer()
        try:
            if batch:
                connection.executemany(SQLITE_INSERT_EVENTS, [sqlite_event_row(e) for e in batch])
            for run_id, values in run_updates.items():
                self._db.sqlite_rows(runs).update(connection, run_id, run_columns(values))
            for run_id, values in run_updates.items():
                if frees_thread(values):
                    result.promoted.extend(sqlite_promote_queued(self._db, connection, run_id))
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        return result

    async def read(self, run_id: str, after_seq: int = 0, limit: int | None = None) -> list[Event]:
        """The run's events after `after_seq`, in order (at most `limit`)."""
        query = (
            select(events)
            .where(events.c.run_id == run_id, events.c.seq > after_seq)
            .order_by(events.c.seq)
        )
        if limit is not None:
            query = query.limit(limit)
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [event_from_row(row) for row in rows]

    async def max_seq(self, run_id: str) -> int:
        async with self._db.engine.connect() as conn:
            value = (
                await conn.execute(select(func.max(events.c.seq)).where(events.c.run_id == run_id))
            ).scalar()
        return int(value or 0)

    async def completed_task_ids(self, run_id: str) -> set[str]:
        query = select(events.c.task_id).where(
            events.c.run_id == run_id,
            events.c.type == EventType.NODE_COMPLETED.value,
        )
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {str(row.task_id) for row in rows if row.task_id}


def insert_next_event(
    conn: Connection, run_id: str, type: EventType, data: dict[str, Any]
) -> Event:
    """Store one event after the run's last, inside the caller's transaction."""
    last = conn.execute(select(func.max(events.c.seq)).where(events.c.run_id == run_id)).scalar()
    event = Event(run_id=run_id, seq=int(last or 0) + 1, ts=utcnow(), type=type, data=data)
    conn.execute(insert(events).values(**event_row(event)))
    return event


def _lost_claims(conn: Connection, fences: dict[str, int]) -> set[str]:
    """Runs whose attempt is no longer the writer's; the rows stay share-locked until
    commit, so no claim can slip in between this check and the writes."""
    query = select(runs.c.id, runs.c.attempt).where(runs.c.id.in_(list(fences)))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    current = {row.id: row.attempt for row in conn.execute(query)}
    return {run_id for run_id, attempt in fences.items() if current.get(run_id) != attempt}


def _insert_ignore(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(events).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(events).on_conflict_do_nothing()
