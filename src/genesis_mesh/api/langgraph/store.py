"""The LangGraph Server store API: `/store/items` (put, get, delete), `/store/items/search`
and `/store/namespaces`, over the caller's own view of LangGraph's store
(`Services.store_for`), so a client sees exactly the items its graphs wrote for it and
never another user's.

Every input is bounded here (namespace depth, label, key and query sizes, pages); the
value's size is bounded by the request body limit. What LangGraph's store refuses
(a label with a period, an empty label, the root label "langgraph", a filter key it
will not put in SQL, a TTL on a store without them) is a 422 with the store's message.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Response
from langgraph.store.base import Item, SearchItem
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from genesis_mesh.api.deps import ServicesDep, UserDep
from genesis_mesh.errors import InvalidInput, StoreItemNotFound, UnsupportedOption
from genesis_mesh.protocol import ID_PATTERN, JsonObject
from genesis_mesh.serialization import serialize

router = APIRouter(prefix="/store", tags=["langgraph"])

# The Postgres store keys items by (namespace joined with ".", key) in a btree, whose
# entries hold at most about 2,700 bytes: these bounds keep the worst case (4 bytes a
# character) well inside it. Text with control characters (NUL above all: PostgreSQL
# cannot store it) is refused.
MAX_DEPTH = 10
MAX_LABEL = 40
MAX_KEY = 128
MAX_PAGE = 1000
MIN_TTL_MINUTES = 1 / 60  # one second: PostgreSQL cannot take a denormal interval
MAX_TTL_MINUTES = 60 * 24 * 365 * 100

Label = Annotated[str, StringConstraints(max_length=MAX_LABEL, pattern=ID_PATTERN)]
Namespace = Annotated[list[Label], Field(max_length=MAX_DEPTH)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=MAX_KEY, pattern=ID_PATTERN)]
T = TypeVar("T")


def _without_nul(value: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL's JSON cannot hold NUL (`\\u0000`) in a key or a string: refuse it here
    instead of failing in the Postgres store."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            raise ValueError("text in a stored value cannot contain NUL (\\u0000); remove it")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


class PutItem(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    namespace: Namespace
    key: Key
    value: Annotated[JsonObject, AfterValidator(_without_nul)]
    index: Literal[False] | Annotated[list[Label], Field(max_length=100)] | None = None
    ttl: float | None = Field(default=None, ge=MIN_TTL_MINUTES, le=MAX_TTL_MINUTES)


class DeleteItem(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    namespace: Namespace
    key: Key


FILTER_KEY = re.compile(r"^[a-zA-Z0-9_.-]+$")


def _safe_filter_keys(filter: JsonObject | None) -> JsonObject | None:
    """The same filter keys on every store (SQLite's refuses the others, PostgreSQL's
    would take them)."""
    for key in filter or {}:
        if not FILTER_KEY.match(key):
            raise ValueError(
                f"Invalid filter key: {key!r}. Use letters, digits, '_', '.' and '-' only."
            )
    return filter


class SearchItems(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    namespace_prefix: Namespace = Field(default_factory=list)
    filter: Annotated[JsonObject | None, AfterValidator(_safe_filter_keys)] = None
    limit: int = Field(default=10, ge=1, le=MAX_PAGE)
    offset: int = Field(default=0, ge=0, le=1_000_000)
    query: str | None = Field(default=None, max_length=10_000)
    refresh_ttl: bool | None = None


class ListNamespaces(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    prefix: Namespace | None = None
    suffix: Namespace | None = None
    max_depth: int | None = Field(default=None, ge=1, le=MAX_DEPTH)
    limit: int = Field(default=100, ge=1, le=MAX_PAGE)
    offset: int = Field(default=0, ge=0, le=1_000_000)


def item_wire(item: Item) -> dict[str, Any]:
    """A store item as the LangGraph Server shows it (`Item`, or `SearchItem` with score)."""
    wire: dict[str, Any] = {
        "namespace": list(item.namespace),
        "key": item.key,
        "value": serialize(item.value),
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
    }
    if isinstance(item, SearchItem):
        wire["score"] = item.score
    return wire


async def refused_as_422(call: Awaitable[T]) -> T:
    """The store's own refusals of an input, as the 422 a client can act on."""
    try:
        return await call
    except NotImplementedError as exc:
        raise UnsupportedOption("ttl", str(exc)) from exc
    except ValueError as exc:
        raise InvalidInput(
            f"LangGraph's store refused the request: {exc}", {"error": str(exc)}
        ) from exc


@router.put("/items", status_code=204, summary="LangGraph Server API: store an item")
async def put_item(body: PutItem, services: ServicesDep, user: UserDep) -> Response:
    store = services.store_for(user.user_id)
    index: Literal[False] | list[str] | None = body.index
    await refused_as_422(
        store.aput(tuple(body.namespace), body.key, body.value, index=index, ttl=body.ttl)
    )
    return Response(status_code=204)


@router.get("/items", summary="LangGraph Server API: one stored item")
async def get_item(
    services: ServicesDep,
    user: UserDep,
    key: Annotated[str, Query(min_length=1, max_length=MAX_KEY, pattern=ID_PATTERN)],
    namespace: Annotated[
        str, Query(max_length=MAX_DEPTH * (MAX_LABEL + 1), pattern=ID_PATTERN)
    ] = "",
    refresh_ttl: bool | None = None,
) -> dict[str, Any]:
    labels = tuple(namespace.split(".")) if namespace else ()
    if len(labels) > MAX_DEPTH:
        raise InvalidInput(
            f"A namespace has at most {MAX_DEPTH} labels; this one has {len(labels)}.",
            {"namespace": namespace[:200]},
        )
    store = services.store_for(user.user_id)
    found = await refused_as_422(store.aget(labels, key, refresh_ttl=refresh_ttl))
    if found is None:
        raise StoreItemNotFound(list(labels), key)
    return item_wire(found)


@router.delete("/items", status_code=204, summary="LangGraph Server API: delete an item")
async def delete_item(body: DeleteItem, services: ServicesDep, user: UserDep) -> Response:
    store = services.store_for(user.user_id)
    await refused_as_422(store.adelete(tuple(body.namespace), body.key))
    return Response(status_code=204)


@router.post("/items/search", summary="LangGraph Server API: search stored items")
async def search_items(body: SearchItems, services: ServicesDep, user: UserDep) -> Any:
    store = services.store_for(user.user_id)
    found = await refused_as_422(
        store.asearch(
            tuple(body.namespace_prefix),
            query=body.query,
            filter=body.filter,
            limit=body.limit,
            offset=body.offset,
            refresh_ttl=body.refresh_ttl,
        )
    )
    return {"items": [item_wire(item) for item in found]}


@router.post("/namespaces", summary="LangGraph Server API: list store namespaces")
async def list_namespaces(body: ListNamespaces, services: ServicesDep, user: UserDep) -> Any:
    store = services.store_for(user.user_id)
    found = await refused_as_422(
        store.alist_namespaces(
            prefix=None if body.prefix is None else tuple(body.prefix),
            suffix=None if body.suffix is None else tuple(body.suffix),
            max_depth=body.max_depth,
            limit=body.limit,
            offset=body.offset,
        )
    )
    return {"namespaces": [list(namespace) for namespace in found]}
