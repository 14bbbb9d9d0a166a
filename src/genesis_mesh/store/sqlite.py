"""How genesis-mesh opens its SQLite files (the run store and the checkpointer alike).

Both files run in WAL mode. `synchronous` decides what a commit survives
(docs/durability.md): with `FULL` (the default) SQLite syncs the WAL to disk before a
commit returns, so a committed checkpoint or event survives a power loss or an OS crash;
with `NORMAL` a commit survives the process being killed (SIGKILL, OOM) but the last
commits before a power loss may be lost, and the two files may lose different amounts.
"""

from __future__ import annotations

from typing import Any, Literal

SqliteSynchronous = Literal["FULL", "NORMAL"]
DEFAULT_SYNCHRONOUS: SqliteSynchronous = "FULL"
BUSY_TIMEOUT_MS = 10_000


def pragmas(synchronous: SqliteSynchronous) -> list[str]:
    """The statements every SQLite connection of the host runs once it is opened."""
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError(f"unknown SQLite synchronous mode {synchronous!r}: use FULL or NORMAL")
    return [
        "PRAGMA journal_mode=WAL",
        f"PRAGMA synchronous={synchronous}",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    ]


def tune(dbapi_connection: Any, synchronous: SqliteSynchronous) -> None:
    """Apply `pragmas` (and foreign keys, which the run store relies on) to a DB-API
    connection; meant for SQLAlchemy's `connect` event."""
    cursor = dbapi_connection.cursor()
    for statement in [*pragmas(synchronous), "PRAGMA foreign_keys=ON"]:
        cursor.execute(statement)
    cursor.close()
