"""Narrower input and output schemas than the state: private keys never leave the graph."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


class InputState(TypedDict):
    text: str


class OutputState(TypedDict):
    words: int
    title: str


class State(InputState, OutputState):
    scratch: list[str]


def split(state: InputState) -> dict[str, object]:
    return {"scratch": state["text"].split()}


def summarise(state: State) -> dict[str, object]:
    return {"words": len(state["scratch"]), "title": " ".join(state["scratch"][:2]).title()}


builder = StateGraph(State, input_schema=InputState, output_schema=OutputState)
builder.add_node("split", split)
builder.add_node("summarise", summarise)
builder.add_edge(START, "split")
builder.add_edge("split", "summarise")
builder.add_edge("summarise", END)
graph = builder.compile()
