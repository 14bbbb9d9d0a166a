"""Checks the state values of a time-travel fork against the graph's state schema.

LangGraph writes an update with keys it has no channel for silently into nothing, and a
value of the wrong type only fails (or worse, misbehaves) in a later step. A fork is a
user editing JSON by hand, so both are refused up front with a message naming the key.

Each value is checked as LangGraph would take it as an update:

- a plain (overwrite) channel: against its annotation, nested types included. A key of a
  pydantic-model state is validated by the model itself, as LangGraph builds the model
  from the state (lax coercion, field limits, validators); a key of a TypedDict or
  dataclass state, which LangGraph never checks, by a pydantic `TypeAdapter` over its
  annotation with strict JSON types;
- a messages channel (`add_messages`): through langchain-core's message coercion, the one
  `add_messages` runs, so message dicts, `[role, content]` pairs and strings stay valid;
- a channel reduced by an `operator` function (`Annotated[list[str], operator.add]`): the
  update has the channel's own type; an `Overwrite` (`{"__overwrite__": value}`) too;
- any other reducer or channel: not type-checked (its update type is its own business).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from inspect import isclass
from typing import Annotated, Any, NotRequired, Required, get_args, get_origin, get_type_hints

from langchain_core.messages import convert_to_messages
from langgraph.channels.binop import BinaryOperatorAggregate
from langgraph.channels.last_value import LastValue
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from genesis_mesh.errors import InvalidInput

_MESSAGES_MODULE = "langgraph.graph.message"
_OVERWRITE = "__overwrite__"


def check_fork_values(graph: Any, values: dict[str, Any]) -> None:
    """Raises InvalidInput for keys that are not state channels or values the state
    schema does not accept. Graphs without a StateGraph builder (no known state) are not
    checked."""
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
    annotations = _annotations(builder)
    for key, value in values.items():
        channel = channels.get(key)
        hint = annotations.get(key)
        if channel is not None and hint is not None:
            _check_value(key, value, channel, hint)


@dataclass(frozen=True)
class _Hint:
    """A state key's annotation, and the pydantic model that declares it (if one does):
    LangGraph builds that model from the state, so the model's own validation (field
    limits, validators, lax coercion) decides."""

    annotation: Any
    model: type[BaseModel] | None = None


def _annotations(builder: Any) -> dict[str, _Hint]:
    """Each key's annotation, from the first schema that declares it (LangGraph takes a
    key's channel from the first schema too: the state schema, then input, output, and
    node schemas)."""
    hints: dict[str, _Hint] = {}
    schemas = getattr(builder, "schemas", None) or {}
    for schema in schemas:
        try:
            typed = get_type_hints(schema, include_extras=True)
        except Exception:  # an unresolvable annotation: that schema is not checked
            continue
        model = schema if isclass(schema) and issubclass(schema, BaseModel) else None
        for key, annotation in typed.items():
            hints.setdefault(key, _Hint(annotation, model))
    return hints


def _check_value(key: str, value: Any, channel: Any, hint: _Hint) -> None:
    if type(channel) is LastValue:
        _check_type(key, value, hint)
        return
    if not isinstance(channel, BinaryOperatorAggregate):
        return
    overwrite, value = _overwritten(value)
    if _is_messages_reducer(channel.operator):
        _check_messages(key, value)
    elif overwrite or _is_operator_function(channel.operator):
        _check_type(key, value, hint)


def _overwritten(value: Any) -> tuple[bool, Any]:
    """Whether the update is an `Overwrite` in one of its JSON forms, and the value."""
    if isinstance(value, dict) and len(value) == 1 and _OVERWRITE in value:
        return True, value[_OVERWRITE]
    if isinstance(value, dict) and value.get("type") == _OVERWRITE and "value" in value:
        return True, value["value"]
    return False, value


def _split(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    """The type under `Required`/`NotRequired`/`Annotated`, and the Annotated metadata
    that is not a reducer (constraints such as `Field(ge=0)` stay)."""
    metadata: tuple[Any, ...] = ()
    while True:
        origin = get_origin(annotation)
        if origin in (Required, NotRequired):
            annotation = get_args(annotation)[0]
        elif origin is Annotated:
            metadata += tuple(m for m in annotation.__metadata__ if not callable(m))
            annotation = annotation.__origin__
        else:
            return annotation, metadata


def _is_messages_reducer(reducer: Any) -> bool:
    target = reducer.func if isinstance(reducer, functools.partial) else reducer
    return getattr(target, "__module__", None) == _MESSAGES_MODULE


def _is_operator_function(reducer: Any) -> bool:
    return getattr(reducer, "__module__", None) in ("operator", "_operator")


def _check_messages(key: str, value: Any) -> None:
    try:
        convert_to_messages(value if isinstance(value, list) else [value])
    except (ValueError, TypeError, NotImplementedError) as exc:
        reason = str(exc).split("\n", 1)[0].rstrip(". ")
        raise InvalidInput(
            f"State key {key!r} takes messages (a message dict with role and content, "
            f"a [role, content] pair, a string, or a list of them): {reason}; fix its "
            "value.",
            {"key": key},
        ) from exc


def _check_type(key: str, value: Any, hint: _Hint) -> None:
    base, metadata = _split(hint.annotation)
    adapter = _adapter(base, metadata)
    if hint.model is not None:
        errors = _model_errors(hint.model, key, value)
    elif adapter is not None:
        errors = _strict_json_errors(adapter, value)
    else:
        return
    if errors:
        raise InvalidInput(_message(key, value, adapter, errors[0]), {"key": key})


def _model_errors(model: type[BaseModel], key: str, value: Any) -> list[ErrorDetails]:
    """The model's errors about `key` alone (other fields are absent, not wrong), at a
    location relative to the key."""
    try:
        model.model_validate({key: value})
    except ValidationError as exc:
        return [
            {**e, "loc": e["loc"][1:]}
            for e in exc.errors(include_url=False)
            if e["loc"][:1] == (key,)
        ]
    except Exception:  # a validator that needs the other fields: LangGraph decides later
        return []
    return []


def _strict_json_errors(adapter: TypeAdapter[Any], value: Any) -> list[ErrorDetails]:
    try:
        adapter.validate_json(json.dumps(value), strict=True)
    except ValidationError as exc:
        return exc.errors(include_url=False)
    except Exception:  # a validator of the user's that fails otherwise: not ours to judge
        return []
    return []


def _adapter(base: Any, metadata: tuple[Any, ...]) -> TypeAdapter[Any] | None:
    target: Any = Annotated[(base, *metadata)] if metadata else base
    try:
        return TypeAdapter(target)
    except Exception:  # a type pydantic cannot validate (typing.TypedDict on 3.11, ...)
        return None


def _message(key: str, value: Any, adapter: TypeAdapter[Any] | None, first: ErrorDetails) -> str:
    expected = _json_types(adapter) if adapter is not None else []
    if not first["loc"] and expected and not any(_is_json_type(value, k) for k in expected):
        return (
            f"State key {key!r} must be {' or '.join(expected)} (the graph's state "
            f"schema), not {_json_type_name(value)}; fix its value."
        )
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
    return (
        f"State key {key!r} does not match the graph's state schema at "
        f"{key}{where}: {first['msg']} (got {_shown(first['input'])}); fix its value."
    )


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else f"{text[:57]}..."


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def _json_types(adapter: TypeAdapter[Any]) -> list[str]:
    """The JSON types the schema allows at the top (empty: not one plain type)."""
    try:
        schema = adapter.json_schema()
    except Exception:
        return []
    options = schema.get("anyOf", [schema])
    kinds = [o.get("type") if isinstance(o, dict) else None for o in options]
    if kinds and all(isinstance(k, str) and k in _JSON_TYPES for k in kinds):
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
