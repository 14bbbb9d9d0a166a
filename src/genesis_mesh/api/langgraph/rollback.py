"""Cancel with `action=rollback`: the run stops, and goes as if it had never run.

As on a LangGraph Server the run is deleted with its events, and the thread's state goes
back to what it was before the run: the newest checkpoint the run did not write is
copied to the head of the thread (LangGraph's `as_node="__copy__"` update), so the
checkpoints the run wrote stay in the history as a branch nobody continues. A run that
was its thread's first leaves no checkpoints behind.
"""

from __future__ import annotations

from typing import Any

from genesis_mesh.errors import StopTimedOut
from genesis_mesh.protocol import InterruptMode, RunInfo
from genesis_mesh.services import Services
from genesis_mesh.store.threads import delete_run


async def roll_back(services: Services, run: RunInfo) -> None:
    """Cancel `run`, put its thread's state back to before it, delete it."""
    stopped = await services.runner.interrupt(run.run_id, InterruptMode.CANCEL)
    if not stopped.status.is_final:
        raise StopTimedOut(run.run_id, "cancel", services.runner.options.interrupt_wait_seconds)
    graph = services.registry.get(run.graph).compiled()
    before = await _checkpoint_before(graph, run)
    checkpointer = services.registry.checkpointer
    if before is None:
        if checkpointer is not None:
            await checkpointer.adelete_thread(run.thread_id)
    else:
        await graph.aupdate_state(before, None, as_node="__copy__")
    await delete_run(services.store.engine, run.run_id)


async def _checkpoint_before(graph: Any, run: RunInfo) -> Any | None:
    """The config of the thread's newest checkpoint that `run` did not write."""
    config: Any = {"configurable": {"thread_id": run.thread_id}}
    async for snapshot in graph.aget_state_history(config):
        if (snapshot.metadata or {}).get("genesis_run_id") != run.run_id:
            return snapshot.config
    return None
