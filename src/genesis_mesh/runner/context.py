"""The runtime context a run's graph receives: settings, per-run overrides, a chat model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from langchain_core.language_models import BaseChatModel
from langgraph.pregel import Pregel

from genesis_mesh.llm import ChatModels

if TYPE_CHECKING:
    from genesis_mesh.runner.runner import Runner


def runtime_context(
    runner: Runner, name: str, graph: Pregel[Any, Any, Any, Any], overrides: dict[str, Any] | None
) -> Any:
    """The graph's `context_schema` filled from `GENESIS_MESH_GRAPH_CONTEXT` and `overrides`;
    a `chat_model` field gets the configured model unless a model object was injected."""
    schema = getattr(graph, "context_schema", None)
    values = {**runner.options.graph_context.get(name, {}), **(overrides or {})}
    if schema is None:
        return values or None
    fields = _field_names(schema)
    values = {k: v for k, v in values.items() if fields is None or k in fields}
    if (
        fields is not None
        and "chat_model" in fields
        and not isinstance(values.get("chat_model"), BaseChatModel)
    ):
        values["chat_model"] = chat_models_of(runner).get()
    try:
        return schema(**values)
    except TypeError:
        return values


def chat_models_of(runner: Runner) -> ChatModels:
    """The runner's chat model factory, built from the environment on first use; assign
    `runner.chat_models = ChatModels(model=...)` to inject one."""
    models = vars(runner).get("chat_models")
    if models is None:
        models = vars(runner)["chat_models"] = ChatModels()
    return cast(ChatModels, models)


def chat_model_given(*contexts: dict[str, Any] | None) -> bool:
    return any(isinstance((c or {}).get("chat_model"), BaseChatModel) for c in contexts)


def _field_names(schema: Any) -> set[str] | None:
    if hasattr(schema, "model_fields"):
        return set(schema.model_fields)
    if hasattr(schema, "__dataclass_fields__"):
        return set(schema.__dataclass_fields__)
    if hasattr(schema, "__annotations__"):
        return set(schema.__annotations__)
    return None
