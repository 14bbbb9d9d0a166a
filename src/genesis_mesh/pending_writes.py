"""The task writes of each thread still being stored, so that the checkpoint which
follows them is committed after them (the scale-out mode's saver,
`checkpointers.guarded_postgres_saver`)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class PendingWrites:
    """The task writes of each thread still being stored, so that the checkpoint which
    follows them is committed after them.

    LangGraph stores a task's writes as the task ends and the step's checkpoint when the
    step ends, each in a background task of its own; with `durability="sync"` it waits
    for the checkpoint only. A fenced write first awaits the worker's guard (which may
    renew the claim in a thread), so a checkpoint could commit before the writes of the
    step it follows, and a worker that died or froze in between left a checkpoint whose
    previous step has no writes: the history shows its tasks without results, and a
    recovery cannot rebuild their lost `node.completed` events from it.
    """

    def __init__(self) -> None:
        self._pending: dict[tuple[str, str], set[asyncio.Future[None]]] = {}

    def track(self, config: Any, write: Coroutine[Any, Any, None]) -> Coroutine[Any, Any, None]:
        """`write`, counted as pending for its thread from now until it ends. Called
        off the event loop (LangGraph's sync API), it is not counted."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return write
        key = _thread_key(config)
        done: asyncio.Future[None] = loop.create_future()
        self._pending.setdefault(key, set()).add(done)
        return self._until_done(key, done, write)

    async def _until_done(
        self, key: tuple[str, str], done: asyncio.Future[None], write: Coroutine[Any, Any, None]
    ) -> None:
        try:
            await write
        finally:
            done.set_result(None)
            pending = self._pending.get(key)
            if pending is not None:
                pending.discard(done)
                if not pending:
                    del self._pending[key]

    async def wait(self, config: Any) -> None:
        """Until the writes of `config`'s thread tracked so far have ended (stored or
        refused)."""
        pending = self._pending.get(_thread_key(config))
        if pending:
            await asyncio.wait(list(pending))


def _thread_key(config: Any) -> tuple[str, str]:
    configurable = (config or {}).get("configurable") or {}
    return str(configurable.get("thread_id")), str(configurable.get("checkpoint_ns", ""))
