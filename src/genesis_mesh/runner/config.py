"""The LangGraph config of a run: its thread, its id, and who wrote each checkpoint."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from genesis_mesh.protocol import RunInfo

RECURSION_LIMIT = 200


def run_config(
    run: RunInfo,
    from_checkpoint: str | None = None,
    attempt: int | None = None,
    worker_id: str | None = None,
) -> RunnableConfig:
    """Config for streaming or reading the run's thread. `from_checkpoint` forks the thread
    there (multitask `rollback`); `attempt` marks checkpoints with the claim that wrote them."""
    configurable: dict[str, Any] = {"thread_id": run.thread_id, "run_id": run.run_id}
    if from_checkpoint:
        configurable["checkpoint_id"] = from_checkpoint
    metadata: dict[str, Any] = {"genesis_run_id": run.run_id}
    if attempt is not None:
        metadata.update(genesis_worker=worker_id, genesis_attempt=attempt)
    return {"configurable": configurable, "metadata": metadata, "recursion_limit": RECURSION_LIMIT}
