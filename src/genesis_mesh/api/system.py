"""Liveness, readiness, metrics and version."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from genesis_mesh._version import __version__
from genesis_mesh.api.deps import ServicesDep
from genesis_mesh.observability.metrics import CONTENT_TYPE, get_metrics, pending_runs
from genesis_mesh.observability.readiness import ReadinessCheck, run_checks
from genesis_mesh.protocol import PROTOCOL_VERSION
from genesis_mesh.services import Services

router = APIRouter(tags=["system"])


def readiness_checks(services: Services) -> list[ReadinessCheck]:
    """What `/ready` probes; a backend that the host depends on adds one line here."""
    return [
        ReadinessCheck("database", services.store.ping),
        ReadinessCheck(
            "checkpointer",
            lambda: services.checkpointer.aget_tuple({"configurable": {"thread_id": "__ready__"}}),
        ),
        *([ReadinessCheck("redis", services.redis.ping)] if services.redis is not None else []),
    ]


@router.get("/health", summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready", summary="Readiness: the database, the checkpointer and (at scale) Redis answer"
)
async def ready(services: ServicesDep) -> JSONResponse:
    checks = await run_checks(readiness_checks(services))
    ok = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "unavailable", "checks": checks},
        status_code=200 if ok else 503,
    )


@router.get("/metrics", summary="Prometheus metrics of this process", include_in_schema=False)
async def metrics(services: ServicesDep) -> Response:
    registry = get_metrics()
    try:
        registry.runs_pending.set(await pending_runs(services.store.engine))
    except Exception:  # a scrape still answers with what the process knows
        registry.runs_pending.set(float("nan"))
    return Response(registry.render(), media_type=CONTENT_TYPE)


@router.get("/version", summary="Package and protocol versions")
async def version() -> dict[str, str]:
    return {"version": __version__, "protocol": PROTOCOL_VERSION}
