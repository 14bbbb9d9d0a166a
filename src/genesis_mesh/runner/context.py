"""The runtime context a run's graph receives: settings, per-run overrides, a chat model."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.pregel import Pregel

from genesis_mesh.llm import ChatModels


class RuntimeContexts:
    """Builds each run's `context`: the graph's `context_schema` filled from the operator's
    `GENESIS_MESH_GRAPH_CONTEXT` and the run's overrides, with the configured chat model."""

    def __init__(self, graph_context: dict[str, dict[str, Any]]) -> None:
        self.graph_context = graph_context
        self._chat_models: ChatModels | None = None

    @property
    def chat_models(self) -> ChatModels:
        """The chat model factory, built from the environment on first use."""
        if self._chat_models is None:
            self._chat_models = ChatModels()
        return self._chat_models

    @chat_models.setter
    def chat_models(self, models: ChatModels) -> None:
        self._chat_models = models

    def lacks_chat_model(self, name: str, overrides: dict[str, Any] | None) -> bool:
        """True when neither the operator, the run nor the environment gives a model."""
        given = _chat_model_given(self.graph_context.get(name), overrides)
        return not given and not self.chat_models.configured

    def build(
        self, name: str, graph: Pregel[Any, Any, Any, Any], overrides: dict[str, Any] | None
    ) -> Any:
        """A `chat_model` field gets the configured model unless a model object was given."""
        schema = getattr(graph, "context_schema", None)
        values = {**self.graph_context.get(name, {}), **(overrides or {})}
        if schema is None:
            return values or None
        fields = _field_names(schema)
        values = {k: v for k, v in values.items() if fields is None or k in fields}
        if (
            fields is not None
            and "chat_model" in fields
            and not isinstance(values.get("chat_model"), BaseChatModel)
        ):
            values["chat_model"] = self.chat_models.get()
        try:
            return schema(**values)
        except TypeError:
            return values


def _chat_model_given(*contexts: dict[str, Any] | None) -> bool:
    return any(isinstance((c or {}).get("chat_model"), BaseChatModel) for c in contexts)


def _field_names(schema: Any) -> set[str] | None:
    if hasattr(schema, "model_fields"):
        return set(schema.model_fields)
    if hasattr(schema, "__dataclass_fields__"):
        return set(schema.__dataclass_fields__)
    if hasattr(schema, "__annotations__"):
        return set(schema.__annotations__)
    return None
