"""Webhooks owed by runs, kept in the run's row so that no process's memory holds them.

At least once: `arm` records the URL when a client starts a run with one. The process
that delivers it first `claim`s it, which takes a lease (`webhook_lease_until`) rather
than clearing the URL, and clears the URL only once the receiver answered (or the
attempts were given up on), with `settle`. A process killed between the claim and that
answer leaves the URL and a lease that runs out; whoever looks next (`owed`: the restart,
or another process's periodic look) claims it again and posts it again. A receiver can
therefore see a run's webhook twice, and dedupes by `run_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from genesis_mesh.protocol import RunStatus
from genesis_mesh.store.clock import utcnow
from genesis_mesh.store.tables import runs

_NOT_ENDED = [RunStatus.QUEUED.value, RunStatus.PENDING.value, RunStatus.RUNNING.value]


@dataclass(frozen=True)
class Delivery:
    """A claimed webhook: where to post it, and where its run segment's events begin."""

    run_id: str
    url: str
    after_seq: int
    paused_by_shutdown: bool
    """The run only paused for a restart: not ended, so the claim is handed back."""


class WebhookOutbox:
    def __init__(self, engine: AsyncEngine, lease_seconds: float = 120.0) -> None:
        self.engine = engine
        self.lease = timedelta(seconds=lease_seconds)

    async def arm(self, run_id: str, url: str, after_seq: int) -> str | None:
        """Owe the run's webhook; the run's status as the arming left it (None: gone)."""
        async with self.engine.begin() as conn:
            found = await conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(webhook_url=url, webhook_after_seq=after_seq, webhook_lease_until=None)
                .returning(runs.c.status)
            )
            status: str | None = found.scalar()
        return status

    async def claim(self, run_id: str, taken_before: datetime | None = None) -> Delivery | None:
        """The delivery, if the run has ended, owes one and nobody else holds it; one
        statement. A lease taken before `taken_before` counts as run out (a process that
        knows it is the only one, starting after a crash: that holder is dead)."""
        now = utcnow()
        query = (
            update(runs)
            .where(
                runs.c.id == run_id,
                runs.c.webhook_url.is_not(None),
                runs.c.status.not_in(_NOT_ENDED),
            )
            .values(webhook_lease_until=now + self.lease)
            .returning(runs.c.webhook_url, runs.c.webhook_after_seq, runs.c.interrupt)
        )
        lease = runs.c.webhook_lease_until
        free = [lease.is_(None), lease < now]
        if taken_before is not None:
            free.append(lease < taken_before + self.lease)
        query = query.where(or_(*free))
        async with self.engine.begin() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        paused = (row.interrupt or {}).get("reason") == "shutdown"
        return Delivery(run_id, row.webhook_url, row.webhook_after_seq or 0, paused)

    async def settle(self, delivery: Delivery) -> None:
        """Done with it (posted, or given up on): owed no more, unless re-armed since."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(runs)
                .where(
                    runs.c.id == delivery.run_id,
                    runs.c.webhook_url == delivery.url,
                    runs.c.webhook_after_seq == delivery.after_seq,
                )
                .values(webhook_url=None, webhook_after_seq=None, webhook_lease_until=None)
            )

    async def hand_back(self, delivery: Delivery) -> None:
        """Release a claim without delivering (the run is not over after all)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(runs)
                .where(runs.c.id == delivery.run_id, runs.c.webhook_url == delivery.url)
                .values(webhook_lease_until=None)
            )

    async def owed(self, expired_only: bool = False) -> list[str]:
        """Ended runs with a webhook not delivered yet (`expired_only`: and nobody holding
        it). A run still going sends its own when it ends, wherever it ends."""
        query = select(runs.c.id).where(
            runs.c.webhook_url.is_not(None), runs.c.status.not_in(_NOT_ENDED)
        )
        if expired_only:
            lease = runs.c.webhook_lease_until
            query = query.where(or_(lease.is_(None), lease < utcnow()))
        async with self.engine.connect() as conn:
            rows = await conn.execute(query)
        return [row.id for row in rows]
