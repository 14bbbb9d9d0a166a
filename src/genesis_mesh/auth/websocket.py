"""Authentication of `/ws`: a header at the handshake or a first `auth` message, and the
close when a token expires or a key is revoked mid-stream (docs/protocol.md, "Authentication").

Tokens never travel in the URL: a handshake with one is refused with HTTP 400.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from genesis_mesh.auth.authenticator import Authenticator, bearer_token, refuse_token_in_url
from genesis_mesh.auth.identity import Identity, Method
from genesis_mesh.auth.middleware import error_response, set_identity
from genesis_mesh.errors import (
    AuthenticationRequired,
    GenesisMeshError,
    InvalidToken,
    TokenExpired,
    Unauthorized,
)
from genesis_mesh.protocol import AuthMessage

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401
"""Close code: authentication missing, refused, or expired (the reason says which)."""


def authenticated_message(identity: Identity) -> dict[str, Any]:
    """The server's answer to an accepted `auth` message."""
    return {
        "type": "authenticated",
        "user_id": identity.user_id,
        "admin": identity.is_admin,
        "expires_at": identity.expires_at,
    }


def error_message(exc: GenesisMeshError) -> dict[str, Any]:
    return {"type": "error", **exc.to_dict()}


@dataclass(frozen=True)
class Login:
    """A socket's identity and the token that proved it (None when auth is off)."""

    identity: Identity
    token: str | None


async def authenticate_websocket(
    websocket: WebSocket, auth: Authenticator, timeout: float, max_bytes: int
) -> Login | None:
    """Accept the socket and return its login, or refuse/close it and return None.

    Order: a token in the URL is refused; anonymous when auth is off; an `Authorization`
    header is checked at the handshake (refused with HTTP 401); otherwise the socket is
    accepted and must send `{"type": "auth", "token": ...}` first, within `timeout`.
    """
    try:
        refuse_token_in_url(websocket.scope)
        header = websocket.headers.get("authorization")
        if header or auth.anonymous_allowed(websocket.scope):
            identity = await auth.identify(websocket.scope, header)
            await websocket.accept()
            set_identity(websocket.scope, identity)
            token = None if identity.method == Method.NONE else bearer_token(header or "")
            return Login(identity, token)
    except GenesisMeshError as exc:
        await deny_handshake(websocket, exc)
        return None
    await websocket.accept()
    try:
        login = await asyncio.wait_for(_first_message(websocket, auth, max_bytes), timeout)
    except TimeoutError:
        await close_unauthorized(websocket, AuthenticationRequired(), "authentication required")
        return None
    except Unauthorized as exc:
        await close_unauthorized(websocket, exc, _reason(exc))
        return None
    except WebSocketDisconnect:
        return None
    set_identity(websocket.scope, login.identity)
    await websocket.send_text(json.dumps(authenticated_message(login.identity)))
    return login


async def _first_message(websocket: WebSocket, auth: Authenticator, max_bytes: int) -> Login:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None or len(text) > max_bytes:
        raise AuthenticationRequired()
    try:
        parsed = AuthMessage.model_validate(json.loads(text))
    except (ValueError, ValidationError, RecursionError):
        raise AuthenticationRequired() from None
    return Login(await auth.authenticate(parsed.token), parsed.token)


async def close_unauthorized(websocket: WebSocket, exc: GenesisMeshError, reason: str) -> None:
    """Tell the client why (an `error` message), then close with 4401 and a short reason."""
    try:
        await websocket.send_text(json.dumps(error_message(exc)))
        await websocket.close(CLOSE_UNAUTHORIZED, reason)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass


def _reason(exc: GenesisMeshError) -> str:
    if isinstance(exc, TokenExpired):
        return "token expired"
    if isinstance(exc, AuthenticationRequired):
        return "authentication required"
    return "authentication failed"


async def deny_handshake(websocket: WebSocket, exc: GenesisMeshError) -> None:
    """Refuse the handshake with the API's JSON error (HTTP 400/401/403, with the security
    headers), or a plain 403 where the server cannot send a body."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(error_response(exc))
    else:
        await websocket.close(1008)


async def credential_watch(
    login_of: Callable[[], Login],
    auth: Authenticator,
    interval: float,
    on_end: Callable[[GenesisMeshError, str], None],
) -> None:
    """Call `on_end(error, close reason)` when the socket's credential ends: at a JWT's
    `exp`, or when a check every `interval` seconds finds the key revoked.

    `login_of()` is read again after every sleep: a client that re-authenticates with a
    fresh token (another `auth` message) pushes the deadline back.
    """
    while login_of().token is not None:
        identity = login_of().identity
        wait = interval
        if identity.expires_at is not None:
            wait = min(wait, identity.expires_at - time.time())
        await asyncio.sleep(max(0.0, wait))
        login = login_of()
        if login.identity.expired():
            on_end(TokenExpired(), "token expired")
            return
        if not await _still_valid(auth, login):
            if login.identity.expired():  # it expired while being checked
                on_end(TokenExpired(), "token expired")
            else:
                on_end(InvalidToken("the credential was revoked"), "authentication revoked")
            return


async def _still_valid(auth: Authenticator, login: Login) -> bool:
    try:
        identity = await auth.authenticate(login.token or "")
    except Unauthorized:
        return False
    except Exception:  # the database may blink; the socket was authenticated already
        logger.warning("could not re-check a socket's credential; trying again later")
        return True
    return identity.user_id == login.identity.user_id


def origin_allowed(websocket: WebSocket, allowed: list[str]) -> bool:
    """No Origin (CLI, SDKs) is fine; a browser's must be ours or listed."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    origin = origin.rstrip("/").lower()
    if "*" in allowed or origin in (o.lower() for o in allowed):
        return True
    host = websocket.headers.get("host", "").lower()
    parts = urlsplit(origin)
    return bool(host) and parts.scheme in ("http", "https") and parts.netloc == host
