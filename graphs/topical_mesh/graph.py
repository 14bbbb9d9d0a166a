"""Topical mesh: audit the internal links of a markdown site in a git repository."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from graphs.topical_mesh.context import LOCKED_CONTEXT_KEYS, Context
from graphs.topical_mesh.nodes.clone import clone
from graphs.topical_mesh.nodes.parse import parse
from graphs.topical_mesh.nodes.recommend import propose
from graphs.topical_mesh.nodes.score import score
from graphs.topical_mesh.nodes.write import write
from graphs.topical_mesh.state import Input, Output, State


def build_graph() -> StateGraph[State, Context, Input, Output]:
    """clone -> parse -> score -> recommend -> write (uncompiled; the host compiles it)."""
    builder = StateGraph(State, context_schema=Context, input_schema=Input, output_schema=Output)
    builder.add_node("clone", clone)
    builder.add_node("parse", parse)
    builder.add_node("score", score)
    builder.add_node("recommend", propose)
    builder.add_node("write", write)
    builder.add_edge(START, "clone")
    builder.add_edge("clone", "parse")
    builder.add_edge("parse", "score")
    builder.add_edge("score", "recommend")
    builder.add_edge("recommend", "write")
    builder.add_edge("write", END)
    return builder


graph = build_graph()

__all__ = ["LOCKED_CONTEXT_KEYS", "build_graph", "graph"]
