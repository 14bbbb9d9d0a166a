"""The versioned wire protocol: run statuses, event envelopes, client messages, REST bodies.

`docs/protocol.md` is the human description of this module; bump `PROTOCOL_VERSION`
when a change is not backwards compatible.
"""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

PROTOCOL_VERSION = "1.2"


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
    RUN_INTERRUPTED = "run.interrupted"
    RUN_RESUMED = "run.resumed"
    RUN_COMPLETED = "run.completed"
    RUN_FAILED = "run.failed"
    RUN_CANCELLED = "run.cancelled"


FINAL_EVENT_TYPES = frozenset(
    {EventType.RUN_COMPLETED, EventType.RUN_FAILED, EventType.RUN_CANCELLED}
)


class Event(BaseModel):
    """One thing that happened in a run; `seq` grows by one per event of that run."""

    run_id: str
    seq: int
    ts: datetime
    type: EventType
    node: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


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
"""Run and thread ids are printable text: PostgreSQL cannot store NUL, and control
characters have no use in an id."""


def _finite(value: Any) -> Any:
    """Refuse NaN and infinities anywhere in a JSON value: they are not JSON (RFC 8259),
    PostgreSQL refuses them, and Python's parser lets them in (`NaN`, `1e999`)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("NaN and infinite numbers are not JSON; send a finite number")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


RunId = Annotated[str, Field(min_length=1, max_length=200, pattern=ID_PATTERN)]
ThreadId = Annotated[str, Field(max_length=200, pattern=ID_PATTERN)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_finite)]
JsonValue = Annotated[Any, AfterValidator(_finite)]


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
    input: JsonObject = Field(default_factory=dict)
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
    input: JsonObject = Field(default_factory=dict, description="The graph's input.")
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
        extra="forbid", json_schema_extra={"examples": [{"value": {"approved": True}}, {}]}
    )

    value: JsonValue = Field(
        default=None, description="Answer to the run's question, if it asked one."
    )


class RunInfo(BaseModel):
    run_id: str
    thread_id: str
    graph: str
    status: RunStatus
    created_at: datetime
    updated_at: datetime
    input: dict[str, Any] = Field(default_factory=dict)
    output: Any = None
    error: dict[str, Any] | None = None
    interrupt: Any = None
    last_seq: int = 0
    stop_requested: str | None = Field(
        default=None, description="A pause or cancel asked for and not carried out yet."
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
