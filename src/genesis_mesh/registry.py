"""The graph registry: loads the graphs named in langgraph.json ("./path.py:attr").

A graph that fails to import or compile is kept as unavailable with its error, so one
broken module never stops the host.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel
from langgraph.store.base import BaseStore
from pydantic import BaseModel, PydanticUserError, ValidationError

from genesis_mesh.errors import GraphNotFound, GraphUnavailable, InvalidInput

logger = logging.getLogger(__name__)


@dataclass
class GraphEntry:
    """One registered graph: its compiled form, or the error that kept it from loading."""

    name: str
    spec: str
    graph: Pregel[Any, Any, Any, Any] | None = None
    description: str = ""
    error: str | None = None
    module_file: Path | None = None
    requires_chat_model: bool = False
    locked_context: frozenset[str] = frozenset()
    """Context keys no run may set (the module's `LOCKED_CONTEXT_KEYS`)."""
    _info: dict[str, Any] | None = field(default=None, repr=False)
    _output_keys: frozenset[str] | None = field(default=None, repr=False)

    @property
    def available(self) -> bool:
        return self.graph is not None

    def compiled(self) -> Pregel[Any, Any, Any, Any]:
        if self.graph is None:
            raise GraphUnavailable(self.name, self.error or "not loaded")
        return self.graph

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "available": self.available,
            "error": self.error,
        }

    def info(self) -> dict[str, Any]:
        """Description, schemas, nodes, edges and Mermaid drawing (computed once)."""
        if self.graph is None:
            return {
                **self.summary(),
                "input_schema": None,
                "output_schema": None,
                "nodes": [],
                "edges": [],
                "mermaid": None,
            }
        if self._info is None:
            drawable = self.graph.get_graph()
            self._info = {
                **self.summary(),
                "input_schema": _schema_or_none(self.graph.get_input_jsonschema),
                "output_schema": _schema_or_none(self.graph.get_output_jsonschema),
                "nodes": [{"id": n.id, "name": n.name} for n in drawable.nodes.values()],
                "edges": [
                    {"source": e.source, "target": e.target, "conditional": e.conditional}
                    for e in drawable.edges
                ],
                "mermaid": drawable.draw_mermaid(),
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

    def validate_input(self, value: dict[str, Any]) -> dict[str, Any]:
        """Check `value` against the graph's input schema; returns it as JSON-safe data."""
        try:
            model = self.compiled().get_input_schema().model_validate(value)
        except PydanticUserError:
            # The state type cannot be validated by pydantic here (e.g. `typing.TypedDict`
            # on Python 3.11); LangGraph runs it all the same, so accept the object.
            return value
        except ValidationError as exc:
            raise InvalidInput(
                f"The input does not match the input schema of graph {self.name!r}: "
                f"{exc.error_count()} error(s); see detail.",
                [
                    {"loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]}
                    for err in exc.errors(include_url=False, include_context=False)
                ],
            ) from exc
        if isinstance(model, BaseModel):
            return model.model_dump(mode="json", exclude_unset=False)
        return value


def _schema_or_none(make: Any) -> dict[str, Any] | None:
    """A JSON schema, or None when pydantic cannot describe the state type."""
    try:
        schema: dict[str, Any] = make()
    except PydanticUserError as exc:
        logger.warning("no JSON schema for a graph state: %s", str(exc).splitlines()[0])
        return None
    return schema


class GraphRegistry:
    """Graphs by name, loaded from one langgraph.json and compiled with one checkpointer
    and one store (each run gets its owner's view of the store: `store_owners.py`)."""

    def __init__(
        self,
        config_path: Path,
        checkpointer: BaseCheckpointSaver[Any] | None,
        store: BaseStore | None = None,
    ) -> None:
        self.config_path = config_path.resolve()
        self.checkpointer = checkpointer
        self.store = store
        self.entries: dict[str, GraphEntry] = {}

    def load(self) -> None:
        specs = read_graph_specs(self.config_path)
        root = str(self.config_path.parent)
        if root not in sys.path:
            sys.path.insert(0, root)
        self.entries = {name: self._load_one(name, spec) for name, spec in specs.items()}

    def get(self, name: str) -> GraphEntry:
        try:
            return self.entries[name]
        except KeyError:
            raise GraphNotFound(name) from None

    def _load_one(self, name: str, spec: str) -> GraphEntry:
        entry = GraphEntry(name=name, spec=spec)
        try:
            module, attr = _import_spec(self.config_path.parent, name, spec)
            entry.module_file = Path(module.__file__ or "")
            entry.graph = self._compile(_resolve_attr(module, attr, spec))
            entry.description = _describe(module, entry.graph)
            entry.requires_chat_model = requires_chat_model(module, entry.graph)
            entry.locked_context = frozenset(getattr(module, "LOCKED_CONTEXT_KEYS", ()))
        except Exception as exc:  # a broken graph must not stop the host
            entry.error = f"{type(exc).__name__}: {exc}"
            entry.graph = None
            logger.warning("graph %r is unavailable: %s", name, entry.error)
        return entry

    def _compile(self, obj: Any) -> Pregel[Any, Any, Any, Any]:
        if isinstance(obj, StateGraph):
            return obj.compile(checkpointer=self.checkpointer, store=self.store)
        if isinstance(obj, Pregel):
            return obj.copy(update={"checkpointer": self.checkpointer, "store": self.store})
        raise TypeError(f"expected a StateGraph or a compiled graph, got {type(obj).__name__}")


def read_graph_specs(config_path: Path) -> dict[str, str]:
    """The `graphs` mapping of a langgraph.json, with a clear error when it is malformed."""
    try:
        document = json.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{config_path} not found; pass --config PATH/langgraph.json or create one with "
            '{"graphs": {"name": "./graphs/name/graph.py:graph"}}'
        ) from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{config_path} is not valid JSON: {exc}") from exc
    graphs = document.get("graphs") if isinstance(document, dict) else None
    if not isinstance(graphs, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in graphs.items()
    ):
        raise ValueError(f'{config_path} needs "graphs": {{"name": "./path.py:attr", ...}}')
    return dict(graphs)


def _import_spec(root: Path, name: str, spec: str) -> tuple[ModuleType, str]:
    path_part, _, attr = spec.rpartition(":")
    if not path_part or not attr:
        raise ValueError(f"graph spec {spec!r} must look like './path/to/module.py:attribute'")
    if not path_part.endswith(".py"):
        module = importlib.import_module(path_part)
        return module, attr
    file = (root / path_part).resolve()
    if not file.is_file():
        raise FileNotFoundError(f"{file} does not exist")
    module_name = _module_name(root, file, name)
    module_spec = importlib.util.spec_from_file_location(module_name, file)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot import {file}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module, attr


def _module_name(root: Path, file: Path, name: str) -> str:
    """The dotted name of a file below the config root (so relative packages work)."""
    try:
        parts = file.relative_to(root.resolve()).with_suffix("").parts
        if all(p.isidentifier() for p in parts):
            return ".".join(parts)
    except ValueError:
        pass
    return f"genesis_mesh_graph_{name}"


def _resolve_attr(module: ModuleType, attr: str, spec: str) -> Any:
    if not hasattr(module, attr):
        raise AttributeError(f"{spec}: module has no attribute {attr!r}")
    obj = getattr(module, attr)
    if isinstance(obj, StateGraph | Pregel):
        return obj
    if callable(obj) and not inspect.iscoroutinefunction(obj):
        return obj()
    return obj


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


def _describe(module: ModuleType, graph: Pregel[Any, Any, Any, Any]) -> str:
    text = getattr(module, "DESCRIPTION", None) or module.__doc__ or graph.name or ""
    return str(text).strip().split("\n\n", 1)[0].replace("\n", " ")
