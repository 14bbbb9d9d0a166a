"""Per-run settings through `context_schema`: each run says who the user is and how to greet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NotRequired

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from typing_extensions import TypedDict


@dataclass
class Context:
    user_name: str = "stranger"
    shout: bool = False
    repeat: int = 1


class State(TypedDict):
    greeting: NotRequired[str]


def greet(state: State, runtime: Runtime[Context]) -> dict[str, str]:
    context = runtime.context
    text = f"hello {context.user_name}"
    if context.shout:
        text = text.upper()
    return {"greeting": " ".join([text] * context.repeat)}


builder = StateGraph(State, context_schema=Context)
builder.add_node("greet", greet)
builder.add_edge(START, "greet")
builder.add_edge("greet", END)
graph = builder.compile()
