"""REST: threads and their LangGraph checkpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from genesis_mesh.api.access import OwnedThread
from genesis_mesh.api.deps import ServicesDep
from genesis_mesh.protocol import ThreadInfo
from genesis_mesh.serialization import serialize
from genesis_mesh.services import Services

router = APIRouter(prefix="/api/v1/threads", tags=["threads"])


@router.get("/{thread_id}", summary="One thread and its runs")
async def get_thread(thread: OwnedThread) -> ThreadInfo:
    return thread


@router.get("/{thread_id}/state", summary="The thread's latest checkpointed state")
async def get_state(thread: OwnedThread, services: ServicesDep) -> dict[str, Any]:
    graph = _graph_of(thread, services)
    snapshot = await graph.aget_state(_config(thread.thread_id))
    return _snapshot(snapshot)


@router.get("/{thread_id}/history", summary="The thread's checkpoints, newest first")
async def get_history(
    thread: OwnedThread,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    graph = _graph_of(thread, services)
    config = _config(thread.thread_id)
    return [_snapshot(s) async for s in graph.aget_state_history(config, limit=limit)]


def _graph_of(thread: ThreadInfo, services: Services) -> Any:
    return services.registry.get(thread.graph or "").compiled()


def _config(thread_id: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id}}


def _snapshot(snapshot: Any) -> dict[str, Any]:
    metadata = snapshot.metadata or {}
    parent = snapshot.parent_config or {}
    return {
        "values": serialize(snapshot.values),
        "next": list(snapshot.next),
        "interrupts": [{"id": i.id, "value": serialize(i.value)} for i in snapshot.interrupts],
        "checkpoint_id": (snapshot.config or {}).get("configurable", {}).get("checkpoint_id"),
        "parent_checkpoint_id": parent.get("configurable", {}).get("checkpoint_id"),
        "step": metadata.get("step"),
        "source": metadata.get("source"),
        "run_id": metadata.get("genesis_run_id"),
        "worker": metadata.get("genesis_worker"),
        "attempt": metadata.get("genesis_attempt"),
        "created_at": snapshot.created_at,
    }
