"""`GET /ok` and `GET /info`: what a LangGraph client asks first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from genesis_mesh._version import __version__

router = APIRouter(tags=["langgraph"])


@router.get("/ok", summary="LangGraph Server API: liveness")
async def ok() -> dict[str, bool]:
    return {"ok": True}


@router.get("/info", summary="LangGraph Server API: server version and capabilities")
async def info() -> dict[str, Any]:
    return {
        "version": __version__,
        "langgraph_py_version": _langgraph_version(),
        "flags": {"assistants": True, "crons": False, "langsmith": False},
        "host": {"kind": "genesis-mesh", "project_id": None, "revision_id": None},
    }


def _langgraph_version() -> str:
    from importlib.metadata import version

    return version("langgraph")
