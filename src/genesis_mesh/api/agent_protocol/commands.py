"""The protocol's commands on a thread: `run.start`, `input.respond`, `input.inject`,
`state.get`, `state.listCheckpoints`, `state.fork`, `agent.getTree`, the HTTP form of
`subscription.reconnect`, and `run.cancel` (an addition of this host: the protocol has
no cancel command).

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
from typing import Annotated, Any, Literal

from langgraph.errors import InvalidUpdateError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import HTTPConnection

from genesis_mesh.api.agent_protocol import cursor, state
from genesis_mesh.api.agent_protocol.feed import (
    ThreadWakers,
    count_after,
    default_position,
    ordered_runs,
    ordinal_of,
)
from genesis_mesh.api.agent_protocol.tree import flatten, run_tree
from genesis_mesh.api.langgraph.assistants import resolve
from genesis_mesh.api.langgraph.threads import graph_of
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
from genesis_mesh.protocol import (
    ID_PATTERN,
    InterruptMode,
    JsonObject,
    JsonValue,
    RunInfo,
    RunStatus,
)
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


class StateForkParams(BaseModel):
    """`langchain_protocol.StateForkParams`."""

    model_config = ConfigDict(extra="ignore")

    checkpoint_id: str = Field(min_length=1, max_length=200, pattern=ID_PATTERN)
    input: JsonValue = None
    config: JsonObject | None = None


class AgentGetTreeParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    run_id: str | None = Field(default=None, max_length=200)


class ReconnectParams(BaseModel):
    """`langchain_protocol.ReconnectParams`: `last_event_id` is the `seq` of the last
    event the client processed."""

    model_config = ConfigDict(extra="ignore")

    run_id: str = Field(min_length=1, max_length=200)
    last_event_id: str | None = Field(default=None, max_length=20, pattern=r"^\d{1,16}$")
    subscriptions: list[Annotated[str, Field(max_length=4000)]] = Field(
        default_factory=list, max_length=64
    )


class InputMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["user", "system"]
    content: str = Field(max_length=1_000_000)
    name: str | None = Field(default=None, max_length=200)


class InputInjectParams(BaseModel):
    """`langchain_protocol.InputInjectParams`."""

    model_config = ConfigDict(extra="ignore")

    namespace: list[Annotated[str, Field(max_length=400)]] = Field(
        default_factory=list, max_length=64
    )
    message: InputMessage


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
        except TRANSLATED as exc:
            raise as_command_error(exc) from None

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

    async def _state_get(self, params: dict[str, Any]) -> Outcome:
        body = state.StateGetParams.model_validate(params)
        record = await state.owned_record(self.services, self.user.owner_filter, self.thread_id)
        return Outcome(await state.get_state(self.services, record, body))

    async def _state_list_checkpoints(self, params: dict[str, Any]) -> Outcome:
        body = state.ListCheckpointsParams.model_validate(params)
        record = await state.owned_record(self.services, self.user.owner_filter, self.thread_id)
        return Outcome(await state.list_checkpoints(self.services, record, body))

    async def _state_fork(self, params: dict[str, Any]) -> Outcome:
        """A new run of this thread from `checkpoint_id` (LangGraph's time travel): with no
        `input` it replays the steps after the checkpoint, with one it runs on it."""
        body = StateForkParams.model_validate(params)
        record = await state.owned_record(self.services, self.user.owner_filter, self.thread_id)
        if record.active_run_id is not None:
            raise ThreadBusy(self.thread_id, record.active_run_id)
        graph = graph_of(self.services, record)
        if graph is None or not await state.checkpoint_exists(
            graph, self.thread_id, body.checkpoint_id
        ):
            raise CommandError(
                "no_such_checkpoint",
                f"the thread has no checkpoint {body.checkpoint_id!r}: pick one from "
                "state.listCheckpoints",
                404,
            )
        async with get_limits(self.connection).admit_run(
            user_key(self.connection), self.services.store
        ) as admitted:
            run = await self.services.runner.create_run(
                record.graph or "",
                body.input,
                self.thread_id,
                owner=self.user.user_id,
                config=body.config,
                stream_modes=RECORDED_MODES,
                from_checkpoint=body.checkpoint_id,
            )
            admitted(run.run_id)
        self.wakers.wake(self.thread_id)
        ordinal = await ordinal_of(self.services, self.thread_id, run.run_id)
        result = {"run_id": run.run_id, "thread_id": self.thread_id}
        return Outcome(result, cursor.run_start(ordinal))

    async def _agent_get_tree(self, params: dict[str, Any]) -> Outcome:
        body = AgentGetTreeParams.model_validate(params)
        run = await self.run_of(body.run_id)
        return Outcome({"tree": await run_tree(self.services, run)})

    async def run_of(self, run_id: str | None) -> RunInfo:
        """The thread's run `run_id` (none: its latest), else `no_such_run`."""
        await state.owned_record(self.services, self.user.owner_filter, self.thread_id)
        runs = await ordered_runs(self.services, self.thread_id)
        found = (
            next((r for r in runs if r.run_id == run_id), None)
            if run_id
            else (runs[-1] if runs else None)
        )
        if found is None:
            wanted = f"run {run_id!r}" if run_id else "run yet"
            raise CommandError("no_such_run", f"the thread has no {wanted}", 404)
        return found

    async def reconnect(self, body: ReconnectParams) -> tuple[int, dict[str, Any]]:
        """Where a reconnecting client resumes (`last_event_id`, else where a new
        subscription begins), and the `ReconnectResult` without `restored`."""
        run = await self.run_of(body.run_id)
        if body.last_event_id is not None:
            since = int(body.last_event_id)
        else:
            since = (await default_position(self.services, self.thread_id)).seq
        missed = await count_after(self.services, self.thread_id, cursor.decode(since))
        entries = flatten(await run_tree(self.services, run))
        return since, {"missed_events": missed, "current_namespaces": entries}

    async def _subscription_reconnect(self, params: dict[str, Any]) -> Outcome:
        """Over HTTP nothing holds a subscription to restore (`restored: false`): the
        client reopens its SSE stream with `since` = `last_event_id`."""
        _, result = await self.reconnect(ReconnectParams.model_validate(params))
        return Outcome({"restored": False, **result})

    async def _input_inject(self, params: dict[str, Any]) -> Outcome:
        """Appends the message to the `messages` state of the graph (at `namespace`) as a
        state update, while no run of the thread is going; the next run or resume sees it.
        A going run takes no message mid-step on this core (`not_supported`)."""
        body = InputInjectParams.model_validate(params)
        record = await state.owned_record(self.services, self.user.owner_filter, self.thread_id)
        if record.active_run_id is not None:
            raise CommandError(
                "not_supported",
                "a run of the thread is going and cannot take a message mid-run: answer its "
                "question with input.respond, cancel it, or inject once it has ended",
                409,
            )
        graph = graph_of(self.services, record)
        if graph is None or "messages" not in getattr(graph, "channels", {}):
            raise CommandError(
                "not_supported",
                "the thread's graph keeps no `messages` state to inject into: start a run "
                "with run.start instead",
                422,
            )
        message = body.message.model_dump(exclude_none=True)
        config = state.config_of(self.thread_id, body.namespace)
        try:
            await graph.aupdate_state(config, {"messages": [message]})
        except (InvalidUpdateError, ValueError, TypeError, KeyError) as exc:
            raise CommandError("invalid_argument", f"LangGraph refused the message: {exc}") from exc
        return Outcome({})


TRANSLATED = (state.StateError, ValidationError, GenesisMeshError)
"""The errors `as_command_error` turns into the protocol's."""


def as_command_error(exc: Exception) -> CommandError:
    """A refusal of the params, of a state read or of the host, as the protocol's error."""
    if isinstance(exc, state.StateError):
        return CommandError(exc.code, exc.message, 404)
    if isinstance(exc, ValidationError):
        return CommandError("invalid_argument", _describe(exc))
    if isinstance(exc, GenesisMeshError):
        return CommandError(_code(exc), exc.message, exc.http_status, exc.code, exc.detail)
    raise TypeError(f"not a refusal: {exc!r}")


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
    "input.inject": Commands._input_inject,
    "state.get": Commands._state_get,
    "state.listCheckpoints": Commands._state_list_checkpoints,
    "state.fork": Commands._state_fork,
    "agent.getTree": Commands._agent_get_tree,
    "subscription.reconnect": Commands._subscription_reconnect,
}
