"""The request middleware: a request id for every HTTP request and WebSocket, per-route
HTTP metrics, and a server span when tracing is on.

A client may send its own `X-Request-ID` (letters, digits, `-_.:`, up to 128
characters); anything else is replaced by a fresh id. The id is echoed in the response's
`X-Request-ID` header and named in every log line written while the request is served.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from genesis_mesh.observability import tracing
from genesis_mesh.observability.logs import request_id_var, run_id_var
from genesis_mesh.observability.metrics import get_metrics

HEADER = "x-request-id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def request_id_from(scope: Scope) -> str:
    """The client's `X-Request-ID` when it is sane, else a new random id."""
    for name, value in scope.get("headers") or ():
        if name == HEADER.encode():
            text = bytes(value).decode("latin-1")
            if _SANE_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The matched route's template (`/api/v1/runs/{run_id}`), never the raw path: raw
    paths would make one metric series per run id."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def _with_id_on(send: Send, message_type: str, request_id: str) -> Send:
    """`send`, adding the `X-Request-ID` header to the message that starts the answer."""

    async def send_with_id(message: Message) -> None:
        if message["type"] == message_type:
            headers: list[Any] = list(message.get("headers") or [])
            headers.append((HEADER.encode(), request_id.encode()))
            message = {**message, "headers": headers}
        await send(message)

    return send_with_id


def _bind_run_of(scope: Scope) -> None:
    run_id = (scope.get("path_params") or {}).get("run_id")
    if isinstance(run_id, str) and _SANE_ID.fullmatch(run_id):
        run_id_var.set(run_id)


class RequestContext:
    """ASGI middleware; wrap the whole app so error responses carry the id too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        token = request_id_var.set(request_id)
        run_token = run_id_var.set(None)
        if scope["type"] == "websocket":
            await self.app(scope, receive, _with_id_on(send, "websocket.accept", request_id))
        else:
            await self._http(scope, receive, send, request_id)
        # Not reset when the app raised: the server logs the error after this returns,
        # and that line should name the request too.
        run_id_var.reset(run_token)
        request_id_var.reset(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        status = 500
        started = time.perf_counter()

        send_with_id = _with_id_on(send, "http.response.start", request_id)

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                _bind_run_of(scope)  # so the access line names the run it was about
            await send_with_id(message)

        with tracing.server_span(scope, request_id) as span:
            try:
                await self.app(scope, receive, send_and_note)
            finally:
                route = route_of(scope)
                tracing.name_server_span(span, scope, route, status)
                get_metrics().observe_request(
                    scope.get("method", "GET"), route, status, time.perf_counter() - started
                )
