"""What a run owes at its end: a webhook to post (`webhook_outbox.py`), its thread to
delete (`temporary_threads.py`). Read where the run's row is read anyway (a worker's
claim: `owes_end_work`), or in one statement by whoever follows up a run (`read`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from genesis_mesh.protocol import RunStatus
from genesis_mesh.store.clock import aware
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


async def read(engine: AsyncEngine, run_id: str) -> EndWork | None:
    """The run's end work, in one statement (None: the run is gone)."""
    async with engine.connect() as conn:
        row = (await conn.execute(_QUERY, {"run_id": run_id})).first()
    if row is None:
        return None
    return EndWork(
        run_id,
        row.thread_id,
        RunStatus(row.status),
        row.interrupt,
        row.webhook_url is not None,
        row.delete_thread,
        bool(row.busy),
        aware(row.updated_at),
    )
