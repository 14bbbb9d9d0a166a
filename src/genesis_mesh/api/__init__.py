"""The HTTP and WebSocket surface of the host."""

from __future__ import annotations

from fastapi import FastAPI


def include_routers(app: FastAPI) -> None:
    from genesis_mesh.api import graphs, me, render, runs, system, threads, uploads, web, ws

    for module in (system, me, graphs, runs, threads, uploads, ws, render, web):
        app.include_router(module.router)
    web.add_security_headers(app)
