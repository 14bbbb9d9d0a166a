"""One registered graph: its compiled form (or factory), or the error that kept it from loading."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.pregel import Pregel
from pydantic import PydanticUserError

from genesis_mesh.errors import GraphUnavailable, InvalidInput
from genesis_mesh.registry.drawing import drawing_of
from genesis_mesh.registry.factory import GraphFactory, HostUser
from genesis_mesh.registry.inputs import check_input

__all__ = ["GraphEntry", "requires_chat_model"]

logger = logging.getLogger(__name__)


@dataclass
class GraphEntry:
    """One registered graph. `graph` is the compiled graph (for a factory: the one it
    built for reading, used for schemas, drawing and input checks); `factory`, when set,
    builds the graph of each run."""

    name: str
    spec: str
    graph: Pregel[Any, Any, Any, Any] | None = None
    description: str = ""
    error: str | None = None
    module_file: Path | None = None
    requires_chat_model: bool = False
    factory: GraphFactory | None = None
    locked_context: frozenset[str] = frozenset()
    """Context keys no run may set (the module's `LOCKED_CONTEXT_KEYS`)."""
    llm_cache: bool | None = None
    """langgraph.json's `llm_cache` for this graph (None: not given)."""
    _info: dict[str, Any] | None = field(default=None, repr=False)
    _output_keys: frozenset[str] | None = field(default=None, repr=False)

    @property
    def available(self) -> bool:
        return self.graph is not None

    def compiled(self) -> Pregel[Any, Any, Any, Any]:
        if self.graph is None:
            raise GraphUnavailable(self.name, self.error or "not loaded")
        return self.graph

    @contextlib.asynccontextmanager
    async def for_run(
        self,
        config: RunnableConfig | None = None,
        context: Any = None,
        store: Any = None,
        owner: str | None = None,
    ) -> AsyncIterator[Pregel[Any, Any, Any, Any]]:
        """The graph to run on `store`: the registered one, or a new one from the factory
        (called with the run's config and a `threads.create_run` runtime, as LangGraph
        Server does), cleaned up when the block ends."""
        graph = self.compiled()
        if self.factory is None:
            same = store is None or store is graph.store
            yield graph if same else graph.copy(update={"store": store})
            return
        user = HostUser(owner) if owner else None
        async with self.factory.open(
            graph.checkpointer,  # type: ignore[arg-type]
            store if store is not None else graph.store,
            config=config,
            context=context,
            user=user,
        ) as built:
            yield built

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "available": self.available,
            "error": self.error,
        }

    def info(self) -> dict[str, Any]:
        """Description, schemas, nodes, edges, Mermaid drawing and the drawing with its
        subgraphs opened (`drawing_of`; computed once)."""
        if self.graph is None:
            return {
                **self.summary(),
                "input_schema": None,
                "output_schema": None,
                "nodes": [],
                "edges": [],
                "mermaid": None,
                "xray": {"nodes": [], "edges": []},
                "subgraphs": [],
            }
        if self._info is None:
            self._info = {
                **self.summary(),
                "input_schema": schema_or_none(self.graph.get_input_jsonschema),
                "output_schema": schema_or_none(self.graph.get_output_jsonschema),
                **drawing_of(self.graph),
            }
        return self._info

    def output_of(self, values: Any) -> Any:
        """The output part of a final state: the output schema's keys, when it has any."""
        if not isinstance(values, dict):
            return values
        if self._output_keys is None:
            try:
                properties = self.compiled().get_output_jsonschema().get("properties") or {}
            except Exception:
                properties = {}
            self._output_keys = frozenset(properties)
        if not self._output_keys:
            return values
        return {k: v for k, v in values.items() if k in self._output_keys}

    def validate_input(
        self, value: Any, *, new_thread: bool = False, settings: dict[str, Any] | None = None
    ) -> Any:
        """Refuse (422) what LangGraph would refuse as this graph's input; returns the
        input unchanged, to be passed to the graph as the client sent it. `null` means
        "continue the thread" to LangGraph, so a new thread cannot take it. `settings`
        (the operator's context plus the run's) is the validation context of a pydantic
        input schema, so its validators judge the input by what this run will allow."""
        if value is None and new_thread:
            raise InvalidInput(
                f"Graph {self.name!r} refuses this input: Received no input for __start__; "
                "a new thread needs an input (send {} for an empty one)",
                [{"loc": [], "msg": "Received no input for __start__", "type": "EmptyInputError"}],
            )
        check_input(self.compiled(), self.name, value, settings)
        return value


def schema_or_none(make: Any) -> dict[str, Any] | None:
    """A JSON schema, or None when pydantic cannot describe the state type (e.g. a
    `typing.TypedDict` on Python 3.11: LangGraph runs it all the same)."""
    try:
        schema: dict[str, Any] = make()
    except PydanticUserError as exc:
        logger.warning("no JSON schema for a graph state: %s", str(exc).splitlines()[0])
        return None
    return schema


def requires_chat_model(module: ModuleType | None, graph: Pregel[Any, Any, Any, Any]) -> bool:
    """True when the module says `REQUIRES_CHAT_MODEL = True`, or its context's
    `chat_model` field has no default (so the run cannot start without a model)."""
    if module is not None and getattr(module, "REQUIRES_CHAT_MODEL", False):
        return True
    schema = getattr(graph, "context_schema", None)
    fields = getattr(schema, "__dataclass_fields__", None)
    if fields and "chat_model" in fields:
        spec = fields["chat_model"]
        return bool(
            spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        )
    model_fields = getattr(schema, "model_fields", None)
    if model_fields and "chat_model" in model_fields:
        return bool(model_fields["chat_model"].is_required())
    return False
