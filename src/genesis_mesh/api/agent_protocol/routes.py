"""The Agent Streaming Protocol's endpoints, at the paths `langgraph-sdk`'s stream
transports use (`langgraph_sdk/stream/transport/http.py` and `ws.py`):

- `POST /threads/{thread_id}/commands`: one command in, its response out (a refused one
  is an `ErrorResponse` with a 4xx status);
- `POST /threads/{thread_id}/stream/events` (or `GET` with the filter in the query):
  one filtered subscription as Server-Sent Events; `since` in the body, the query or as
  `Last-Event-ID` resumes after that `seq`;
- `WS /threads/{thread_id}/stream/events`: every frame in is a command
  (`subscription.subscribe`, `subscription.unsubscribe`, `subscription.reconnect`, and
  the thread commands);
  responses and the events of every subscription come back on the same socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from genesis_mesh.api.agent_protocol.commands import (
    TRANSLATED,
    Command,
    CommandError,
    Commands,
    Outcome,
    ReconnectParams,
    as_command_error,
)
from genesis_mesh.api.agent_protocol.cursor import Cursor, decode
from genesis_mesh.api.agent_protocol.feed import (
    SlowReader,
    ThreadWakers,
    default_position,
    thread_events,
)
from genesis_mesh.api.agent_protocol.frames import frame_text
from genesis_mesh.api.agent_protocol.subscription import Filter, filter_of, subscription_token
from genesis_mesh.api.deps import ServicesDep, ThreadIdPath, UserDep
from genesis_mesh.api.limits import get_limits, user_key
from genesis_mesh.auth.identity import Identity
from genesis_mesh.auth.middleware import credential_header, set_identity
from genesis_mesh.auth.websocket import deny_handshake, origin_allowed
from genesis_mesh.errors import GenesisMeshError, OriginNotAllowed, ThreadNotFound
from genesis_mesh.services import Services
from genesis_mesh.store.threads import ThreadStore

router = APIRouter(tags=["agent-protocol"])
CLOSE_POLICY = 1008
_CLOSE = "__close__"
"""An outbox entry that closes the socket once everything queued before it is sent."""
_OVER_RATE = (
    "too many frames: slow down (GENESIS_MESH_WS_MESSAGES_PER_SECOND and _WS_MESSAGE_BURST);"
    " the socket closes after a burst more"
)
logger = logging.getLogger(__name__)
KEEPALIVE_SECONDS = 15.0
_SSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events: one protocol `Event` per message, `id:` its seq.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


def wakers_of(app: Any) -> ThreadWakers:
    wakers: ThreadWakers = app.state.agent_protocol_wakers
    return wakers


def success(command_id: int, outcome: Outcome) -> dict[str, Any]:
    response: dict[str, Any] = {"type": "success", "id": command_id, "result": outcome.result}
    if outcome.applied_through_seq is not None:
        response["meta"] = {"applied_through_seq": outcome.applied_through_seq}
    return response


def failure(command_id: int | None, error: CommandError) -> dict[str, Any]:
    """An `ErrorResponse`; `code` and `detail` beside it make it the host's error body too
    (`docs/protocol.md`), as every 4xx of the API is."""
    return {
        "type": "error",
        "id": command_id,
        "error": error.code,
        "message": error.message,
        "code": error.host_code,
        "detail": error.detail,
    }


def _echo_id(raw: Any) -> int | None:
    """The id to answer an unreadable command with: its own when it is a protocol id."""
    given = raw.get("id") if isinstance(raw, dict) else None
    ok = isinstance(given, int) and not isinstance(given, bool) and 0 <= given <= 2**53
    return given if ok else None


def _parse_command(raw: Any) -> Command:
    try:
        return Command.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "command"
        raise CommandError(
            "invalid_argument", f"{where}: {first['msg']} (a command is {{id, method, params}})"
        ) from None


@router.post(
    "/threads/{thread_id}/commands",
    summary="Agent Streaming Protocol: send a command (run.*, input.*, state.*, agent.getTree)",
)
async def post_command(
    thread_id: ThreadIdPath,
    body: Command,
    services: ServicesDep,
    user: UserDep,
    request: Request,
) -> JSONResponse:
    """A body that is not a command at all is the API's 422; a command refused is the
    protocol's `ErrorResponse` with the status of its cause."""
    try:
        commands = Commands(services, wakers_of(request.app), request, user, thread_id)
        outcome = await commands.execute(body)
    except CommandError as error:
        return JSONResponse(failure(body.id, error), status_code=error.status)
    return JSONResponse(success(body.id, outcome))


async def _owned(services: Services, user: Identity, thread_id: str) -> None:
    """A missing thread, or someone else's, is a 404 (`langgraph-sdk` opens its stream
    again once its `run.start` has created the thread)."""
    if await ThreadStore(services.store.engine).get(thread_id, user.owner_filter) is None:
        raise ThreadNotFound(thread_id)


async def _position(services: Services, thread_id: str, since: int | None) -> Cursor:
    return decode(since) if since is not None else await default_position(services, thread_id)


def _sse_stream(
    services: Services, wakers: ThreadWakers, thread_id: str, wanted: Filter, after: Cursor
) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        events = thread_events(services, wakers, thread_id, after)
        pending: asyncio.Task[Any] | None = None
        try:
            while True:
                if pending is None:
                    pending = asyncio.ensure_future(anext(events))
                done, _ = await asyncio.wait({pending}, timeout=KEEPALIVE_SECONDS)
                if not done:
                    yield b": keepalive\n\n"
                    continue
                seq, event = pending.result()
                pending = None
                if wanted.matches(event):
                    data = frame_text(event)
                    yield f"id: {seq}\nevent: {event['method']}\ndata: {data}\n\n".encode()
        except SlowReader:
            return
        except Exception as exc:  # the thread or a run of it was deleted, the store failed
            if not isinstance(exc, GenesisMeshError):
                logger.exception("an agent-protocol stream of %s failed", thread_id)
            frame = failure(None, CommandError("unknown_error", f"the stream ended: {exc}"))
            yield f"event: error\ndata: {json.dumps(frame, default=str)}\n\n".encode()
        finally:
            if pending is not None:
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pending  # the generator unwinds inside the task it ran in
            with contextlib.suppress(RuntimeError, StopAsyncIteration):
                await events.aclose()

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/threads/{thread_id}/stream/events",
    response_class=StreamingResponse,
    responses=_SSE,
    summary="Agent Streaming Protocol: a filtered event stream (SSE)",
)
async def stream_events(
    thread_id: ThreadIdPath,
    services: ServicesDep,
    user: UserDep,
    request: Request,
    body: Filter,
) -> StreamingResponse:
    await _owned(services, user, thread_id)
    since = body.since if body.since is not None else _last_event_id(request)
    after = await _position(services, thread_id, since)
    return _sse_stream(services, wakers_of(request.app), thread_id, body, after)


@router.get(
    "/threads/{thread_id}/stream/events",
    response_class=StreamingResponse,
    responses=_SSE,
    summary="Agent Streaming Protocol: a filtered event stream (SSE, filter in the query)",
)
async def stream_events_get(
    thread_id: ThreadIdPath,
    services: ServicesDep,
    user: UserDep,
    request: Request,
    channels: Annotated[list[str], Query(max_length=64)],
    namespace: Annotated[list[str] | None, Query(max_length=64)] = None,
    depth: Annotated[int | None, Query(ge=0, le=1000)] = None,
    since: Annotated[int | None, Query(ge=0, le=2**53)] = None,
) -> StreamingResponse:
    """`namespace` is one prefix per value, its segments joined by `/`."""
    try:
        wanted = Filter(
            channels=channels,
            namespaces=[part.split("/") if part else [] for part in namespace]
            if namespace
            else None,
            depth=depth,
            since=since,
        )
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    await _owned(services, user, thread_id)
    given = since if since is not None else _last_event_id(request)
    after = await _position(services, thread_id, given)
    return _sse_stream(services, wakers_of(request.app), thread_id, wanted, after)


def _last_event_id(request: Request) -> int | None:
    last = (request.headers.get("last-event-id") or "").strip()
    return int(last) if last.isdigit() and len(last) < 17 else None


# ---- WebSocket ---------------------------------------------------------------------


@router.websocket("/threads/{thread_id}/stream/events")
async def stream_socket(websocket: WebSocket, thread_id: str) -> None:
    services: Services = websocket.app.state.services
    try:
        if not origin_allowed(websocket, services.settings.allowed_origins):
            raise OriginNotAllowed(websocket.headers.get("origin", ""))
        if len(thread_id) > 200 or any(ord(c) < 0x20 or ord(c) == 0x7F for c in thread_id):
            raise ThreadNotFound(thread_id[:200])
        user = await websocket.app.state.auth.identify(
            websocket.scope, credential_header(websocket.headers)
        )
        set_identity(websocket.scope, user)
        await _owned(services, user, thread_id)
    except GenesisMeshError as exc:
        await deny_handshake(websocket, exc)
        return
    await websocket.accept()
    limits, key = get_limits(websocket), user_key(websocket)
    if not limits.sockets.acquire(key):
        await websocket.close(CLOSE_POLICY, "too many open sockets: close one first")
        return
    try:
        await _Socket(websocket, services, user, thread_id).run()
    finally:
        limits.sockets.release(key)


class _Socket:
    """One WebSocket: commands in, responses and subscribed events out, in order."""

    def __init__(
        self, websocket: WebSocket, services: Services, user: Identity, thread_id: str
    ) -> None:
        self.websocket = websocket
        self.services = services
        self.user = user
        self.thread_id = thread_id
        self.wakers = wakers_of(websocket.app)
        self.outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(10_000)
        self.subscriptions: dict[str, asyncio.Task[None]] = {}
        self._next = 0
        self._max_bytes = services.settings.ws_max_message_bytes
        self._dropped = False
        self._rate = get_limits(websocket).message_rate()
        self._closing: asyncio.Future[None] | None = None

    async def run(self) -> None:
        sender = asyncio.create_task(self._send_forever())
        try:
            await self._receive_forever()
        finally:
            for task in self.subscriptions.values():
                task.cancel()
            await asyncio.gather(*self.subscriptions.values(), return_exceptions=True)
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)

    def _put(self, message: dict[str, Any]) -> None:
        if self._dropped:
            return
        try:
            self.outbox.put_nowait(message)
        except asyncio.QueueFull:  # a reader this slow is dropped; it resumes by seq
            self._dropped = True
            self._closing = asyncio.ensure_future(
                self.websocket.close(1013, "too slow: reconnect with since")
            )

    async def _send_forever(self) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            while (message := await self.outbox.get()) is not None:
                if _CLOSE in message:
                    code, reason = message[_CLOSE]
                    await self.websocket.close(code, reason)
                    return
                await self.websocket.send_text(frame_text(message))

    async def _receive_forever(self) -> None:
        while True:
            try:
                message = await self.websocket.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            if self._rate.admit() is not None:
                if self._rate.exhausted:
                    await self.websocket.close(CLOSE_POLICY, "message rate limit")
                    return
                self._put(failure(None, CommandError("invalid_argument", _OVER_RATE, 429)))
                continue
            text = message.get("text")
            if text is None and message.get("bytes") is not None:
                text = message["bytes"].decode("utf-8", "replace")
            await self._handle(text or "")

    async def _handle(self, text: str) -> None:
        command_id: int | None = None
        try:
            if len(text) > self._max_bytes:
                raise CommandError("invalid_argument", f"a frame may hold {self._max_bytes} bytes")
            try:
                raw = json.loads(text)
            except (ValueError, RecursionError):
                raise CommandError("invalid_argument", "a frame is one JSON command") from None
            command_id = _echo_id(raw)
            command = _parse_command(raw)
            if command.method == "subscription.subscribe":
                await self._subscribe(command)
                return
            if command.method == "subscription.unsubscribe":
                self._unsubscribe(command)
                return
            if command.method == "subscription.reconnect":
                await self._reconnect(command)
                return
            commands = Commands(
                self.services, self.wakers, self.websocket, self.user, self.thread_id
            )
            self._put(success(command.id, await commands.execute(command)))
        except CommandError as error:
            self._put(failure(command_id, error))

    async def _subscribe(self, command: Command) -> None:
        try:
            wanted = Filter.model_validate(command.params)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise CommandError("invalid_argument", f"params.{where}: {first['msg']}") from None
        self._next += 1
        subscription_id = subscription_token(self._next, wanted)
        after = await _position(self.services, self.thread_id, wanted.since)
        self._put(success(command.id, Outcome({"subscription_id": subscription_id})))
        self._start(subscription_id, wanted, after)

    def _start(self, subscription_id: str, wanted: Filter, after: Cursor) -> None:
        old = self.subscriptions.pop(subscription_id, None)
        if old is not None:
            old.cancel()
        self.subscriptions[subscription_id] = asyncio.create_task(self._pump(wanted, after))

    async def _reconnect(self, command: Command) -> None:
        """`subscription.reconnect` on a new socket: the subscriptions it names (their ids
        carry their filters) stream again from `last_event_id`; `restored` says all did."""
        commands = Commands(self.services, self.wakers, self.websocket, self.user, self.thread_id)
        try:
            body = ReconnectParams.model_validate(command.params)
            since, result = await commands.reconnect(body)
        except TRANSLATED as exc:
            raise as_command_error(exc) from None
        filters = {sid: filter_of(sid) for sid in body.subscriptions}
        restored = {sid: wanted for sid, wanted in filters.items() if wanted is not None}
        self._put(
            success(
                command.id,
                Outcome({"restored": len(restored) == len(filters) > 0, **result}),
            )
        )
        for subscription_id, wanted in restored.items():
            self._start(subscription_id, wanted, decode(since))

    def _unsubscribe(self, command: Command) -> None:
        subscription_id = str(command.params.get("subscription_id", ""))
        task = self.subscriptions.pop(subscription_id, None)
        if task is None:
            raise CommandError(
                "no_such_subscription", f"no subscription {subscription_id!r} on this socket", 404
            )
        task.cancel()
        self._put(success(command.id, Outcome({})))

    async def _pump(self, wanted: Filter, after: Cursor) -> None:
        try:
            async for _, event in thread_events(self.services, self.wakers, self.thread_id, after):
                if wanted.matches(event):
                    self._put(event)
        except SlowReader:
            if self.websocket.client_state == WebSocketState.CONNECTED:
                await self.websocket.close(1013, "too slow: reconnect with since")
        except GenesisMeshError as exc:  # the thread was deleted
            self._put(failure(None, CommandError("unknown_error", f"the stream ended: {exc}")))
            self._put({_CLOSE: [1000, "the thread is gone"]})  # after the frames before it
        except Exception:
            logger.exception("an agent-protocol subscription of %s failed", self.thread_id)
            self._put(
                {"type": "error", "id": None, "error": "unknown_error", "message": "stream failed"}
            )
            with contextlib.suppress(Exception):
                await self.websocket.close(1011, "stream failed")
