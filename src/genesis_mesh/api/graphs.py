"""REST: the registered graphs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from genesis_mesh.api.deps import ServicesDep

router = APIRouter(prefix="/api/v1/graphs", tags=["graphs"])


@router.get("", summary="List the registered graphs")
async def list_graphs(services: ServicesDep) -> list[dict[str, Any]]:
    return [entry.summary() for entry in services.registry.entries.values()]


@router.get("/{name}", summary="A graph's schemas, nodes, edges and Mermaid drawing")
async def get_graph(name: str, services: ServicesDep) -> dict[str, Any]:
    return services.registry.get(name).info()
