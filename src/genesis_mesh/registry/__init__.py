"""The graph registry: loads the graphs named in langgraph.json, as `langgraph dev` does.

`config` reads langgraph.json (`graphs`, `env`, `dependencies`), `loader` imports what an
entry names, `factory` calls graph factories, `inputs` checks a run's input the way
LangGraph would, `entry` holds one graph. A graph that fails to import or compile is kept
as unavailable with its error, so one broken module never stops the host. `serve`,
`dev`, `graphs` and `check` all load through `GraphRegistry.load`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.pregel import Pregel
from langgraph.store.base import BaseStore

from genesis_mesh.errors import GraphNotFound
from genesis_mesh.registry.config import GraphSpec, ProjectConfig, read_config, read_graph_specs
from genesis_mesh.registry.entry import GraphEntry, requires_chat_model, schema_or_none
from genesis_mesh.registry.factory import GraphFactory, HostUser, compile_graph
from genesis_mesh.registry.loader import import_spec, resolve_attr

__all__ = [
    "GraphEntry",
    "GraphFactory",
    "GraphRegistry",
    "GraphSpec",
    "HostUser",
    "ProjectConfig",
    "read_config",
    "read_graph_specs",
    "requires_chat_model",
    "schema_or_none",
]

logger = logging.getLogger(__name__)


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
        self.project: ProjectConfig | None = None

    def load(self) -> None:
        """Read langgraph.json, apply its `env` and `dependencies`, load every graph;
        raises FileNotFoundError or ValueError when langgraph.json itself is unusable."""
        project = read_config(self.config_path)
        project.apply()
        self.project = project
        roots = project.import_roots()
        self.entries = {
            name: self._load_one(roots, name, spec) for name, spec in project.graphs.items()
        }

    def get(self, name: str) -> GraphEntry:
        try:
            return self.entries[name]
        except KeyError:
            raise GraphNotFound(name) from None

    def _load_one(self, roots: list[Path], name: str, spec: GraphSpec) -> GraphEntry:
        entry = GraphEntry(name=name, spec=spec.path, llm_cache=spec.llm_cache)
        try:
            module, attr = import_spec(roots, name, spec.path)
            entry.module_file = Path(module.__file__ or "")
            found = resolve_attr(module, attr, spec.path)
            if isinstance(found, GraphFactory):
                entry.factory = found
                entry.graph = found.build_for_reading(self.checkpointer, self.store)
            else:
                entry.graph = compile_graph(found, self.checkpointer, self.store)
            entry.description = spec.description or _describe(module, entry.graph)
            entry.requires_chat_model = requires_chat_model(module, entry.graph)
            entry.locked_context = frozenset(getattr(module, "LOCKED_CONTEXT_KEYS", ()))
        except Exception as exc:  # a broken graph must not stop the host
            entry.error = f"{type(exc).__name__}: {exc}"
            entry.graph = None
            entry.factory = None
            logger.warning("graph %r is unavailable: %s", name, entry.error)
        return entry


def _describe(module: ModuleType, graph: Pregel[Any, Any, Any, Any]) -> str:
    text = getattr(module, "DESCRIPTION", None) or module.__doc__ or graph.name or ""
    return str(text).strip().split("\n\n", 1)[0].replace("\n", " ")
