"""The host: `GenesisMesh` builds the FastAPI app; its lifespan opens and closes everything."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from genesis_mesh._version import __version__
from genesis_mesh.api.langgraph.crons import scheduling
from genesis_mesh.api.langgraph.run_end import following_run_ends
from genesis_mesh.api.limits import ProcessLimits
from genesis_mesh.api.openapi import document_errors
from genesis_mesh.api.web import security_headers
from genesis_mesh.auth import Authenticator
from genesis_mesh.errors import GenesisMeshError
from genesis_mesh.observability.requests import RequestContext
from genesis_mesh.observability.tracing import configure_tracing
from genesis_mesh.reload import watching
from genesis_mesh.services import open_services
from genesis_mesh.settings import Settings
from genesis_mesh.uploads.limits import ArchiveLimits
from genesis_mesh.uploads.store import UploadStore

logger = logging.getLogger(__name__)
UPLOAD_SETTING = "GENESIS_MESH_UPLOAD_MAX_BYTES"
EXPOSED_HEADERS = ["Content-Location", "Location", "X-Pagination-Next", "X-Request-ID"]
"""Answer headers a page on another origin may read: the LangGraph SDK takes a run's id
from `Content-Location` (useStream's `onCreated`, `reconnectOnMount`), pages on with
`X-Pagination-Next`; a request id is what a bug report quotes."""


class BodySizeLimit:
    """Answers 413 in the API's error format when a request body is over the limit, be it
    announced by Content-Length or only found out while reading a chunked body."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: dict[str, tuple[int, str]] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}  # path -> (limit, setting) for bodies such as uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = self.larger.get(scope["path"], (self.max_bytes, _REQUEST_SETTING))
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await _too_large(limit, setting)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                # An HTTPException passes through FastAPI's body parsing (anything else
                # would become a 400) and reaches `_handle_http`.
                raise _BodyTooLarge(limit, setting)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge as exc:
            if not started:
                await _too_large(exc.limit, exc.setting)(scope, receive, send)


_REQUEST_SETTING = "GENESIS_MESH_MAX_REQUEST_BYTES"


class _BodyTooLarge(StarletteHTTPException):
    def __init__(self, limit: int, setting: str = _REQUEST_SETTING) -> None:
        super().__init__(413)
        self.limit = limit
        self.setting = setting


def _too_large(limit: int, setting: str = _REQUEST_SETTING) -> JSONResponse:
    return JSONResponse(
        {
            "code": "request_too_large",
            "message": f"The request body is over {limit} bytes; send less (limit: {setting}).",
            "detail": {"limit": limit},
        },
        status_code=413,
    )


class GenesisMesh:
    """The genesis-mesh host. Construct, `setup()`, then call it as an ASGI app."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.app = FastAPI(
            title="genesis-mesh",
            version=__version__,
            description="A durable, streaming host for LangGraph graphs.",
            lifespan=self._lifespan,
        )
        self._is_setup = False

    def setup(self) -> GenesisMesh:
        """Register middleware, error handlers and routers (idempotent)."""
        if self._is_setup:
            return self
        from genesis_mesh.api import include_routers
        from genesis_mesh.auth import AuthMiddleware
        from genesis_mesh.auth.redact import install_redaction

        install_redaction()
        self.app.add_middleware(AuthMiddleware)  # inside CORS: preflights need no token
        self.app.add_middleware(
            CORSMiddleware,
            allow_origins=self.settings.allowed_origins,
            allow_credentials=self.settings.allow_credentials,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],  # the LangGraph API's too
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
        )
        self.app.add_middleware(
            BodySizeLimit,
            max_bytes=self.settings.max_request_bytes,
            larger={"/api/v1/uploads": (self.settings.upload_max_bytes, UPLOAD_SETTING)},
        )
        self.app.add_middleware(RequestContext)  # outermost: every answer has its request id
        configure_tracing()
        self.app.state.limits = ProcessLimits(self.settings)
        self.app.state.uploads = UploadStore(
            self.settings.upload_dir(),
            ArchiveLimits.from_settings(self.settings),
            self.settings.upload_ttl_seconds,
            self.settings.upload_max_per_user,
        )
        self.app.add_exception_handler(GenesisMeshError, _handle_error)  # type: ignore[arg-type]
        self.app.add_exception_handler(RequestValidationError, _handle_validation)  # type: ignore[arg-type]
        self.app.add_exception_handler(StarletteHTTPException, _handle_http)  # type: ignore[arg-type]
        self.app.add_exception_handler(Exception, _handle_unexpected)
        include_routers(self.app)
        document_errors(self.app)
        self._is_setup = True
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.setup()
        await self.app(scope, receive, send)

    @asynccontextmanager
    async def _lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        async with open_services(self.settings) as services:
            app.state.services = services
            app.state.auth = Authenticator(self.settings, services.store.engine)
            logger.info(
                "genesis-mesh ready: %d graph(s), database %s, authentication %s",
                len(services.registry.entries),
                services.store.engine.url.render_as_string(hide_password=True),
                "required" if app.state.auth.enabled else "off",
            )
            async with (
                watching(services.registry, enabled=self.settings.dev_reload),
                scheduling(app, services, self.settings.cron_poll_seconds),
                following_run_ends(services),  # webhooks, stateless threads
            ):
                yield


async def _handle_error(_request: Request, exc: GenesisMeshError) -> JSONResponse:
    headers = getattr(exc, "headers", None)
    return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=headers)


async def _handle_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
    detail = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg"), "type": err.get("type")}
        for err in exc.errors()
    ]
    return JSONResponse(
        {
            "code": "invalid_request",
            "message": "The request does not match the API schema; see detail and /docs.",
            "detail": detail,
        },
        status_code=422,
    )


_HTTP_CODES = {
    400: "invalid_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
}
_UNREADABLE_BODY = (
    "The request body could not be read as JSON (invalid UTF-8, nested too deeply or a "
    "number too long); send valid JSON, see /docs."
)


async def _handle_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if isinstance(exc, _BodyTooLarge):
        return _too_large(exc.limit, exc.setting)
    code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    message = str(exc.detail)
    if exc.status_code == 413:
        message = "The request body is too large; send less (GENESIS_MESH_MAX_REQUEST_BYTES)."
    elif exc.status_code == 400 and message == "There was an error parsing the body":
        message = _UNREADABLE_BODY
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
    return JSONResponse(
        {"code": code, "message": message, "detail": None},
        status_code=exc.status_code,
        headers=headers,
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on this path (Starlette names only the first
    route's)."""
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


async def _handle_unexpected(_request: Request, _exc: Exception) -> JSONResponse:
    """A bug: the API's error body, with the security headers (this handler runs outside
    every middleware, so it adds them itself). The traceback is logged by the server."""
    return JSONResponse(
        {
            "code": "internal_error",
            "message": "The server failed on this request; it is logged. Try again, or "
            "report it with the time of the request.",
            "detail": None,
        },
        status_code=500,
        headers={**security_headers("application/json"), "Cache-Control": "no-store"},
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """App factory for `uvicorn --factory genesis_mesh.host:create_app`."""
    return GenesisMesh(settings).setup().app
