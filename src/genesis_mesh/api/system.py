"""Liveness, readiness and version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from genesis_mesh import __version__
from genesis_mesh.api.deps import ServicesDep
from genesis_mesh.protocol import PROTOCOL_VERSION

router = APIRouter(tags=["system"])


@router.get("/health", summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready", summary="Readiness: the database, the checkpointer and (at scale) Redis answer"
)
async def ready(services: ServicesDep) -> JSONResponse:
    checks: dict[str, Any] = {}
    try:
        await services.store.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        await services.checkpointer.aget_tuple({"configurable": {"thread_id": "__ready__"}})
        checks["checkpointer"] = "ok"
    except Exception as exc:
        checks["checkpointer"] = f"error: {type(exc).__name__}"
    if services.redis is not None:
        try:
            await services.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    ok = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "unavailable", "checks": checks},
        status_code=200 if ok else 503,
    )


@router.get("/version", summary="Package and protocol versions")
async def version() -> dict[str, str]:
    return {"version": __version__, "protocol": PROTOCOL_VERSION}
