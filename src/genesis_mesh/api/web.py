"""The chat UI: `/` serves the page, `/static/...` its scripts and styles (docs/ui.md).

The page runs under a strict Content-Security-Policy: scripts, styles, images and
connections from this origin only, nothing inline, no plugins, no framing. Every HTTP
response (API, errors, refused WebSocket handshakes) also gets `security_headers()`:
nosniff, no-referrer, no framing and, unless it is a page, `default-src 'none'`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cache-Control": "no-cache",
}

_MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
}

router = APIRouter(tags=["ui"])


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
async def index() -> FileResponse:
    return _file(WEB_DIR / "index.html")


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def static(path: str) -> FileResponse:
    root = WEB_DIR.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise HTTPException(404, "Not Found")
    if target.suffix not in _MEDIA_TYPES or target.name.startswith("."):
        raise HTTPException(404, "Not Found")
    return _file(target)


def _file(path: Path) -> FileResponse:
    return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix], headers=PAGE_HEADERS)


API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
"""For JSON, SSE and errors: nothing may load, nothing may frame it."""

_BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def security_headers(content_type: str | None) -> dict[str, str]:
    """The headers every response gets unless it sets them itself. HTML without its own
    policy (FastAPI's /docs, which loads Swagger UI from a CDN) only refuses framing."""
    is_html = (content_type or "").startswith("text/html")
    policy = "frame-ancestors 'none'" if is_html else API_CONTENT_SECURITY_POLICY
    return {**_BASE_HEADERS, "Content-Security-Policy": policy}


class SecurityHeaders:
    """Adds `security_headers()` to every HTTP response (API, pages, errors) and to
    refused WebSocket handshakes; `/api/` answers are also `Cache-Control: no-store`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        private = scope["path"].startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.http.response.start"):
                headers = MutableHeaders(scope=message)
                for name, value in security_headers(headers.get("content-type")).items():
                    headers.setdefault(name, value)
                if private:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_security_headers(app: FastAPI) -> None:
    """Install `SecurityHeaders` on the app (before it starts)."""
    app.add_middleware(SecurityHeaders)
