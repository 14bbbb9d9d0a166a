"""The versioned wire protocol: run statuses, event envelopes, client messages, REST bodies.

`docs/protocol.md` is the human description of this module; bump `PROTOCOL_VERSION`
when a change is not backwards compatible.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

PROTOCOL_VERSION = "2.1"


class RunStatus(StrEnum):
    """Life cycle of a run; `interrupted` waits for a human or a resume; `queued` waits for
    the run ahead of it on its thread (multitask policy `enqueue`)."""

    QUEUED = "queued"
    PENDING = "pending"
    RUNNING = "running"
    INTERRUPTED = "interrupted"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)

    @property
    def is_active(self) -> bool:
        """Active runs hold their thread: no other run may start on it."""
        return self in (RunStatus.PENDING, RunStatus.RUNNING, RunStatus.INTERRUPTED)


class EventType(StrEnum):
    RUN_STARTED = "run.started"
    NODE_STARTED = "node.started"
    NODE_PROGRESS = "node.progress"
    NODE_COMPLETED = "node.completed"
    NODE_FAILED = "node.failed"
    MESSAGE_DELTA = "message.delta"
    MESSAGE_TOOL = "message.tool"
    RUN_STOPPING = "run.stopping"
    """A stop is under way: the run stops at its next node boundary (`reason`: `shutdown`,
    the server is shutting down and pauses it; the next start resumes it)."""
    RUN_INTERRUPTED = "run.interrupted"
    RUN_RESUMED = "run.resumed"
    RUN_COMPLETED = "run.completed"
    RUN_FAILED = "run.failed"
    RUN_CANCELLED = "run.cancelled"
    STREAM_PART = "stream.part"
    """A raw LangGraph stream part (`mode`, `namespace`, `data`), recorded only for runs
    started with `stream_modes` (the LangGraph Server API asks for them)."""


FINAL_EVENT_TYPES = frozenset(
    {EventType.RUN_COMPLETED, EventType.RUN_FAILED, EventType.RUN_CANCELLED}
)


class Event(BaseModel):
    """One thing that happened in a run; `seq` grows by one per event of that run."""

    # Encodings kept beside the fields, not among them (slots: not dumped, not compared,
    # not copied by `model_copy`, and free when unused, unlike pydantic private attributes,
    # which double the cost of building an event).
    __slots__ = ("_data_text", "_wire_cache")

    run_id: str
    seq: int
    ts: datetime
    type: EventType
    node: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def data_json(self) -> str | None:
        """`data` as compact JSON text, encoded once (orjson) and kept: the store writes
        it and `wire_text` embeds it, so an event's data is encoded once on its way from
        the node to every socket. None when orjson refuses it (an integer past 64 bits,
        a lone surrogate, a type it does not know): the callers then take the slow,
        general path. Call it only once the event is final (stored or being stored):
        a later change to `data` is not seen."""
        try:
            text: str | None = _DATA_TEXT.__get__(self)
        except AttributeError:
            try:
                text = orjson.dumps(self.data).decode()
            except TypeError:  # orjson.JSONEncodeError
                text = None
            object.__setattr__(self, "_data_text", text)
        return text

    def wire_text(self) -> str:
        """`wire()` as JSON text, built once however many subscribers send it: the same
        document as `json.dumps(event.wire())`, without pydantic's dump per send."""
        try:
            text: str = _WIRE_CACHE.__get__(self)
        except AttributeError:
            data = self.data_json()
            if data is None:
                text = json.dumps(self.wire())
            else:
                envelope = {
                    "run_id": self.run_id,
                    "seq": self.seq,
                    "ts": self.ts,
                    "type": self.type.value,
                    "node": self.node,
                    "data": orjson.Fragment(data),
                }
                text = orjson.dumps(envelope, option=orjson.OPT_UTC_Z).decode()
            object.__setattr__(self, "_wire_cache", text)
        return text


# The slots' own descriptors: reading an unset slot through them raises AttributeError
# at once, without pydantic's `__getattr__` fallback.
_DATA_TEXT: Any = Event.__dict__["_data_text"]
_WIRE_CACHE: Any = Event.__dict__["_wire_cache"]


class MultitaskPolicy(StrEnum):
    """What starting a run does when its thread already has an active run."""

    REJECT = "reject"
    """Refuse with 409 `thread_busy` (the default)."""
    ENQUEUE = "enqueue"
    """Store the run `queued`; it starts when the thread's runs ahead of it are done."""
    INTERRUPT = "interrupt"
    """Pause the active run at its next node boundary, then start on top of its state."""
    ROLLBACK = "rollback"
    """Cancel the active run and restore the thread to its last checkpoint before it."""


class InterruptMode(StrEnum):
    PAUSE = "pause"
    CANCEL = "cancel"


# ---- what clients may send -----------------------------------------------------------

ID_PATTERN = r"^[^\x00-\x1f\x7f]*$"
TEXT_PATTERN = r"^[^\x00]*$"
"""Free text (descriptions) may hold line breaks and tabs, never NUL: PostgreSQL refuses it."""
"""Run and thread ids are printable text: PostgreSQL cannot store NUL, and control
characters have no use in an id."""


_INT_RANGE = range(-(2**63), 2**64)
"""What LangGraph's checkpoint serializer (msgpack) can store; a run whose input or
answer holds a larger integer fails at its first checkpoint, bare LangGraph too."""


def _finite(value: Any) -> Any:
    """Refuse NaN and infinities anywhere in a JSON value: they are not JSON (RFC 8259),
    PostgreSQL refuses them, and Python's parser lets them in (`NaN`, `1e999`). Refuse
    integers past 64 bits too: LangGraph cannot checkpoint them."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("NaN and infinite numbers are not JSON; send a finite number")
        if isinstance(item, int) and not isinstance(item, bool) and item not in _INT_RANGE:
            raise ValueError(
                "integers past 64 bits cannot be checkpointed by LangGraph; send them as text"
            )
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


RunId = Annotated[str, Field(min_length=1, max_length=200, pattern=ID_PATTERN)]
ThreadId = Annotated[str, Field(max_length=200, pattern=ID_PATTERN)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_finite)]
JsonValue = Annotated[Any, AfterValidator(_finite)]


class SendTarget(BaseModel):
    """LangGraph's `Send`: run `node` with `arg` as its input."""

    model_config = ConfigDict(extra="forbid")

    node: str = Field(min_length=1, max_length=200)
    arg: JsonValue = None


NodeName = Annotated[str, Field(min_length=1, max_length=200)]
Goto = NodeName | SendTarget | list[NodeName | SendTarget]
"""Where a resumed run goes next (LangGraph's `Command(goto=...)`)."""
StateUpdate = JsonObject | list[tuple[str, JsonValue]]
"""State keys a resume writes first (LangGraph's `Command(update=...)`)."""


Breakpoints = Annotated[list[NodeName], Field(max_length=200)] | Literal["*"] | None
"""Nodes a run stops before or after (LangGraph's static breakpoints; `*`: every node)."""


class RunConfig(BaseModel):
    """The LangGraph config a client may give a run (as LangGraph Server takes it). The
    host's own keys win: `configurable` `thread_id`, `run_id`, `checkpoint_id`,
    `checkpoint_ns` and `__`-prefixed keys, and `metadata` keys `genesis_*`, are dropped."""

    model_config = ConfigDict(extra="forbid")

    configurable: JsonObject = Field(
        default_factory=dict, description="Values the graph reads from config['configurable']."
    )
    recursion_limit: int | None = Field(
        default=None, ge=1, le=100_000, description="Super-steps before the run fails (200)."
    )
    tags: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=100)
    metadata: JsonObject = Field(
        default_factory=dict, description="Written into the run's checkpoints' metadata."
    )
    interrupt_before: Breakpoints = Field(
        default=None,
        description="Nodes the run stops before (LangGraph's static breakpoints; `*`: all).",
    )
    interrupt_after: Breakpoints = Field(
        default=None,
        description="Nodes the run stops after (LangGraph's static breakpoints; `*`: all).",
    )


RunContext = Annotated[
    dict[str, Any] | None,
    AfterValidator(_finite),
    Field(description="The graph's runtime context for this run (its `context_schema`)."),
]


# ---- client messages on the WebSocket --------------------------------------------------


class _ClientMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartMessage(_ClientMessage):
    type: Literal["start"]
    graph: str = Field(min_length=1, max_length=200)
    input: JsonValue = Field(default_factory=dict)
    thread_id: ThreadId | None = None
    client_ref: str | None = Field(default=None, max_length=200)
    multitask: MultitaskPolicy = MultitaskPolicy.REJECT
    context: RunContext = None
    config: RunConfig | None = None


class SubscribeMessage(_ClientMessage):
    type: Literal["subscribe"]
    run_id: RunId
    after_seq: int = Field(default=0, ge=0, le=2**53)


class UnsubscribeMessage(_ClientMessage):
    type: Literal["unsubscribe"]
    run_id: RunId


class InterruptMessage(_ClientMessage):
    type: Literal["interrupt"]
    run_id: RunId
    mode: InterruptMode = InterruptMode.PAUSE


class ResumeMessage(_ClientMessage):
    type: Literal["resume"]
    run_id: RunId
    value: JsonValue = None
    goto: Goto | None = None
    update: StateUpdate | None = None


class AuthMessage(_ClientMessage):
    """The first message on a socket of a host that requires authentication; sent again
    with a fresh token (same user) to extend a session before the token expires."""

    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=8192, repr=False)


class PingMessage(_ClientMessage):
    type: Literal["ping"]
    id: str | int | None = None


ClientMessage = Annotated[
    StartMessage
    | SubscribeMessage
    | UnsubscribeMessage
    | InterruptMessage
    | ResumeMessage
    | PingMessage
    | AuthMessage,
    Field(discriminator="type"),
]


# ---- REST bodies ------------------------------------------------------------------------


class RunCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"graph": "topical_mesh", "input": {"repo_url": "https://github.com/acme/site"}}
            ]
        },
    )

    graph: str = Field(min_length=1, max_length=200, description="Name of a registered graph.")
    input: JsonValue = Field(
        default_factory=dict,
        description="The graph's input: any JSON value the graph takes (an object of state "
        "keys for a StateGraph; a string or list for a functional-API entrypoint).",
    )
    thread_id: ThreadId | None = Field(
        default=None, description="Continue this thread; new one if omitted."
    )
    multitask: MultitaskPolicy = Field(
        default=MultitaskPolicy.REJECT,
        description="What to do when the thread already has an active run.",
    )
    context: RunContext = None
    config: RunConfig | None = Field(
        default=None, description="LangGraph config: configurable, recursion_limit, tags, metadata."
    )


class InterruptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"mode": "pause"}]})

    mode: InterruptMode = Field(
        default=InterruptMode.PAUSE,
        description="pause: stop at the next node boundary; cancel: stop now.",
    )


class ResumeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"value": {"approved": True}},
                {"value": {"<interrupt id>": "yes", "<other interrupt id>": "no"}},
                {"value": "yes", "update": {"note": "checked"}, "goto": "review"},
                {},
            ]
        },
    )

    value: JsonValue = Field(
        default=None,
        description="The answer to the run's question; with several interrupts pending, a "
        "map {interrupt id: answer}. Required when the run asked a question (unless "
        "`goto` or `update` steer it instead).",
    )
    goto: Goto | None = Field(
        default=None, description="Node(s) to go to next, LangGraph's `Command(goto=...)`."
    )
    update: StateUpdate | None = Field(
        default=None, description="State update applied first, `Command(update=...)`."
    )

    def command(self) -> dict[str, Any]:
        """`goto` and `update` as plain JSON for the runner."""
        return _steering(self.goto, self.update)


def _steering(goto: Goto | None, update: StateUpdate | None) -> dict[str, Any]:
    steer: dict[str, Any] = {}
    if goto is not None:
        items = goto if isinstance(goto, list) else [goto]
        dumped = [g.model_dump() if isinstance(g, SendTarget) else g for g in items]
        steer["goto"] = dumped if isinstance(goto, list) else dumped[0]
    if update is not None:
        steer["update"] = [list(pair) for pair in update] if isinstance(update, list) else update
    return steer


def resume_steering(message: ResumeMessage) -> dict[str, Any]:
    """`goto` and `update` of a socket `resume` as plain JSON for the runner."""
    return _steering(message.goto, message.update)


class RunInfo(BaseModel):
    run_id: str
    thread_id: str
    graph: str
    status: RunStatus
    created_at: datetime
    updated_at: datetime
    input: Any = Field(default_factory=dict)
    output: Any = None
    error: dict[str, Any] | None = None
    interrupt: Any = Field(
        default=None,
        description="Why the run waits: `reason` (question, pause, shutdown, breakpoint); "
        "for a question every pending interrupt in `interrupts` ({id, value, node, "
        "namespace}) and the first also as `question`, `interrupt_id`, `node`.",
    )
    last_seq: int = 0
    stop_requested: str | None = Field(
        default=None,
        description="A pause, cancel or shutdown drain asked for and not carried out yet.",
    )
    superseded_by: str | None = Field(
        default=None, description="The run that took over this run's thread (`interrupt`)."
    )
    context: dict[str, Any] | None = Field(
        default=None, description="The context the run was started with (operator defaults apart)."
    )
    config: dict[str, Any] | None = Field(
        default=None, description="The config the run was started with (host keys apart)."
    )
    stream_modes: list[str] = Field(
        default_factory=list,
        description="LangGraph stream modes whose parts the run records as `stream.part`.",
    )
    not_before: datetime | None = Field(
        default=None, description="A delayed run stays pending and starts no earlier than this."
    )


class ThreadInfo(BaseModel):
    thread_id: str
    created_at: datetime
    updated_at: datetime
    graph: str | None = None
    active_run_id: str | None = None
    runs: list[str] = Field(default_factory=list)


class ErrorBody(BaseModel):
    code: str
    message: str
    detail: Any = None
