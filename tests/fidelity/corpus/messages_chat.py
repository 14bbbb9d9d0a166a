"""A chat graph on `MessagesState`: LangGraph turns role dicts, strings and tuples into messages."""

from __future__ import annotations

from langchain_core.messages import AIMessage
from langgraph.graph import END, START, MessagesState, StateGraph


def reply(state: MessagesState) -> dict[str, list[AIMessage]]:
    """Answer the last message, naming its type so the coercion is visible."""
    last = state["messages"][-1]
    text = f"{last.type} said: {last.content}"
    return {"messages": [AIMessage(content=text, name="echo")]}


builder = StateGraph(MessagesState)
builder.add_node("reply", reply)
builder.add_edge(START, "reply")
builder.add_edge("reply", END)
graph = builder.compile()
