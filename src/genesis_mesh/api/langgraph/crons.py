"""Crons: runs on a schedule, on a thread (`/threads/{id}/runs/crons`) or each on a new
thread (`/runs/crons`); created, updated, searched, counted and deleted as the SDK's
`CronClient` calls them, owned like threads.

The schedule is stored (`store/crons.py`); every host process looks for due crons
(`CronScheduler`) and starts a due run as the cron's owner, through the same `start` a
client's run takes (its limits, its checks). A process starts a run only after it
claimed that run's time in the database, in the transaction that stores the run, so in
the scale-out mode with several API processes a cron runs once per time, also when the
process that fires it is killed half-way (another one fires it then). A run missed
while no process was up runs once when one comes back, then the schedule goes on from
the current time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter  # type: ignore[import-untyped, unused-ignore]
from fastapi import APIRouter, FastAPI, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.engine import Connection
from starlette.requests import Request as StarletteRequest

from genesis_mesh.api.deps import ServicesDep, ThreadIdPath, UserDep
from genesis_mesh.api.langgraph.assistants import resolve
from genesis_mesh.api.langgraph.run_start import LangGraphRunCreate, start
from genesis_mesh.api.langgraph.threads import owned_thread, remove_thread
from genesis_mesh.api.langgraph.webhooks import check_url
from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import GenesisMeshError, InvalidInput, NotFound
from genesis_mesh.protocol import ID_PATTERN, JsonObject, JsonValue, RunInfo
from genesis_mesh.services import Services
from genesis_mesh.store.clock import utcnow
from genesis_mesh.store.crons import CronRecord, CronStore, claim_due

router = APIRouter(tags=["langgraph"])
logger = logging.getLogger(__name__)
CronIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
_RUN_KEYS = (
    "input",
    "config",
    "context",
    "metadata",
    "interrupt_before",
    "interrupt_after",
    "webhook",
    "multitask_strategy",
    "stream_mode",
    "stream_subgraphs",
    "durability",
)


class CronNotFound(NotFound):
    code = "cron_not_found"

    def __init__(self, cron_id: str) -> None:
        super().__init__(f"Cron {cron_id!r} not found.", {"cron_id": cron_id})


class CronCreate(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    schedule: str = Field(min_length=1, max_length=200, pattern=ID_PATTERN)
    assistant_id: str = Field(min_length=1, max_length=200, pattern=ID_PATTERN)
    input: JsonValue = None
    config: JsonObject | None = None
    context: JsonObject | None = None
    metadata: JsonObject | None = None
    interrupt_before: JsonValue = None
    interrupt_after: JsonValue = None
    webhook: str | None = Field(default=None, max_length=2000, pattern=ID_PATTERN)
    multitask_strategy: str | None = Field(default=None, max_length=20)
    stream_mode: JsonValue = None
    stream_subgraphs: bool | None = None
    durability: str | None = Field(default=None, max_length=10)
    on_run_completed: Literal["delete", "keep"] | None = None
    end_time: str | None = Field(default=None, max_length=100)
    enabled: bool = True
    timezone: str | None = Field(default=None, max_length=100, pattern=ID_PATTERN)


class CronPatch(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    schedule: str | None = Field(default=None, min_length=1, max_length=200, pattern=ID_PATTERN)
    input: JsonValue = None
    config: JsonObject | None = None
    context: JsonObject | None = None
    metadata: JsonObject | None = None
    interrupt_before: JsonValue = None
    interrupt_after: JsonValue = None
    webhook: str | None = Field(default=None, max_length=2000, pattern=ID_PATTERN)
    stream_mode: JsonValue = None
    stream_subgraphs: bool | None = None
    durability: str | None = Field(default=None, max_length=10)
    on_run_completed: Literal["delete", "keep"] | None = None
    end_time: str | None = Field(default=None, max_length=100)
    enabled: bool | None = None
    timezone: str | None = Field(default=None, max_length=100, pattern=ID_PATTERN)


class CronSearch(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    assistant_id: str | None = Field(default=None, max_length=200, pattern=ID_PATTERN)
    thread_id: str | None = Field(default=None, max_length=200, pattern=ID_PATTERN)
    enabled: bool | None = None
    metadata: JsonObject | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=1_000_000)
    sort_by: Literal["cron_id", "assistant_id", "thread_id", "next_run_date", "end_time"] | (
        Literal["created_at", "updated_at"] | None
    ) = None
    sort_order: Literal["asc", "desc"] | None = None
    select: list[str] | None = Field(default=None, max_length=20)


class CronCount(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    assistant_id: str | None = Field(default=None, max_length=200, pattern=ID_PATTERN)
    thread_id: str | None = Field(default=None, max_length=200, pattern=ID_PATTERN)
    metadata: JsonObject | None = None


# ---- the schedule --------------------------------------------------------------------


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a folder
        raise InvalidInput(
            f"Unknown timezone {name!r}; give an IANA name such as 'Europe/Paris'.",
            {"timezone": name},
        ) from None


def next_time(schedule: str, timezone: str | None, after: datetime) -> datetime:
    """The first time of `schedule` (5 fields, or 6 with seconds last) after `after`."""
    zone = _zone(timezone)
    try:
        valid = croniter.is_valid(schedule)
        found: datetime | None = (
            croniter(schedule, after.astimezone(zone)).get_next(datetime) if valid else None
        )
    except Exception:  # croniter's own errors: a schedule with no next time ("31 2")
        found = None
    if found is None:
        raise InvalidInput(
            f"{schedule!r} is not a cron schedule with a next time; give five fields such "
            "as '*/5 * * * *' (minute hour day month weekday), or six with seconds last.",
            {"schedule": schedule},
        )
    return found.astimezone(UTC)


def _end_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"end_time {value[:100]!r} is not an ISO 8601 time.", {"end_time": value[:100]}
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _upcoming(cron: CronRecord, after: datetime) -> datetime | None:
    if not cron.enabled:
        return None
    upcoming = next_time(cron.schedule, cron.timezone, after)
    if cron.end_time is not None and upcoming > cron.end_time:
        return None
    return upcoming


def due_at(cron: CronRecord) -> datetime:
    """The due time a due cron's run is fired for (recorded in the run's metadata)."""
    assert cron.next_run_at is not None
    return cron.next_run_at


class _TimeTaken(Exception):
    """Raised in a cron run's creating transaction: another process claimed the time."""

    def __init__(self, thread_id: str) -> None:
        super().__init__(thread_id)
        self.thread_id = thread_id


def cron_wire(cron: CronRecord, select: list[str] | None = None) -> dict[str, Any]:
    """A cron as the LangGraph Server shows it."""
    wire = {
        "cron_id": cron.cron_id,
        "assistant_id": cron.assistant_id,
        "thread_id": cron.thread_id,
        "on_run_completed": cron.on_run_completed,
        "end_time": cron.end_time,
        "schedule": cron.schedule,
        "timezone": cron.timezone,
        "created_at": cron.created_at,
        "updated_at": cron.updated_at,
        "payload": {"assistant_id": cron.assistant_id, **cron.payload},
        "user_id": cron.owner,
        "next_run_date": cron.next_run_at,
        "metadata": cron.metadata,
        "enabled": cron.enabled,
    }
    return wire if not select else {k: v for k, v in wire.items() if k in select}


def _run_body(assistant_id: str, payload: dict[str, Any]) -> LangGraphRunCreate:
    body = {k: v for k, v in payload.items() if v is not None}
    try:
        return LangGraphRunCreate.model_validate({"assistant_id": assistant_id, **body})
    except ValidationError as exc:
        raise InvalidInput(
            "The cron's run does not fit a run's body; see detail.",
            [
                {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                for e in exc.errors(include_url=False, include_context=False)
            ][:20],
        ) from exc


async def _create(
    services: Services, user: Identity, thread_id: str | None, body: CronCreate
) -> dict[str, Any]:
    if thread_id is not None:
        await owned_thread(services, user, thread_id)
    assistant = await resolve(services, user, body.assistant_id)
    payload = {k: getattr(body, k) for k in _RUN_KEYS if getattr(body, k) is not None}
    _run_body(assistant.assistant_id, payload).modes()  # refused now, not at its first run
    if body.webhook is not None:
        check_url(body.webhook, services.settings)
    now = utcnow()
    cron = CronRecord(
        cron_id=str(uuid.uuid4()),
        owner=user.user_id,
        assistant_id=assistant.assistant_id,
        thread_id=thread_id,
        schedule=body.schedule,
        timezone=body.timezone,
        payload=payload,
        metadata=body.metadata or {},
        enabled=body.enabled,
        on_run_completed=body.on_run_completed,
        end_time=_end_time(body.end_time),
        created_at=now,
        updated_at=now,
    )
    cron.next_run_at = _upcoming(cron, now)
    return cron_wire(await CronStore(services.store.engine).create(cron))


# ---- routes --------------------------------------------------------------------------


@router.post("/runs/crons", summary="LangGraph Server API: a cron, each run on a new thread")
async def create_cron(body: CronCreate, services: ServicesDep, user: UserDep) -> dict[str, Any]:
    return await _create(services, user, None, body)


@router.post("/threads/{thread_id}/runs/crons", summary="LangGraph Server API: a thread's cron")
async def create_thread_cron(
    thread_id: ThreadIdPath, body: CronCreate, services: ServicesDep, user: UserDep
) -> dict[str, Any]:
    return await _create(services, user, thread_id, body)


@router.post("/runs/crons/search", summary="LangGraph Server API: search crons")
async def search_crons(
    body: CronSearch, services: ServicesDep, user: UserDep
) -> list[dict[str, Any]]:
    store = CronStore(services.store.engine)
    filters: dict[str, Any] = {
        "assistant_id": body.assistant_id,
        "thread_id": body.thread_id,
        "enabled": body.enabled,
    }
    sort = {"cron_id": "id", "next_run_date": "next_run_at"}.get(body.sort_by or "")
    sort = sort or body.sort_by or "created_at"
    descending = body.sort_order != "asc"
    if body.metadata:
        found = await store.search(user.owner_filter, filters, 10_000, 0, sort, descending)
        found = [c for c in found if _matches(c.metadata, body.metadata)]
        found = found[body.offset : body.offset + body.limit]
    else:
        found = await store.search(
            user.owner_filter, filters, body.limit, body.offset, sort, descending
        )
    return [cron_wire(c, body.select) for c in found]


@router.post("/runs/crons/count", summary="LangGraph Server API: count crons")
async def count_crons(body: CronCount, services: ServicesDep, user: UserDep) -> int:
    store = CronStore(services.store.engine)
    filters = {"assistant_id": body.assistant_id, "thread_id": body.thread_id}
    if body.metadata:
        found = await store.search(user.owner_filter, filters, 10_000)
        return len([c for c in found if _matches(c.metadata, body.metadata)])
    return await store.count(user.owner_filter, filters)


def _matches(metadata: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return all(metadata.get(k) == v for k, v in wanted.items())


async def _owned(services: Services, user: Identity, cron_id: str) -> CronRecord:
    cron = await CronStore(services.store.engine).get(cron_id, user.owner_filter)
    if cron is None:
        raise CronNotFound(cron_id)
    return cron


@router.patch("/runs/crons/{cron_id}", summary="LangGraph Server API: update a cron")
async def update_cron(
    cron_id: CronIdPath, body: CronPatch, services: ServicesDep, user: UserDep
) -> dict[str, Any]:
    cron = await _owned(services, user, cron_id)
    given = body.model_dump(exclude_unset=True)
    payload = {**cron.payload, **{k: v for k, v in given.items() if k in _RUN_KEYS}}
    _run_body(cron.assistant_id, payload).modes()
    if body.webhook is not None:
        check_url(body.webhook, services.settings)
    changed = cron.model_copy(
        update={
            "payload": payload,
            "updated_at": utcnow(),
            **{
                k: given[k]
                for k in ("schedule", "timezone", "metadata", "enabled", "on_run_completed")
                if k in given and given[k] is not None
            },
        }
    )
    if "end_time" in given:
        changed.end_time = _end_time(body.end_time)
    changed.next_run_at = _upcoming(changed, utcnow())
    await CronStore(services.store.engine).replace(changed)
    return cron_wire(changed)


@router.delete(
    "/runs/crons/{cron_id}", status_code=204, summary="LangGraph Server API: delete a cron"
)
async def delete_cron(cron_id: CronIdPath, services: ServicesDep, user: UserDep) -> Response:
    await _owned(services, user, cron_id)
    await CronStore(services.store.engine).delete(cron_id)
    return Response(status_code=204)


# ---- running them ----------------------------------------------------------------------


class CronScheduler:
    """Starts the due runs of every cron, once per due time across all processes."""

    def __init__(self, app: FastAPI, services: Services, poll_seconds: float) -> None:
        self.app = app
        self.services = services
        self.poll_seconds = poll_seconds
        self.store = CronStore(services.store.engine)
        self.started: list[str] = []
        """Run ids this process started for crons (for the logs and tests)."""

    async def run_forever(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                logger.exception("looking for due crons failed; trying again")
            await asyncio.sleep(self.poll_seconds)

    async def tick(self) -> int:
        """Start the runs due now that this process claims; how many it started."""
        now = await self.services.store.now()  # the clock every process compares with
        count = 0
        for due in await self.store.due(now):
            async with self.store.firing(due) as cron:
                if cron is not None:  # else another process fires (or fired) this time
                    count += await self._fire(cron, _upcoming(cron, max(now, due_at(cron))))
        return count

    async def _fire(self, cron: CronRecord, upcoming: datetime | None) -> int:
        """Start the cron's run, claiming its due time in the run's own transaction: the
        run is stored if and only if the time is claimed, so a process killed half-way
        leaves the time to another process, fired once."""
        claimed = False

        def claim(conn: Connection, run: RunInfo) -> None:
            nonlocal claimed
            if not claim_due(conn, cron.cron_id, cron.next_run_at, upcoming):
                raise _TimeTaken(run.thread_id)
            claimed = True

        body = _run_body(cron.assistant_id, cron.payload)
        due = due_at(cron).isoformat()
        body.metadata = {**(body.metadata or {}), "cron_id": cron.cron_id, "cron_due_at": due}
        # A stateless cron's new thread goes after its run unless `on_run_completed="keep"`.
        kept = cron.thread_id is not None or cron.on_run_completed == "keep"
        body.on_completion = "keep" if kept else "delete"
        user = Identity(cron.owner)
        try:
            started = await start(
                self.services, user, self._request(cron.owner), cron.thread_id, body, within=claim
            )
        except _TimeTaken as taken:  # another process fired this time meanwhile
            if cron.thread_id is None:
                await remove_thread(self.services, taken.thread_id)  # the run's new thread
            return 0
        except GenesisMeshError as exc:  # a busy thread, a limit: this time is skipped
            await self.store.claim(cron, upcoming)
            logger.warning("cron %s could not start its run: %s", cron.cron_id, exc.message)
            return 0
        if not claimed:  # a resume of the thread's stopped run: no new run was stored
            await self.store.claim(cron, upcoming)
        self.started.append(started.run.run_id)
        logger.info("cron %s started run %s", cron.cron_id, started.run.run_id)
        return 1

    def _request(self, owner: str) -> Request:
        """The request a run's admission reads its user and limits from."""
        scope = {
            "type": "http",
            "app": self.app,
            "headers": [],
            "client": None,
            "state": {"user_id": owner, "authenticated": True},
        }
        return StarletteRequest(scope)


@contextlib.asynccontextmanager
async def scheduling(app: FastAPI, services: Services, poll_seconds: float) -> Any:
    """Run the cron scheduler while the host is up."""
    scheduler = CronScheduler(app, services, poll_seconds)
    app.state.crons = scheduler
    task = asyncio.create_task(scheduler.run_forever(), name="crons")
    try:
        yield scheduler
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
