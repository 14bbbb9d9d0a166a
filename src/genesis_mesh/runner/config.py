"""The LangGraph config of a run: its thread, its id, who wrote each checkpoint, and what
the client gave (`configurable`, `recursion_limit`, `tags`, `metadata`)."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from genesis_mesh.protocol import RunInfo

RECURSION_LIMIT = 200

HOST_CONFIGURABLE_KEYS = frozenset(
    {"thread_id", "run_id", "checkpoint_id", "checkpoint_ns", "checkpoint_map"}
)
"""`configurable` keys the host sets for every run; a client's values for them are dropped."""

HOST_METADATA_PREFIX = "genesis_"
"""Checkpoint metadata keys the host writes (recovery trusts them); never a client's."""


def client_configurable(configurable: dict[str, Any]) -> dict[str, Any]:
    """A client's `configurable` without the keys the host owns (its own ids, LangGraph's
    `__pregel_*` internals, LangGraph Server's `langgraph_auth_*`)."""
    return {
        key: value
        for key, value in configurable.items()
        if key not in HOST_CONFIGURABLE_KEYS
        and not key.startswith("__")
        and not key.startswith("langgraph_auth_")
    }


def client_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if not k.startswith(HOST_METADATA_PREFIX)}


def run_config(
    run: RunInfo,
    from_checkpoint: str | None = None,
    attempt: int | None = None,
    worker_id: str | None = None,
) -> RunnableConfig:
    """Config for streaming or reading the run's thread. `from_checkpoint` forks the thread
    there (multitask `rollback`); `attempt` marks checkpoints with the claim that wrote them.
    The run's stored client config is merged under the host's keys."""
    given = run.config or {}
    configurable: dict[str, Any] = {
        **client_configurable(given.get("configurable") or {}),
        "thread_id": run.thread_id,
        "run_id": run.run_id,
    }
    if from_checkpoint:
        configurable["checkpoint_id"] = from_checkpoint
    metadata: dict[str, Any] = {
        **client_metadata(given.get("metadata") or {}),
        "genesis_run_id": run.run_id,
    }
    if attempt is not None:
        metadata.update(genesis_worker=worker_id, genesis_attempt=attempt)
    config: RunnableConfig = {
        "configurable": configurable,
        "metadata": metadata,
        "recursion_limit": given.get("recursion_limit") or RECURSION_LIMIT,
    }
    if given.get("tags"):
        config["tags"] = list(given["tags"])
    return config
