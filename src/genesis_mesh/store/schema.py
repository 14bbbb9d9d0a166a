"""Brings a run store's schema to the newest migration, atomically and one process at a time.

PostgreSQL runs DDL inside a transaction, and processes take turns under an advisory lock.
SQLite's Python driver does not: it opens a transaction only before INSERT/UPDATE/DELETE,
so `CREATE TABLE` statements commit one by one, and a process killed in the middle of its
first start used to leave half a schema that every later start tripped over. On SQLite the
migration therefore runs on a connection whose driver-side transaction handling is off
and that emits its own `BEGIN IMMEDIATE` (SQLAlchemy's documented recipe for SQLite
transactions): the whole upgrade commits at once or not at all, and a second process
starting at the same moment waits for the write lock, then finds the schema in place.

A database already at the head revision (every start but the first after an upgrade) is
recognised with one query on `alembic_version`, and alembic is not imported at all: it
and the mako and pygments it loads hold about 9 MB for the host's whole life. The version
row is committed with the schema it names, so reading the head means the schema is there.
"""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from genesis_mesh.store.sqlite import SqliteSynchronous, tune

MIGRATIONS = Path(__file__).parent / "migrations"
SETUP_LOCK = 0x67656E65  # PostgreSQL advisory lock key for schema set-up ("gene")
HEAD_REVISION = "0012"
"""The newest migration's revision; a test holds it equal to alembic's head."""


async def upgrade_schema(
    engine: AsyncEngine, sync_url: str, synchronous: SqliteSynchronous
) -> None:
    """Apply every pending migration; safe on every start and from several processes."""
    async with engine.connect() as conn:
        if await conn.run_sync(at_head):
            return
    if engine.dialect.name == "sqlite":
        await asyncio.to_thread(_upgrade_sqlite, sync_url, synchronous)
        return
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK})
        await conn.run_sync(upgrade_on)


def at_head(connection: Connection) -> bool:
    """Whether the database's one recorded revision is `HEAD_REVISION`."""
    if not inspect(connection).has_table("alembic_version"):
        return False
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return [tuple(row) for row in rows] == [(HEAD_REVISION,)]


def upgrade_on(connection: Connection) -> None:
    """Run alembic's upgrade to head on `connection`, inside its open transaction."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _upgrade_sqlite(sync_url: str, synchronous: SqliteSynchronous) -> None:
    engine = create_engine(sync_url, poolclass=NullPool)
    sa_event.listen(engine, "connect", partial(_driver_transactions_off, synchronous=synchronous))
    sa_event.listen(engine, "begin", _begin_immediate)
    try:
        with engine.begin() as conn:
            upgrade_on(conn)
    finally:
        engine.dispose()


def _driver_transactions_off(
    dbapi_connection: Any, _record: Any, *, synchronous: SqliteSynchronous
) -> None:
    tune(dbapi_connection, synchronous)
    dbapi_connection.isolation_level = None


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
