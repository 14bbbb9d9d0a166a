"""One active run per thread: which run holds a thread, the row lock that orders taking
it, and handing it on to the thread's oldest queued run when the holder ends. The
functions work inside the caller's (writer) transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from genesis_mesh.protocol import RunStatus
from genesis_mesh.store.clock import utcnow
from genesis_mesh.store.tables import ACTIVE_STATUSES, FINAL_STATUSES, runs, threads


def lock_thread(conn: Connection, thread_id: str) -> bool:
    """Lock a thread's row for this transaction (PostgreSQL); False if there is none.

    Creating a run and promoting a queued one both take this lock first, so a run queued
    while the active one finishes is always seen by one of them.
    """
    query = select(threads.c.id).where(threads.c.id == thread_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first() is not None


def active_run_id(conn: Connection, thread_id: str) -> str | None:
    """The run holding the thread (pending, running or interrupted, not superseded)."""
    row = conn.execute(
        select(runs.c.id).where(
            runs.c.thread_id == thread_id,
            runs.c.status.in_(ACTIVE_STATUSES),
            runs.c.superseded_by.is_(None),
        )
    ).first()
    return None if row is None else str(row.id)


def frees_thread(values: dict[str, Any]) -> bool:
    """Whether a run update lets go of the thread (its new status is final)."""
    status = values.get("status")
    return status is not None and str(RunStatus(status).value) in FINAL_STATUSES


def promote_queued(conn: Connection, run_id: str) -> list[str]:
    """After `run_id` let go of its thread: make the thread's oldest queued run pending."""
    thread_id = conn.execute(select(runs.c.thread_id).where(runs.c.id == run_id)).scalar()
    if thread_id is None or not lock_thread(conn, thread_id):
        return []
    if active_run_id(conn, thread_id) is not None:
        return []
    queued = conn.execute(
        select(runs.c.id)
        .where(runs.c.thread_id == thread_id, runs.c.status == RunStatus.QUEUED.value)
        .order_by(runs.c.created_at)
        .limit(1)
    ).scalar()
    if queued is None:
        return []
    conn.execute(
        update(runs)
        .where(runs.c.id == queued)
        .values(status=RunStatus.PENDING.value, updated_at=utcnow())
    )
    return [str(queued)]


_SQLITE_NEXT_QUEUED = (
    "SELECT q.id FROM runs AS r JOIN runs AS q ON q.thread_id = r.thread_id "
    "WHERE r.id = ? AND q.status = 'queued' AND NOT EXISTS ("
    "SELECT 1 FROM runs AS a WHERE a.thread_id = r.thread_id "
    "AND a.status IN ('pending', 'running', 'interrupted') AND a.superseded_by IS NULL) "
    "ORDER BY q.created_at LIMIT 1"
)


def sqlite_promote_queued(db: Any, connection: Any, run_id: str) -> list[str]:
    """`promote_queued` on the writer's DB-API connection (SQLite, inside its open write
    transaction, which no other writer can enter): one query instead of four, since
    SQLite has no row locks to take and a run's thread row always exists."""
    row = connection.execute(_SQLITE_NEXT_QUEUED, (run_id,)).fetchone()
    if row is None:
        return []
    values = {"status": RunStatus.PENDING.value, "updated_at": utcnow()}
    db.sqlite_rows(runs).update(connection, row[0], values)
    return [str(row[0])]
