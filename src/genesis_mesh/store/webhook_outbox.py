"""Webhooks owed by runs, kept in the run's row so that no process's memory holds them.

`arm` records the URL when a client starts a run with one; `claim` clears it atomically,
so exactly one process (the one that saw the run end, or a later start sweeping what a
dead process left) delivers it. A crash between claim and POST loses it: at most once.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from genesis_mesh.store.tables import runs


class WebhookOutbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def arm(self, run_id: str, url: str, after_seq: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(webhook_url=url, webhook_after_seq=after_seq)
            )

    async def claim(self, run_id: str) -> tuple[str, int] | None:
        """(url, after_seq) if this caller won the delivery, None if none is owed."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(runs.c.webhook_url, runs.c.webhook_after_seq).where(runs.c.id == run_id)
                )
            ).first()
            if row is None or row.webhook_url is None:
                return None
            won = await conn.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.webhook_url == row.webhook_url)
                .values(webhook_url=None)
            )
        return (row.webhook_url, row.webhook_after_seq or 0) if won.rowcount == 1 else None

    async def owed(self) -> list[str]:
        """Runs with a webhook not yet claimed (their status decides if it is due)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(runs.c.id).where(runs.c.webhook_url.is_not(None)))
        return [row.id for row in rows]
