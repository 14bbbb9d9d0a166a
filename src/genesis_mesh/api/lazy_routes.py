"""Routes whose modules are imported by their first request, not at start-up (issue 17).

A router whose dependencies weigh megabytes (AG-UI's pydantic models) costs that memory
in every host for its whole life, although few hosts serve it. `LazyRoutes` stands in its
place in the app's route list: the first request whose path starts with the router's
prefix, or the first build of the OpenAPI document, imports the router and puts its
routes where the stand-in was, so route order, answers and the document are the same as
if the router had been included at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send


class LazyRoutes(BaseRoute):
    """A stand-in for the routes of the router `load` returns, all under `prefix`."""

    def __init__(self, app: FastAPI, prefix: str, load: Callable[[], APIRouter]) -> None:
        self._app = app
        self._prefix = prefix
        self._load = load

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] not in ("http", "websocket"):
            return Match.NONE, {}
        if not scope["path"].startswith(self._prefix):
            return Match.NONE, {}
        self.include()
        return Match.FULL, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The request that loaded the routes is routed again, now among them."""
        await self._app.router.app(scope, receive, send)

    def include(self) -> None:
        """Import the router and put its routes in this stand-in's place (once)."""
        routes = self._app.router.routes
        if self not in routes:
            return
        before = len(routes)
        self._app.include_router(self._load())
        added = routes[before:]
        del routes[before:]
        at = routes.index(self)
        routes[at : at + 1] = added

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        self.include()
        return self._app.url_path_for(name, **path_params)


def include_lazily(app: FastAPI, prefix: str, load: Callable[[], APIRouter]) -> None:
    """Add a stand-in for `load()`'s routes; the OpenAPI document includes them first."""
    stand_in = LazyRoutes(app, prefix, load)
    app.router.routes.append(stand_in)
    build = app.openapi

    def openapi() -> dict[str, Any]:
        stand_in.include()
        return build()

    app.openapi = openapi  # type: ignore[method-assign]
