"""Imported as a module (`sample_agent.greeter:graph`); greets with a variable from .env."""

from __future__ import annotations

import os

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from sample_agent.names import display


class State(TypedDict, total=False):
    name: str
    greeting: str


async def greet(state: State) -> dict[str, str]:
    greeting = os.environ.get("SAMPLE_AGENT_GREETING", "<unset>")
    return {"greeting": f"{greeting}, {display(state.get('name', 'world'))}"}


builder = StateGraph(State)
builder.add_node("greet", greet)
builder.add_edge(START, "greet")
builder.add_edge("greet", END)
graph = builder.compile()
