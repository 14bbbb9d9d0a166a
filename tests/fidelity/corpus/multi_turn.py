"""A thread over several runs: the second run counts on what the first one stored."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel


class State(BaseModel):
    count: int = 0
    note: str = "none"
    history: list[str] = []


def tick(state: State) -> dict[str, object]:
    return {
        "count": state.count + 1,
        "history": [*state.history, f"turn {state.count + 1}: {state.note}"],
    }


builder = StateGraph(State)
builder.add_node("tick", tick)
builder.add_edge(START, "tick")
builder.add_edge("tick", END)
graph = builder.compile()
