"""Authenticates every HTTP request before it reaches a route (deny by default).

On success the identity lands in the request state (`request.state.user_id`,
`request.state.is_admin`, `request.state.authenticated`, `request.state.identity`), where
routes (`UserDep`), rate limits and logs read it. With authentication off every caller
is `user_id == "local"` and `authenticated` is False: per-user limits should then key on
the client address instead. WebSockets authenticate in `genesis_mesh.auth.websocket`,
since their token may come in the first message.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from genesis_mesh.auth.authenticator import Authenticator, refuse_token_in_url
from genesis_mesh.auth.identity import Identity, Method
from genesis_mesh.errors import GenesisMeshError, InvalidToken, TokenExpired

PUBLIC_PATHS = frozenset(
    {"/", "/health", "/ready", "/version", "/docs", "/docs/oauth2-redirect", "/redoc"}
    | {"/openapi.json", "/favicon.ico", "/ok", "/info"}
)
"""Paths anyone may fetch: the UI shell (it shows the sign-in), probes and API docs."""
PUBLIC_PREFIXES = ("/static/",)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def set_identity(scope: Scope, identity: Identity) -> None:
    """Store the caller where `request.state` / `websocket.state` read it."""
    state = scope.setdefault("state", {})
    state["identity"] = identity
    state["user_id"] = identity.user_id
    state["is_admin"] = identity.is_admin
    state["authenticated"] = identity.method != Method.NONE


class AuthMiddleware:
    """Answers 401 (or 400 for a token in the URL) before any route runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            if is_public(scope["path"]):
                refuse_token_in_url(scope)
            else:
                auth: Authenticator = scope["app"].state.auth
                headers = Headers(scope=scope)
                set_identity(scope, await auth.identify(scope, credential_header(headers)))
        except GenesisMeshError as exc:
            await error_response(exc)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def credential_header(headers: Headers) -> str | None:
    """`Authorization`, or else an `X-Api-Key` (the header LangGraph's clients send) as a
    bearer token: both name the same identities."""
    authorization = headers.get("authorization")
    if authorization is None and (api_key := headers.get("x-api-key")):
        return f"Bearer {api_key}"
    return authorization


def error_response(exc: GenesisMeshError) -> JSONResponse:
    """The API's error body; 401s carry the `WWW-Authenticate` challenge of RFC 6750."""
    headers = {}
    if exc.http_status == 401:
        challenge = 'Bearer realm="genesis-mesh"'
        if isinstance(exc, TokenExpired | InvalidToken):
            challenge += ', error="invalid_token"'
        headers["WWW-Authenticate"] = challenge
    return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=headers)
