"""A graph configured by the environment that `langgraph.json`'s `env` sets."""

from __future__ import annotations

import os
from typing import NotRequired

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


class State(TypedDict):
    name: str
    greeting: NotRequired[str]


def greet(state: State) -> dict[str, str]:
    salutation = os.environ.get("FIDELITY_SALUTATION", "(no FIDELITY_SALUTATION set)")
    return {"greeting": f"{salutation}, {state['name']}"}


builder = StateGraph(State)
builder.add_node("greet", greet)
builder.add_edge(START, "greet")
builder.add_edge("greet", END)
graph = builder.compile()
