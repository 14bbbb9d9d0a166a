"""A process frozen inside a PostgreSQL transaction (SIGSTOP, a paused VM) must not keep
its locks: the server ends the transaction, so other workers can claim the run it held.
The checkpoint saver's fenced writes share-lock the run row, so its connections need
this as much as the run store's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import psycopg
import pytest

from genesis_mesh.checkpointers import open_checkpointer
from genesis_mesh.store import database
from genesis_mesh.stores import open_store

LOCK = 7_301_977


def _pool_of_saver(saver: Any) -> Any:
    return saver.conn


def _pool_of_store(store: Any) -> Any:
    return store.conn


OPENERS: dict[str, tuple[Callable[[str], AbstractAsyncContextManager[Any]], Any]] = {
    "checkpointer": (open_checkpointer, _pool_of_saver),
    "store": (open_store, _pool_of_store),
}


@pytest.fixture
async def pg_url(postgres_database: str) -> AsyncIterator[str]:
    yield f"postgresql://127.0.0.1:5432/{postgres_database}"


@pytest.mark.parametrize("kind", sorted(OPENERS))
async def test_a_transaction_left_idle_is_ended_and_its_locks_let_go(
    kind: str, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "IDLE_IN_TRANSACTION_MS", 300)
    opener, pool_of = OPENERS[kind]
    async with opener(pg_url) as opened, pool_of(opened).connection() as frozen:
        with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):
            async with frozen.transaction():
                await frozen.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
                with psycopg.connect(pg_url, autocommit=True) as other:
                    assert not _try_lock(other)  # held while the transaction lives
                    await asyncio.sleep(1.5)  # frozen, as far as the server can tell
                    assert _try_lock(other)
                await frozen.execute("SELECT 1")


def _try_lock(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK,)).fetchone()
    if row and row[0]:
        conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK,))
        return True
    return False
