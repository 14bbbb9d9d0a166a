"""Store items owned per user, like threads: one user's graphs never see another's items.

`OwnedStore` wraps the process's LangGraph store for one owner. Every namespace a graph
names is kept below `("genesis_owner", <owner>)` in the real store, and that prefix is
taken off everything read back, so a graph sees its namespaces exactly as under
`langgraph dev` (`("memories", user_id)` stays `("memories", user_id)`), while two users'
`("memories", "default")` are two different places. The owner label is escaped (`.` and
`%` as `%2E` / `%25`), because store labels may not contain periods.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)

__all__ = ["OWNER_ROOT", "OwnedStore", "owner_prefix", "supports_ttl"]

OWNER_ROOT = "genesis_owner"


def owner_prefix(owner: str) -> tuple[str, str]:
    """The real-store namespace prefix of `owner`'s items."""
    if not owner:
        raise ValueError("a store owner cannot be empty")
    return OWNER_ROOT, owner.replace("%", "%25").replace(".", "%2E")


def supports_ttl(store: BaseStore) -> bool:
    """Whether `store` keeps per-item TTLs. `AsyncSqliteStore` does, but its `supports_ttl`
    reads False: `BaseStore` comes before `BaseSqliteStore` (which says True) in its MRO."""
    declared = (vars(cls).get("supports_ttl") for cls in type(store).__mro__)
    return bool(store.supports_ttl) or any(value is True for value in declared)


class OwnedStore(BaseStore):
    """The view of `store` that one owner's runs (and store API calls) get."""

    def __init__(self, store: BaseStore, owner: str) -> None:
        self.store = store
        self.owner = owner
        self.prefix = owner_prefix(owner)
        self.supports_ttl = supports_ttl(store)
        self.ttl_config = store.ttl_config

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        results = self.store.batch([self._inward(op) for op in ops])
        return [self._outward(op, result) for op, result in zip(ops, results, strict=True)]

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        results = await self.store.abatch([self._inward(op) for op in ops])
        return [self._outward(op, result) for op, result in zip(ops, results, strict=True)]

    def _inward(self, op: Op) -> Op:
        if isinstance(op, GetOp | PutOp):
            return op._replace(namespace=(*self.prefix, *op.namespace))
        if isinstance(op, SearchOp):
            return op._replace(namespace_prefix=(*self.prefix, *op.namespace_prefix))
        conditions = [c for c in op.match_conditions or () if c.match_type != "prefix"]
        given = [c.path for c in op.match_conditions or () if c.match_type == "prefix"]
        prefix = (*self.prefix, *(given[0] if given else ()))
        return op._replace(
            match_conditions=(MatchCondition("prefix", prefix), *conditions),
            max_depth=None if op.max_depth is None else op.max_depth + len(self.prefix),
        )

    def _outward(self, op: Op, result: Result) -> Result:
        if isinstance(op, ListNamespacesOp):
            return [self._strip(ns) for ns in result or []]  # type: ignore[union-attr]
        if isinstance(result, list):
            return [self._item(item) for item in result if isinstance(item, Item)]
        if isinstance(result, Item):
            return self._item(result)
        return result

    def _strip(self, namespace: Any) -> tuple[str, ...]:
        return tuple(namespace[len(self.prefix) :])

    def _item(self, item: Item) -> Item:
        fields: dict[str, Any] = {
            "namespace": self._strip(item.namespace),
            "key": item.key,
            "value": item.value,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
        }
        if isinstance(item, SearchItem):
            return SearchItem(score=item.score, **fields)
        return Item(**fields)
