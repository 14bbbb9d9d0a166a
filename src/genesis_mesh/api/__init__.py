"""The HTTP and WebSocket surface of the host."""

from __future__ import annotations

from fastapi import FastAPI


def include_routers(app: FastAPI) -> None:
    from genesis_mesh.api import graphs, me, render, runs, system, threads, uploads, web, ws
    from genesis_mesh.api.ag_ui import router as ag_ui_router
    from genesis_mesh.api.agent_protocol import include_agent_protocol
    from genesis_mesh.api.langgraph import include_langgraph

    for module in (system, me, graphs, runs, threads, uploads, ws, render):
        app.include_router(module.router)
    include_langgraph(app)
    app.include_router(ag_ui_router)
    include_agent_protocol(app)
    app.include_router(web.router)
    web.add_security_headers(app)
