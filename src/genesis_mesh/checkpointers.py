"""Picks LangGraph's own checkpoint saver for the configured database."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from genesis_mesh.checkpoint_commits import GroupCommit
from genesis_mesh.pending_writes import PendingWrites
from genesis_mesh.store.sqlite import DEFAULT_SYNCHRONOUS, SqliteSynchronous, pragmas


def _serializer() -> JsonPlusSerializer:
    # Never enable pickle_fallback: checkpoint deserialisation is an attack surface.
    return JsonPlusSerializer(pickle_fallback=False)


WriteGuard = Callable[[], Awaitable[tuple[str, int] | None]]
"""Asked before a checkpoint write: raises if the write must not happen, else returns the
claim (run id, attempt) the write is fenced by, or None for a write of no claimed run."""
POSTGRES_POOL_SIZE = 8
FENCE_SQL = "SELECT attempt FROM runs WHERE id = %s FOR SHARE"
"""The claim's fencing token, read under a share lock in the write's own transaction."""

_FENCE: ContextVar[tuple[str, int] | None] = ContextVar("genesis_checkpoint_fence", default=None)


def guarded_postgres_saver() -> type[Any]:
    """LangGraph's `AsyncPostgresSaver` whose writes of a claimed run are fenced.

    In the scale-out mode a checkpoint of a claimed run is written in one transaction
    with a `FOR SHARE` read of the run's `attempt` (the fencing token), and refused
    (`LeaseLost`, nothing committed) when the attempt is no longer the writer's. A claim
    increments `attempt` under a row lock, so it either commits before the check (the
    write is refused) or waits for the write's commit (and claims after it): a worker
    stopped anywhere between its own lease check and its write cannot commit a write of
    a claim that was taken over. The guard (the worker's cheap lease check) runs first;
    it only spares a stale worker the round trip, the transaction is what fences.
    """
    from langgraph.checkpoint.postgres import _ainternal
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row

    from genesis_mesh.errors import LeaseLost

    class GuardedPostgresSaver(AsyncPostgresSaver):
        guard: WriteGuard | None = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._writing = PendingWrites()

        async def aput(self, config: Any, *args: Any, **kwargs: Any) -> Any:
            await self._writing.wait(config)
            token = _FENCE.set(await self._claim())
            try:
                return await super().aput(config, *args, **kwargs)
            finally:
                _FENCE.reset(token)

        def aput_writes(
            self, config: Any, writes: Any, task_id: str, task_path: str = ""
        ) -> Coroutine[Any, Any, None]:
            """Registered when called (LangGraph calls it as a task ends, before the
            step's checkpoint), so that checkpoint's `aput` waits for these writes."""
            return self._writing.track(
                config, self._fenced_writes(config, writes, task_id, task_path)
            )

        async def _fenced_writes(
            self, config: Any, writes: Any, task_id: str, task_path: str
        ) -> None:
            token = _FENCE.set(await self._claim())
            try:
                await super().aput_writes(config, writes, task_id, task_path)
            finally:
                _FENCE.reset(token)

        async def _claim(self) -> tuple[str, int] | None:
            return None if self.guard is None else await self.guard()

        @asynccontextmanager
        async def _cursor(self, *, pipeline: bool = False) -> AsyncIterator[Any]:
            # `aput` and `aput_writes` write through `_cursor(pipeline=True)`: a fenced
            # write runs its statements in a transaction that starts with the fence.
            # (`executemany` still pipelines its rows inside the transaction.)
            claim = _FENCE.get() if pipeline else None
            if claim is None:
                async with super()._cursor(pipeline=pipeline) as cur:
                    yield cur
                return
            run_id, attempt = claim
            async with (
                self.lock,
                _ainternal.get_connection(self.conn) as conn,
                conn.transaction(),
                conn.cursor(binary=True, row_factory=dict_row) as cur,
            ):
                await cur.execute(FENCE_SQL, (run_id,))
                row = await cur.fetchone()
                if row is None or row["attempt"] != attempt:
                    raise LeaseLost(run_id, attempt)
                yield cur

    return GuardedPostgresSaver


def one_commit_sqlite_saver() -> type[Any]:
    """LangGraph's `AsyncSqliteSaver` whose `aput_writes` commits a task's writes in one
    transaction, and whose writes each take one hop to the connection's thread.

    The saver runs on an autocommit connection (`isolation_level=None`), where its
    `executemany` commits every row on its own: with `synchronous=FULL`, one WAL sync per
    write (a task writing three channels costs three). Here the rows of one call go in
    between `BEGIN` and `COMMIT`: the same rows, committed before the call returns as
    before, all or none, and one sync per task. The statement is LangGraph's own.

    Each of aiosqlite's calls is a hop to its thread and back (a future, a queue, a wake
    of the event loop): LangGraph's `aput` makes three, its `aput_writes` four. Here each
    write is one function run on the connection's thread, committed before it returns,
    and writes of concurrent runs that wait together share one transaction, one hop and
    one sync (`checkpoint_commits.GroupCommit`).
    """
    from langgraph.checkpoint.base import (
        WRITES_IDX_MAP,
        CheckpointTuple,
        get_checkpoint_id,
        get_checkpoint_metadata,
    )
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
    from langgraph.checkpoint.sqlite.utils import load_pending_writes, pending_writes_sql

    class OneCommitSqliteSaver(AsyncSqliteSaver):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._group_commit = GroupCommit(self.conn, self.lock)

        async def aput(
            self,
            config: Any,
            checkpoint: Any,
            metadata: Any,
            new_versions: Any,
        ) -> Any:
            """LangGraph's `aput` (same row, same serialization), in one hop to the
            connection's thread: its own costs three (execute, commit, cursor close)."""
            del new_versions  # unused by LangGraph's SQLite saver as well
            await self.setup()
            configurable = config["configurable"]
            thread_id = configurable["thread_id"]
            checkpoint_ns = configurable["checkpoint_ns"]
            type_, serialized_checkpoint = self.serde.dumps_typed(checkpoint)
            serialized_metadata = json.dumps(
                get_checkpoint_metadata(config, metadata), ensure_ascii=False
            ).encode("utf-8", "ignore")
            row = (
                str(thread_id),
                checkpoint_ns,
                checkpoint["id"],
                configurable.get("checkpoint_id"),
                type_,
                serialized_checkpoint,
                serialized_metadata,
            )
            await self._group_commit.commit(_insert_checkpoint, _insert_checkpoint_inside, row)
            return {
                "configurable": {
                    "thread_id": thread_id,
                    "checkpoint_ns": checkpoint_ns,
                    "checkpoint_id": checkpoint["id"],
                }
            }

        async def aput_writes(
            self,
            config: Any,
            writes: Any,
            task_id: str,
            task_path: str = "",
        ) -> None:
            replace = all(w[0] in WRITES_IDX_MAP for w in writes)
            query = (
                f"INSERT OR {'REPLACE' if replace else 'IGNORE'} INTO writes (thread_id, "
                "checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, value) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            )
            configurable = config["configurable"]
            rows = [
                (
                    str(configurable["thread_id"]),
                    str(configurable["checkpoint_ns"]),
                    str(configurable["checkpoint_id"]),
                    task_id,
                    task_path,
                    WRITES_IDX_MAP.get(channel, idx),
                    channel,
                    *self.serde.dumps_typed(value),
                )
                for idx, (channel, value) in enumerate(writes)
            ]
            await self.setup()
            await self._group_commit.commit(_insert_writes, _insert_writes_inside, query, rows)

        async def aget_tuple(self, config: Any) -> CheckpointTuple | None:
            """LangGraph's `aget_tuple` (same queries, same result) in one hop to the
            connection's thread: its own makes four (cursor, execute, fetch, close) and
            two more when a checkpoint is found; every run's start asks it."""
            await self.setup()
            configurable = config["configurable"]
            checkpoint_ns = configurable.get("checkpoint_ns", "")
            key = (str(configurable["thread_id"]), checkpoint_ns, get_checkpoint_id(config))
            conn: Any = self.conn  # aiosqlite's `_execute`: see `checkpoint_commits`
            async with self.lock:
                found = await conn._execute(
                    _read_checkpoint,
                    conn._conn,
                    key,
                    pending_writes_sql(self._has_task_path),
                )
            if found is None:
                return None
            (thread_id, checkpoint_id, parent_id, type_, checkpoint, metadata), writes = found
            own = {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns}
            if not key[2]:
                config = {"configurable": {**own, "checkpoint_id": checkpoint_id}}
            return CheckpointTuple(
                config,
                self.serde.loads_typed((type_, checkpoint)),
                json.loads(metadata) if metadata is not None else {},
                {"configurable": {**own, "checkpoint_id": parent_id}} if parent_id else None,
                load_pending_writes(writes, self.serde),
            )

        async def adelete_thread(self, thread_id: str) -> None:
            """LangGraph's `adelete_thread` (the same two DELETEs) in one hop and one
            transaction: its own makes five hops, and on this autocommit connection each
            DELETE commits (and syncs the WAL) on its own."""
            await self.setup()
            await self._group_commit.commit(_delete_thread, _delete_thread_inside, str(thread_id))

    return OneCommitSqliteSaver


_INSERT_CHECKPOINT = (
    "INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, "
    "parent_checkpoint_id, type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
"""LangGraph's `AsyncSqliteSaver.aput` statement."""


_SELECT_CHECKPOINT = (
    "SELECT thread_id, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata "
    "FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?"
)
"""LangGraph's `AsyncSqliteSaver.aget_tuple` statements: by id, or the latest."""


def _read_checkpoint(
    connection: sqlite3.Connection, key: tuple[str, str, str | None], writes_sql: str
) -> tuple[tuple[Any, ...], list[Any]] | None:
    """The checkpoint row `key` names (its id, or the latest), and its pending writes."""
    thread_id, checkpoint_ns, checkpoint_id = key
    if checkpoint_id:
        cursor = connection.execute(
            f"{_SELECT_CHECKPOINT} AND checkpoint_id = ?", (thread_id, checkpoint_ns, checkpoint_id)
        )
    else:
        cursor = connection.execute(
            f"{_SELECT_CHECKPOINT} ORDER BY checkpoint_id DESC LIMIT 1", (thread_id, checkpoint_ns)
        )
    row = cursor.fetchone()
    cursor.close()
    if row is None:
        return None
    cursor = connection.execute(writes_sql, (row[0], checkpoint_ns, row[1]))
    writes = cursor.fetchall()
    cursor.close()
    return row, writes


def _insert_checkpoint(connection: sqlite3.Connection, row: tuple[Any, ...]) -> None:
    # Autocommit (isolation_level=None): the statement commits, as in LangGraph's aput.
    connection.execute(_INSERT_CHECKPOINT, row)


def _insert_checkpoint_inside(connection: sqlite3.Connection, row: tuple[Any, ...]) -> None:
    connection.execute(_INSERT_CHECKPOINT, row)


def _insert_writes(connection: sqlite3.Connection, query: str, rows: list[Any]) -> None:
    """A task's writes all or none, one commit; a single row commits on its own."""
    if len(rows) < 2:
        connection.executemany(query, rows)
        return
    connection.execute("BEGIN")
    try:
        connection.executemany(query, rows)
    except BaseException:
        if connection.in_transaction:  # SQLite may have rolled it back itself
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _insert_writes_inside(connection: sqlite3.Connection, query: str, rows: list[Any]) -> None:
    connection.executemany(query, rows)


async def setup_one_at_a_time(saver: Any, location: str, lock_offset: int = 1) -> None:
    """Create a saver's (or store's) tables; processes starting together take turns."""
    import psycopg

    from genesis_mesh.store.schema import SETUP_LOCK

    async with await psycopg.AsyncConnection.connect(location, autocommit=True) as conn:
        # Try, don't wait inside the lock call: a waiting statement is an open transaction,
        # and the saver's CREATE INDEX CONCURRENTLY in the other process waits for it.
        while not await _try_lock(conn, SETUP_LOCK + lock_offset):
            await asyncio.sleep(0.1)
        try:
            await saver.setup()
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK + lock_offset,))


async def _try_lock(conn: Any, key: int) -> bool:
    row = await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))).fetchone()
    return bool(row and row[0])


_DELETE_THREAD = (
    "DELETE FROM checkpoints WHERE thread_id = ?",
    "DELETE FROM writes WHERE thread_id = ?",
)
"""LangGraph's `AsyncSqliteSaver.adelete_thread` statements."""


def _delete_thread(connection: sqlite3.Connection, thread_id: str) -> None:
    """A thread's checkpoints and writes, all or none, one commit."""
    connection.execute("BEGIN")
    try:
        for statement in _DELETE_THREAD:
            connection.execute(statement, (thread_id,))
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _delete_thread_inside(connection: sqlite3.Connection, thread_id: str) -> None:
    for statement in _DELETE_THREAD:
        connection.execute(statement, (thread_id,))


@asynccontextmanager
async def open_checkpointer(
    location: str, *, sqlite_synchronous: SqliteSynchronous = DEFAULT_SYNCHRONOUS
) -> AsyncIterator[BaseCheckpointSaver[str]]:
    """Open the saver for `location`: a SQLite file path, ':memory:' or a postgresql:// URL.

    A SQLite file runs WAL with `sqlite_synchronous` (what a commit survives:
    `genesis_mesh.store.sqlite`)."""
    if location.startswith(("postgresql://", "postgres://")):
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool

        from genesis_mesh.store.database import connect_args

        # A pool, not LangGraph's single connection: concurrent runs write checkpoints
        # in parallel instead of queueing on one connection.
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
            pg = guarded_postgres_saver()(pool, serde=_serializer())
            await setup_one_at_a_time(pg, location)
            yield pg
        finally:
            await pool.close()
        return
    import aiosqlite

    if location != ":memory:":
        Path(location).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(location, isolation_level=None)
    try:
        for statement in pragmas(sqlite_synchronous):
            await conn.execute(statement)
        sqlite = one_commit_sqlite_saver()(conn, serde=_serializer())
        await sqlite.setup()
        yield sqlite
    finally:
        await conn.close()


async def copy_thread(saver: BaseCheckpointSaver[Any], source: str, target: str) -> None:
    """Copy every checkpoint of thread `source` (all namespaces) and its pending writes to
    thread `target`, oldest first, with the same checkpoint ids and parents. LangGraph's
    savers declare `acopy_thread` without implementing it."""
    tuples = [t async for t in saver.alist({"configurable": {"thread_id": source}})]
    for saved in reversed(tuples):
        namespace = saved.config["configurable"].get("checkpoint_ns", "")
        parent = (saved.parent_config or {}).get("configurable", {}).get("checkpoint_id")
        config: Any = {"configurable": {"thread_id": target, "checkpoint_ns": namespace}}
        if parent:
            config["configurable"]["checkpoint_id"] = parent
        stored = await saver.aput(
            config,
            saved.checkpoint,
            saved.metadata,
            saved.checkpoint["channel_versions"],
        )
        writes: dict[str, list[tuple[str, Any]]] = {}
        for task_id, channel, value in saved.pending_writes or []:
            writes.setdefault(task_id, []).append((channel, value))
        for task_id, task_writes in writes.items():
            await saver.aput_writes(stored, task_writes, task_id)
