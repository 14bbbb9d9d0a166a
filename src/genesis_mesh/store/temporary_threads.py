"""Runs whose thread is deleted once they end, kept in the run's row so that the deletion
survives the process that started the run (a restart finds them with `marked`).

The mark (`runs.delete_thread`) has two values: `AT_END` — whichever process ends the
run deletes the thread; `AFTER_READER` — a request of the process that started the run
reads its answer (`runs.wait`, `runs.stream`), and that process deletes the thread once
it has, so another process ending the run (a worker) leaves it alone. A sweep treats
both as owed once the run has ended. The mark goes with the thread: deleting a thread
deletes its runs' rows.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from genesis_mesh.store.tables import runs

AT_END = True
AFTER_READER = False


class TemporaryThreads:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def mark(self, run_id: str, after_reader: bool = False) -> None:
        await self._set(run_id, AFTER_READER if after_reader else AT_END)

    async def unmark(self, run_id: str) -> None:
        """The thread is kept after all (the run stopped to wait for an answer)."""
        await self._set(run_id, None)

    async def marked(self) -> list[str]:
        """Every marked run: ended while no process followed it, or still going."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(runs.c.id).where(runs.c.delete_thread.is_not(None)))
        return [row.id for row in rows]

    async def _set(self, run_id: str, value: bool | None) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(runs).where(runs.c.id == run_id).values(delete_thread=value))
