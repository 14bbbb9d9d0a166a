"""The run store's connections: an async engine for reads, and one writer thread with its
own blocking connection through which every write goes, one at a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, create_engine, func, select
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from genesis_mesh.store.clock import aware, utcnow
from genesis_mesh.store.schema import upgrade_schema
from genesis_mesh.store.sqlite import DEFAULT_SYNCHRONOUS, SqliteSynchronous, tune
from genesis_mesh.store.sqlite_rows import SqliteRows
from genesis_mesh.store.writer_thread import WriterThread

IDLE_IN_TRANSACTION_MS = 10_000
APPLICATION_NAME = "genesis-mesh"
"""What this host's PostgreSQL sessions call themselves (`store/stalled_sessions.py`
ends only sessions of that name)."""


def connect_args(url: str) -> dict[str, Any]:
    """PostgreSQL ends a transaction left idle for 10 s: a worker frozen mid-transaction
    (SIGSTOP, a paused VM) would otherwise keep its row locks, and the other workers'
    `SKIP LOCKED` claims would skip its runs for as long as it stays frozen. Every
    connection to PostgreSQL gets it: the checkpoint saver's too, whose fenced writes
    hold a share lock on the run."""
    if not url.startswith(("postgresql", "postgres:")):
        return {}
    return {
        "options": f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}",
        "application_name": APPLICATION_NAME,
    }


def sync_url(url: str) -> str:
    """The blocking-driver twin of an async URL (aiosqlite -> pysqlite; psycopg as is)."""
    return url.replace("sqlite+aiosqlite", "sqlite", 1).replace("+asyncpg", "+psycopg", 1)


class Database:
    """The engines of one store URL (SQLite or PostgreSQL) and the writer thread."""

    def __init__(
        self, url: str, *, sqlite_synchronous: SqliteSynchronous = DEFAULT_SYNCHRONOUS
    ) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self._synchronous = sqlite_synchronous
        if self.sqlite:
            db_path = url.split(":///", 1)[-1]
            if db_path and db_path != ":memory:":
                Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(url, connect_args=connect_args(url))
        # The event writer is one task doing one batch at a time: it runs each batch in a
        # worker thread on a plain (sync) connection, one thread hop per batch instead of
        # several per statement.
        self.writer_engine: Engine = create_engine(
            sync_url(url), poolclass=StaticPool, connect_args=connect_args(url)
        )
        # Its own thread: graph nodes that fill the default executor cannot delay events.
        self._writer_thread = WriterThread("genesis-mesh-writer")
        self._raw_writer: Any = None
        """The writer's own DB-API connection (SQLite), for the hot path's writes."""
        self._sqlite_rows: dict[str, SqliteRows] = {}
        if self.sqlite:
            for engine in (self.engine.sync_engine, self.writer_engine):
                sa_event.listen(engine, "connect", self._tune_sqlite)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def open(self) -> None:
        """Apply migrations; safe to call on every start, and from several processes at
        once (they take turns); a start killed half-way leaves no half schema."""
        await upgrade_schema(self.engine, sync_url(self.url), self._synchronous)

    def _tune_sqlite(self, dbapi_connection: Any, _record: Any) -> None:
        tune(dbapi_connection, self._synchronous)

    async def close(self) -> None:
        await self.engine.dispose()
        self._writer_thread.stop()
        if self._raw_writer is not None:
            self._raw_writer.close()
            self._raw_writer = None
        self.writer_engine.dispose()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(select(1))

    async def now(self) -> datetime:
        """The store's clock: PostgreSQL's `now()` (what the run queue compares due times
        and leases with, whichever host asks), or this host's on SQLite (one process)."""
        if self.sqlite:
            return utcnow()
        async with self.engine.connect() as conn:
            value = (await conn.execute(select(func.now()))).scalar_one()
        return aware(value)

    async def write(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run `function(*args)` on the single writer thread (one hop, one connection);
        it uses `writer_engine` or `raw_writer()`, nothing else."""
        return await self._writer_thread.run(function, *args)

    def sqlite_rows(self, table: Table) -> SqliteRows:
        """Plain DB-API statements on `table` for the writer's connection (SQLite)."""
        rows = self._sqlite_rows.get(table.name)
        if rows is None:
            rows = self._sqlite_rows[table.name] = SqliteRows(table, self.writer_engine.dialect)
        return rows

    def raw_writer(self) -> Any:
        """The writer's DB-API connection; call only on the writer thread. StaticPool: the
        one connection the writer's SQLAlchemy statements use too, one write at a time."""
        if self._raw_writer is None:
            self._raw_writer = self.writer_engine.raw_connection()
        return self._raw_writer.driver_connection
