"""Multitask policies: what starting a run does to the thread's active run.

`reject` and `enqueue` are the store's business (refuse, or insert `queued`). `interrupt`
pauses the active run at its next node boundary and the new run takes its place on top of
the thread's state; `rollback` cancels it and forks the thread from its last checkpoint
before that run. A run that waits for a human answer is never dropped silently: only
`enqueue` (after it) and `rollback` (an explicit discard) go past it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from genesis_mesh.errors import StopTimedOut, ThreadAwaitsAnswer, ThreadNotFound
from genesis_mesh.protocol import InterruptMode, MultitaskPolicy, RunInfo, RunStatus
from genesis_mesh.registry import GraphRegistry
from genesis_mesh.store.run_store import RunStore

StopRun = Callable[[str, InterruptMode], Awaitable[RunInfo]]
"""Pause or cancel a run and answer it as it is after the stop (`Runner.interrupt`)."""


@dataclass
class Room:
    """How the new run goes onto its thread."""

    supersede: str | None = None
    dispatch: dict[str, Any] = field(default_factory=dict)


@dataclass
class Multitask:
    """Makes room on a thread for a new run, by the policy the request names."""

    store: RunStore
    registry: GraphRegistry
    stop: StopRun
    wait_seconds: float

    async def make_room(self, thread_id: str | None, policy: MultitaskPolicy) -> Room:
        if thread_id is None or policy in (MultitaskPolicy.REJECT, MultitaskPolicy.ENQUEUE):
            return Room()
        try:
            thread = await self.store.get_thread(thread_id)
        except ThreadNotFound:
            return Room()
        if thread.active_run_id is None:
            return Room()
        active = await self.store.get_run(thread.active_run_id)
        if policy == MultitaskPolicy.INTERRUPT:
            return await self._interrupt(active)
        return await self._rollback(active)

    async def _interrupt(self, active: RunInfo) -> Room:
        if _awaits_answer(active):
            raise ThreadAwaitsAnswer(active.thread_id, active.run_id, MultitaskPolicy.INTERRUPT)
        if active.status != RunStatus.INTERRUPTED:
            active = await self.stop(active.run_id, InterruptMode.PAUSE)
        if active.status.is_final:
            return Room()
        if active.status != RunStatus.INTERRUPTED:
            raise StopTimedOut(active.run_id, "pause", self.wait_seconds)
        return Room(supersede=active.run_id)

    async def _rollback(self, active: RunInfo) -> Room:
        stopped = await self.stop(active.run_id, InterruptMode.CANCEL)
        if not stopped.status.is_final:
            raise StopTimedOut(active.run_id, "cancel", self.wait_seconds)
        checkpoint = await self._checkpoint_before(active)
        if checkpoint is None:
            # The cancelled run was the thread's first: nothing before it to keep.
            if self.registry.checkpointer is not None:
                await self.registry.checkpointer.adelete_thread(active.thread_id)
            return Room()
        return Room(dispatch={"from_checkpoint": checkpoint})

    async def _checkpoint_before(self, run: RunInfo) -> str | None:
        """The newest checkpoint of the thread that `run` did not write."""
        graph = self.registry.get(run.graph).compiled()
        config: Any = {"configurable": {"thread_id": run.thread_id}}
        async for snapshot in graph.aget_state_history(config):
            if (snapshot.metadata or {}).get("genesis_run_id") != run.run_id:
                checkpoint_id = snapshot.config["configurable"].get("checkpoint_id")
                return None if checkpoint_id is None else str(checkpoint_id)
        return None


def _awaits_answer(run: RunInfo) -> bool:
    return run.status == RunStatus.INTERRUPTED and (run.interrupt or {}).get("reason") == "question"
