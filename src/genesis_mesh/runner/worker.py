"""A worker of the scale-out mode: claims runs from the queue and keeps their leases.

The claim loop runs on the event loop; it wakes on a Redis doorbell, when a run of its
own ends, or every `claim_poll_seconds`. Leases are renewed by a plain thread, not a
task: a graph node that blocks the event loop must not make a live worker look dead (the
failure behind LangGraph Platform's re-executed nodes). A worker that stalls anyway (its
whole process stopped, say) loses its runs to others when the lease expires; when it
wakes, its heartbeat and its writes are refused by the fencing token, and it stops them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from typing import TYPE_CHECKING

from genesis_mesh.errors import LeaseLost
from genesis_mesh.observability import observe_events
from genesis_mesh.runner.options import CURRENT_CLAIM
from genesis_mesh.runner.runner import Runner
from genesis_mesh.store.queue import RunQueue

if TYPE_CHECKING:  # redis is imported only in the scale-out mode (issue 17)
    from genesis_mesh.bus.redis import RedisBus

logger = logging.getLogger(__name__)

CLAIM_BATCH = 16


class Worker:
    """Feeds this process's runner with claimed runs, up to `concurrency` at a time."""

    def __init__(
        self,
        runner: Runner,
        queue: RunQueue,
        bus: RedisBus,
        concurrency: int,
        heartbeat_seconds: float,
        poll_seconds: float,
    ) -> None:
        self.runner = runner
        self.queue = queue
        self.bus = bus
        self.concurrency = concurrency
        self.heartbeat_seconds = heartbeat_seconds
        self.poll_seconds = poll_seconds
        self._nudge = asyncio.Event()
        self._claiming: asyncio.Task[None] | None = None
        self._stop_beating = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._last_renewal = time.monotonic()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.bus.on_control(self.runner.apply_stop)
        self.bus.on_wake(self._nudge.set)
        self.runner.on_run_end = self._nudge.set
        self._heartbeat = threading.Thread(
            target=self._beat_forever, args=(loop,), name="genesis-mesh-heartbeat", daemon=True
        )
        self._heartbeat.start()
        self._claiming = asyncio.create_task(self._claim_forever(), name="genesis-mesh-claims")
        logger.info("worker %s claims up to %d runs", self.queue.worker_id, self.concurrency)

    async def stop_claiming(self) -> None:
        """First step of a drain: take no more runs (the runner then stops its own)."""
        if self._claiming is not None:
            self._claiming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._claiming
            self._claiming = None

    def close(self) -> None:
        """Last step: stop the heartbeat (after the runner let go of every run)."""
        self._stop_beating.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=self.heartbeat_seconds + 5)

    async def _claim_forever(self) -> None:
        while True:
            free = self.concurrency - self.runner.busy
            claimed = 0
            if free > 0:
                claimed = await self._claim(min(free, CLAIM_BATCH))
            if claimed and claimed == min(free, CLAIM_BATCH):
                continue  # there may be more waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudge.wait(), self.poll_seconds)
            self._nudge.clear()

    async def _claim(self, limit: int) -> int:
        try:
            result = await self.queue.claim(limit)
        except Exception as exc:
            logger.warning("claiming runs failed (%s); retrying", exc)
            return 0
        for event in result.failed:
            self.bus.publish(event)
        if result.promoted:
            self.bus.wake()
        for claim in result.claims:
            if claim.opening is not None:  # stored by the claim, before the run's events
                self.bus.publish(claim.opening)
                observe_events([claim.opening])
            logger.info(
                "claimed run %s (attempt %d%s)",
                claim.run.run_id,
                claim.attempt,
                ", recovered" if claim.recovered else "",
            )
            self.runner.execute_claim(claim)
        return len(result.claims)

    async def guard_write(self) -> tuple[str, int] | None:
        """Before a checkpoint write of a claimed run: the claim (run id, attempt) that
        fences it, or `LeaseLost` if this worker already knows the claim is gone.

        The fence itself is the saver's: it checks the attempt under a share lock in
        the write's own transaction (`checkpointers.guarded_postgres_saver`), so a stall
        between this check and the write cannot let a stale write commit. This check is
        cheap while heartbeats are on time; after a stall (a stopped process, a frozen
        host) it renews the claim first, so a stale worker stops before it writes.
        """
        claim = CURRENT_CLAIM.get()
        if claim is None:
            return None
        run_id, attempt = claim
        if self.runner.held.get(run_id) != attempt:
            raise LeaseLost(run_id, attempt)
        if time.monotonic() - self._last_renewal < self.queue.lease.total_seconds() / 2:
            return claim
        alive = await asyncio.to_thread(self.queue.renew_sync, {run_id: attempt})
        if run_id not in alive:
            self.runner.lease_lost(run_id, attempt)
            raise LeaseLost(run_id, attempt)
        return claim

    def _beat_forever(self, loop: asyncio.AbstractEventLoop) -> None:
        while not self._stop_beating.wait(self.heartbeat_seconds):
            held = dict(self.runner.held)
            started = time.monotonic()
            try:
                alive = self.queue.renew_sync(held)
            except Exception as exc:
                logger.warning("renewing leases failed (%s); retrying", exc)
                continue
            self._last_renewal = started
            for run_id, attempt in held.items():
                if run_id not in alive:
                    loop.call_soon_threadsafe(self.runner.lease_lost, run_id, attempt)
                elif alive[run_id]:
                    loop.call_soon_threadsafe(self.runner.apply_stop, run_id, str(alive[run_id]))
