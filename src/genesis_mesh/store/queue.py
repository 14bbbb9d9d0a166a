"""The run queue of the scale-out mode: workers claim runs from PostgreSQL under leases.

A claim is one transaction: `SELECT ... FOR UPDATE SKIP LOCKED` picks pending runs (and
running ones whose lease expired: their worker is gone), then each gets `attempt + 1`, the
claiming worker and a lease. `attempt` is the fencing token: the worker's heartbeats, event
writes and final status all check it, so a worker that stalled past its lease and wakes up
cannot renew, write or finish a run another worker has claimed since. Times are the
database's (`now()`), so workers on different machines agree on when a lease expires.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, create_engine, func, or_, select, tuple_, update
from sqlalchemy.engine import Connection, Engine

from genesis_mesh.protocol import Event, EventType, RunInfo, RunStatus
from genesis_mesh.store.active_run import promote_queued
from genesis_mesh.store.clock import utcnow
from genesis_mesh.store.database import connect_args, sync_url
from genesis_mesh.store.end_work import owes_end_work
from genesis_mesh.store.events import insert_next_event
from genesis_mesh.store.rows import run_info, runs_query
from genesis_mesh.store.stalled_sessions import end_stalled_sessions
from genesis_mesh.store.tables import runs
from genesis_mesh.store.writer_thread import WriterThread

logger = logging.getLogger(__name__)


@dataclass
class Claim:
    """A run this worker now holds: `attempt` is the fencing token of every later write."""

    run: RunInfo
    attempt: int
    dispatch: dict[str, Any]
    recovered: bool
    owes_end_work: bool = False
    """The row owed work at the run's end when claimed (`store/end_work.py`)."""
    opening: Event | None = None
    """The `run.resumed` the claim stored with `running` (a resume queued by an API), for
    the worker to publish; None when the run's execution stores its own opening."""


@dataclass
class ClaimResult:
    claims: list[Claim]
    failed: list[Event]
    """`run.failed` events of runs whose workers were lost too often (already stored)."""
    promoted: list[str]


def _resumed_data(dispatch: dict[str, Any], worker_id: str) -> dict[str, Any]:
    """The `run.resumed` data of a queued resume: its answer, steering and worker."""
    data: dict[str, Any] = {"value": dispatch.get("value")}
    data.update({k: dispatch[k] for k in ("goto", "update") if k in dispatch})
    if dispatch.get("reason") == "retry":
        data["reason"] = "retry"
    data["worker"] = worker_id
    return data


class RunQueue:
    """Claims, renews and releases runs for one worker process (PostgreSQL only)."""

    def __init__(self, url: str, worker_id: str, lease_seconds: float, max_recoveries: int) -> None:
        self.worker_id = worker_id
        self.lease = timedelta(seconds=lease_seconds)
        self.max_recoveries = max_recoveries
        self._engine: Engine = create_engine(
            sync_url(url), pool_size=2, max_overflow=2, connect_args=connect_args(url)
        )
        self._thread = WriterThread("genesis-mesh-queue")

    def close(self) -> None:
        self._thread.stop()
        self._engine.dispose()

    # ---- claims -----------------------------------------------------------------------

    async def claim(self, limit: int) -> ClaimResult:
        result: ClaimResult = await self._thread.run(self._claim_sync, limit)
        return result

    def _claim_sync(self, limit: int) -> ClaimResult:
        result = ClaimResult([], [], [])
        with self._engine.begin() as conn:
            now = func.now()
            lease_expired = and_(runs.c.status == "running", runs.c.lease_expires_at < now)
            due = or_(runs.c.not_before.is_(None), runs.c.not_before <= now)  # `after_seconds`
            rows = conn.execute(
                select(runs.c.id, runs.c.status, runs.c.recoveries, runs.c.dispatch)
                .where(or_(and_(runs.c.status == "pending", due), lease_expired))
                .where(runs.c.superseded_by.is_(None))
                .order_by(runs.c.created_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            claimed: dict[str, tuple[int, dict[str, Any], bool, Event | None]] = {}
            for row in rows:
                recovered = row.status == RunStatus.RUNNING.value
                if recovered and row.recoveries >= self.max_recoveries:
                    result.failed.append(self._fail_exhausted(conn, row.id, row.recoveries))
                    result.promoted.extend(promote_queued(conn, row.id))
                    continue
                dispatch = row.dispatch or {}
                claimed[row.id] = self._take(conn, row.id, dispatch, recovered)
            if claimed:
                infos = conn.execute(runs_query().where(runs.c.id.in_(list(claimed)))).all()
                for info in infos:
                    attempt, dispatch, recovered, opening = claimed[info.id]
                    owes = owes_end_work(info)
                    claim = Claim(run_info(info), attempt, dispatch, recovered, owes, opening)
                    result.claims.append(claim)
        result.claims.sort(key=lambda c: c.run.created_at)
        if len(result.claims) < limit:
            self._end_stalled_sessions()
        return result

    def _end_stalled_sessions(self) -> None:
        """Never fails the claim it follows (whose runs are this worker's already)."""
        try:
            with self._engine.connect() as conn:
                ended = end_stalled_sessions(conn)
                conn.commit()
        except Exception as exc:
            logger.warning("looking for frozen database sessions failed (%s)", exc)
            return
        if ended:
            logger.warning(
                "ended %d database session(s) frozen mid-statement that held a run whose "
                "lease expired; its run is taken over at the next claim",
                ended,
            )

    def _take(
        self, conn: Connection, run_id: str, dispatch: dict[str, Any], recovered: bool
    ) -> tuple[int, dict[str, Any], bool, Event | None]:
        """Make the run this worker's: `running`, the next attempt, a lease.

        A resume queued by an API (`Runner.resume`) also gets its `run.resumed` here, in
        the transaction that makes it `running`, as one process stores both in one write:
        a reader that sees the run `running` then finds the resumed segment opened, never
        only the stop it continues (a join would answer that stop's values)."""
        opens = dispatch.get("kind") == "resume" and not recovered
        resumed = {"interrupt": None, "error": None} if opens else {}
        attempt: int = conn.execute(
            update(runs)
            .where(runs.c.id == run_id)
            .values(
                status=RunStatus.RUNNING.value,
                attempt=runs.c.attempt + 1,
                worker_id=self.worker_id,
                lease_expires_at=func.now() + self.lease,
                recoveries=runs.c.recoveries + (1 if recovered else 0),
                updated_at=utcnow(),
                **resumed,
            )
            .returning(runs.c.attempt)
        ).scalar_one()
        opening = None
        if opens:
            data = _resumed_data(dispatch, self.worker_id)
            opening = insert_next_event(conn, run_id, EventType.RUN_RESUMED, data)
        return attempt, dispatch, recovered, opening

    def _fail_exhausted(self, conn: Connection, run_id: str, recoveries: int) -> Event:
        error = {
            "type": "WorkerLost",
            "message": (
                f"the run's worker was lost {recoveries + 1} times (limit "
                f"GENESIS_MESH_MAX_RECOVERIES={self.max_recoveries}); retry it with resume "
                "once the cause (a node that kills its process?) is fixed"
            ),
        }
        conn.execute(
            update(runs)
            .where(runs.c.id == run_id)
            .values(
                status=RunStatus.FAILED.value,
                error=error,
                attempt=runs.c.attempt + 1,
                worker_id=None,
                lease_expires_at=None,
                updated_at=utcnow(),
            )
        )
        return insert_next_event(conn, run_id, EventType.RUN_FAILED, {"error": error})

    # ---- leases -----------------------------------------------------------------------

    def renew_sync(self, held: dict[str, int]) -> dict[str, str | None]:
        """Extend the leases still ours; returns run id -> stop requested, for those only.

        Blocking on purpose: called from the heartbeat thread, which must keep beating
        while graph nodes hold the event loop.
        """
        if not held:
            return {}
        with self._engine.begin() as conn:
            rows = conn.execute(
                update(runs)
                .where(
                    tuple_(runs.c.id, runs.c.attempt).in_(list(held.items())),
                    runs.c.worker_id == self.worker_id,
                    runs.c.status == RunStatus.RUNNING.value,
                )
                .values(lease_expires_at=func.now() + self.lease)
                .returning(runs.c.id, runs.c.stop_requested)
            ).all()
        return {row.id: row.stop_requested for row in rows}

    async def release(self, run_id: str, attempt: int) -> bool:
        """Give a run back to the queue (a draining worker); False if it was not ours."""
        released: bool = await self._thread.run(self._release_sync, run_id, attempt)
        return released

    def _release_sync(self, run_id: str, attempt: int) -> bool:
        with self._engine.begin() as conn:
            row = conn.execute(
                update(runs)
                .where(
                    runs.c.id == run_id,
                    runs.c.attempt == attempt,
                    runs.c.status == RunStatus.RUNNING.value,
                )
                .values(
                    status=RunStatus.PENDING.value,
                    worker_id=None,
                    lease_expires_at=None,
                    dispatch={"kind": "continue"},
                    updated_at=utcnow(),
                )
                .returning(runs.c.id)
            ).first()
        return row is not None

    async def request_stop(self, run_id: str, mode: str) -> bool:
        """Record a pause or cancel for the worker that runs `run_id` (it reads it with its
        next heartbeat, or at once through Redis); False if the run is not running."""
        done: bool = await self._thread.run(self._request_stop_sync, run_id, mode)
        return done

    def _request_stop_sync(self, run_id: str, mode: str) -> bool:
        with self._engine.begin() as conn:
            current = conn.execute(
                select(runs.c.stop_requested)
                .where(runs.c.id == run_id, runs.c.status == RunStatus.RUNNING.value)
                .with_for_update()
            ).first()
            if current is None:
                return False
            if current.stop_requested != "cancel":  # a cancel is never weakened to a pause
                conn.execute(update(runs).where(runs.c.id == run_id).values(stop_requested=mode))
        return True

    async def queue_depth(self) -> int:
        depth: int = await self._thread.run(self._depth_sync)
        return depth

    def _depth_sync(self) -> int:
        with self._engine.connect() as conn:
            value = conn.execute(
                select(func.count()).select_from(runs).where(runs.c.status == "pending")
            ).scalar()
        return int(value or 0)
