"""Group commit for the SQLite checkpointer: the writes of concurrent runs share commits.

Each checkpoint and each task's writes used to be a commit of its own, and under
`synchronous=FULL` every commit is a WAL sync on the saver's one connection: a thousand
concurrent runs queue a thousand syncs per superstep behind each other, each with its
hop to aiosqlite's thread and back. Here the writes that queue up while one commit runs
go into the next as one transaction: one hop and one sync for all of them.

What a write promises is unchanged: its call returns once it is committed, and the
rows of one write are all or none. A lone write is committed exactly as before (no
wait, its own statements); only writes that are already waiting share a transaction.
If a shared transaction fails, it is rolled back and each of its writes is retried on
its own, so one write's error fails only that write.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Statements = Callable[..., None]
"""`statements(connection, *args)`: a write's statements, run on the connection's thread."""


@dataclass(slots=True)
class _Write:
    alone: Statements
    """The write committed on its own (its own `BEGIN`/`COMMIT`, or one autocommit statement)."""
    inside: Statements
    """The same rows inside a transaction someone else opened and commits."""
    args: tuple[Any, ...]
    done: asyncio.Future[None] = field(repr=False)


class GroupCommit:
    """Commits the writes of one aiosqlite connection, those waiting together in one
    transaction, in the order they came."""

    def __init__(self, conn: Any, lock: asyncio.Lock) -> None:
        self._conn = conn
        self._lock = lock
        self._waiting: list[_Write] = []
        self._flusher: asyncio.Task[None] | None = None

    async def commit(self, alone: Statements, inside: Statements, *args: Any) -> None:
        """Return once the write is committed; raise what committing it raised."""
        loop = asyncio.get_running_loop()
        write = _Write(alone, inside, args, loop.create_future())
        self._waiting.append(write)
        if self._flusher is None:
            self._flusher = loop.create_task(self._flush(), name="genesis-mesh-checkpoint-commit")
        await write.done

    async def _flush(self) -> None:
        try:
            while self._waiting:
                writes, self._waiting = self._waiting, []
                try:
                    async with self._lock:
                        # aiosqlite has no public call for a function on its thread:
                        # `_execute` is how its own methods run theirs.
                        errors = await self._conn._execute(
                            _commit_together,
                            self._conn._conn,
                            [(w.alone, w.inside, w.args) for w in writes],
                        )
                except Exception as exc:  # the connection itself failed (closed, ...)
                    errors = [exc] * len(writes)
                except BaseException:
                    _cancel(writes + self._waiting)
                    self._waiting = []
                    raise
                for write, error in zip(writes, errors, strict=True):
                    _settle(write.done, error)
        finally:
            self._flusher = None


def _commit_together(
    connection: sqlite3.Connection, writes: list[tuple[Statements, Statements, tuple[Any, ...]]]
) -> list[BaseException | None]:
    """Commit `writes` in one transaction; if that fails, each on its own. Returns each
    write's error, or None."""
    if len(writes) == 1:
        alone, _, args = writes[0]
        return [_alone(connection, alone, args)]
    connection.execute("BEGIN")
    try:
        for _, inside, args in writes:
            inside(connection, *args)
        connection.execute("COMMIT")
    except Exception:
        if connection.in_transaction:  # SQLite may have rolled it back itself
            connection.execute("ROLLBACK")
        return [_alone(connection, alone, args) for alone, _, args in writes]
    return [None] * len(writes)


def _alone(
    connection: sqlite3.Connection, alone: Statements, args: tuple[Any, ...]
) -> Exception | None:
    try:
        alone(connection, *args)
    except Exception as exc:
        return exc
    return None


def _settle(done: asyncio.Future[None], error: BaseException | None) -> None:
    if done.done():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


def _cancel(writes: list[_Write]) -> None:
    """The flusher was cancelled (the loop is closing): whether these committed is unknown
    to their callers, as for any cancelled call."""
    for write in writes:
        write.done.cancel()
