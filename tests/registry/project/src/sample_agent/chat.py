"""A chat graph whose state is typed `list[AnyMessage]`, like react-agent's."""

from __future__ import annotations

from typing import Annotated

from langchain_core.messages import AIMessage, AnyMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


async def reply(state: State) -> dict[str, list[AIMessage]]:
    last = state["messages"][-1]
    return {
        "messages": [
            AIMessage(
                f"echo: {last.content}",
                tool_calls=[{"name": "lookup", "args": {"q": str(last.content)}, "id": "call-1"}],
            )
        ]
    }


builder = StateGraph(State)
builder.add_node("reply", reply)
builder.add_edge(START, "reply")
builder.add_edge("reply", END)
graph = builder.compile()
