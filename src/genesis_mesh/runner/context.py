"""The runtime context a run's graph receives, and what a client may put in it.

A run's `context` is built as LangGraph Server builds it: the operator's defaults
(`GENESIS_MESH_GRAPH_CONTEXT`), then the run's own values, keys the graph's
`context_schema` does not have dropped, then LangGraph's coercion (a dataclass or pydantic
schema is instantiated, so a run without context gets the schema's defaults). Keys the
operator (`locked`) or the graph (`LOCKED_CONTEXT_KEYS` in its module) fixes cannot be set
by a run. A `chat_model` field gets the configured chat model.

The operator's setting per graph is either the flat context (`{"max_words": 500}`) or
`{"defaults": {...}, "locked": ["key", ...]}`.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, is_dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.pregel import Pregel
from pydantic import BaseModel, ValidationError

from genesis_mesh.errors import ContextLocked, InvalidContext
from genesis_mesh.llm import ChatModels
from genesis_mesh.protocol import RunConfig
from genesis_mesh.runner.config import client_configurable, client_metadata

_POLICY_KEYS = frozenset({"defaults", "locked"})


@dataclass(frozen=True)
class ContextPolicy:
    """The operator's word on one graph's context: defaults, and keys no run may set."""

    defaults: dict[str, Any]
    locked: frozenset[str] = frozenset()


def read_policy(name: str, value: Any) -> ContextPolicy:
    """One graph's entry of `GENESIS_MESH_GRAPH_CONTEXT`, in either shape."""
    if not isinstance(value, dict):
        raise ValueError(f"GENESIS_MESH_GRAPH_CONTEXT[{name!r}] must be a JSON object")
    if not value or not set(value) <= _POLICY_KEYS:
        return _checked(name, ContextPolicy(dict(value)))
    defaults = value.get("defaults", {})
    locked = value.get("locked", [])
    if not isinstance(defaults, dict):
        raise ValueError(f"GENESIS_MESH_GRAPH_CONTEXT[{name!r}].defaults must be a JSON object")
    if not isinstance(locked, list) or not all(isinstance(k, str) for k in locked):
        raise ValueError(
            f"GENESIS_MESH_GRAPH_CONTEXT[{name!r}].locked must be a list of context keys"
        )
    return _checked(name, ContextPolicy(dict(defaults), frozenset(locked)))


def _checked(name: str, policy: ContextPolicy) -> ContextPolicy:
    cache = policy.defaults.get("llm_cache")
    if cache is not None and not isinstance(cache, bool):
        raise ValueError(
            f"GENESIS_MESH_GRAPH_CONTEXT[{name!r}] has llm_cache {cache!r}; it must be true "
            "or false (whether the graph's runs use the LLM response cache, docs/llm.md)"
        )
    return policy


class RuntimeContexts:
    """Checks a run's context and config at the door; builds the context it runs with."""

    def __init__(self, graph_context: dict[str, Any]) -> None:
        self.policies = {name: read_policy(name, v) for name, v in graph_context.items()}
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

    def policy(self, name: str) -> ContextPolicy:
        return self.policies.get(name) or ContextPolicy({})

    def lacks_chat_model(self, name: str) -> bool:
        """True when neither the operator nor the environment gives a model."""
        given = isinstance(self.policy(name).defaults.get("chat_model"), BaseChatModel)
        return not given and not self.chat_models.configured

    def admit(
        self,
        name: str,
        graph: Pregel[Any, Any, Any, Any],
        graph_locked: Collection[str],
        context: dict[str, Any] | None,
        config: dict[str, Any] | RunConfig | None,
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The run's context and config as they are stored, or the reason LangGraph (or
        the operator) refuses them. As in LangGraph Server, `context` and `configurable`
        mirror each other, and giving both is refused."""
        given = _read_config(config)
        configurable = client_configurable(given.configurable)
        if context and configurable:
            raise InvalidContext(
                "Give the run's values as `context` or as `config.configurable`, not both "
                "(context is LangGraph's replacement for configurable)."
            )
        if context:
            configurable = dict(context)
        elif configurable:
            context = dict(configurable)
        _require_json(context)
        context = _known_keys(graph, context)
        locked = sorted(set(context or {}) & (self.policy(name).locked | set(graph_locked)))
        if locked:
            raise ContextLocked(name, locked)
        self.build(name, graph, context, graph_locked)
        stored = given.model_dump(exclude_defaults=True)
        stored["metadata"] = client_metadata(given.metadata)
        stored["configurable"] = configurable
        stored = {k: v for k, v in stored.items() if v not in ({}, [], None)}
        return context, stored or None

    def build(
        self,
        name: str,
        graph: Pregel[Any, Any, Any, Any],
        run_context: dict[str, Any] | None,
        graph_locked: Collection[str] = (),
    ) -> Any:
        """The `context=` of the run's `astream`: operator defaults under the run's values
        (minus locked keys), coerced as LangGraph coerces it. Raises `InvalidContext`."""
        policy = self.policy(name)
        locked = policy.locked | set(graph_locked)
        own = {k: v for k, v in (run_context or {}).items() if k not in locked}
        values = _known_keys(graph, {**policy.defaults, **own}) or {}
        schema = getattr(graph, "context_schema", None)
        fields = _field_names(schema)
        if (
            fields is not None
            and "chat_model" in fields
            and not isinstance(values.get("chat_model"), BaseChatModel)
        ):
            values["chat_model"] = self.chat_models.get()
        if schema is None or not _is_class_schema(schema):
            return values
        try:
            return schema(**values)
        except (TypeError, ValueError) as exc:
            raise InvalidContext(
                f"The context does not fit graph {name!r}'s context_schema: {_reason(exc)}",
                _errors(exc),
            ) from exc


def _read_config(config: dict[str, Any] | RunConfig | None) -> RunConfig:
    if config is None:
        return RunConfig()
    if isinstance(config, RunConfig):
        return config
    try:
        return RunConfig.model_validate(config)
    except ValidationError as exc:
        raise InvalidContext(
            "The run's config does not fit: it takes configurable, recursion_limit, tags "
            "and metadata; see detail.",
            _errors(exc),
        ) from exc


def _require_json(context: dict[str, Any] | None) -> None:
    try:
        json.dumps(context, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidContext(
            f"A run's context is stored with the run, so it must be JSON: {exc}. Objects "
            "(a chat model) belong in the operator's context or `Runner.chat_models`."
        ) from exc


def _known_keys(
    graph: Pregel[Any, Any, Any, Any], context: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Keys the graph's context_schema lacks are dropped, as LangGraph Server drops them."""
    fields = _field_names(getattr(graph, "context_schema", None))
    if context is None or fields is None:
        return context
    return {k: v for k, v in context.items() if k in fields}


def _is_class_schema(schema: Any) -> bool:
    return isinstance(schema, type) and (issubclass(schema, BaseModel) or is_dataclass(schema))


def _field_names(schema: Any) -> set[str] | None:
    if schema is None:
        return None
    if hasattr(schema, "model_fields"):
        return set(schema.model_fields)
    if hasattr(schema, "__dataclass_fields__"):
        return set(schema.__dataclass_fields__)
    if hasattr(schema, "__annotations__"):
        return set(schema.__annotations__)
    return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return f"{exc.error_count()} error(s); see detail"
    return str(exc)


def _errors(exc: Exception) -> list[dict[str, Any]] | None:
    if not isinstance(exc, ValidationError):
        return None
    return [
        {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_context=False)
    ][:20]
