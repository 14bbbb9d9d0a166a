"""A total TypedDict state whose input gives only `topic` (as map-reduce examples do)."""

from __future__ import annotations

import operator
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


class State(TypedDict):
    topic: str
    subjects: Annotated[list[str], operator.add]
    summary: str


async def plan(state: State) -> dict[str, list[str]]:
    return {"subjects": [f"{state['topic']} 1", f"{state['topic']} 2"]}


async def summarize(state: State) -> dict[str, str]:
    return {"summary": ", ".join(state["subjects"])}


builder = StateGraph(State)
builder.add_node("plan", plan)
builder.add_node("summarize", summarize)
builder.add_edge(START, "plan")
builder.add_edge("plan", "summarize")
builder.add_edge("summarize", END)
graph = builder.compile()
