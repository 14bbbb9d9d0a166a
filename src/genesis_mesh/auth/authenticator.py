"""Turns a bearer token into an identity, and says when no token is needed."""

from __future__ import annotations

from urllib.parse import parse_qsl

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import Scope

from genesis_mesh.auth.identity import ANONYMOUS, Identity, Method
from genesis_mesh.auth.jwt import JwtVerifier
from genesis_mesh.auth.keys import ApiKeys, looks_like_api_key
from genesis_mesh.errors import AuthenticationRequired, InvalidToken, TokenInUrl
from genesis_mesh.settings import Settings, is_loopback

CREDENTIAL_PARAMETERS = frozenset(
    {"token", "access_token", "id_token", "api_key", "apikey", "key", "jwt", "auth", "bearer"}
)
"""Query parameters refused everywhere: a credential in a URL ends up in access logs."""


class Authenticator:
    """API keys always; JWTs when `GENESIS_MESH_JWT_KEY` is set."""

    def __init__(self, settings: Settings, engine: AsyncEngine) -> None:
        self.enabled = settings.auth_enabled()
        self.keys = ApiKeys(engine)
        self.jwt = JwtVerifier(settings) if settings.jwt_key.get_secret_value() else None
        self._auto = settings.auth == "auto"

    def anonymous_allowed(self, scope: Scope) -> bool:
        """Auth off; under `auto` also only for connections that arrived on a loopback
        address, so a bind wider than the settings say (e.g. `uvicorn --host 0.0.0.0`)
        does not open the host to the network."""
        if not self.enabled and self._auto:
            server = scope.get("server") or ("", None)
            return isinstance(server[0], str) and is_loopback(server[0])
        return not self.enabled

    async def authenticate(self, token: str) -> Identity:
        """The identity of a bearer token; raises `Unauthorized` when it is not valid."""
        token = token.strip()
        if not token:
            raise AuthenticationRequired()
        if looks_like_api_key(token):
            key = await self.keys.verify(token)
            if key is None:
                raise InvalidToken("unknown, revoked or malformed API key")
            return Identity(key.user_id, key.is_admin, Method.API_KEY)
        if token.count(".") == 2:
            if self.jwt is None:
                raise InvalidToken("this host does not accept JWTs (GENESIS_MESH_JWT_KEY)")
            return self.jwt.verify(token)
        raise InvalidToken("neither an API key (gm_...) nor a JWT")

    async def identify(self, scope: Scope, authorization: str | None) -> Identity:
        """The caller of a request or handshake: anonymous when allowed, else its token."""
        refuse_token_in_url(scope)
        if self.anonymous_allowed(scope):
            return ANONYMOUS
        if not authorization:
            raise AuthenticationRequired()
        return await self.authenticate(bearer_token(authorization))


def bearer_token(authorization: str) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("the Authorization header must be 'Bearer <token>'")
    return token.strip()


STORE_ITEM_PATH = "/store/items"
"""`GET /store/items?namespace=&key=`: the LangGraph SDK names a store item's key `key`."""


def refuse_token_in_url(scope: Scope) -> None:
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name.lower() not in CREDENTIAL_PARAMETERS:
            continue
        store_key = name == "key" and scope.get("path") == STORE_ITEM_PATH
        if not store_key or looks_like_api_key(value) or _looks_like_jwt(value):
            raise TokenInUrl(name)


def _looks_like_jwt(value: str) -> bool:
    return value.startswith("eyJ") and value.count(".") == 2
