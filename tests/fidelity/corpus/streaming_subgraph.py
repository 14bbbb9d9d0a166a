"""Custom stream data and a chat model's tokens, at the root and inside a subgraph: what
LangGraph's `custom` and `messages` streams carry with a namespace.

The model comes from the run's context (`chat_model`), as in `react_agent`.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.runtime import Runtime


@dataclass
class Context:
    chat_model: BaseChatModel


def announce(state: MessagesState) -> dict[str, object]:
    write = get_stream_writer()
    write({"stage": "announce", "messages": len(state["messages"])})
    write("plain progress")
    return {}


async def ask_model(state: MessagesState, runtime: Runtime[Context]) -> dict[str, object]:
    get_stream_writer()({"stage": "asking"})
    return {"messages": [await runtime.context.chat_model.ainvoke(state["messages"])]}


research = StateGraph(MessagesState, context_schema=Context)
research.add_node("ask_model", ask_model)
research.add_edge(START, "ask_model")
research.add_edge("ask_model", END)

builder = StateGraph(MessagesState, context_schema=Context)
builder.add_node("announce", announce)
builder.add_node("research", research.compile())
builder.add_edge(START, "announce")
builder.add_edge("announce", "research")
builder.add_edge("research", END)
graph = builder.compile()
