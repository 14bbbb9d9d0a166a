"""An `interrupt()` inside a subgraph's node; the answer flows back to the parent."""

from __future__ import annotations

from typing import NotRequired

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt
from typing_extensions import TypedDict


class State(TypedDict):
    order: str
    size: NotRequired[str]
    receipt: NotRequired[str]


def choose_size(state: State) -> dict[str, str]:
    size = interrupt({"question": f"Which size for {state['order']}?", "choices": ["S", "L"]})
    return {"size": str(size)}


child_builder = StateGraph(State)
child_builder.add_node("choose_size", choose_size)
child_builder.add_edge(START, "choose_size")
child_builder.add_edge("choose_size", END)
child = child_builder.compile()


def receipt(state: State) -> dict[str, str]:
    return {"receipt": f"one {state['size']} {state['order']}"}


builder = StateGraph(State)
builder.add_node("sizing", child)
builder.add_node("receipt", receipt)
builder.add_edge(START, "sizing")
builder.add_edge("sizing", "receipt")
builder.add_edge("receipt", END)
graph = builder.compile()
