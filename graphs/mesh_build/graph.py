"""Mesh build: plan a new topical mesh from a topic, reviewed by a person, with briefs."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from graphs.mesh_build.context import Context
from graphs.mesh_build.nodes.link import link
from graphs.mesh_build.nodes.outline import outline
from graphs.mesh_build.nodes.review import review
from graphs.mesh_build.nodes.write import write
from graphs.mesh_build.state import Input, Output, State

REQUIRES_CHAT_MODEL = True
"""The host refuses to start this graph when no chat model is configured."""


def build_graph() -> StateGraph[State, Context, Input, Output]:
    """outline -> review -> link -> write (uncompiled; the host compiles it)."""
    builder = StateGraph(State, context_schema=Context, input_schema=Input, output_schema=Output)
    builder.add_node("outline", outline)
    builder.add_node("review", review)
    builder.add_node("link", link)
    builder.add_node("write", write)
    builder.add_edge(START, "outline")
    builder.add_edge("outline", "review")
    builder.add_edge("review", "link")
    builder.add_edge("link", "write")
    builder.add_edge("write", END)
    return builder


graph = build_graph()
