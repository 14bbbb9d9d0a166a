"""What follows a LangGraph API run's end: its webhook, its stateless thread's deletion
(a cron's `on_run_completed` too: a stateless cron's runs are stateless runs).

Registered into the runner's `run_end_hooks` by every process that executes runs — the
host and a standalone worker (`genesis-mesh worker`) alike — so the process that ends a
run follows it up. Both debts are kept in the run's row (`store/webhook_outbox.py`,
`store/temporary_threads.py`), and the outbox's lease keeps two processes from posting
at once. A run that owes nothing costs no statement at its end: in the embedded mode
this process armed whatever its runs owe and remembers it (`armed`); a worker read what
the row owed with its claim (`RunEnd.owes`). Only a run recovered from a dead process
is looked up in the store.

Arming races the run's end (a fast run may end before the client's debts are written),
so `arm` looks once more after writing: a run that ended already (embedded), or that a
worker claimed before the debts were written (scale-out), is followed up from here.

At start a process sends the webhooks and deletes the threads a dead process owed; while
it serves it looks every `SWEEP_SECONDS` for webhooks whose delivery lease ran out (a
process killed while posting): at least once, receivers dedupe by `run_id`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.encoders import jsonable_encoder

from genesis_mesh.api.langgraph.run_wire import final_values, run_wire
from genesis_mesh.api.langgraph.stream import MOVING, follow_events
from genesis_mesh.api.langgraph.temporary import (
    READER_GRACE_SECONDS,
    delete_after_read,
    delete_if_ended,
)
from genesis_mesh.api.langgraph.webhooks import BACKOFF_SECONDS, deliver
from genesis_mesh.errors import RunNotFound
from genesis_mesh.protocol import RunStatus
from genesis_mesh.runner import Runner
from genesis_mesh.runner.run_end import RunEnd
from genesis_mesh.services import Services
from genesis_mesh.settings import Settings
from genesis_mesh.store import end_work
from genesis_mesh.store.clock import utcnow
from genesis_mesh.store.run_notes import RunNotes
from genesis_mesh.store.temporary_threads import AFTER_READER, AT_END, TemporaryThreads
from genesis_mesh.store.webhook_outbox import Delivery, WebhookOutbox

logger = logging.getLogger(__name__)
SWEEP_SECONDS = 30.0
POLL_SECONDS = 0.5


def lease_seconds(settings: Settings) -> float:
    """How long a claimed delivery is another process's: all its attempts and backoffs,
    and a margin."""
    attempts = settings.webhook_attempts
    backoff = BACKOFF_SECONDS * (2 ** max(attempts - 1, 0) - 1)
    return float(attempts * settings.webhook_timeout_seconds + backoff + 30.0)


@dataclass
class Armed:
    """What a run started by this process owes at its end (embedded mode)."""

    webhook: bool
    mark: bool | None


class EndHooks:
    """The run-end follow-ups of one process."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.outbox = WebhookOutbox(services.store.engine, lease_seconds(services.settings))
        self.armed: dict[str, Armed] = {}
        self.started_at: datetime = utcnow()
        self._tasks: set[asyncio.Task[Any]] = set()

    # ---- arming (the process that starts the run) ------------------------------------

    async def arm(
        self,
        run_id: str,
        launched: bool,
        mark: bool | None,
        webhook: str | None,
        after_seq: int,
        read: asyncio.Event,
    ) -> None:
        """Record what the run owes beyond its mark (already in its row when `mark` is
        given), then make sure someone follows it up. `launched`: the runner executes it
        here now (not delayed, not queued)."""
        status: str | None = None
        if webhook is not None:
            status = await self.outbox.arm(run_id, webhook, after_seq)
        if mark is AFTER_READER:
            self.spawn(
                delete_after_read(self.services, run_id, read, self.handed_over, self.take_over)
            )
        if webhook is None and mark is not AT_END:
            return
        runner = self.services.runner
        if not runner.scale_out:
            if launched and not runner.is_executing(run_id):
                self.spawn(self.follow_up(run_id, Armed(webhook is not None, mark)))
            else:
                self.armed[run_id] = Armed(webhook is not None, mark)
            return
        if status is None:  # a mark alone: is the run still waiting for its claim?
            try:
                status = (await self.services.store.get_run(run_id)).status.value
            except RunNotFound:
                return
        if status != RunStatus.PENDING.value:  # claimed before its debts were written
            self.spawn(self.follow_to_end(run_id))

    def handed_over(self, run_id: str) -> None:
        """The reader is done before the run: its end deletes the thread."""
        armed = self.armed.get(run_id)
        if armed is not None:
            armed.mark = AT_END
        elif self.services.runner.is_executing(run_id):  # embedded: its end is here
            self.armed[run_id] = Armed(False, AT_END)

    def take_over(self, run_id: str) -> bool:
        """The reader is done while the run, owing no webhook, still executes here
        (embedded): its end here deletes the thread, with no statement now. The row keeps
        its `AFTER_READER` mark, which a restart's sweep (or this process's follow-up of a
        recovered run) treats as owed, the reader being gone with the process."""
        runner = self.services.runner
        if runner.scale_out or run_id in self.armed or not runner.is_executing(run_id):
            return False
        self.armed[run_id] = Armed(False, AT_END)
        return True

    # ---- the run's end (the process that ends it) ------------------------------------

    def ended(self, end: RunEnd) -> None:
        """The runner's hook: no statement for a run that owes nothing."""
        armed = self.armed.pop(end.run_id, None)
        if armed is None and (end.local or end.owes is False):
            return
        if armed is not None and not armed.webhook and armed.mark is not AT_END:
            return  # its reader deletes its thread
        self.spawn(self.follow_up(end.run_id, armed))

    async def follow_up(self, run_id: str, armed: Armed | None) -> None:
        if armed is not None and not armed.webhook:
            await delete_if_ended(self.services, run_id, reader_done=armed.mark is AT_END)
            return
        if armed is None:  # not known here (recovered, claimed): the row says
            work = await end_work.read(self.services.store.db, run_id)
            if work is None or work.status in MOVING:
                return
            if not work.webhook:  # embedded: a recovered run's reader died with its process
                reader_gone = not self.services.runner.scale_out
                await delete_if_ended(self.services, run_id, work, reader_done=reader_gone)
                return
        await self.send(run_id)

    async def follow_to_end(self, run_id: str) -> None:
        """Follow a run executed elsewhere to its end, then follow it up (the race of
        `arm` in the scale-out mode)."""
        try:
            run = await self.services.store.get_run(run_id)
            async for _ in follow_events(self.services, run_id, run.last_seq, True):
                pass
            while (await self.services.store.get_run(run_id)).status in MOVING:
                await asyncio.sleep(POLL_SECONDS)
        except RunNotFound:
            return
        await self.follow_up(run_id, None)

    async def send(self, run_id: str, steal: bool = False) -> None:
        """Post the run's webhook if it has ended and nobody else holds its delivery;
        settle it once answered or given up on, then delete a marked thread."""
        taken_before = self.started_at if steal else None
        delivery = await self.outbox.claim(run_id, taken_before)
        if delivery is None:
            return
        if delivery.paused_by_shutdown:
            await self.outbox.hand_back(delivery)  # its recovery ends it, and sends it
            return
        try:
            payload = await self._payload(delivery)
        except RunNotFound:
            return
        await deliver(delivery.url, jsonable_encoder(payload), self.services.settings)
        await self.outbox.settle(delivery)
        await delete_if_ended(self.services, run_id)  # a stateless run's thread

    async def _payload(self, delivery: Delivery) -> dict[str, Any]:
        run = await self.services.store.get_run(delivery.run_id)
        note = (await RunNotes(self.services.store.engine).read([run.run_id]))[run.run_id]
        values = await final_values(self.services, run, delivery.after_seq, True)
        payload = {**run_wire(run, note), "values": values}
        if run.error is not None:
            payload["error"] = run.error
        return payload

    # ---- what a dead process left ----------------------------------------------------

    async def sweep_at_start(self) -> None:
        """The webhooks and deletions a dead process owed for runs that have ended (runs
        still going owe theirs at their end, wherever they end)."""
        steal = not self.services.runner.scale_out  # embedded: no other process posts
        for run_id in await self.outbox.owed():
            self.spawn(self.send(run_id, steal))
        for run_id in await TemporaryThreads(self.services.store.engine).marked():
            work = await end_work.read(self.services.store.db, run_id)
            if work is None or work.webhook or work.status in MOVING:
                continue  # its webhook's delivery deletes it; a run going on, at its end
            age = (utcnow() - work.updated_at).total_seconds()
            reader_gone = steal or age > READER_GRACE_SECONDS  # another API's may read it
            await delete_if_ended(self.services, run_id, work, reader_done=reader_gone)

    async def sweep_forever(self) -> None:
        """Webhooks whose delivery lease ran out: their process died while posting."""
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                for run_id in await self.outbox.owed(expired_only=True):
                    self.spawn(self.send(run_id))
            except Exception:
                logger.exception("looking for undelivered webhooks failed; trying again")

    # ---- tasks -----------------------------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("a run's follow-up failed: %s", task.exception())

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()


_registered: weakref.WeakKeyDictionary[Runner, EndHooks] = weakref.WeakKeyDictionary()


def hooks_of(services: Services) -> EndHooks | None:
    """This process's run-end hooks (None: not registered, e.g. a bare CLI command)."""
    return _registered.get(services.runner)


@contextlib.asynccontextmanager
async def following_run_ends(services: Services) -> AsyncIterator[EndHooks]:
    """While the process runs: follow up each run it ends; at start, what a dead
    process left; every `SWEEP_SECONDS`, deliveries a dead process held."""
    hooks = EndHooks(services)
    _registered[services.runner] = hooks
    services.runner.run_end_hooks.append(hooks.ended)
    sweeping = asyncio.create_task(hooks.sweep_forever(), name="webhook-sweep")
    try:
        try:
            await hooks.sweep_at_start()
        except Exception:  # the process serves even so; the next start sweeps again
            logger.exception("following up the runs a dead process ended failed")
        yield hooks
    finally:
        sweeping.cancel()
        services.runner.run_end_hooks.remove(hooks.ended)
        _registered.pop(services.runner, None)
        hooks.cancel()
