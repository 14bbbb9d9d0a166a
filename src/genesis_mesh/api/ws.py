"""The WebSocket at /ws: start and follow runs, interrupt and resume them (docs/protocol.md)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any, cast

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import TypeAdapter, ValidationError
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketState

from genesis_mesh.api.access import run_of, thread_of
from genesis_mesh.api.limits import ProcessLimits, get_limits, user_key
from genesis_mesh.api.send_queue import SendQueue
from genesis_mesh.api.uploads import check_upload_sources
from genesis_mesh.auth.authenticator import Authenticator
from genesis_mesh.auth.identity import Identity
from genesis_mesh.auth.websocket import (
    CLOSE_UNAUTHORIZED,
    Login,
    authenticate_websocket,
    authenticated_message,
    credential_watch,
    deny_handshake,
    error_message,
    origin_allowed,
)
from genesis_mesh.errors import (
    AlreadySubscribed,
    GenesisMeshError,
    InvalidToken,
    OriginNotAllowed,
    StopTimedOut,
)
from genesis_mesh.observability.metrics import get_metrics
from genesis_mesh.protocol import (
    AuthMessage,
    ClientMessage,
    Event,
    InterruptMessage,
    PingMessage,
    ResumeMessage,
    RunStatus,
    StartMessage,
    SubscribeMessage,
    UnsubscribeMessage,
    resume_steering,
)
from genesis_mesh.services import Services

logger = logging.getLogger(__name__)
router = APIRouter()

_MESSAGES: TypeAdapter[Any] = TypeAdapter(cast(Any, ClientMessage))
CLOSE_POLICY = 1008


class _Session:
    """One socket: a bounded send queue, its subscriptions and its command tasks."""

    __slots__ = (
        "auth",
        "close_reason",
        "limit_key",
        "limits",
        "login",
        "outbox",
        "overflowed",
        "rate",
        "sender",
        "services",
        "settings",
        "subscriptions",
        "tasks",
        "websocket",
    )

    def __init__(
        self, websocket: WebSocket, services: Services, login: Login, limits: ProcessLimits
    ) -> None:
        self.websocket = websocket
        self.services = services
        self.login = login
        self.auth: Authenticator = websocket.app.state.auth
        self.settings = services.settings
        self.limits = limits
        self.limit_key = user_key(websocket)
        self.rate = limits.message_rate()
        self.outbox: SendQueue[str | tuple[int, str] | None] = SendQueue(
            self.settings.ws_send_queue_size
        )
        self.subscriptions: dict[str, Callable[[], None]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.overflowed = False
        self.close_reason = "slow consumer"

    async def run(self) -> None:
        sender = self.sender = asyncio.create_task(self._send_forever())
        interval = self.settings.ws_auth_recheck_seconds
        self._spawn(
            credential_watch(lambda: self.login, self.auth, interval, self._credential_ended)
        )
        try:
            await self._receive_forever()
        except WebSocketDisconnect:
            pass
        finally:
            for unsubscribe in self.subscriptions.values():
                unsubscribe()
            for task in self.tasks:
                task.cancel()
            sender.cancel()
            await asyncio.gather(sender, *self.tasks, return_exceptions=True)

    # ---- outbound ---------------------------------------------------------------------

    def push(self, message: dict[str, Any]) -> None:
        """Queue without waiting; a client that does not read is told and dropped."""
        self._push_text(json.dumps(message, default=str))

    def _push_text(self, text: str) -> None:
        if self.overflowed:
            return
        try:
            self.outbox.put_nowait(text)
        except asyncio.QueueFull:
            self._drop_slow_reader()

    def _drop_slow_reader(self) -> None:
        self.overflowed = True
        self.close_reason = "slow consumer"
        for unsubscribe in self.subscriptions.values():
            unsubscribe()
        self.subscriptions.clear()
        while not self.outbox.empty():
            self.outbox.get_nowait()
        self.outbox.put_nowait(json.dumps(_error("slow_consumer", _SLOW_CONSUMER)))
        self.outbox.put_nowait(None)

    async def _send_forever(self) -> None:
        while True:
            text = await self.outbox.get()
            if text is None:
                await self.websocket.close(CLOSE_POLICY, self.close_reason)
                return
            if isinstance(text, tuple):
                await self.websocket.close(*text)
                return
            await self.websocket.send_text(text)

    async def _replay(self, event: Event) -> None:
        await self.outbox.put(event.wire_text())

    def _live(self, event: Event) -> None:
        # Encoded once per event (`Event.wire_text`), not once per socket that follows it.
        self._push_text(event.wire_text())

    # ---- inbound ----------------------------------------------------------------------

    async def _receive_forever(self) -> None:
        limit = self.settings.ws_max_message_bytes
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            if (retry_after := self.rate.admit()) is not None:
                if self.rate.exhausted:
                    await self._close_for_flooding()
                    return
                self.push(_rate_limited(_OVER_RATE, retry_after))
                continue
            text = message.get("text")
            if text is None:
                self.push(_error("invalid_message", "Send JSON text frames, not binary ones."))
                continue
            if len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit:
                self.push(
                    _error(
                        "message_too_large",
                        f"Messages are limited to {limit} bytes; send a smaller one.",
                        {"limit": limit},
                    )
                )
                continue
            self._handle(text)

    async def _close_for_flooding(self) -> None:
        """Stop reading a socket that kept sending over its rate: say why, close 1008."""
        self.push(_error("rate_limited", _FLOODING, {"setting": _RATE_SETTING}))
        if not self.overflowed:
            try:
                self.outbox.put_nowait(None)
                self.close_reason = "message rate limit"
            except asyncio.QueueFull:
                self._drop_slow_reader()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.sender), _CLOSE_WAIT_SECONDS)

    def _handle(self, text: str) -> None:
        if self.user.expired():
            return  # the socket is closing with "token expired"
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, RecursionError, ValueError) as exc:
            self.push(_error("invalid_json", f"The message is not valid JSON: {exc}"))
            return
        try:
            parsed = _MESSAGES.validate_python(document)
        except ValidationError as exc:
            self.push(
                _error(
                    "invalid_message",
                    "The message does not match the protocol; see detail and docs/protocol.md.",
                    [
                        {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                        for e in exc.errors(include_url=False, include_context=False)
                    ][:20],
                )
            )
            return
        except RecursionError:
            self.push(_error("invalid_message", "The message is nested too deeply."))
            return
        if isinstance(parsed, PingMessage):
            self.push({"type": "pong", "id": parsed.id})
            return
        self._spawn(self._command(parsed))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    @property
    def user(self) -> Identity:
        return self.login.identity

    def _credential_ended(self, error: GenesisMeshError, reason: str) -> None:
        """The token expired or the key was revoked: say so, then close with 4401."""
        if self.overflowed:
            return
        self.push(error_message(error))
        self.overflowed = True  # nothing more is queued after the close
        with contextlib.suppress(asyncio.QueueFull):
            self.outbox.put_nowait((CLOSE_UNAUTHORIZED, reason))

    async def _reauthenticate(self, message: AuthMessage) -> None:
        """A fresh token for the same user extends the session; another user is refused."""
        if self.auth.anonymous_allowed(self.websocket.scope):
            self.push(authenticated_message(self.user))
            return
        identity = await self.auth.authenticate(message.token)
        if identity.user_id != self.user.user_id:
            raise InvalidToken("a socket keeps the user it authenticated as; open a new one")
        self.login = Login(identity, message.token)
        self.push(authenticated_message(identity))

    async def _command(self, message: Any) -> None:
        run_id = getattr(message, "run_id", None)
        try:
            if isinstance(message, AuthMessage):
                await self._reauthenticate(message)
            elif isinstance(message, StartMessage):
                await self._start(message)
            elif isinstance(message, SubscribeMessage):
                await run_of(self.services, self.user, message.run_id)
                await self._subscribe(message.run_id, message.after_seq)
            elif isinstance(message, UnsubscribeMessage):
                unsubscribe = self.subscriptions.pop(message.run_id, None)
                if unsubscribe is not None:
                    unsubscribe()
            elif isinstance(message, InterruptMessage):
                await run_of(self.services, self.user, message.run_id)
                run = await self.services.runner.interrupt(message.run_id, message.mode)
                if run.status in (RunStatus.RUNNING, RunStatus.PENDING):
                    wait = self.services.settings.interrupt_wait_seconds
                    raise StopTimedOut(run.run_id, message.mode.value, wait)
                self.push(_ack("interrupt", run.run_id, run.status))
            elif isinstance(message, ResumeMessage):
                await run_of(self.services, self.user, message.run_id)
                store = self.services.store
                limits = self.limits
                async with limits.admit_run(self.limit_key, store, new_run=False) as admitted:
                    run = await self.services.runner.resume(
                        message.run_id, message.value, **resume_steering(message)
                    )
                    admitted(run.run_id)
                self.push(_ack("resume", run.run_id, run.status))
        except GenesisMeshError as exc:
            self.push({"type": "error", **exc.to_dict(), "run_id": run_id})
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("WebSocket command failed")
            self.push(_error("internal_error", "The server failed on this message; it is logged."))

    async def _start(self, message: StartMessage) -> None:
        runner = self.services.runner
        if message.thread_id is not None:
            await thread_of(self.services, self.user, message.thread_id)
        check_upload_sources(self.websocket, self.user, message.input)
        async with self.limits.admit_run(self.limit_key, self.services.store) as admitted:
            run = await runner.create_run(
                message.graph,
                message.input,
                message.thread_id,
                message.client_ref,
                owner=self.user.user_id,
                on_event=self._live,
                multitask=message.multitask,
                context=message.context,
                config=message.config,
            )
            admitted(run.run_id)
        self.subscriptions[run.run_id] = runner.take_subscription(run.run_id)

    async def _subscribe(self, run_id: str, after_seq: int) -> None:
        if run_id in self.subscriptions:
            raise AlreadySubscribed(run_id)

        def pending() -> None:
            """Holds the run's place while its replay runs (a second subscribe sent at
            once is refused, an unsubscribe sent meanwhile is honoured)."""

        self.subscriptions[run_id] = pending
        try:
            unsubscribe = await self.services.runner.follow(
                run_id, after_seq, self._replay, self._live
            )
        except BaseException:
            if self.subscriptions.get(run_id) is pending:
                del self.subscriptions[run_id]
            raise
        still_wanted = self.subscriptions.get(run_id) is pending
        if still_wanted and not self.overflowed:
            self.subscriptions[run_id] = unsubscribe
            return
        if still_wanted:
            del self.subscriptions[run_id]
        unsubscribe()


_RATE_SETTING = "GENESIS_MESH_WS_MESSAGES_PER_SECOND"
_OVER_RATE = (
    "This socket sends messages faster than allowed; the message was dropped, send it "
    f"again after retry_after seconds (limit: {_RATE_SETTING})."
)
_FLOODING = (
    "This socket kept sending over its message rate and is closed; reconnect and send "
    f"more slowly (limit: {_RATE_SETTING})."
)
_TOO_MANY_SOCKETS = (
    "You have too many WebSockets open; close one and connect again "
    "(limit: GENESIS_MESH_WS_MAX_SOCKETS_PER_USER)."
)
_CLOSE_WAIT_SECONDS = 10.0
_SLOW_CONSUMER = (
    "This socket did not read its messages fast enough and is closed; reconnect and "
    "subscribe with after_seq to catch up."
)


def _error(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "detail": detail}


def _rate_limited(message: str, retry_after: float) -> dict[str, Any]:
    wait = round(retry_after, 3)
    return {**_error("rate_limited", message, {"retry_after": wait}), "retry_after": wait}


def _ack(action: str, run_id: str, status: str) -> dict[str, Any]:
    return {"type": "ack", "action": action, "run_id": run_id, "status": status}


async def websocket_endpoint(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    if not origin_allowed(websocket, services.settings.allowed_origins):
        await deny_handshake(websocket, OriginNotAllowed(websocket.headers.get("origin", "")))
        return
    settings = services.settings
    login = await authenticate_websocket(
        websocket, websocket.app.state.auth, settings.ws_auth_timeout, settings.ws_max_message_bytes
    )
    if login is None:
        return
    limits = get_limits(websocket)
    key = user_key(websocket)
    if not limits.sockets.acquire(key):
        await websocket.send_text(json.dumps(_error("too_many_sockets", _TOO_MANY_SOCKETS)))
        await websocket.close(CLOSE_POLICY, "too many open sockets")
        return
    get_metrics().websockets_open.inc()
    try:
        await _Session(websocket, services, login, limits).run()
    finally:
        get_metrics().websockets_open.dec()
        limits.sockets.release(key)
    if websocket.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await websocket.close()


# A plain Starlette route, not FastAPI's `router.websocket`: this endpoint takes no
# dependencies, and FastAPI's wrapper would keep two exit stacks, a dependency solve and
# telemetry frames alive for as long as each socket stays open (about 4 kB a socket).
router.routes.append(WebSocketRoute("/ws", websocket_endpoint))
