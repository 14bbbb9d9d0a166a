"""Per-user limits of one API process: run starts per minute, active runs, open sockets,
WebSocket messages per second.

Everything here lives in the memory of one process: with several API processes behind a
load balancer each enforces its own limits (see docs/security.md). Users are told apart
by `user_key`, the single place that knows how a connection is identified.
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Protocol

from starlette.requests import HTTPConnection

from genesis_mesh.errors import RateLimited, RunNotFound, TooManyActiveRuns
from genesis_mesh.protocol import RunInfo, RunStatus
from genesis_mesh.settings import Settings

Clock = Callable[[], float]
_BUSY = (RunStatus.PENDING, RunStatus.RUNNING)


def user_key(connection: HTTPConnection) -> str:
    """Who is asking: the authenticated user (`state.user_id`), else the client address
    (with auth off every caller is user "local": one bucket for all would be wrong).

    Behind a reverse proxy the address is the one uvicorn takes from `X-Forwarded-For`
    when the proxy is trusted (`--forwarded-allow-ips`)."""
    user_id = getattr(connection.state, "user_id", None)
    if user_id and getattr(connection.state, "authenticated", False):
        return f"user:{user_id}"
    client = connection.client
    return f"addr:{client.host if client else 'unknown'}"


def get_limits(connection: HTTPConnection) -> ProcessLimits:
    """The limits of the app serving `connection` (created by the host's `setup()`)."""
    limits: ProcessLimits = connection.app.state.limits
    return limits


class _RunLookup(Protocol):
    async def get_run(self, run_id: str) -> RunInfo: ...


class StartWindow:
    """At most `limit` run starts per user in any `window` seconds (a sliding log)."""

    def __init__(self, limit: int, window: float = 60.0, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._starts: dict[str, deque[float]] = {}
        self._next_sweep = 0.0

    def check(self, key: str) -> None:
        """Raise `RateLimited` (with the seconds to wait) when `key` used its starts."""
        now = self.clock()
        starts = self._starts.get(key)
        if starts is None:
            return
        while starts and starts[0] <= now - self.window:
            starts.popleft()
        if len(starts) >= self.limit:
            retry_after = max(1, math.ceil(starts[0] + self.window - now))
            raise RateLimited(
                f"{self.limit} runs were started in the last {self.window:g} seconds",
                retry_after,
                "GENESIS_MESH_RUN_STARTS_PER_MINUTE",
            )

    def record(self, key: str) -> None:
        now = self.clock()
        self._starts.setdefault(key, deque()).append(now)
        if now >= self._next_sweep:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Forget users with no start in the window, so memory follows active users."""
        self._next_sweep = now + self.window
        for key in [k for k, v in self._starts.items() if not v or v[-1] <= now - self.window]:
            del self._starts[key]


class ActiveRuns:
    """At most `limit` runs `pending` or `running` per user.

    Remembers the runs each user started or resumed through this process and asks the
    store for their status only when the user is at the limit; finished and interrupted
    runs are then forgotten (a resume counts again). A run admitted longer ago than
    `max_age` (the run wall time) cannot still be running and is dropped unasked."""

    def __init__(self, limit: int, max_age: float, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.max_age = max_age
        self.clock = clock
        self._runs: dict[str, dict[str, float]] = {}
        self._next_sweep = 0.0

    async def check(self, key: str, store: _RunLookup) -> None:
        runs = self._runs.get(key)
        if not runs or len(runs) < self.limit:
            return
        for run_id in list(runs):
            if not await _is_busy(store, run_id):
                runs.pop(run_id, None)
        if len(runs) >= self.limit:
            raise TooManyActiveRuns(self.limit)

    def add(self, key: str, run_id: str) -> None:
        now = self.clock()
        self._runs.setdefault(key, {})[run_id] = now
        if now >= self._next_sweep:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + min(60.0, self.max_age)
        for key, runs in list(self._runs.items()):
            for run_id in [r for r, admitted in runs.items() if admitted <= now - self.max_age]:
                del runs[run_id]
            if not runs:
                del self._runs[key]


async def _is_busy(store: _RunLookup, run_id: str) -> bool:
    try:
        return (await store.get_run(run_id)).status in _BUSY
    except RunNotFound:
        return False


class SocketCount:
    """Open WebSockets per user; `acquire` refuses the one over `limit`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    def acquire(self, key: str) -> bool:
        count = self._open.get(key, 0)
        if count >= self.limit:
            return False
        self._open[key] = count + 1
        return True

    def release(self, key: str) -> None:
        count = self._open.get(key, 0) - 1
        if count > 0:
            self._open[key] = count
        else:
            self._open.pop(key, None)


class MessageRate:
    """A token bucket for one socket: `per_second` messages sustained, `burst` at once.

    `admit()` returns None for a message within the rate, else the seconds until the next
    one would be; `exhausted` turns true after `burst` refused messages in a row."""

    def __init__(self, per_second: float, burst: int, clock: Clock = time.monotonic) -> None:
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self.refused_in_a_row = 0

    def admit(self) -> float | None:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.per_second)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            self.refused_in_a_row = 0
            return None
        self.refused_in_a_row += 1
        return (1.0 - self._tokens) / self.per_second

    @property
    def exhausted(self) -> bool:
        return self.refused_in_a_row >= self.burst


class ProcessLimits:
    """Every per-user limit of one API process, built from the settings."""

    def __init__(self, settings: Settings, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self.starts = StartWindow(settings.run_starts_per_minute, 60.0, clock)
        self.active = ActiveRuns(
            settings.max_active_runs_per_user, settings.run_timeout_seconds, clock
        )
        self.sockets = SocketCount(settings.ws_max_sockets_per_user)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def message_rate(self) -> MessageRate:
        """A fresh bucket for one new socket."""
        return MessageRate(self.settings.ws_messages_per_second, self.settings.ws_message_burst)

    @asynccontextmanager
    async def admit_run(
        self, key: str, store: _RunLookup, new_run: bool = True
    ) -> AsyncIterator[Callable[[str], None]]:
        """Admit one run start (`new_run`) or resume of `key`, or raise `RateLimited` /
        `TooManyActiveRuns`. The body starts the run and reports its id through the
        callable it is given; one user's admissions are serialised so that two requests
        at once cannot both take the last slot."""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            if new_run:
                self.starts.check(key)
            await self.active.check(key, store)
            admitted: list[str] = []
            yield admitted.append
            for run_id in admitted:
                self.active.add(key, run_id)
                if new_run:
                    self.starts.record(key)
