"""Runs whose thread is deleted once they end, kept in the run's row so that the deletion
survives the process that started the run (a restart finds them with `marked`).

The mark goes with the thread: deleting a thread deletes its runs' rows.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from genesis_mesh.store.tables import runs


class TemporaryThreads:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def mark(self, run_id: str) -> None:
        await self._set(run_id, True)

    async def unmark(self, run_id: str) -> None:
        """The thread is kept after all (the run stopped to wait for an answer)."""
        await self._set(run_id, None)

    async def is_marked(self, run_id: str) -> bool:
        async with self.engine.connect() as conn:
            found = await conn.execute(select(runs.c.delete_thread).where(runs.c.id == run_id))
        return bool(found.scalar())

    async def marked(self) -> list[str]:
        """Every marked run: ended while no process followed it, or still going."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(runs.c.id).where(runs.c.delete_thread.is_(True)))
        return [row.id for row in rows]

    async def _set(self, run_id: str, value: bool | None) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(runs).where(runs.c.id == run_id).values(delete_thread=value))
