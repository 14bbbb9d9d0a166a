"""Pydantic state with defaults; each run of a thread adds one to `count`."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel


class State(BaseModel):
    count: int = 0
    note: str = "none"


async def bump(state: State) -> dict[str, int]:
    return {"count": state.count + 1}


builder = StateGraph(State)
builder.add_node("bump", bump)
builder.add_edge(START, "bump")
builder.add_edge("bump", END)
graph = builder.compile()
