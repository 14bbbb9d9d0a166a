"""The versioned wire protocol: run statuses, event envelopes, client messages, REST bodies.

`docs/protocol.md` is the human description of this module; bump `PROTOCOL_VERSION`
when a change is not backwards compatible.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = "1.1"


class RunStatus(StrEnum):
    """Life cycle of a run; `interrupted` waits for a human or a resume."""

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


class InterruptMode(StrEnum):
    PAUSE = "pause"
    CANCEL = "cancel"


# ---- client messages on the WebSocket --------------------------------------------------


class _ClientMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartMessage(_ClientMessage):
    type: Literal["start"]
    graph: str = Field(min_length=1, max_length=200)
    input: dict[str, Any] = Field(default_factory=dict)
    thread_id: str | None = Field(default=None, max_length=200)
    client_ref: str | None = Field(default=None, max_length=200)


class SubscribeMessage(_ClientMessage):
    type: Literal["subscribe"]
    run_id: str = Field(min_length=1, max_length=200)
    after_seq: int = Field(default=0, ge=0, le=2**53)


class UnsubscribeMessage(_ClientMessage):
    type: Literal["unsubscribe"]
    run_id: str = Field(min_length=1, max_length=200)


class InterruptMessage(_ClientMessage):
    type: Literal["interrupt"]
    run_id: str = Field(min_length=1, max_length=200)
    mode: InterruptMode = InterruptMode.PAUSE


class ResumeMessage(_ClientMessage):
    type: Literal["resume"]
    run_id: str = Field(min_length=1, max_length=200)
    value: Any = None


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
    input: dict[str, Any] = Field(default_factory=dict, description="The graph's input.")
    thread_id: str | None = Field(
        default=None, max_length=200, description="Continue this thread; new one if omitted."
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

    value: Any = Field(default=None, description="Answer to the run's question, if it asked one.")


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
