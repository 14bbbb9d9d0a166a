"""Recovery after a process died: find its runs, rebuild lost events, continue them.

The checkpoint is the truth: a run whose latest checkpoint is its own resumes from it
(after `node.completed` events that died with the process are rebuilt from the checkpoint
history); a run that never reached one starts again from its input.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from langgraph.pregel import Pregel

from genesis_mesh.protocol import EventType, RunInfo, RunStatus
from genesis_mesh.runner.events import HIDDEN_NODES, EventDraft, describe_error, to_jsonable

if TYPE_CHECKING:
    from genesis_mesh.runner.runner import Runner

logger = logging.getLogger(__name__)


async def recover_runs(runner: Runner) -> None:
    """Restart runs left `pending`/`running` by a dead process, or paused by a shutdown."""
    try:
        candidates = await runner.store.list_runs(
            statuses=(RunStatus.PENDING, RunStatus.RUNNING, RunStatus.INTERRUPTED),
            limit=100_000,
        )
    except Exception:
        logger.exception("could not list the runs to recover; they wait for the next start")
        return
    for run in candidates:
        if runner.is_executing(run.run_id):
            continue
        if (
            run.status == RunStatus.INTERRUPTED
            and (run.interrupt or {}).get("reason") != "shutdown"
        ):
            continue
        try:
            await _recover_one(runner, run)
        except Exception:  # one run's trouble must not keep the host from starting
            logger.exception("recovering run %s failed; it waits for the next start", run.run_id)


async def _recover_one(runner: Runner, run: RunInfo) -> None:
    try:
        payload = await recovery_payload(runner, run)
    except Exception as exc:
        logger.warning("run %s cannot be resumed: %s", run.run_id, exc)
        await runner.finish(
            run.run_id,
            EventDraft(EventType.RUN_FAILED, None, {"error": describe_error(exc)}),
            status=RunStatus.FAILED,
            error=describe_error(exc),
        )
        return
    logger.info("recovering run %s (%s)", run.run_id, run.status)
    opening = EventDraft(EventType.RUN_RESUMED, None, {"reason": "recovered"})
    runner.launch(run, payload, opening, None)


async def recovery_payload(runner: Runner, run: RunInfo) -> Any:
    """None (continue from the run's own checkpoint) or the run's input (start again)."""
    graph = runner.registry.get(run.graph).compiled()
    config = runner.run_config(run)
    state = await graph.aget_state(config)
    if state.metadata and state.metadata.get("genesis_run_id") == run.run_id:
        await _reconcile_completions(runner, run, graph)
        return None
    return run.input


async def _reconcile_completions(
    runner: Runner, run: RunInfo, graph: Pregel[Any, Any, Any, Any]
) -> None:
    """Emit `node.completed` for nodes whose checkpoint was committed but whose event
    died with the process (the checkpoint is the truth; events are derived from it)."""
    stored = await runner.store.completed_task_ids(run.run_id)
    missing: list[EventDraft] = []
    async for snapshot in graph.aget_state_history(runner.run_config(run)):
        if (snapshot.metadata or {}).get("genesis_run_id") != run.run_id:
            break
        step = (snapshot.metadata or {}).get("step", 0)
        for task in reversed(snapshot.tasks):
            if task.id in stored or task.name in HIDDEN_NODES:
                continue
            if task.result is None or task.error or task.interrupts:
                continue
            data = {"task_id": task.id, "step": step, "update": to_jsonable(task.result)}
            missing.append(EventDraft(EventType.NODE_COMPLETED, task.name, data))
    if missing:
        await runner.events.open_run(run.run_id)
        for draft in reversed(missing):
            runner.events.append(run.run_id, draft)
        await runner.events.flush()
