"""Assistants: every graph of langgraph.json as its default assistant, and stored ones
(a graph with config, context and metadata, versioned, owned by their creator).

A default assistant's id is derived from its graph's name as the LangGraph Server
derives it (uuid5 in a fixed namespace), and the graph's name addresses it too.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from genesis_mesh.api.deps import ServicesDep, UserDep
from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import AlreadyExists, AssistantNotFound, GraphNotFound
from genesis_mesh.protocol import ID_PATTERN, TEXT_PATTERN, JsonObject
from genesis_mesh.registry import GraphEntry
from genesis_mesh.services import Services
from genesis_mesh.store import utcnow
from genesis_mesh.store.assistants import AssistantRecord, AssistantStore

router = APIRouter(prefix="/assistants", tags=["langgraph"])

GRAPH_NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
"""The namespace the LangGraph Server derives default assistant ids in."""
SYSTEM_OWNER = "system"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

AssistantIdPath = Annotated[str, Path(min_length=1, max_length=200, pattern=ID_PATTERN)]


def default_assistant_id(graph: str) -> str:
    return str(uuid.uuid5(GRAPH_NAMESPACE, graph))


class AssistantCreate(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    graph_id: str = Field(min_length=1, max_length=200, pattern=ID_PATTERN)
    assistant_id: str | None = Field(default=None, max_length=64, pattern=ID_PATTERN)
    config: JsonObject = Field(default_factory=dict)
    context: JsonObject = Field(default_factory=dict)
    metadata: JsonObject = Field(default_factory=dict)
    if_exists: Literal["raise", "do_nothing"] = "raise"
    name: str | None = Field(default=None, max_length=200, pattern=ID_PATTERN)
    description: str | None = Field(default=None, max_length=2000, pattern=TEXT_PATTERN)


class AssistantPatch(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    graph_id: str | None = Field(default=None, min_length=1, max_length=200, pattern=ID_PATTERN)
    config: JsonObject | None = None
    context: JsonObject | None = None
    metadata: JsonObject | None = None
    name: str | None = Field(default=None, max_length=200, pattern=ID_PATTERN)
    description: str | None = Field(default=None, max_length=2000, pattern=TEXT_PATTERN)


class AssistantSearch(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    metadata: JsonObject | None = None
    graph_id: str | None = None
    name: str | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=1_000_000)
    sort_by: Literal["assistant_id", "graph_id", "name", "created_at", "updated_at"] | None = None
    sort_order: Literal["asc", "desc"] | None = None
    select: list[str] | None = None


class VersionSearch(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    metadata: JsonObject | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class SetLatest(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    version: int = Field(ge=1, le=2**31 - 1)


def wire(record: AssistantRecord) -> dict[str, Any]:
    """An assistant as the LangGraph Server shows it."""
    return {
        "assistant_id": record.assistant_id,
        "graph_id": record.graph,
        "config": record.config,
        "context": record.context,
        "metadata": record.metadata,
        "name": record.name,
        "description": record.description,
        "version": record.version,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def default_assistant(entry: GraphEntry) -> AssistantRecord:
    created = _EPOCH
    if entry.module_file is not None and entry.module_file.exists():
        created = datetime.fromtimestamp(entry.module_file.stat().st_mtime, UTC)
    return AssistantRecord(
        assistant_id=default_assistant_id(entry.name),
        graph=entry.name,
        owner=SYSTEM_OWNER,
        name=entry.name,
        description=entry.description or None,
        metadata={"created_by": "system"},
        created_at=created,
        updated_at=created,
    )


async def resolve(services: Services, user: Identity, assistant_id: str) -> AssistantRecord:
    """The assistant of an id or a graph name, if `user` may see it."""
    entries = services.registry.entries
    if assistant_id in entries:
        return default_assistant(entries[assistant_id])
    for entry in entries.values():
        if default_assistant_id(entry.name) == assistant_id:
            return default_assistant(entry)
    found = await AssistantStore(services.store.engine).get(assistant_id, user.owner_filter)
    if found is None:
        raise AssistantNotFound(assistant_id)
    return found


async def _stored(services: Services, user: Identity, assistant_id: str) -> AssistantRecord:
    """A stored (not default) assistant of `user`: defaults cannot be changed."""
    found = await AssistantStore(services.store.engine).get(assistant_id, user.owner_filter)
    if found is None:
        await resolve(services, user, assistant_id)  # a default one: say so below
        raise AssistantNotFound(assistant_id)
    return found


@router.post("", summary="LangGraph Server API: create an assistant")
async def create_assistant(
    body: AssistantCreate, services: ServicesDep, user: UserDep
) -> dict[str, Any]:
    if body.graph_id not in services.registry.entries:
        raise GraphNotFound(body.graph_id)
    store = AssistantStore(services.store.engine)
    assistant_id = body.assistant_id or str(uuid.uuid4())
    existing = await store.get(assistant_id, None)
    if existing is not None:
        if body.if_exists == "do_nothing" and existing.owner in (user.user_id, None):
            return wire(existing)
        raise AlreadyExists("assistant", assistant_id)
    now = utcnow()
    record = AssistantRecord(
        assistant_id=assistant_id,
        graph=body.graph_id,
        owner=user.user_id,
        name=body.name or body.graph_id,
        description=body.description,
        config=body.config,
        context=body.context,
        metadata=body.metadata,
        created_at=now,
        updated_at=now,
    )
    return wire(await store.create(record))


@router.post("/search", summary="LangGraph Server API: search assistants")
async def search_assistants(
    body: AssistantSearch, services: ServicesDep, user: UserDep, response: Response
) -> list[dict[str, Any]]:
    found = await _matching(services, user, body.graph_id, body.name, body.metadata)
    key = body.sort_by or "created_at"
    reverse = (body.sort_order or "desc") == "desc"
    found.sort(key=lambda r: wire(r)[key], reverse=reverse)
    page = found[body.offset : body.offset + body.limit]
    if body.offset + body.limit < len(found):
        response.headers["X-Pagination-Next"] = str(body.offset + body.limit)
    items = [wire(r) for r in page]
    if body.select:
        items = [{k: v for k, v in item.items() if k in body.select} for item in items]
    return items


@router.post("/count", summary="LangGraph Server API: count assistants")
async def count_assistants(body: AssistantSearch, services: ServicesDep, user: UserDep) -> int:
    return len(await _matching(services, user, body.graph_id, body.name, body.metadata))


async def _matching(
    services: Services,
    user: Identity,
    graph_id: str | None,
    name: str | None,
    metadata: dict[str, Any] | None,
) -> list[AssistantRecord]:
    defaults = [default_assistant(e) for e in services.registry.entries.values()]
    stored = await AssistantStore(services.store.engine).all(user.owner_filter)
    return [
        r
        for r in [*stored, *defaults]
        if (graph_id is None or r.graph == graph_id)
        and (name is None or name.lower() in r.name.lower())
        and contains(r.metadata, metadata)
    ]


def contains(value: dict[str, Any], wanted: dict[str, Any] | None) -> bool:
    """Whether `value` has every key of `wanted` with an equal value (JSON containment)."""
    return all(value.get(k) == v for k, v in (wanted or {}).items())


@router.get("/{assistant_id}", summary="LangGraph Server API: one assistant")
async def get_assistant(
    assistant_id: AssistantIdPath, services: ServicesDep, user: UserDep
) -> dict[str, Any]:
    return wire(await resolve(services, user, assistant_id))


@router.patch("/{assistant_id}", summary="LangGraph Server API: update (a new version)")
async def patch_assistant(
    assistant_id: AssistantIdPath, body: AssistantPatch, services: ServicesDep, user: UserDep
) -> dict[str, Any]:
    current = await _stored(services, user, assistant_id)
    if body.graph_id is not None and body.graph_id not in services.registry.entries:
        raise GraphNotFound(body.graph_id)
    changes = {
        "graph": body.graph_id,
        "config": body.config,
        "context": body.context,
        "metadata": None if body.metadata is None else {**current.metadata, **body.metadata},
        "name": body.name,
        "description": body.description,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    return wire(await AssistantStore(services.store.engine).update(current, **changes))


@router.delete("/{assistant_id}", status_code=204, summary="LangGraph Server API: delete")
async def delete_assistant(
    assistant_id: AssistantIdPath, services: ServicesDep, user: UserDep
) -> Response:
    current = await _stored(services, user, assistant_id)
    await AssistantStore(services.store.engine).delete(current.assistant_id)
    return Response(status_code=204)


@router.post("/{assistant_id}/versions", summary="LangGraph Server API: versions")
async def list_versions(
    assistant_id: AssistantIdPath, body: VersionSearch, services: ServicesDep, user: UserDep
) -> list[dict[str, Any]]:
    current = await resolve(services, user, assistant_id)
    if current.owner == SYSTEM_OWNER:
        versions = [current]
    else:
        versions = await AssistantStore(services.store.engine).versions(current)
    versions = [v for v in versions if contains(v.metadata, body.metadata)]
    page = versions[body.offset : body.offset + body.limit]
    return [{k: v for k, v in wire(r).items() if k != "updated_at"} for r in page]


@router.post("/{assistant_id}/latest", summary="LangGraph Server API: pin a version")
async def set_latest(
    assistant_id: AssistantIdPath, body: SetLatest, services: ServicesDep, user: UserDep
) -> dict[str, Any]:
    current = await _stored(services, user, assistant_id)
    pinned = await AssistantStore(services.store.engine).set_latest(current, body.version)
    if pinned is None:
        raise AssistantNotFound(f"{assistant_id} version {body.version}")
    return wire(pinned)


@router.get("/{assistant_id}/graph", summary="LangGraph Server API: the graph's drawing")
async def get_graph(
    assistant_id: AssistantIdPath,
    services: ServicesDep,
    user: UserDep,
    xray: Annotated[str, Query(max_length=10)] = "false",
) -> dict[str, Any]:
    record = await resolve(services, user, assistant_id)
    graph = services.registry.get(record.graph).compiled()
    depth: int | bool = _xray(xray)
    drawing: dict[str, Any] = graph.get_graph(xray=depth).to_json()
    return drawing


def _xray(value: str) -> int | bool:
    if value.isdigit():
        return int(value)
    return value.strip().lower() in ("true", "1", "yes")


@router.get("/{assistant_id}/schemas", summary="LangGraph Server API: JSON schemas")
async def get_schemas(
    assistant_id: AssistantIdPath, services: ServicesDep, user: UserDep
) -> dict[str, Any]:
    record = await resolve(services, user, assistant_id)
    graph = services.registry.get(record.graph).compiled()
    return {"graph_id": record.graph, **schemas_of(graph)}


def schemas_of(graph: Any) -> dict[str, Any]:
    return {
        "input_schema": _schema(graph.get_input_jsonschema),
        "output_schema": _schema(graph.get_output_jsonschema),
        "state_schema": _schema(lambda: _state_schema(graph)),
        "config_schema": _schema(graph.config_schema().model_json_schema),
        "context_schema": _schema(graph.get_context_jsonschema),
    }


def _state_schema(graph: Any) -> dict[str, Any]:
    schema: dict[str, Any] = TypeAdapter(graph.builder.state_schema).json_schema()
    return schema


def _schema(make: Any) -> dict[str, Any] | None:
    """A JSON schema, or None when the type cannot be described (as LangGraph answers)."""
    try:
        schema: dict[str, Any] | None = make()
    except Exception:
        return None
    return schema


@router.get("/{assistant_id}/subgraphs", summary="LangGraph Server API: subgraph schemas")
async def get_subgraphs(
    assistant_id: AssistantIdPath,
    services: ServicesDep,
    user: UserDep,
    recurse: bool = False,
) -> dict[str, Any]:
    return await _subgraphs(services, user, assistant_id, None, recurse)


@router.get(
    "/{assistant_id}/subgraphs/{namespace}",
    summary="LangGraph Server API: schemas of one subgraph",
)
async def get_subgraph(
    assistant_id: AssistantIdPath,
    namespace: Annotated[str, Path(max_length=500)],
    services: ServicesDep,
    user: UserDep,
    recurse: bool = False,
) -> dict[str, Any]:
    return await _subgraphs(services, user, assistant_id, namespace, recurse)


async def _subgraphs(
    services: Services, user: Identity, assistant_id: str, namespace: str | None, recurse: bool
) -> dict[str, Any]:
    record = await resolve(services, user, assistant_id)
    graph = services.registry.get(record.graph).compiled()
    found = {}
    async for ns, subgraph in graph.aget_subgraphs(namespace=namespace, recurse=recurse):
        found[ns] = {"graph_id": record.graph, **schemas_of(subgraph)}
    return found
