"""Following a run: every event exactly once and in `seq` order, whatever the bus does.

Live events come from the bus. Anything the bus did not bring is read from the store,
which holds every event before it is published: the replay after `after_seq`, any gap
(a live event ahead of the next expected one), and, in the scale-out mode, whatever a
quiet period might hide (a lost pub/sub message, Redis away for a while).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from genesis_mesh.bus.base import EventBus
from genesis_mesh.protocol import Event
from genesis_mesh.store.run_store import RunStore

logger = logging.getLogger(__name__)

REPLAY_PAGE = 500
MAX_POLL_BACKOFF = 8


class Follower:
    """One subscriber's view of one run."""

    def __init__(
        self,
        store: RunStore,
        bus: EventBus,
        run_id: str,
        after_seq: int,
        push: Callable[[Event], None],
        poll_seconds: float | None = None,
    ) -> None:
        self._store = store
        self._bus = bus
        self.run_id = run_id
        self.last = after_seq
        self._push = push
        self._poll_seconds = poll_seconds
        self._ahead: dict[int, Event] = {}
        self._live = False
        self._heard = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._catching_up = False
        self._unsubscribe: Callable[[], None] = lambda: None

    async def start(
        self, send: Callable[[Event], Awaitable[None]] | None = None
    ) -> Callable[[], None]:
        """Subscribe, replay the stored events with `send` (or `push`), then go live."""
        self._unsubscribe = self._bus.subscribe(self.run_id, self._on_event)
        try:
            await self._read_store(send)
        except BaseException:
            self._unsubscribe()
            raise
        self._live = True
        self._release_ahead()
        if self._ahead:
            self._spawn(self._catch_up())
        if self._poll_seconds:
            self._spawn(self._poll_forever(self._poll_seconds))
        return self.stop

    def stop(self) -> None:
        self._unsubscribe()
        for task in self._tasks:
            task.cancel()

    def _on_event(self, event: Event) -> None:
        if event.seq <= self.last:
            return
        self._heard = True
        self._ahead[event.seq] = event
        if self._live:
            self._release_ahead()
            if self._ahead and not self._catching_up:
                self._spawn(self._catch_up())

    def _release_ahead(self) -> None:
        while (event := self._ahead.pop(self.last + 1, None)) is not None:
            self.last = event.seq
            self._push(event)
        for seq in [s for s in self._ahead if s <= self.last]:
            del self._ahead[seq]

    async def _read_store(self, send: Callable[[Event], Awaitable[None]] | None) -> None:
        while True:
            page = await self._store.list_events(self.run_id, self.last, REPLAY_PAGE)
            for event in page:
                if event.seq != self.last + 1:
                    continue
                self.last = event.seq
                self._ahead.pop(event.seq, None)
                if send is not None:
                    await send(event)
                else:
                    self._push(event)
            if len(page) < REPLAY_PAGE:
                return

    async def _catch_up(self) -> None:
        self._catching_up = True
        try:
            await self._read_store(None)
            self._release_ahead()
        except Exception:
            logger.warning("catching up run %s from the store failed; retrying later", self.run_id)
        finally:
            self._catching_up = False

    async def _poll_forever(self, interval: float) -> None:
        """Read the store when the bus has been quiet, less often the longer it stays so."""
        backoff = 1
        while True:
            await asyncio.sleep(interval * backoff)
            if self._heard:
                self._heard, backoff = False, 1
                continue
            before = self.last
            if not self._catching_up:
                await self._catch_up()
            backoff = 1 if self.last > before else min(backoff * 2, MAX_POLL_BACKOFF)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Task[None]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        if task.exception() is not None:
            logger.error("a follower task failed", exc_info=task.exception())
