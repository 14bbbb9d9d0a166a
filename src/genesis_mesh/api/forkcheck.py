"""Checks the state values of a time-travel fork against the graph's state schema.

LangGraph writes an update with keys it has no channel for silently into nothing, and an
overwritten value of the wrong type only fails (or worse, misbehaves) in a later step. A
fork is a user editing JSON by hand, so both are refused up front with a message naming
the key. Only plain overwrite channels are type-checked: a reducer channel (messages,
lists that append) accepts updates whose type differs from the value it holds.
"""

from __future__ import annotations

from typing import Any

from langgraph.channels.last_value import LastValue
from pydantic import TypeAdapter

from genesis_mesh.errors import InvalidInput

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def check_fork_values(graph: Any, values: dict[str, Any]) -> None:
    """Raises InvalidInput for keys that are not state channels or values of the wrong
    JSON type. Graphs without a StateGraph builder (no known state) are not checked."""
    builder = getattr(graph, "builder", None)
    channels = getattr(builder, "channels", None)
    if not isinstance(channels, dict) or not channels:
        return
    known = set(channels) | set(getattr(builder, "managed", None) or {})
    unknown = sorted(k for k in values if k not in known)
    if unknown:
        raise InvalidInput(
            f"Unknown state key(s) {', '.join(map(repr, unknown))}: the graph's state has "
            f"{', '.join(map(repr, sorted(known)))}; remove or rename them.",
            {"unknown_keys": unknown},
        )
    properties = _state_properties(getattr(builder, "state_schema", None))
    for key, value in values.items():
        if type(channels[key]) is not LastValue:
            continue
        expected = _types_of(properties.get(key))
        if expected and not any(_is_json_type(value, t) for t in expected):
            raise InvalidInput(
                f"State key {key!r} must be {' or '.join(expected)} (the graph's state "
                f"schema), not {_json_type_name(value)}; fix its value.",
                {"key": key, "expected": expected},
            )


def _state_properties(schema: Any) -> dict[str, Any]:
    if schema is None:
        return {}
    try:
        return TypeAdapter(schema).json_schema().get("properties", {}) or {}
    except Exception:  # a schema pydantic cannot describe is not checked
        return {}


def _types_of(prop: Any) -> list[str]:
    """The JSON types a top-level property allows (empty: unknown, not checked)."""
    if not isinstance(prop, dict):
        return []
    kind = prop.get("type")
    if isinstance(kind, str):
        return [kind] if kind in _JSON_TYPES else []
    if isinstance(kind, list):
        return kind if all(k in _JSON_TYPES for k in kind) else []
    options = prop.get("anyOf")
    if isinstance(options, list) and options:
        kinds = [o.get("type") if isinstance(o, dict) else None for o in options]
        if all(isinstance(k, str) and k in _JSON_TYPES for k in kinds):
            return [str(k) for k in kinds]
    return []


def _is_json_type(value: Any, kind: str) -> bool:
    if isinstance(value, bool) and kind != "boolean":
        return False
    return isinstance(value, _JSON_TYPES[kind])


def _json_type_name(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is_json_type(value, name):
            return name
    return type(value).__name__
