"""Ends the PostgreSQL sessions of a worker that froze in the middle of a statement.

A worker frozen between two statements of a transaction (SIGSTOP, `docker pause`) is
ended by the server after `idle_in_transaction_session_timeout`. One frozen in the middle
of a pipeline (psycopg's `executemany` sends its rows without a Sync in between) is not:
the server counts it as running a statement, waits for the rest for ever, and keeps the
run row share-locked, so `SKIP LOCKED` claims skip the run and nobody takes it over. A
claim that finds a run whose lease expired long ago still unclaimable ends such sessions:
this host's (by application name), in the middle of a statement, waiting for their
client, holding a transaction, and unchanged for as long as the idle timeout.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, func, select, text
from sqlalchemy.engine import Connection

from genesis_mesh.protocol import RunStatus
from genesis_mesh.store import database
from genesis_mesh.store.tables import runs

_END_STALLED = text(
    """
    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = :name
      AND pid <> pg_backend_pid() AND state = 'active' AND wait_event = 'ClientRead'
      AND backend_xid IS NOT NULL AND state_change < now() - make_interval(secs => :secs)
    """
)


def stalled_grace() -> timedelta:
    """How long a session may sit in a statement, waiting for its client, before it
    counts as frozen: as long as the server gives one idle in a transaction."""
    return timedelta(milliseconds=database.IDLE_IN_TRANSACTION_MS)


def end_stalled_sessions(conn: Connection) -> int:
    """If a run's lease expired more than the grace ago and it is still not taken over,
    end this host's frozen sessions (one of them holds the run); how many were ended."""
    grace = stalled_grace()
    overdue = exists().where(
        and_(
            runs.c.status == RunStatus.RUNNING.value,
            runs.c.lease_expires_at < func.now() - grace,
            runs.c.superseded_by.is_(None),
        )
    )
    if not conn.execute(select(overdue)).scalar():
        return 0
    ended = conn.execute(
        _END_STALLED, {"name": database.APPLICATION_NAME, "secs": grace.total_seconds()}
    ).scalar()
    return int(ended or 0)
