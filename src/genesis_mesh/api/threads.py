"""REST: the caller's threads (listed, searched, deleted) and their LangGraph checkpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from langgraph.errors import InvalidUpdateError
from pydantic import BaseModel, ConfigDict, Field

from genesis_mesh.api.access import OwnedThread
from genesis_mesh.api.deps import ServicesDep, UserDep
from genesis_mesh.api.forkcheck import check_fork_values
from genesis_mesh.api.limits import get_limits, user_key
from genesis_mesh.errors import InvalidInput, ThreadBusy
from genesis_mesh.protocol import ID_PATTERN, RunInfo, RunStatus, ThreadInfo
from genesis_mesh.serialization import serialize
from genesis_mesh.services import Services
from genesis_mesh.store.threads import ThreadStore

router = APIRouter(prefix="/api/v1/threads", tags=["threads"])

SINCE_PATTERN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$"
LIST_RUNS_SCANNED = 1000
"""Newest runs of the caller a thread list is built from."""


class RunBrief(BaseModel):
    """A run as a thread list shows it."""

    run_id: str
    status: RunStatus
    created_at: datetime
    updated_at: datetime
    input: Any = None
    error: dict[str, Any] | None = None
    superseded_by: str | None = None


class ThreadSummary(BaseModel):
    """One of the caller's threads with its runs, oldest first."""

    thread_id: str
    graph: str | None = None
    status: str | None = Field(
        default=None, description="Status of the thread's newest run (none: no run yet)."
    )
    created_at: datetime
    updated_at: datetime
    runs: list[RunBrief] = Field(default_factory=list)


_THREAD_FILTERS = {"q", "graph", "status", "since", "limit"}


@router.get("", summary="The caller's threads with their runs, newest activity first")
async def list_threads(
    services: ServicesDep,
    user: UserDep,
    request: Request,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Text found in the thread id, graph or a run's input."),
    ] = None,
    graph: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[RunStatus | None, Query(description="Status of the newest run.")] = None,
    since: Annotated[
        str | None,
        Query(
            max_length=40,
            pattern=SINCE_PATTERN,
            description="Active at or after this ISO 8601 date or time (UTC unless it says).",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ThreadSummary]:
    """Built from the caller's newest runs (and threads created without a run), so a
    browser, another browser or another machine signed in as the same user sees the same
    list; nobody else's threads are in it (admins see everyone's). An unknown filter is a
    422, not silently ignored."""
    unknown = sorted(set(request.query_params) - _THREAD_FILTERS)
    if unknown:
        raise InvalidInput(
            f"Unknown filter {unknown[0]!r}; filter threads by "
            f"{', '.join(sorted(_THREAD_FILTERS))}.",
            {"query": unknown},
        )
    runs = await services.store.list_runs(limit=LIST_RUNS_SCANNED, owner=user.owner_filter)
    by_thread: dict[str, list[RunInfo]] = {}
    for run in runs:
        by_thread.setdefault(run.thread_id, []).append(run)
    records = await ThreadStore(services.store.engine).search(user.owner_filter)
    summaries = []
    for record in records:
        thread_runs = sorted(by_thread.pop(record.thread_id, []), key=lambda r: r.created_at)
        summaries.append(_summary(record.thread_id, record.graph, record.created_at, thread_runs))
    for thread_id, thread_runs in by_thread.items():  # threads older than the records read
        thread_runs.sort(key=lambda r: r.created_at)
        summaries.append(_summary(thread_id, None, thread_runs[0].created_at, thread_runs))
    after = _moment(since)
    needle = (q or "").strip().casefold()
    found = [
        s
        for s in summaries
        if (graph is None or s.graph == graph)
        and (status is None or s.status == status.value)
        and (after is None or s.updated_at >= after)
        and (not needle or needle in _searchable(s))
    ]
    found.sort(key=lambda s: s.updated_at, reverse=True)
    return found[:limit]


@router.delete("/{thread_id}", status_code=204, summary="Delete a thread, its runs and checkpoints")
async def delete_thread(thread: OwnedThread, services: ServicesDep) -> Response:
    """409 `thread_busy` while a run of the thread is pending or running: cancel it first."""
    record = await ThreadStore(services.store.engine).get(thread.thread_id, None)
    if record is not None and record.active_status in ("pending", "running"):
        raise ThreadBusy(thread.thread_id, record.active_run_id or "?")
    await ThreadStore(services.store.engine).delete(thread.thread_id)
    if services.registry.checkpointer is not None:
        await services.registry.checkpointer.adelete_thread(thread.thread_id)
    return Response(status_code=204)


class ForkRequest(BaseModel):
    """Where to fork a thread, and what to change there first."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"checkpoint_id": "1f0…", "values": {"topic": "links"}}]},
    )

    checkpoint_id: str = Field(min_length=1, max_length=200, pattern=ID_PATTERN)
    values: dict[str, Any] | None = Field(
        default=None,
        description="State keys to set at the checkpoint (through the graph's reducers); "
        "none: continue from the checkpoint as it is.",
    )
    as_node: str | None = Field(
        default=None,
        max_length=200,
        pattern=ID_PATTERN,
        description="The node the change is written as (LangGraph infers the last one).",
    )


@router.post(
    "/{thread_id}/fork",
    status_code=202,
    summary="Time travel: a new run of the thread from an earlier checkpoint",
)
async def fork_thread(
    thread: OwnedThread,
    body: ForkRequest,
    services: ServicesDep,
    user: UserDep,
    request: Request,
) -> RunInfo:
    """Writes a fork checkpoint after `checkpoint_id` (a copy, or with `values` set),
    which becomes the thread's newest, then starts a run that continues from it: its
    first step is the one that followed the checkpoint. 409 `thread_busy` while a run of
    the thread is active; 422 for keys that are not state channels, values the state
    schema does not take (see `forkcheck`), or when LangGraph refuses the checkpoint or
    the values."""
    if thread.active_run_id is not None:
        raise ThreadBusy(thread.thread_id, thread.active_run_id)
    if body.values is not None and _has_nul(body.values):
        raise InvalidInput(
            "State values cannot contain NUL (\\u0000) in a key or a string (PostgreSQL "
            "cannot store it); remove it.",
            {"values": "NUL"},
        )
    graph = _graph_of(thread, services)
    if body.values is not None:
        check_fork_values(graph, body.values)
    config = {
        "configurable": {
            "thread_id": thread.thread_id,
            "checkpoint_ns": "",
            "checkpoint_id": body.checkpoint_id,
        }
    }
    try:
        if (await graph.aget_state(config)).created_at is None:
            raise InvalidInput(
                f"Thread {thread.thread_id!r} has no checkpoint {body.checkpoint_id!r}; "
                "pick one from GET /api/v1/threads/{id}/history.",
                {"checkpoint_id": body.checkpoint_id},
            )
        if body.values is None:
            await graph.aupdate_state(config, None, as_node="__copy__")
        else:
            await graph.aupdate_state(config, body.values, as_node=body.as_node)
    except (InvalidUpdateError, ValueError, TypeError, KeyError, NotImplementedError) as exc:
        raise InvalidInput(
            f"LangGraph refused the fork: {exc}; send values the graph's state accepts, "
            "and as_node naming one of its nodes.",
            {"checkpoint_id": body.checkpoint_id, "as_node": body.as_node},
        ) from exc
    async with get_limits(request).admit_run(user_key(request), services.store) as admitted:
        run = await services.runner.create_run(
            thread.graph or "", None, thread.thread_id, owner=user.user_id
        )
        admitted(run.run_id)
    return run


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _summary(
    thread_id: str, graph: str | None, created_at: datetime, runs: list[RunInfo]
) -> ThreadSummary:
    briefs = [RunBrief.model_validate(r.model_dump()) for r in runs]
    return ThreadSummary(
        thread_id=thread_id,
        graph=graph or (runs[-1].graph if runs else None),
        status=runs[-1].status.value if runs else None,
        created_at=created_at,
        updated_at=max([created_at, *(r.updated_at for r in runs)]),
        runs=briefs,
    )


def _searchable(summary: ThreadSummary) -> str:
    inputs = [json.dumps(r.input, ensure_ascii=False, default=str) for r in summary.runs]
    return " ".join([summary.thread_id, summary.graph or "", *inputs]).casefold()


def _moment(text: str | None) -> datetime | None:
    """`since` as an aware datetime; a date that does not exist (2024-02-30) is a 422."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RequestValidationError(
            [{"loc": ("query", "since"), "msg": "not a valid date or time", "type": "value_error"}]
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
