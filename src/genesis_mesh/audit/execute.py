"""Runs the topical_mesh graph in this process, the way the host's runner runs it.

The graph is loaded from langgraph.json by the same registry the host uses, compiled
with an in-memory checkpointer and run with `durability="sync"`; nothing is stored.
The person at the terminal (or the CI job) is the operator, so local folders are
allowed as sources. No chat model is used: an audit's wording must not vary.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from genesis_mesh.errors import GenesisMeshError
from genesis_mesh.registry import GraphEntry, GraphRegistry

GRAPH = "topical_mesh"


class UsageError(ValueError):
    """The command cannot run as asked (exit code 2); the message says what to change."""


class SiteUnreadable(RuntimeError):
    """The graph ran and could not read the site (exit code 3)."""


def load_graph(config: Path, name: str = GRAPH) -> GraphEntry:
    """The registered graph `name` of `config`, compiled with an in-memory checkpointer."""
    if not config.is_file():
        raise UsageError(
            f"{config} not found: pass --config PATH/langgraph.json (the one of a "
            "genesis-mesh checkout, which registers topical_mesh)"
        )
    registry = GraphRegistry(config, InMemorySaver())
    try:
        registry.load()
        entry = registry.get(name)
        entry.compiled()
    except (ValueError, GenesisMeshError) as exc:
        raise UsageError(f"graph {name!r} of {config} cannot be used: {exc}") from None
    return entry


def _input_error(exc: GenesisMeshError) -> Exception:
    """A source the graph refuses at start (its input validators name the rule with an
    error type ending in `_refused`) is a site that cannot be read; anything else is a
    wrong option."""
    errors = exc.detail if isinstance(exc.detail, list) else []
    refused = [e for e in errors if str(e.get("type", "")).endswith("_refused")]
    if errors and len(refused) == len(errors):
        return SiteUnreadable("; ".join(str(e.get("msg", "")) for e in refused))
    shown = "; ".join(f"{'.'.join(map(str, e.get('loc', [])))}: {e.get('msg')}" for e in errors)
    return UsageError(f"{exc.message} {shown}".strip())


def operator_context(entry: GraphEntry, values: dict[str, Any]) -> Any:
    """The graph's `context_schema` from the deployment's values, with local sources on
    and no chat model; keys the schema does not have are left out."""
    schema = getattr(entry.compiled(), "context_schema", None)
    merged = {**values, "allow_local_sources": True, "chat_model": None}
    if schema is None or not dataclasses.is_dataclass(schema):
        return merged
    fields = {f.name for f in dataclasses.fields(schema)}
    return schema(**{k: v for k, v in merged.items() if k in fields})


async def run_audit(
    entry: GraphEntry,
    payload: dict[str, Any],
    context: Any,
    on_progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The graph's output for `payload`; SiteUnreadable when the run fails."""
    try:
        data = entry.validate_input(payload)
    except GenesisMeshError as exc:
        raise _input_error(exc) from None
    graph = entry.compiled()
    config: Any = {"configurable": {"thread_id": f"audit-{uuid.uuid4().hex}"}}
    try:
        async for part in graph.astream(
            data, config, context=context, stream_mode="custom", durability="sync"
        ):
            if on_progress is not None and isinstance(part, dict) and part.get("message"):
                on_progress(str(part["message"]))
    except Exception as exc:  # whatever stopped the graph: the site was not read
        raise SiteUnreadable(f"{type(exc).__name__}: {exc}") from exc
    state = await graph.aget_state(config)
    if state.next:
        raise SiteUnreadable(f"the graph stopped before its end, at {list(state.next)}")
    output = entry.output_of(state.values)
    return dict(output) if isinstance(output, dict) else {}
