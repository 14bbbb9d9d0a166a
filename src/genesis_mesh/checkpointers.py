"""Picks LangGraph's own checkpoint saver for the configured database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer


def _serializer() -> JsonPlusSerializer:
    # Never enable pickle_fallback: checkpoint deserialisation is an attack surface.
    return JsonPlusSerializer(pickle_fallback=False)


@asynccontextmanager
async def open_checkpointer(location: str) -> AsyncIterator[BaseCheckpointSaver[str]]:
    """Open the saver for `location`: a SQLite file path, ':memory:' or a postgresql:// URL."""
    if location.startswith(("postgresql://", "postgres://")):
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        async with AsyncPostgresSaver.from_conn_string(location, serde=_serializer()) as pg:
            await pg.setup()
            yield pg
        return
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    if location != ":memory:":
        Path(location).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(location, isolation_level=None)
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=10000")
        sqlite = AsyncSqliteSaver(conn, serde=_serializer())
        await sqlite.setup()
        yield sqlite
    finally:
        await conn.close()
