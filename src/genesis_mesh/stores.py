"""Picks LangGraph's own store (the long-term memory graphs reach as `runtime.store`).

Beside the checkpointer (`checkpointers.py`) and on the same database: LangGraph's
`AsyncSqliteStore` on a file in the data folder embedded, its `AsyncPostgresStore` at
scale. The `store` key of langgraph.json is honoured as `langgraph dev` reads it:
`ttl` (`default_ttl` minutes, `refresh_on_read`, `sweep_interval_minutes`) on both, and
`index` (`dims`, `embed`, `fields`) for semantic search where the implementation can
(SQLite needs a Python whose sqlite3 loads extensions, for sqlite-vec; PostgreSQL needs
the pgvector extension); `embed` may be `openai:<model>` (langchain-openai, reaching the
endpoint `GENESIS_MESH_LLM_BASE_URL` / `OPENAI_BASE_URL` names). What cannot be honoured
stops the start with the reason, never a run halfway.

Items are owned per user like threads: graphs see `store_owners.OwnedStore`, never this.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from langgraph.store.base import BaseStore

__all__ = ["StoreNotSupported", "open_store", "read_store_config"]

_STORE_KEYS = frozenset({"index", "ttl"})
_TTL_KEYS = frozenset({"default_ttl", "refresh_on_read", "sweep_interval_minutes"})
_INDEX_KEYS = frozenset({"dims", "embed", "fields"})


class StoreNotSupported(ValueError):
    """The `store` of langgraph.json asks for what this host cannot give; says why."""


def read_store_config(config_path: Path) -> dict[str, Any]:
    """The `store` mapping of a langgraph.json ({} when it has none)."""
    try:
        document = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}  # the registry reports an unreadable langgraph.json
    store = document.get("store") if isinstance(document, dict) else None
    if store is None:
        return {}
    where = f"{config_path}: store"
    _check_keys(store, _STORE_KEYS, where)
    if store.get("ttl") is not None:
        _check_keys(store["ttl"], _TTL_KEYS, f"{where}.ttl")
    index = store.get("index")
    if index is not None:
        _check_keys(index, _INDEX_KEYS, f"{where}.index")
        if not isinstance(index.get("dims"), int) or index["dims"] < 1:
            raise StoreNotSupported(f"{where}.index.dims must be a positive integer")
        if not isinstance(index.get("embed"), str):
            raise StoreNotSupported(
                f'{where}.index.embed must name a model, e.g. "openai:text-embedding-3-small"'
            )
    return dict(store)


def _check_keys(value: Any, allowed: frozenset[str], where: str) -> None:
    if not isinstance(value, dict):
        raise StoreNotSupported(f"{where} must be a JSON object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise StoreNotSupported(
            f"{where} has {', '.join(unknown)}; it takes {', '.join(sorted(allowed))}"
        )


@asynccontextmanager
async def open_store(
    location: str, config: dict[str, Any] | None = None
) -> AsyncIterator[BaseStore]:
    """Open the store at `location` (a SQLite file path, ':memory:' or a postgresql://
    URL) with the `store` config of langgraph.json; its TTL sweeper runs while it is open."""
    config = config or {}
    ttl = config.get("ttl") or None
    index = _index(config.get("index"))
    if location.startswith(("postgresql://", "postgres://")):
        opened = _open_postgres(location, index, ttl)
    else:
        opened = _open_sqlite(location, index, ttl)
    async with opened as store:
        sweeping = bool(ttl and ttl.get("sweep_interval_minutes"))
        if sweeping:
            await store.start_ttl_sweeper()  # type: ignore[attr-defined]
        try:
            yield store
        finally:
            if sweeping:
                await store.stop_ttl_sweeper()  # type: ignore[attr-defined]


@asynccontextmanager
async def _open_sqlite(
    location: str, index: dict[str, Any] | None, ttl: Any
) -> AsyncIterator[BaseStore]:
    import aiosqlite

    AsyncSqliteStore = _sqlite_store_class()
    if index is not None and not hasattr(sqlite3.Connection, "enable_load_extension"):
        raise StoreNotSupported(
            "langgraph.json asks for a store index (semantic search), which the SQLite store "
            "builds with the sqlite-vec extension; this Python's sqlite3 cannot load "
            "extensions. Remove store.index (search then matches by namespace and filter), "
            "use a Python built with loadable SQLite extensions, or PostgreSQL with pgvector."
        )
    if location != ":memory:":
        Path(location).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(location, isolation_level=None)
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA busy_timeout=10000")
        store = AsyncSqliteStore(conn, index=index, ttl=ttl)
        await store.setup()
        yield store
    finally:
        await conn.close()


def _sqlite_store_class() -> Any:
    """LangGraph's `AsyncSqliteStore`, imported without numpy unless something already
    loaded it: sqlite-vec imports `numpy.typing` only for a helper the store never calls,
    and numpy holds about 11 MB of every embedded host's memory (issue 17). A graph that
    imports numpy later gets it as usual."""
    if "numpy" in sys.modules:
        from langgraph.store.sqlite.aio import AsyncSqliteStore

        return AsyncSqliteStore
    sys.modules["numpy"] = None  # type: ignore[assignment]  # makes `import numpy` fail
    try:
        from langgraph.store.sqlite.aio import AsyncSqliteStore
    finally:
        if sys.modules.get("numpy", 0) is None:
            del sys.modules["numpy"]
    return AsyncSqliteStore


@asynccontextmanager
async def _open_postgres(
    location: str, index: dict[str, Any] | None, ttl: Any
) -> AsyncIterator[BaseStore]:
    import psycopg
    from langgraph.store.postgres.aio import AsyncPostgresStore
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    from genesis_mesh.checkpointers import POSTGRES_POOL_SIZE, setup_one_at_a_time
    from genesis_mesh.store.database import connect_args

    if index is not None:
        async with await psycopg.AsyncConnection.connect(location, autocommit=True) as conn:
            found = await (
                await conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
            ).fetchone()
        if found is None:
            raise StoreNotSupported(
                "langgraph.json asks for a store index (semantic search), which the "
                "PostgreSQL store keeps with the pgvector extension; this server does not "
                "have it. Install pgvector on the server, or remove store.index."
            )
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        location,
        min_size=1,
        max_size=POSTGRES_POOL_SIZE,
        open=False,
        kwargs={
            "autocommit": True,
            "prepare_threshold": 0,
            "row_factory": dict_row,
            **connect_args(location),
        },
    )
    await pool.open()
    try:
        store = AsyncPostgresStore(pool, index=index, ttl=ttl)  # type: ignore[arg-type]
        await setup_one_at_a_time(store, location, lock_offset=2)
        yield store
    finally:
        await pool.close()


def _index(index: dict[str, Any] | None) -> dict[str, Any] | None:
    if not index:
        return None
    return {**index, "embed": _embeddings(str(index["embed"]), int(index["dims"]))}


def _embeddings(name: str, dims: int) -> Any:
    """`provider:model` as langgraph dev takes it; OpenAI (and compatible servers) here."""
    provider, _, model = name.partition(":")
    if provider != "openai" or not model:
        raise StoreNotSupported(
            f"store.index.embed {name!r}: this host embeds with OpenAI-compatible servers "
            'only; name one as "openai:<model>" (e.g. "openai:text-embedding-3-small") and '
            "set GENESIS_MESH_LLM_BASE_URL / OPENAI_BASE_URL if it is not api.openai.com"
        )
    from langchain_openai import OpenAIEmbeddings

    from genesis_mesh.llm import LLMSettings

    settings = LLMSettings()
    return OpenAIEmbeddings(
        model=model,
        base_url=settings.base_url or None,
        api_key=settings.api_key or "not-needed",  # type: ignore[arg-type]
        check_embedding_ctx_length=False,  # send text, not tiktoken ids (other servers)
        dimensions=dims if model.startswith("text-embedding-3") else None,
    )
