"""FastAPI dependencies: the services opened by the host's lifespan, and the caller.

They are `async def` though they await nothing: FastAPI runs a plain `def` dependency in
its thread pool, a hop to a worker thread and back on every request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import AuthenticationRequired
from genesis_mesh.protocol import ID_PATTERN
from genesis_mesh.services import Services

# Documents the scheme in OpenAPI (the "Authorize" button of /docs); the check itself is
# `AuthMiddleware`, which runs before every route.
_bearer = HTTPBearer(auto_error=False, description="An API key (gm_...) or a JWT.")


async def get_services(connection: HTTPConnection) -> Services:
    services: Services = connection.app.state.services
    return services


async def get_user(
    connection: HTTPConnection,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Identity:
    """The caller set by `AuthMiddleware`; missing state means the route is not behind it."""
    identity = connection.scope.get("state", {}).get("identity")
    if not isinstance(identity, Identity):
        raise AuthenticationRequired()
    return identity


ServicesDep = Annotated[Services, Depends(get_services)]

RunIdPath = Annotated[str, Path(min_length=1, max_length=200, pattern=ID_PATTERN)]
ThreadIdPath = Annotated[str, Path(min_length=1, max_length=200, pattern=ID_PATTERN)]


async def _one_thread_id(
    request: Request,
    thread_id: Annotated[str | None, Query(max_length=200, pattern=ID_PATTERN)] = None,
) -> str | None:
    """`?thread_id=` given once: a repeated one is refused, not silently narrowed to the
    last value (Starlette's default)."""
    if len(request.query_params.getlist("thread_id")) > 1:
        raise RequestValidationError(
            [{"loc": ("query", "thread_id"), "msg": "give thread_id once", "type": "repeated"}]
        )
    return thread_id


ThreadIdQuery = Annotated[str | None, Depends(_one_thread_id)]
UserDep = Annotated[Identity, Depends(get_user)]
