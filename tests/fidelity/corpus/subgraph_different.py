"""Subgraphs with their own state schemas, called from a node, two levels deep."""

from __future__ import annotations

from typing import NotRequired

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


class ParentState(TypedDict):
    question: str
    answer: NotRequired[str]


class ChildState(TypedDict):
    query: str
    draft: NotRequired[str]


class GrandchildState(TypedDict):
    text: str
    polished: NotRequired[str]


def polish(state: GrandchildState) -> dict[str, str]:
    return {"polished": state["text"].strip().capitalize() + "."}


grandchild_builder = StateGraph(GrandchildState)
grandchild_builder.add_node("polish", polish)
grandchild_builder.add_edge(START, "polish")
grandchild_builder.add_edge("polish", END)
grandchild = grandchild_builder.compile()


async def write_draft(state: ChildState) -> dict[str, str]:
    result = await grandchild.ainvoke({"text": f"  the answer to '{state['query']}' is 42 "})
    return {"draft": result["polished"]}


child_builder = StateGraph(ChildState)
child_builder.add_node("write_draft", write_draft)
child_builder.add_edge(START, "write_draft")
child_builder.add_edge("write_draft", END)
child = child_builder.compile()


async def ask_child(state: ParentState) -> dict[str, str]:
    result = await child.ainvoke({"query": state["question"]})
    return {"answer": result["draft"]}


builder = StateGraph(ParentState)
builder.add_node("ask_child", ask_child)
builder.add_edge(START, "ask_child")
builder.add_edge("ask_child", END)
graph = builder.compile()
