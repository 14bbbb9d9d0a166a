"""The protocol's commands on a thread: `run.start`, `input.respond`, and `run.cancel`
(an addition of this host: the protocol has no cancel command).

Runs are ordinary runs of the runner, owned and limited like every other. `run.start`
starts a run when the thread has none going, answers the question an interrupted run
waits on (its `input` is the answer), and is refused while a run is going. Every success
carries `meta.applied_through_seq`: the `seq` after which the command's events begin,
so a client that opens its stream with that `since` misses nothing of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import HTTPConnection

from genesis_mesh.api.agent_protocol import cursor
from genesis_mesh.api.agent_protocol.feed import ThreadWakers, ordered_runs, ordinal_of
from genesis_mesh.api.langgraph.assistants import resolve
from genesis_mesh.api.limits import get_limits, user_key
from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import (
    Conflict,
    GenesisMeshError,
    InvalidInput,
    NotFound,
    ThreadBusy,
    ThreadNotFound,
    Unauthorized,
    UnknownInterrupt,
)
from genesis_mesh.protocol import ID_PATTERN, InterruptMode, JsonObject, JsonValue, RunStatus
from genesis_mesh.services import Services
from genesis_mesh.store.threads import ThreadStore

logger = logging.getLogger(__name__)
RECORDED_MODES = ("values", "checkpoints")
"""LangGraph stream modes a run started here records, for the `values` and
`checkpoints` channels (everything else maps from the runner's own events)."""


class Command(BaseModel):
    """A protocol command: `{id, method, params}`."""

    model_config = ConfigDict(extra="ignore")

    id: int = Field(ge=0, le=2**53)
    method: str = Field(max_length=100)
    params: JsonObject = Field(default_factory=dict)


class RunStartParams(BaseModel):
    """`langchain_protocol.RunStartParams`, plus `context`: the per-run context of the
    LangGraph API's run body, which the protocol's params have no field for."""

    model_config = ConfigDict(extra="ignore")

    assistant_id: str = Field(min_length=1, max_length=200, pattern=ID_PATTERN)
    input: JsonValue = None
    config: JsonObject | None = None
    context: JsonObject | None = None
    metadata: JsonObject | None = None


class RespondEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    namespace: list[str] = Field(default_factory=list, max_length=64)
    interrupt_id: str = Field(min_length=1, max_length=200)
    response: JsonValue = None


class InputRespondParams(BaseModel):
    """`InputRespondOne` (`interrupt_id`, `response`) or `InputRespondMany` (`responses`)."""

    model_config = ConfigDict(extra="ignore")

    namespace: list[str] = Field(default_factory=list, max_length=64)
    interrupt_id: str | None = Field(default=None, max_length=200)
    response: JsonValue = None
    responses: list[RespondEntry] | None = Field(default=None, max_length=1000)
    update: JsonObject | None = None
    goto: JsonValue = None


class RunCancelParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    run_id: str | None = Field(default=None, max_length=200)


class CommandError(Exception):
    """A command refused with one of the protocol's error codes."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 422,
        host_code: str = "invalid_command",
        detail: Any = None,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.host_code, self.detail = host_code, detail


@dataclass
class Outcome:
    result: dict[str, Any]
    applied_through_seq: int | None = None


@dataclass
class Commands:
    """Carries out the commands of one caller on one thread."""

    services: Services
    wakers: ThreadWakers
    connection: HTTPConnection
    user: Identity
    thread_id: str

    async def execute(self, command: Command) -> Outcome:
        handler = _HANDLERS.get(command.method)
        if handler is None:
            raise CommandError(
                "unknown_command",
                f"unknown command {command.method!r}; this endpoint takes "
                f"{sorted(_HANDLERS)} (subscriptions go over the WebSocket)",
            )
        try:
            return await handler(self, command.params)
        except ValidationError as exc:
            raise CommandError("invalid_argument", _describe(exc)) from None
        except GenesisMeshError as exc:
            raise CommandError(
                _code(exc), exc.message, exc.http_status, exc.code, exc.detail
            ) from None

    async def _run_start(self, params: dict[str, Any]) -> Outcome:
        body = RunStartParams.model_validate(params)
        graph, config, context = await self._assistant(body)
        threads = ThreadStore(self.services.store.engine)
        record = await threads.get(self.thread_id, self.user.owner_filter)
        if record is None:
            if await threads.create(self.thread_id, self.user.user_id, {}) is None:
                raise ThreadNotFound(self.thread_id)  # someone else's: as if missing
        else:
            waiting = await self._waiting_run()
            if waiting is not None:
                return await self._resume(waiting, body.input)
        async with get_limits(self.connection).admit_run(
            user_key(self.connection), self.services.store
        ) as admitted:
            run = await self.services.runner.create_run(
                graph,
                body.input if body.input is not None else {},
                self.thread_id,
                owner=self.user.user_id,
                context=context,
                config=config,
                stream_modes=RECORDED_MODES,
            )
            admitted(run.run_id)
        self.wakers.wake(self.thread_id)
        ordinal = await ordinal_of(self.services, self.thread_id, run.run_id)
        return Outcome({"run_id": run.run_id}, cursor.run_start(ordinal))

    async def _assistant(
        self, body: RunStartParams
    ) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
        """The graph to run, the config and the context. The assistant is addressed as
        the LangGraph API addresses it (a graph name, a default assistant's uuid, or a
        stored assistant of the caller), and the command's config and context go over
        the assistant's as they do there (`configurable` merged key by key)."""
        assistant = await resolve(self.services, self.user, body.assistant_id)
        given = body.config or {}
        config = {**assistant.config, **given}
        configurable = {
            **assistant.config.get("configurable", {}),
            **given.get("configurable", {}),
        }
        if configurable:
            config["configurable"] = configurable
        context = {**assistant.context, **(body.context or {})}
        return assistant.graph, config or None, context or None

    async def _waiting_run(self) -> str | None:
        thread = await self.services.store.get_thread(self.thread_id)
        if thread.active_run_id is None:
            return None
        run = await self.services.store.get_run(thread.active_run_id)
        if run.status != RunStatus.INTERRUPTED:
            raise ThreadBusy(self.thread_id, run.run_id)
        return run.run_id

    async def _resume(
        self, run_id: str, value: Any, goto: Any = None, update: Any = None
    ) -> Outcome:
        run = await self.services.store.get_run(run_id)
        async with get_limits(self.connection).admit_run(
            user_key(self.connection), self.services.store, new_run=False
        ) as admitted:
            resumed = await self.services.runner.resume(run_id, value, goto, update)
            admitted(resumed.run_id)
        self.wakers.wake(self.thread_id)
        ordinal = await ordinal_of(self.services, self.thread_id, run_id)
        return Outcome({"run_id": run_id}, cursor.after_event(ordinal, run.last_seq))

    async def _input_respond(self, params: dict[str, Any]) -> Outcome:
        body = InputRespondParams.model_validate(params)
        if (
            await ThreadStore(self.services.store.engine).get(
                self.thread_id, self.user.owner_filter
            )
            is None
        ):
            raise ThreadNotFound(self.thread_id)
        run_id = await self._waiting_run()
        if run_id is None:
            raise CommandError("no_such_interrupt", "the thread waits on no question", 404)
        run = await self.services.store.get_run(run_id)
        pending = [str(item.get("id")) for item in (run.interrupt or {}).get("interrupts") or []]
        if body.responses is not None:
            answers = {entry.interrupt_id: entry.response for entry in body.responses}
        elif body.interrupt_id is not None:
            answers = {body.interrupt_id: body.response}
        else:
            raise CommandError("invalid_argument", "give interrupt_id and response, or responses")
        unknown = sorted(set(answers) - set(pending))
        if unknown:
            raise UnknownInterrupt(run_id, unknown, pending)
        one = len(answers) == 1 and len(pending) == 1
        value: Any = next(iter(answers.values())) if one else answers
        return await self._resume(run_id, value, body.goto, body.update)

    async def _run_cancel(self, params: dict[str, Any]) -> Outcome:
        body = RunCancelParams.model_validate(params)
        if (
            await ThreadStore(self.services.store.engine).get(
                self.thread_id, self.user.owner_filter
            )
            is None
        ):
            raise ThreadNotFound(self.thread_id)
        runs = await ordered_runs(self.services, self.thread_id)
        going = [r for r in runs if not r.status.is_final and r.superseded_by is None]
        target = (
            next((r for r in going if r.run_id == body.run_id), None)
            if body.run_id
            else (going[-1] if going else None)
        )
        if target is None:
            raise CommandError("no_such_run", "no run of this thread is going to cancel", 404)
        _in_background(self.services.runner.interrupt(target.run_id, InterruptMode.CANCEL))
        return Outcome({"run_id": target.run_id})


def _code(exc: GenesisMeshError) -> str:
    if isinstance(exc, UnknownInterrupt):
        return "no_such_interrupt"
    if isinstance(exc, Unauthorized):
        return "permission_denied"
    if isinstance(exc, NotFound | InvalidInput | Conflict):
        return "invalid_argument"
    return "unknown_error"


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "params"
    return f"params.{where}: {first['msg']}"


_background: set[asyncio.Task[Any]] = set()


def _in_background(work: Coroutine[Any, Any, Any]) -> None:
    task = asyncio.create_task(work)
    _background.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task[Any]) -> None:
    _background.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.warning("a cancel failed: %s", task.exception())


_HANDLERS = {
    "run.start": Commands._run_start,
    "input.respond": Commands._input_respond,
    "run.cancel": Commands._run_cancel,
}
