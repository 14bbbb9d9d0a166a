"""Stored crons of the LangGraph API; rows become `CronRecord`s here and nowhere else.

A cron is due when it is enabled and its `next_run_at` has passed. `claim` moves
`next_run_at` on with an UPDATE that names the value it read: of several processes
claiming the same due run, exactly one changes the row, and only that one starts it.
`claim_due` is that UPDATE in the transaction that creates the run, so a process killed
between the two leaves the time unclaimed (another process fires it), never claimed
and not fired.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.ext.asyncio import AsyncEngine

from genesis_mesh.store.clock import aware
from genesis_mesh.store.tables import crons

FIRING_LOCK = 0x63726F6E  # advisory lock namespace of firing crons ("cron")


class CronRecord(BaseModel):
    cron_id: str
    owner: str
    assistant_id: str
    thread_id: str | None = None
    schedule: str
    timezone: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    on_run_completed: str | None = None
    end_time: datetime | None = None
    next_run_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


_COLUMNS = [
    "owner",
    "assistant_id",
    "thread_id",
    "schedule",
    "timezone",
    "payload",
    "metadata",
    "enabled",
    "on_run_completed",
    "end_time",
    "next_run_at",
    "created_at",
    "updated_at",
]


class CronStore:
    """Crons by owner; someone else's cron reads as missing (None)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(self, record: CronRecord) -> CronRecord:
        async with self.engine.begin() as conn:
            await conn.execute(insert(crons).values(id=record.cron_id, **_values(record)))
        return record

    async def get(self, cron_id: str, owner: str | None) -> CronRecord | None:
        query = select(crons).where(crons.c.id == cron_id)
        if owner is not None:
            query = query.where(crons.c.owner == owner)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _record(row)

    async def replace(self, record: CronRecord) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(crons).where(crons.c.id == record.cron_id).values(**_values(record))
            )

    async def delete(self, cron_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(crons).where(crons.c.id == cron_id))

    async def search(
        self,
        owner: str | None,
        filters: dict[str, Any],
        limit: int = 10,
        offset: int = 0,
        sort_by: str = "created_at",
        descending: bool = True,
    ) -> list[CronRecord]:
        column = crons.c[sort_by]
        query = _filtered(select(crons), owner, filters)
        query = query.order_by(column.desc() if descending else column.asc(), crons.c.id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query.limit(limit).offset(offset))).all()
        return [_record(row) for row in rows]

    async def count(self, owner: str | None, filters: dict[str, Any]) -> int:
        query = _filtered(select(func.count()).select_from(crons), owner, filters)
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def due(self, now: datetime, limit: int = 100) -> list[CronRecord]:
        query = (
            select(crons)
            .where(crons.c.enabled.is_(True), crons.c.next_run_at <= now)
            .order_by(crons.c.next_run_at)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_record(row) for row in rows]

    async def claim(self, cron: CronRecord, next_run_at: datetime | None) -> bool:
        """Move a due cron on to `next_run_at` (None: it has run for the last time);
        True for the one caller whose update found the row as it read it."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(crons)
                .where(crons.c.id == cron.cron_id, crons.c.next_run_at == cron.next_run_at)
                .values(next_run_at=next_run_at)
            )
        return bool(result.rowcount == 1)

    @asynccontextmanager
    async def firing(self, cron: CronRecord) -> AsyncIterator[CronRecord | None]:
        """While a process fires a cron's due run: the cron as it is now, for the one
        process that holds it and only while the due time it read is still unclaimed;
        None for every other. On PostgreSQL the hold is a transaction-scoped advisory
        lock (a kill -9 lets go of it too). So no process prepares a run another one
        fires (a multitask `interrupt` of the thread's run, a new thread) only to lose
        the claim; the claim itself (`claim_due`) still decides."""
        async with self.engine.begin() as conn:
            held = True  # SQLite: one process
            if self.engine.dialect.name == "postgresql":
                key = func.pg_try_advisory_xact_lock(FIRING_LOCK, func.hashtext(cron.cron_id))
                held = bool((await conn.execute(select(key))).scalar())
            row = None
            if held:
                row = (await conn.execute(select(crons).where(crons.c.id == cron.cron_id))).first()
            current = None if row is None else _record(row)
            yield current if current and current.next_run_at == cron.next_run_at else None


def claim_due(
    conn: Connection, cron_id: str, read: datetime | None, next_run_at: datetime | None
) -> bool:
    """`CronStore.claim` inside the caller's (a run's creating) transaction."""
    result = conn.execute(
        update(crons)
        .where(crons.c.id == cron_id, crons.c.next_run_at == read)
        .values(next_run_at=next_run_at)
    )
    return bool(result.rowcount == 1)


def _filtered(query: Any, owner: str | None, filters: dict[str, Any]) -> Any:
    if owner is not None:
        query = query.where(crons.c.owner == owner)
    for key in ("assistant_id", "thread_id", "enabled"):
        if filters.get(key) is not None:
            query = query.where(crons.c[key] == filters[key])
    return query


def _values(record: CronRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in _COLUMNS}


def _record(row: Row[Any]) -> CronRecord:
    data = dict(row._mapping)
    for key in ("end_time", "next_run_at", "created_at", "updated_at"):
        if data[key] is not None:
            data[key] = aware(data[key])
    return CronRecord(cron_id=data.pop("id"), **data)
