"""A total `TypedDict` state started with only some of its keys, as the docs' examples are."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


class State(TypedDict):
    city: str
    country: str
    population: int
    summary: str


def describe(state: State) -> dict[str, object]:
    country = state.get("country", "somewhere")
    return {"summary": f"{state['city']} is in {country}", "population": len(state["city"])}


builder = StateGraph(State)
builder.add_node("describe", describe)
builder.add_edge(START, "describe")
builder.add_edge("describe", END)
graph = builder.compile()
