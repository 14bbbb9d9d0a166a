"""State typed `list[AnyMessage]` with `add_messages`, as react-agent and `create_agent` have it."""

from __future__ import annotations

from typing import Annotated

from langchain_core.messages import AIMessage, AnyMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    turns: int


def count(state: State) -> dict[str, object]:
    kinds = ", ".join(m.type for m in state["messages"])
    return {
        "messages": [AIMessage(content=f"seen: {kinds}")],
        "turns": state.get("turns", 0) + 1,
    }


builder = StateGraph(State)
builder.add_node("count", count)
builder.add_edge(START, "count")
builder.add_edge("count", END)
graph = builder.compile()
