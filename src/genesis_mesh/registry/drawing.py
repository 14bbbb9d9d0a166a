"""A graph's drawing data: its top-level nodes and edges, and the same graph with every
subgraph opened (LangGraph's `get_graph(xray=True)`), where an inner node's id is its
path, `parent:child` (`a:b:c` two levels down). LangGraph forbids `:` in node names, so
an id with a `:` always names a subgraph's node; the groups are derived from those ids."""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.runnables.graph import Graph
from langgraph.pregel import Pregel

__all__ = ["drawing_of"]

logger = logging.getLogger(__name__)

SEP = ":"


def drawing_of(graph: Pregel[Any, Any, Any, Any]) -> dict[str, Any]:
    """`nodes`, `edges` and `mermaid` of the top level; `xray`: the nodes (each with the
    id of the `subgraph` it sits in, or None) and edges with every subgraph opened;
    `subgraphs`: one `{id, name, parent}` per subgraph node, outermost first."""
    drawable = graph.get_graph()
    try:
        opened = graph.get_graph(xray=True)
    except Exception as exc:  # a subgraph LangGraph cannot draw: the top level still can
        logger.warning("no xray drawing of a graph: %s", exc)
        opened = drawable
    xray_nodes = [
        {"id": n.id, "name": n.name, "subgraph": _parent(n.id)} for n in opened.nodes.values()
    ]
    return {
        "nodes": [{"id": n.id, "name": n.name} for n in drawable.nodes.values()],
        "edges": _edges(drawable),
        "mermaid": drawable.draw_mermaid(),
        "xray": {"nodes": xray_nodes, "edges": _edges(opened)},
        "subgraphs": _subgraphs(n["id"] for n in xray_nodes),
    }


def _edges(drawable: Graph) -> list[dict[str, Any]]:
    return [
        {"source": e.source, "target": e.target, "conditional": e.conditional}
        for e in drawable.edges
    ]


def _parent(node_id: str) -> str | None:
    head, sep, _ = node_id.rpartition(SEP)
    return head if sep else None


def _subgraphs(ids: Any) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for node_id in ids:
        parts = node_id.split(SEP)[:-1]
        for depth in range(1, len(parts) + 1):
            group = SEP.join(parts[:depth])
            groups.setdefault(
                group, {"id": group, "name": parts[depth - 1], "parent": _parent(group)}
            )
    return sorted(groups.values(), key=lambda g: g["id"].count(SEP))
