"""Threads and their state: the host's thread records, and LangGraph's checkpoints read
and written through the thread's compiled graph."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from langgraph.errors import InvalidUpdateError
from pydantic import BaseModel, ConfigDict, Field

from genesis_mesh.api.deps import ServicesDep, ThreadIdPath, UserDep
from genesis_mesh.api.langgraph.host_keys import without_host_keys
from genesis_mesh.auth.identity import Identity
from genesis_mesh.checkpointers import copy_thread as copy_checkpoints
from genesis_mesh.errors import (
    AlreadyExists,
    InvalidInput,
    ThreadBusy,
    ThreadNotFound,
    UnsupportedOption,
)
from genesis_mesh.protocol import ID_PATTERN, JsonObject, JsonValue
from genesis_mesh.serialization import serialize
from genesis_mesh.services import Services
from genesis_mesh.store.threads import (
    ThreadRecord,
    ThreadStore,
    create_thread_row,
    delete_thread_rows,
)

router = APIRouter(prefix="/threads", tags=["langgraph"])

CheckpointIdPath = Annotated[str, Path(min_length=1, max_length=200, pattern=ID_PATTERN)]


class Checkpoint(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    thread_id: str | None = None
    checkpoint_ns: str = ""
    checkpoint_id: str | None = None


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    thread_id: str | None = Field(default=None, min_length=1, max_length=200, pattern=ID_PATTERN)
    metadata: JsonObject = Field(default_factory=dict)
    if_exists: Literal["raise", "do_nothing"] = "raise"
    supersteps: list[Any] | None = None
    ttl: Any = None


class ThreadPatch(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    metadata: JsonObject = Field(default_factory=dict)


class ThreadSearch(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    metadata: JsonObject | None = None
    values: JsonObject | None = None
    ids: list[str] | None = Field(default=None, max_length=1000)
    status: Literal["idle", "busy", "interrupted", "error"] | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=1_000_000)
    sort_by: Literal["thread_id", "status", "created_at", "updated_at"] | None = None
    sort_order: Literal["asc", "desc"] | None = None
    select: list[str] | None = None


class StateUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    values: JsonValue = None
    as_node: str | None = Field(default=None, max_length=200, pattern=ID_PATTERN)
    checkpoint: Checkpoint | None = None
    checkpoint_id: str | None = Field(default=None, max_length=200, pattern=ID_PATTERN)


class StateAtCheckpoint(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    checkpoint: Checkpoint
    subgraphs: bool = False


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    limit: int = Field(default=10, ge=1, le=1000)
    before: str | Checkpoint | None = None
    metadata: JsonObject | None = None
    checkpoint: Checkpoint | None = None


# ---- translation ---------------------------------------------------------------------


def status_of(record: ThreadRecord) -> str:
    """The LangGraph thread status of a thread's runs."""
    if record.active_status in ("pending", "running", "queued"):
        return "busy"
    if record.active_status == "interrupted":
        return "interrupted"
    if record.last_status == "failed":
        return "error"
    return "idle"


def graph_of(services: Services, record: ThreadRecord) -> Any | None:
    """The compiled graph whose checkpoints the thread holds (None: no run yet)."""
    name = record.graph or record.metadata.get("graph_id")
    if not isinstance(name, str) or name not in services.registry.entries:
        return None
    return services.registry.get(name).compiled()


def checkpoint_wire(config: Any) -> dict[str, Any] | None:
    if not config:
        return None
    configurable = config.get("configurable", {})
    return {
        "thread_id": configurable.get("thread_id"),
        "checkpoint_ns": configurable.get("checkpoint_ns", ""),
        "checkpoint_id": configurable.get("checkpoint_id"),
        "checkpoint_map": configurable.get("checkpoint_map"),
    }


def interrupt_wire(interrupt: Any) -> dict[str, Any]:
    return {"id": interrupt.id, "value": serialize(interrupt.value)}


def state_wire(snapshot: Any) -> dict[str, Any]:
    """A LangGraph `StateSnapshot` as the LangGraph Server's `ThreadState`."""
    return {
        "values": serialize(snapshot.values),
        "next": list(snapshot.next),
        "tasks": [
            {
                "id": task.id,
                "name": task.name,
                "error": None if task.error is None else str(task.error),
                "interrupts": [interrupt_wire(i) for i in task.interrupts],
                "checkpoint": None,
                "state": None,
                "result": serialize(task.result),
            }
            for task in snapshot.tasks
        ],
        "metadata": serialize(without_host_keys(snapshot.metadata or {})),
        "created_at": snapshot.created_at,
        "checkpoint": checkpoint_wire(snapshot.config),
        "parent_checkpoint": checkpoint_wire(snapshot.parent_config),
        "interrupts": [interrupt_wire(i) for i in snapshot.interrupts],
    }


def empty_state(thread_id: str) -> dict[str, Any]:
    return {
        "values": {},
        "next": [],
        "tasks": [],
        "metadata": {},
        "created_at": None,
        "checkpoint": {
            "thread_id": thread_id,
            "checkpoint_ns": "",
            "checkpoint_id": None,
            "checkpoint_map": None,
        },
        "parent_checkpoint": None,
        "interrupts": [],
    }


async def thread_wire(services: Services, record: ThreadRecord) -> dict[str, Any]:
    """A thread as the LangGraph Server shows it, with its latest values and interrupts."""
    values: Any = None
    interrupts: dict[str, list[dict[str, Any]]] = {}
    graph = graph_of(services, record)
    if graph is not None:
        snapshot = await graph.aget_state(_config(record.thread_id))
        if snapshot.created_at is not None:
            values = serialize(snapshot.values)
        for task in snapshot.tasks:
            if task.interrupts:
                interrupts[task.id] = [interrupt_wire(i) for i in task.interrupts]
    return {
        "thread_id": record.thread_id,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "metadata": record.metadata,
        "status": status_of(record),
        "values": values,
        "interrupts": interrupts,
    }


def _config(thread_id: str, checkpoint: Checkpoint | None = None) -> dict[str, Any]:
    configurable: dict[str, Any] = {"thread_id": thread_id}
    if checkpoint is not None:
        configurable["checkpoint_ns"] = checkpoint.checkpoint_ns
        if checkpoint.checkpoint_id:
            configurable["checkpoint_id"] = checkpoint.checkpoint_id
    return {"configurable": configurable}


# ---- access --------------------------------------------------------------------------


async def owned_thread(services: Services, user: Identity, thread_id: str) -> ThreadRecord:
    """The thread if `user` may see it; `ThreadNotFound` otherwise."""
    found = await ThreadStore(services.store.engine).get(thread_id, user.owner_filter)
    if found is None:
        raise ThreadNotFound(thread_id)
    return found


# ---- routes --------------------------------------------------------------------------


@router.post("", summary="LangGraph Server API: create a thread")
async def create_thread(body: ThreadCreate, services: ServicesDep, user: UserDep) -> Any:
    if body.supersteps:
        raise UnsupportedOption("supersteps", "seeding a thread with updates is not served.")
    store = ThreadStore(services.store.engine)
    thread_id = body.thread_id or str(uuid.uuid4())
    created = await create_thread_row(services.store.db, thread_id, user.user_id, body.metadata)
    if created is None:
        existing = await store.get(thread_id, user.owner_filter)
        if existing is None or body.if_exists == "raise":
            raise AlreadyExists("thread", thread_id)
        created = existing
    return await thread_wire(services, created)


@router.post("/search", summary="LangGraph Server API: search threads")
async def search_threads(
    body: ThreadSearch, services: ServicesDep, user: UserDep
) -> list[dict[str, Any]]:
    found = await _matching(services, user, body)
    key = body.sort_by or "created_at"
    found.sort(key=lambda t: t[key], reverse=(body.sort_order or "desc") == "desc")
    page = found[body.offset : body.offset + body.limit]
    if body.select:
        page = [{k: v for k, v in item.items() if k in body.select} for item in page]
    return page


@router.post("/count", summary="LangGraph Server API: count threads")
async def count_threads(body: ThreadSearch, services: ServicesDep, user: UserDep) -> int:
    return len(await _matching(services, user, body))


async def _matching(services: Services, user: Identity, body: ThreadSearch) -> list[dict[str, Any]]:
    from genesis_mesh.api.langgraph.assistants import contains

    records = await ThreadStore(services.store.engine).search(user.owner_filter, body.ids)
    records = [r for r in records if contains(r.metadata, body.metadata)]
    if body.status is not None:
        records = [r for r in records if status_of(r) == body.status]
    threads = [await thread_wire(services, r) for r in records]
    if body.values:
        threads = [t for t in threads if contains(t["values"] or {}, body.values)]
    return threads


@router.get("/{thread_id}", summary="LangGraph Server API: one thread")
async def get_thread(thread_id: ThreadIdPath, services: ServicesDep, user: UserDep) -> Any:
    return await thread_wire(services, await owned_thread(services, user, thread_id))


@router.patch("/{thread_id}", summary="LangGraph Server API: merge metadata into a thread")
async def patch_thread(
    thread_id: ThreadIdPath, body: ThreadPatch, services: ServicesDep, user: UserDep
) -> Any:
    record = await owned_thread(services, user, thread_id)
    metadata = {**record.metadata, **body.metadata}
    await ThreadStore(services.store.engine).set_metadata(thread_id, metadata)
    return await thread_wire(services, await owned_thread(services, user, thread_id))


@router.delete("/{thread_id}", status_code=204, summary="LangGraph Server API: delete")
async def delete_thread(thread_id: ThreadIdPath, services: ServicesDep, user: UserDep) -> Response:
    record = await owned_thread(services, user, thread_id)
    if record.active_status in ("pending", "running"):
        raise ThreadBusy(thread_id, record.active_run_id or "?")
    await remove_thread(services, thread_id)
    return Response(status_code=204)


async def remove_thread(services: Services, thread_id: str) -> None:
    """Delete a thread with its runs, their events and its checkpoints."""
    await delete_thread_rows(services.store.db, thread_id)
    if services.registry.checkpointer is not None:
        await services.registry.checkpointer.adelete_thread(thread_id)


@router.post("/{thread_id}/copy", summary="LangGraph Server API: copy a thread")
async def copy_thread(thread_id: ThreadIdPath, services: ServicesDep, user: UserDep) -> Any:
    """A new thread of the caller's with the same metadata and every checkpoint (no runs)."""
    record = await owned_thread(services, user, thread_id)
    store = ThreadStore(services.store.engine)
    copy_id = str(uuid.uuid4())
    created = await store.create(copy_id, user.user_id, record.metadata, record.graph)
    if created is None:
        raise AlreadyExists("thread", copy_id)
    if services.registry.checkpointer is not None:
        await copy_checkpoints(services.registry.checkpointer, thread_id, copy_id)
    return await thread_wire(services, created)


@router.get("/{thread_id}/state", summary="LangGraph Server API: the thread's state")
async def get_state(thread_id: ThreadIdPath, services: ServicesDep, user: UserDep) -> Any:
    return await _state(services, user, thread_id, None)


@router.get(
    "/{thread_id}/state/{checkpoint_id}", summary="LangGraph Server API: state at a checkpoint"
)
async def get_state_at(
    thread_id: ThreadIdPath, checkpoint_id: CheckpointIdPath, services: ServicesDep, user: UserDep
) -> Any:
    return await _state(services, user, thread_id, Checkpoint(checkpoint_id=checkpoint_id))


@router.post("/{thread_id}/state/checkpoint", summary="LangGraph Server API: state at a checkpoint")
async def post_state_at(
    thread_id: ThreadIdPath, body: StateAtCheckpoint, services: ServicesDep, user: UserDep
) -> Any:
    return await _state(services, user, thread_id, body.checkpoint)


async def _state(
    services: Services, user: Identity, thread_id: str, checkpoint: Checkpoint | None
) -> dict[str, Any]:
    record = await owned_thread(services, user, thread_id)
    graph = graph_of(services, record)
    if graph is None:
        return empty_state(thread_id)
    return state_wire(await graph.aget_state(_config(thread_id, checkpoint)))


@router.post("/{thread_id}/state", summary="LangGraph Server API: update the state")
async def update_state(
    thread_id: ThreadIdPath, body: StateUpdate, services: ServicesDep, user: UserDep
) -> dict[str, Any]:
    record = await owned_thread(services, user, thread_id)
    if record.active_status in ("pending", "running"):
        raise ThreadBusy(thread_id, record.active_run_id or "?")
    graph = graph_of(services, record)
    if graph is None:
        raise UnsupportedOption(
            "values",
            "the thread has no graph yet: run it once, or create it with metadata.graph_id.",
        )
    checkpoint = body.checkpoint
    if checkpoint is None and body.checkpoint_id:
        checkpoint = Checkpoint(checkpoint_id=body.checkpoint_id)
    try:
        config = await graph.aupdate_state(
            _config(thread_id, checkpoint), body.values, as_node=body.as_node
        )
    except (InvalidUpdateError, ValueError, TypeError, KeyError, NotImplementedError) as exc:
        raise InvalidInput(
            f"LangGraph refused the update: {exc}; send values the graph's state accepts, "
            "and as_node naming one of its nodes.",
            {"as_node": body.as_node},
        ) from exc
    return {"checkpoint": checkpoint_wire(config)}


@router.post("/{thread_id}/history", summary="LangGraph Server API: checkpoints, newest first")
async def post_history(
    thread_id: ThreadIdPath, body: HistoryQuery, services: ServicesDep, user: UserDep
) -> list[dict[str, Any]]:
    return await _history(services, user, thread_id, body)


@router.get("/{thread_id}/history", summary="LangGraph Server API: checkpoints, newest first")
async def get_history(
    thread_id: ThreadIdPath,
    services: ServicesDep,
    user: UserDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
    before: Annotated[str | None, Query(max_length=200)] = None,
) -> list[dict[str, Any]]:
    return await _history(services, user, thread_id, HistoryQuery(limit=limit, before=before))


async def _history(
    services: Services, user: Identity, thread_id: str, body: HistoryQuery
) -> list[dict[str, Any]]:
    record = await owned_thread(services, user, thread_id)
    graph = graph_of(services, record)
    if graph is None:
        return []
    before = body.before
    if isinstance(before, str):
        before = Checkpoint(checkpoint_id=before)
    return [
        state_wire(snapshot)
        async for snapshot in graph.aget_state_history(
            _config(thread_id, body.checkpoint),
            filter=body.metadata,
            before=None if before is None else _config(thread_id, before),
            limit=body.limit,
        )
    ]
