"""The HTTP and WebSocket surface of the host."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI


def include_routers(app: FastAPI) -> None:
    from genesis_mesh.api import graphs, me, render, runs, system, threads, uploads, web, ws
    from genesis_mesh.api.agent_protocol import include_agent_protocol
    from genesis_mesh.api.langgraph import include_langgraph
    from genesis_mesh.api.lazy_routes import include_lazily

    for module in (system, me, graphs, runs, threads, uploads, ws, render):
        app.include_router(module.router)
    include_langgraph(app)
    include_lazily(app, "/ag-ui", _ag_ui_router)
    include_agent_protocol(app)
    app.include_router(web.router)
    web.add_security_headers(app)


def _ag_ui_router() -> APIRouter:
    """AG-UI's routes; its pydantic models (~4 MB) load with the first AG-UI request."""
    from genesis_mesh.api.ag_ui import router

    return router
