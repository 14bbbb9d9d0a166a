"""The protocol's `state.get` and `state.listCheckpoints`: a thread's LangGraph state
and checkpoints, read from its checkpointer as the REST threads APIs read them.

A namespace is the protocol's (`["review:<task id>"]`); it names a subgraph's own
checkpoints, LangGraph's `checkpoint_ns` (`review:<task id>`, `|` between levels).
A thread that has not run yet has no graph: its state is empty, with no checkpoint.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from genesis_mesh.api.langgraph.threads import graph_of
from genesis_mesh.errors import ThreadNotFound
from genesis_mesh.protocol import ID_PATTERN
from genesis_mesh.serialization import serialize
from genesis_mesh.services import Services
from genesis_mesh.store.threads import ThreadRecord, ThreadStore

_SEGMENT = Annotated[str, Field(min_length=1, max_length=400)]
_KEY = Annotated[str, Field(min_length=1, max_length=200)]


class StateGetParams(BaseModel):
    """`langchain_protocol.StateGetParams`."""

    model_config = ConfigDict(extra="ignore")

    namespace: list[_SEGMENT] = Field(default_factory=list, max_length=64)
    keys: list[_KEY] | None = Field(default=None, max_length=1000)


class ListCheckpointsParams(BaseModel):
    """`langchain_protocol.ListCheckpointsParams`; `before` is a checkpoint id (the last
    one of the page before)."""

    model_config = ConfigDict(extra="ignore")

    namespace: list[_SEGMENT] = Field(default_factory=list, max_length=64)
    limit: int = Field(default=10, ge=1, le=1000)
    before: str | None = Field(default=None, min_length=1, max_length=200, pattern=ID_PATTERN)


class StateError(Exception):
    """A state read refused: `no_such_namespace` or `no_such_checkpoint`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


async def owned_record(services: Services, owner_filter: Any, thread_id: str) -> ThreadRecord:
    record = await ThreadStore(services.store.engine).get(thread_id, owner_filter)
    if record is None:
        raise ThreadNotFound(thread_id)
    return record


def config_of(
    thread_id: str, namespace: list[str], checkpoint_id: str | None = None
) -> dict[str, Any]:
    configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": "|".join(namespace)}
    if checkpoint_id is not None:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


async def get_state(
    services: Services, record: ThreadRecord, params: StateGetParams
) -> dict[str, Any]:
    """A `StateGetResult`: the values (only `keys`, when given) and the checkpoint."""
    graph = graph_of(services, record)
    if graph is None:
        if params.namespace:
            raise _no_namespace(params.namespace)
        return {"values": {}}
    snapshot = await _snapshot(graph, config_of(record.thread_id, params.namespace))
    if snapshot.created_at is None and params.namespace:
        raise _no_namespace(params.namespace)
    values = serialize(snapshot.values)
    if not isinstance(values, dict):
        values = {"value": values}
    if params.keys is not None:
        values = {key: values[key] for key in params.keys if key in values}
    result: dict[str, Any] = {"values": values}
    configurable = (snapshot.config or {}).get("configurable", {})
    if snapshot.created_at is not None and configurable.get("checkpoint_id"):
        result["checkpoint"] = {
            "id": str(configurable["checkpoint_id"]),
            "ns": str(configurable.get("checkpoint_ns", "")),
        }
    return result


async def list_checkpoints(
    services: Services, record: ThreadRecord, params: ListCheckpointsParams
) -> dict[str, Any]:
    """A `ListCheckpointsResult`, newest first. `node_name` is the node whose step wrote
    the checkpoint, when one node ran in it (the `next` of the checkpoint before)."""
    graph = graph_of(services, record)
    if graph is None:
        if params.namespace:
            raise _no_namespace(params.namespace)
        return {"checkpoints": []}
    config = config_of(record.thread_id, params.namespace)
    before = (
        None
        if params.before is None
        else config_of(record.thread_id, params.namespace, params.before)
    )
    try:
        snapshots = [
            snapshot
            async for snapshot in graph.aget_state_history(
                config, before=before, limit=params.limit + 1
            )
        ]
    except ValueError as exc:  # LangGraph: "Subgraph … not found"
        raise _no_namespace(params.namespace) from exc
    summaries = []
    for index, snapshot in enumerate(snapshots[: params.limit]):
        parent = snapshots[index + 1] if index + 1 < len(snapshots) else None
        summaries.append(_summary(snapshot, parent))
    return {"checkpoints": summaries}


async def checkpoint_exists(graph: Any, thread_id: str, checkpoint_id: str) -> bool:
    snapshot = await _snapshot(graph, config_of(thread_id, [], checkpoint_id))
    return snapshot.created_at is not None


async def _snapshot(graph: Any, config: dict[str, Any]) -> Any:
    try:
        return await graph.aget_state(config)
    except ValueError as exc:  # LangGraph: "Subgraph … not found"
        namespace = config["configurable"]["checkpoint_ns"]
        raise _no_namespace(namespace.split("|") if namespace else []) from exc


def _summary(snapshot: Any, parent: Any) -> dict[str, Any]:
    metadata = serialize(snapshot.metadata or {})
    summary: dict[str, Any] = {
        "id": str(snapshot.config["configurable"]["checkpoint_id"]),
        "timestamp": str(snapshot.created_at),
        "step": int(metadata.get("step", 0)),
        "metadata": metadata,
    }
    ran = list(parent.next) if parent is not None else []
    if metadata.get("source") == "loop" and len(ran) == 1:
        summary["node_name"] = str(ran[0])
    return summary


def _no_namespace(namespace: list[str]) -> StateError:
    return StateError(
        "no_such_namespace",
        f"the thread has no checkpoints at namespace {namespace!r}: use [] for the root, or "
        "a subgraph's namespace as its events carry it (name:<task id>)",
    )
