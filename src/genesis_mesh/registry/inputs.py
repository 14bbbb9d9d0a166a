"""Input checking that refuses exactly what LangGraph would refuse, before the run starts.

LangGraph itself (1.2) does this with a run's input:

- a `StateGraph` takes an object (anything else: `InvalidUpdateError: Expected dict`),
  keeps the keys of its input schema and drops the rest silently; a state whose schema
  is a single root value (`StateGraph(Annotated[list, add_messages])`) takes any value;
- each kept key is written to its channel: a reducer (`add_messages`, `operator.add`)
  runs on it, and can refuse it (`ValueError` for a message dict without a role,
  `NotImplementedError` for a number, `TypeError` for a list plus a string);
- a pydantic state is validated when the first node reads it (`schema(**state)`);
  a `TypedDict` or dataclass state is not validated at all;
- a compiled graph with one input channel (the functional API's `@entrypoint`) takes any
  value.

So the check runs each reducer on a fresh copy of its channel, validates a pydantic state
with the coerced values of the keys the input gives (a missing field is no error: an
earlier run of the thread may have set it), and never changes the input: the graph gets
it as the client sent it.

One deliberate addition: a pydantic `input_schema` apart from the state (LangGraph reads
it only for the input's keys) is validated whole, with the run's settings as pydantic's
validation context. Its author wrote it to describe acceptable input (topical_mesh's
bounds and source rules); refusing at the door what its first node would fail on saves
a run that can only fail.
"""

from __future__ import annotations

from inspect import isclass
from typing import Any, NoReturn

from langgraph.channels.base import BaseChannel
from langgraph.channels.last_value import LastValue
from langgraph.errors import EmptyChannelError
from langgraph.graph import StateGraph
from langgraph.managed.base import is_managed_value
from langgraph.pregel import Pregel
from pydantic import BaseModel, ValidationError

from genesis_mesh.errors import InvalidInput

__all__ = ["check_input"]

_ROOT = "__root__"


def check_input(
    graph: Pregel[Any, Any, Any, Any],
    name: str,
    value: Any,
    settings: dict[str, Any] | None = None,
) -> None:
    """Raise `InvalidInput` (422) with LangGraph's reason when LangGraph would refuse
    `value` as the input of `graph`; return quietly otherwise."""
    if value is None:
        return
    builder = getattr(graph, "builder", None)
    if isinstance(builder, StateGraph):
        _check_state_input(graph, builder, name, value)
        _check_input_model(builder, name, value, settings)
    elif not isinstance(graph.input_channels, str) and not isinstance(value, dict):
        _refuse(name, f"Expected chunk to be a dict, got {type(value).__name__}", "TypeError")


def _check_state_input(
    graph: Pregel[Any, Any, Any, Any], builder: StateGraph[Any], name: str, value: Any
) -> None:
    keys = [k for k, v in builder.schemas[builder.input_schema].items() if not is_managed_value(v)]
    if keys == [_ROOT]:
        _coerce(graph, name, _ROOT, value)
        return
    if not isinstance(value, dict):
        _refuse(
            name,
            f"Expected dict, got {_preview(value)}: the graph's input is an object of its "
            "state's keys",
            "InvalidUpdateError",
        )
    given = {k: _coerce(graph, name, k, v) for k, v in value.items() if k in keys}
    schema = builder.state_schema
    if isclass(schema) and issubclass(schema, BaseModel):
        _validate(schema, name, given)


def _check_input_model(
    builder: StateGraph[Any], name: str, value: Any, settings: dict[str, Any] | None
) -> None:
    schema = builder.input_schema
    if schema is builder.state_schema or not (isclass(schema) and issubclass(schema, BaseModel)):
        return
    try:
        schema.model_validate(value, context=settings)
    except ValidationError as exc:
        raise InvalidInput(
            f"The input does not match the input schema of graph {name!r}: "
            f"{exc.error_count()} error(s); see detail.",
            [
                {"loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]}
                for err in exc.errors(include_url=False, include_context=False)
            ],
        ) from exc


def _coerce(graph: Pregel[Any, Any, Any, Any], name: str, key: str, value: Any) -> Any:
    """`value` after the reducer of channel `key` (on a fresh channel), as the first
    node would read it."""
    channel = graph.channels.get(key)
    if not isinstance(channel, BaseChannel) or type(channel) is LastValue:
        return value
    fresh = channel.copy()
    try:
        fresh.update([value])
        return fresh.get()
    except EmptyChannelError:
        return value
    except Exception as exc:
        _refuse(name, str(exc).split("\nFor troubleshooting", 1)[0], type(exc).__name__, [key])


def _validate(schema: type[BaseModel], name: str, given: dict[str, Any]) -> None:
    try:
        schema.model_validate(given)
    except ValidationError as exc:
        errors = [
            {"loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]}
            for err in exc.errors(include_url=False, include_context=False)
            if err["type"] != "missing" and (not err["loc"] or err["loc"][0] in given)
        ]
        if errors:
            raise InvalidInput(
                f"The input does not match the state of graph {name!r}: "
                f"{len(errors)} error(s); see detail.",
                errors,
            ) from exc


def _refuse(name: str, reason: str, kind: str, loc: list[str] | None = None) -> NoReturn:
    raise InvalidInput(
        f"Graph {name!r} refuses this input: {reason.strip()}",
        [{"loc": loc or [], "msg": reason.strip(), "type": kind}],
    )


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
