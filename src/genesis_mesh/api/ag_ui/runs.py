"""AG-UI runs over ordinary runs: which assistant, which thread, start, resume or rejoin.

The AG-UI `threadId` is the thread's id here. Each AG-UI run is one *segment* of a run
(its start or a resume, up to where it stops), remembered in the run's client options
(`ag_ui_runs`: AG-UI run id → the `seq` the segment starts after), so that the same
`threadId` and `runId` posted again rejoin the segment instead of starting anything.

A request on a thread whose run waits for an answer:
- with `resume` (AG-UI's `ResumeEntry` list) or ag-ui-langgraph's
  `forwardedProps.command.resume` (also `goto`, `update`): resumes that run; its next
  segment is this AG-UI run;
- without: nothing runs; the answer is the interrupt again (as ag-ui-langgraph does).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from ag_ui.core import ResumeEntry, RunAgentInput
from fastapi import Request
from langgraph.channels import LastValue
from pydantic import ValidationError

from genesis_mesh.api.ag_ui.messages import to_langchain
from genesis_mesh.api.limits import get_limits, user_key
from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import (
    AssistantNotFound,
    InvalidInput,
    InvalidRunState,
    ThreadBusy,
    ThreadNotFound,
    UnknownInterrupt,
)
from genesis_mesh.protocol import EventType, ResumeRequest, RunInfo, RunStatus
from genesis_mesh.serialization import serialize
from genesis_mesh.services import Services
from genesis_mesh.store.assistants import AssistantStore
from genesis_mesh.store.run_notes import RunNote, RunNotes
from genesis_mesh.store.threads import ThreadStore

NOTE_KEY = "ag_ui_runs"
GRAPH_NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
"""The namespace LangGraph Server derives a graph's default assistant id in (uuid5)."""
CANCELLED_SENTINEL = "__agui_cancelled__"
"""ag-ui-langgraph's resume value for an interrupt the client cancelled."""
_SCAN_LIMIT = 1000


@dataclass(frozen=True)
class Assistant:
    """What an assistant id names here: a graph, with the config and context it runs with."""

    assistant_id: str
    graph: str
    config: dict[str, Any]
    context: dict[str, Any]


@dataclass(frozen=True)
class Segment:
    """One AG-UI run: the run it is a part of, and the `seq` its events start after."""

    run: RunInfo
    after_seq: int
    agui_run_id: str


async def resolve_assistant(services: Services, user: Identity, assistant_id: str) -> Assistant:
    """A graph's name, its default assistant's id (as the LangGraph Server API derives
    it), or a stored assistant of the caller; `AssistantNotFound` otherwise."""
    entries = services.registry.entries
    for entry in entries.values():
        if assistant_id in (entry.name, str(uuid.uuid5(GRAPH_NAMESPACE, entry.name))):
            return Assistant(assistant_id, entry.name, {}, {})
    stored = await AssistantStore(services.store.engine).get(assistant_id, user.owner_filter)
    if stored is None:
        raise AssistantNotFound(assistant_id)
    return Assistant(assistant_id, stored.graph, stored.config, stored.context)


async def open_segment(
    services: Services, user: Identity, request: Request, assistant: Assistant, body: RunAgentInput
) -> Segment:
    """The AG-UI run `body` asks for: rejoined when known, else resumed, answered with the
    pending interrupt, or started."""
    thread_id = body.thread_id
    try:
        thread = await services.store.get_thread(thread_id, owner=user.owner_filter)
    except ThreadNotFound:
        if await ThreadStore(services.store.engine).create(thread_id, user.user_id, {}) is None:
            raise  # someone else's: as if missing
        thread = await services.store.get_thread(thread_id)
    else:
        known = await find_segment(services, user, thread_id, body.run_id)
        if known is not None:
            return known
    resume = _resume_of(body)
    if thread.active_run_id is not None:
        waiting = await services.store.get_run(thread.active_run_id)
        if waiting.status != RunStatus.INTERRUPTED:
            raise ThreadBusy(thread_id, waiting.run_id)
        asked_at = await _interrupted_seq(services, waiting)
        if resume is None:
            return await _remember(services, waiting, body.run_id, asked_at - 1)
        return await _resume(services, request, waiting, asked_at, body.run_id, resume)
    if resume is not None:
        raise InvalidRunState("-", "not waiting", "resume", "interrupted (the thread has none)")
    data = await _input_of(services, assistant.graph, thread_id, body)
    async with get_limits(request).admit_run(user_key(request), services.store) as admitted:
        run = await services.runner.create_run(
            assistant.graph,
            data,
            thread_id,
            owner=user.user_id,
            context=assistant.context or None,
            config=assistant.config or None,
        )
        admitted(run.run_id)
    return await _remember(services, run, body.run_id, 0)


async def find_segment(
    services: Services, user: Identity, thread_id: str, agui_run_id: str
) -> Segment | None:
    """The AG-UI run `agui_run_id` of the caller's thread, if it was started here."""
    found = await services.store.list_runs(
        thread_id=thread_id, limit=_SCAN_LIMIT, owner=user.owner_filter
    )
    notes = await RunNotes(services.store.engine).read([r.run_id for r in found])
    for run in found:
        segments = notes[run.run_id].options.get(NOTE_KEY) or {}
        if agui_run_id in segments:
            return Segment(run, int(segments[agui_run_id]), agui_run_id)
    return None


async def _remember(services: Services, run: RunInfo, agui_run_id: str, after_seq: int) -> Segment:
    notes = RunNotes(services.store.engine)
    note = (await notes.read([run.run_id]))[run.run_id]
    segments = {**(note.options.get(NOTE_KEY) or {}), agui_run_id: after_seq}
    await notes.write(run.run_id, RunNote(note.metadata, {**note.options, NOTE_KEY: segments}))
    return Segment(run, after_seq, agui_run_id)


async def _interrupted_seq(services: Services, run: RunInfo) -> int:
    """The `seq` of the `run.interrupted` event the run waits at (its last one)."""
    recent = await services.store.list_events(run.run_id, max(0, run.last_seq - 50))
    stops = [e.seq for e in recent if e.type == EventType.RUN_INTERRUPTED]
    return stops[-1] if stops else run.last_seq


# ---- resuming -----------------------------------------------------------------------


def _resume_of(body: RunAgentInput) -> ResumeRequest | list[ResumeEntry] | None:
    """The answer the request carries: AG-UI's `resume` entries, else ag-ui-langgraph's
    `forwardedProps.command` (`resume`, `goto`, `update`); None when it carries none."""
    if body.resume:
        return list(body.resume)
    props = body.forwarded_props if isinstance(body.forwarded_props, dict) else {}
    command = props.get("command")
    if not isinstance(command, dict) or all(command.get(k) is None for k in _COMMAND_KEYS):
        return None
    value = command.get("resume")
    if isinstance(value, str):  # ag-ui-langgraph parses a JSON text, else keeps the text
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    given = {"value": value, "goto": command.get("goto"), "update": command.get("update")}
    try:
        return ResumeRequest.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as error:
        raise InvalidInput(
            "forwardedProps.command is not a resume genesis-mesh can take: give `resume` "
            "(the answer), and optionally `goto` and `update` as LangGraph's Command does.",
            [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in error.errors()],
        ) from None


_COMMAND_KEYS = ("resume", "goto", "update")


async def _resume(
    services: Services,
    request: Request,
    waiting: RunInfo,
    asked_at: int,
    agui_run_id: str,
    resume: ResumeRequest | list[ResumeEntry],
) -> Segment:
    if isinstance(resume, ResumeRequest):
        value, steering = resume.value, resume.command()
    else:
        value, steering = _answer_of(waiting, asked_at, resume), {}
    limits = get_limits(request)
    async with limits.admit_run(user_key(request), services.store, new_run=False) as admitted:
        resumed = await services.runner.resume(waiting.run_id, value, **steering)
        admitted(resumed.run_id)
    return await _remember(services, waiting, agui_run_id, waiting.last_seq)


def _answer_of(waiting: RunInfo, asked_at: int, entries: list[ResumeEntry]) -> Any:
    """AG-UI resume entries as the runner's resume value: the one answer, or a map by
    interrupt id when several are pending; a cancelled entry is ag-ui-langgraph's
    `{"__agui_cancelled__": true, "interrupt_id": ...}`. A pause or breakpoint needs no
    answer."""
    interrupt = waiting.interrupt or {}
    reason = interrupt.get("reason")
    if reason != "question":
        pending = [f"{reason}:{waiting.run_id}:{asked_at}"]
    else:
        pending = [str(i.get("id")) for i in interrupt.get("interrupts") or []]
    unknown = [e.interrupt_id for e in entries if e.interrupt_id not in pending]
    if unknown:
        raise UnknownInterrupt(waiting.run_id, unknown, pending)
    if reason != "question":
        return None
    answers = {e.interrupt_id: _entry_value(e) for e in entries}
    if len(pending) == 1:
        return answers[pending[0]]
    return answers


def _entry_value(entry: ResumeEntry) -> Any:
    if entry.status == "cancelled":
        return {CANCELLED_SENTINEL: True, "interrupt_id": entry.interrupt_id}
    return entry.payload


# ---- the input of a new run ---------------------------------------------------------


async def _input_of(
    services: Services, graph: str, thread_id: str, body: RunAgentInput
) -> dict[str, Any]:
    """The graph's input: the messages the thread does not hold yet (by id), and the keys
    of `state` whose value differs from the thread's (the client echoes the state it was
    sent; an unchanged key must not be written again, through a reducer twice)."""
    if body.state is not None and not isinstance(body.state, dict):
        raise InvalidInput(
            "state must be an object (the graph's state keys), or left out.",
            [{"loc": ["body", "state"], "msg": "not an object", "type": "object_type"}],
        )
    current = await read_state(services, graph, thread_id)
    held = current.get("messages")
    known = {m.get("id") for m in held if isinstance(m, dict)} if isinstance(held, list) else set()
    data = {
        key: value
        for key, value in (body.state or {}).items()
        if key != "messages" and current.get(key) != value
    }
    fresh = [m for m in to_langchain(body.messages) if m["id"] not in known]
    if fresh:
        data["messages"] = fresh
    if body.tools or body.context:
        data["ag-ui"] = {
            "tools": [t.model_dump(by_alias=True) for t in body.tools or []],
            "context": [c.model_dump(by_alias=True) for c in body.context or []],
        }
    return data


async def read_state(services: Services, graph: str, thread_id: str) -> dict[str, Any]:
    """The thread's latest state values, serialized as every adapter shows them."""
    compiled = services.registry.get(graph).compiled()
    snapshot = await compiled.aget_state({"configurable": {"thread_id": thread_id}})
    values = serialize(snapshot.values)
    return values if isinstance(values, dict) else {"value": values}


def plain_keys(services: Services, graph: str) -> frozenset[str]:
    """The graph's state keys without a reducer (a write replaces the value), for
    `STATE_DELTA`; `messages` goes by its own events."""
    compiled = services.registry.get(graph).compiled()
    keys = set(compiled.stream_channels_list)
    channels = getattr(compiled, "channels", {})
    return frozenset(
        key for key in keys if key != "messages" and isinstance(channels.get(key), LastValue)
    )
