"""`genesis-mesh check`: langgraph.json and every graph it names, checked before serving.

For each graph: it imports, compiles, its input and output schemas are
well-formed JSON Schema (a structural check of what pydantic generates: types, keywords
and `$ref`s that resolve — the `jsonschema` package is not a dependency), they serialize
as JSON, its drawing (nodes, edges, Mermaid) can be computed for the UI, and its node
names are unique and free of reserved names.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import PydanticUserError

from genesis_mesh.registry import GraphRegistry, ProjectConfig, read_config
from genesis_mesh.runner.events import HIDDEN_NODES

__all__ = ["CheckReport", "Problem", "check_config", "check_schema"]

CONFIG = "langgraph.json"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_SCHEMA_ONE = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (`langgraph.json` or a graph name) and what to do."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class CheckReport:
    """The outcome of `check_config`: problems fail the check, notes do not."""

    config: Path
    graphs: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_config(config: Path) -> CheckReport:
    """Check `config` (a langgraph.json) and every graph it registers, loaded exactly as
    `serve` loads them (`GraphRegistry.load`: env, dependencies, factories)."""
    report = CheckReport(config=config)
    try:
        project = read_config(config)
    except (FileNotFoundError, ValueError) as exc:
        report.problems.append(Problem(CONFIG, str(exc)))
        return report
    _check_document(project, report)
    registry = GraphRegistry(config, None)
    registry.load()
    for name, entry in registry.entries.items():
        report.graphs.append(name)
        if entry.graph is None:
            report.problems.append(Problem(name, f"does not load: {entry.error}"))
            continue
        problems, notes = _check_graph(name, entry.graph, entry.info)
        report.problems += problems
        report.notes += notes
    return report


def _check_document(project: ProjectConfig, report: CheckReport) -> None:
    if not project.graphs:
        report.problems.append(Problem(CONFIG, '"graphs" is empty: register at least one'))
    if "dependencies" not in project.document:
        report.notes.append(
            Problem(CONFIG, 'no "dependencies" (e.g. ["."]): the LangGraph CLI requires it')
        )
    for name, spec in project.graphs.items():
        if not _NAME.match(name):
            report.problems.append(
                Problem(CONFIG, f"graph name {name!r}: use letters, digits, '_' or '-' only")
            )
        path, _, attr = spec.path.rpartition(":")
        if not path or not attr.isidentifier():
            report.problems.append(
                Problem(name, f"spec {spec.path!r} must look like './path/to/module.py:attribute'")
            )


def _check_graph(name: str, graph: Any, info: Any) -> tuple[list[Problem], list[Problem]]:
    """Problems (the UI or a client would break) and notes (it runs, with less shown)."""
    problems: list[Problem] = []
    notes: list[Problem] = []
    # Input and output travel as JSON; the context schema may hold runtime objects (a chat
    # model), which is fine: clients never send it.
    for kind in ("input", "output"):
        try:
            schema = getattr(graph, f"get_{kind}_jsonschema")()
        except PydanticUserError as exc:
            # `serve` runs such a graph (e.g. `typing.TypedDict` state on Python 3.11) and
            # shows no schema for it: a note, not a failure.
            notes.append(Problem(name, f"no {kind} schema: {str(exc).splitlines()[0]}"))
            continue
        except Exception as exc:
            problems.append(Problem(name, f"{kind} schema cannot be generated: {exc}"))
            continue
        problems += [Problem(name, f"{kind} schema: {p}") for p in check_schema(schema)]
    try:
        drawing = info()
    except Exception as exc:
        problems.append(Problem(name, f"its drawing (nodes, edges, Mermaid) fails: {exc}"))
        return problems, notes
    names = [node["name"] for node in drawing["nodes"]]
    for node, count in Counter(names).items():
        if count > 1:
            problems.append(Problem(name, f"node name {node!r} is used {count} times"))
    for node in graph.nodes:
        if node not in HIDDEN_NODES and (node.startswith("__") or not node.strip()):
            problems.append(Problem(name, f"node name {node!r} is reserved or blank"))
    return problems, notes


def check_schema(schema: Any) -> list[str]:
    """Structural problems of a JSON Schema document (empty when it is well-formed)."""
    problems: list[str] = []
    try:
        json.dumps(schema)
    except (TypeError, ValueError) as exc:
        return [f"is not JSON-serializable ({exc})"]
    if not isinstance(schema, dict):
        return ["the root must be an object"]
    _walk(schema, "#", schema, problems)
    return problems


def _walk(node: Any, at: str, root: dict[str, Any], problems: list[str]) -> None:
    if isinstance(node, bool):
        return
    if not isinstance(node, dict):
        problems.append(f"{at} is a {type(node).__name__}, expected a schema object")
        return
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
    for k in kinds:
        if k not in _TYPES:
            problems.append(f"{at}/type {k!r} is not a JSON Schema type")
    required = node.get("required")
    if required is not None and (
        not isinstance(required, list)
        or not all(isinstance(r, str) for r in required)
        or len(set(required)) != len(required)
    ):
        problems.append(f"{at}/required must be a list of unique strings")
    if "enum" in node and not isinstance(node["enum"], list):
        problems.append(f"{at}/enum must be a list")
    ref = node.get("$ref")
    if ref is not None and not _resolves(ref, root):
        problems.append(f"{at}/$ref {ref!r} does not resolve")
    for key in _SCHEMA_MAPS:
        if key in node:
            value = node[key]
            if not isinstance(value, dict):
                problems.append(f"{at}/{key} must be an object")
                continue
            for sub, child in value.items():
                _walk(child, f"{at}/{key}/{sub}", root, problems)
    for key in _SCHEMA_LISTS:
        if key in node:
            value = node[key]
            if not isinstance(value, list) or not value:
                problems.append(f"{at}/{key} must be a non-empty list")
                continue
            for i, child in enumerate(value):
                _walk(child, f"{at}/{key}/{i}", root, problems)
    for key in _SCHEMA_ONE:
        if key in node:
            _walk(node[key], f"{at}/{key}", root, problems)


def _resolves(ref: Any, root: dict[str, Any]) -> bool:
    if not isinstance(ref, str):
        return False
    if not ref.startswith("#"):
        return True  # a remote reference: not ours to fetch
    target: Any = root
    for part in [p for p in ref[1:].split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or part not in target:
            return False
        target = target[part]
    return True
