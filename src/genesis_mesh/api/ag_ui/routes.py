"""The AG-UI endpoints: run an assistant, rejoin one of its runs (docs/ag-ui.md)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from ag_ui.core import RunAgentInput, RunErrorEvent
from ag_ui.encoder import EventEncoder
from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse

from genesis_mesh.api.ag_ui.runs import (
    Segment,
    find_segment,
    open_segment,
    plain_keys,
    read_state,
    resolve_assistant,
)
from genesis_mesh.api.ag_ui.stream import sse
from genesis_mesh.api.ag_ui.translate import Translator
from genesis_mesh.api.deps import ServicesDep, ThreadIdPath, UserDep
from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import RunNotFound
from genesis_mesh.protocol import ID_PATTERN
from genesis_mesh.services import Services

router = APIRouter(prefix="/ag-ui", tags=["ag-ui"])
logger = logging.getLogger(__name__)

AssistantPath = Annotated[str, Path(min_length=1, max_length=200, pattern=ID_PATTERN)]
AgUiRunPath = Annotated[str, Path(min_length=1, max_length=200, pattern=ID_PATTERN)]
_ID = re.compile(ID_PATTERN)
_SSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The AG-UI event stream (Server-Sent Events, each with its number as `id`).",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.post(
    "/{assistant_id}",
    response_class=StreamingResponse,
    responses=_SSE,
    summary="AG-UI: run an assistant (the body is AG-UI's RunAgentInput)",
    description="The assistant is a graph's name, its default assistant id, or a stored "
    "assistant. Starts a run on `threadId`, resumes the thread's interrupted run (`resume`, "
    "or `forwardedProps.command.resume`), or, with a `runId` posted before, rejoins that "
    "run: from the start, or after event `forwardedProps.genesis_mesh.after_event`.",
)
async def run_agent(
    assistant_id: AssistantPath,
    body: RunAgentInput,
    services: ServicesDep,
    user: UserDep,
    request: Request,
) -> StreamingResponse:
    _check_ids(body)
    after_event = _after_event_of(body)
    assistant = await resolve_assistant(services, user, assistant_id)
    segment = await open_segment(services, user, request, assistant, body)
    return _response(services, user, assistant_id, body.thread_id, segment, after_event)


@router.get(
    "/{assistant_id}/threads/{thread_id}/runs/{run_id}/stream",
    response_class=StreamingResponse,
    responses=_SSE,
    summary="AG-UI: rejoin a run's event stream (honours Last-Event-ID)",
    description="`run_id` is the AG-UI `runId`. Sends the run's AG-UI events after number "
    "`after_event` (or `Last-Event-ID`), preceded by `RUN_STARTED` and what was open then.",
)
async def rejoin(
    assistant_id: AssistantPath,
    thread_id: ThreadIdPath,
    run_id: AgUiRunPath,
    services: ServicesDep,
    user: UserDep,
    after_event: Annotated[int, Query(ge=0, le=2**31)] = 0,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
) -> StreamingResponse:
    await resolve_assistant(services, user, assistant_id)
    if last_event_id and last_event_id.strip().isdigit():
        after_event = max(after_event, int(last_event_id.strip()))
    segment = await find_segment(services, user, thread_id, run_id)
    if segment is None:
        raise RunNotFound(run_id)
    return _response(services, user, assistant_id, thread_id, segment, after_event)


@router.get("/{assistant_id}/health", summary="AG-UI: the assistant answers")
async def health(
    assistant_id: AssistantPath, services: ServicesDep, user: UserDep
) -> dict[str, Any]:
    assistant = await resolve_assistant(services, user, assistant_id)
    return {"status": "ok", "agent": {"name": assistant.graph}}


def _response(
    services: Services,
    user: Identity,
    assistant_id: str,
    thread_id: str,
    segment: Segment,
    after_event: int,
) -> StreamingResponse:
    run = segment.run
    rejoin_at = f"/ag-ui/{assistant_id}/threads/{thread_id}/runs/{segment.agui_run_id}/stream"

    async def state() -> dict[str, Any]:
        return await read_state(services, run.graph, run.thread_id)

    translator = Translator(
        thread_id,
        segment.agui_run_id,
        state,
        plain_keys(services, run.graph),
        {"run_id": run.run_id, "graph": run.graph, "rejoin": rejoin_at},
    )
    events = sse(services, run.run_id, segment.after_seq, translator, user, after_event)
    return StreamingResponse(
        _guarded(events),
        media_type=EventEncoder().get_content_type(),
        headers={
            "Content-Location": rejoin_at,
            "X-Genesis-Mesh-Run-Id": run.run_id,
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        },
    )


async def _guarded(events: AsyncIterator[str]) -> AsyncIterator[str]:
    """The stream, ended with `RUN_ERROR` rather than a broken connection should the host
    fail mid-stream (the headers are gone: no 500 can be sent any more)."""
    try:
        async for message in events:
            yield message
    except Exception:
        logger.exception("the AG-UI stream failed")
        failed = RunErrorEvent(
            message="The host failed while streaming this run; rejoin it (docs/ag-ui.md).",
            code="internal_error",
        )
        yield EventEncoder().encode(failed)


def _check_ids(body: RunAgentInput) -> None:
    bad = [
        {"loc": ["body", name], "msg": "1 to 200 printable characters", "type": "string_pattern"}
        for name, value in (("threadId", body.thread_id), ("runId", body.run_id))
        if not 0 < len(value) <= 200 or not _ID.match(value)
    ]
    if bad:
        raise RequestValidationError(bad)


def _after_event_of(body: RunAgentInput) -> int:
    """`forwardedProps.genesis_mesh.after_event` (or `genesisMesh.afterEvent`): where a
    rejoin by POST resumes; 0 (from the start) when not given."""
    props = body.forwarded_props if isinstance(body.forwarded_props, dict) else {}
    ours = props.get("genesis_mesh", props.get("genesisMesh"))
    if not isinstance(ours, dict):
        return 0
    after = ours.get("after_event", ours.get("afterEvent", 0))
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= 2**31:
        raise RequestValidationError(
            [
                {
                    "loc": ["body", "forwardedProps", "genesis_mesh", "after_event"],
                    "msg": "a whole number of events, 0 or more",
                    "type": "int_type",
                }
            ]
        )
    return after
