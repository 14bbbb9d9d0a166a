"""What a run owes at its end: a webhook to post (`webhook_outbox.py`), its thread to
delete (`temporary_threads.py`). Read where the run's row is read anyway (a worker's
claim: `owes_end_work`), or in one statement by whoever follows up a run (`read`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.engine import Dialect, Row

from genesis_mesh.protocol import RunStatus
from genesis_mesh.store.clock import aware
from genesis_mesh.store.database import Database
from genesis_mesh.store.sqlite_rows import SqliteSelect
from genesis_mesh.store.tables import ACTIVE_STATUSES, runs


def owes_end_work(row: Row[Any]) -> bool:
    """Whether a full row of `runs` owes anything at the run's end."""
    m = row._mapping
    return m["webhook_url"] is not None or m["delete_thread"] is not None


@dataclass(frozen=True)
class EndWork:
    run_id: str
    thread_id: str
    status: RunStatus
    interrupt: Any
    webhook: bool
    """A webhook is still owed (its delivery deletes a marked thread after posting)."""
    mark: bool | None
    """The thread's deletion mark (`temporary_threads.AT_END` / `AFTER_READER`)."""
    thread_busy: bool
    """Another run holds the thread (started on it meanwhile): the thread stays."""
    updated_at: datetime

    @property
    def paused_for_restart(self) -> bool:
        return (
            self.status == RunStatus.INTERRUPTED
            and (self.interrupt or {}).get("reason") == "shutdown"
        )


def _query() -> Select[Any]:
    other = runs.alias("other")
    busy = exists().where(
        other.c.thread_id == runs.c.thread_id,
        other.c.id != runs.c.id,
        other.c.status.in_(ACTIVE_STATUSES),
        other.c.superseded_by.is_(None),
    )
    return select(
        runs.c.thread_id,
        runs.c.status,
        runs.c.interrupt,
        runs.c.webhook_url,
        runs.c.delete_thread,
        runs.c.updated_at,
        busy.label("busy"),
    ).where(runs.c.id == bindparam("run_id"))


_QUERY = _query()  # built once: building it costs more than running it


async def read(db: Database, run_id: str) -> EndWork | None:
    """The run's end work, in one statement (None: the run is gone). On SQLite as a plain
    statement on the writer's connection, one hop: through the async engine it takes five
    (cursor, execute, fetch, close, the pool's rollback). The writer commits each write
    before it takes the next job, so it reads all that is committed."""
    if db.sqlite:
        values = await db.write(_read_on_writer, db, run_id)
    else:
        async with db.engine.connect() as conn:
            row = (await conn.execute(_QUERY, {"run_id": run_id})).first()
        values = None if row is None else tuple(row)
    if values is None:
        return None
    thread_id, status, interrupt, webhook_url, mark, updated_at, busy = values
    return EndWork(
        run_id,
        thread_id,
        RunStatus(status),
        interrupt,
        webhook_url is not None,
        mark,
        bool(busy),
        aware(updated_at),
    )


@functools.lru_cache(maxsize=8)
def _sqlite_query(dialect: Dialect) -> SqliteSelect:
    return SqliteSelect(_QUERY, dialect, ("run_id",))


def _read_on_writer(db: Database, run_id: str) -> tuple[Any, ...] | None:
    query = _sqlite_query(db.writer_engine.dialect)
    return query.first(db.raw_writer(), {"run_id": run_id})
