"""Recovery after a process died: where a run continues from, and the events it lost.

The checkpoint is the truth: a run whose latest checkpoint is its own resumes from it
(after `node.completed` events that died with the process are rebuilt from the checkpoint
history); a run that never reached one starts again from its input.
"""

from __future__ import annotations

from typing import Any

from langgraph.pregel import Pregel

from genesis_mesh.protocol import EventType, RunInfo, RunStatus
from genesis_mesh.registry import GraphRegistry
from genesis_mesh.runner.config import run_config
from genesis_mesh.runner.event_log import EventLog
from genesis_mesh.runner.events import HIDDEN_NODES, EventDraft
from genesis_mesh.serialization import serialize
from genesis_mesh.store.run_store import RunStore


def needs_recovery(run: RunInfo) -> bool:
    """Left `pending`/`running` by a dead process, or paused by a shutdown."""
    if run.status == RunStatus.INTERRUPTED:
        return (run.interrupt or {}).get("reason") == "shutdown"
    return run.status in (RunStatus.PENDING, RunStatus.RUNNING)


async def recovery_payload(
    store: RunStore, registry: GraphRegistry, events: EventLog, run: RunInfo
) -> Any:
    """None (continue from the run's own checkpoint) or the run's input (start again)."""
    graph = registry.get(run.graph).compiled()
    state = await graph.aget_state(run_config(run))
    if state.metadata and state.metadata.get("genesis_run_id") == run.run_id:
        await _reconcile_completions(store, events, run, graph)
        return None
    return run.input


async def continuation_payload(
    store: RunStore, registry: GraphRegistry, events: EventLog, run: RunInfo
) -> Any:
    """What a resume without an answer (a breakpoint, a pause, a retry) continues with, as
    `Runner.resume` in one process: None while the thread's newest checkpoint has work
    left, also when it is a state update made at the run's breakpoint (not the run's own
    checkpoint); the run's input only for a run that stopped before its first step."""
    payload = await recovery_payload(store, registry, events, run)
    if payload is None:
        return None
    state = await registry.get(run.graph).compiled().aget_state(run_config(run))
    return None if state.next else payload


async def _reconcile_completions(
    store: RunStore, events: EventLog, run: RunInfo, graph: Pregel[Any, Any, Any, Any]
) -> None:
    """Emit `node.completed` for nodes whose checkpoint was committed but whose event
    died with the process (the checkpoint is the truth; events are derived from it)."""
    stored = await store.completed_task_ids(run.run_id)
    missing: list[EventDraft] = []
    async for snapshot in graph.aget_state_history(run_config(run)):
        if (snapshot.metadata or {}).get("genesis_run_id") != run.run_id:
            break
        step = (snapshot.metadata or {}).get("step", 0)
        for task in reversed(snapshot.tasks):
            if task.id in stored or task.name in HIDDEN_NODES:
                continue
            if task.result is None or task.error or task.interrupts:
                continue
            data = {"task_id": task.id, "step": step, "update": serialize(task.result)}
            missing.append(EventDraft(EventType.NODE_COMPLETED, task.name, data))
    if missing:
        await events.open_run(run.run_id)
        for draft in reversed(missing):
            events.append(run.run_id, draft)
        await events.flush()
