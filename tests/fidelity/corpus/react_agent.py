"""A hand-written ReAct loop: the model asks for a tool, `ToolNode` runs it, the model answers.

The model comes from the run's context (`chat_model`), as react-agent's template loads it
from its `Context`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from langgraph.runtime import Runtime


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"It is sunny in {city}."


TOOLS = [get_weather]


@dataclass
class Context:
    chat_model: BaseChatModel


async def call_model(state: MessagesState, runtime: Runtime[Context]) -> dict[str, object]:
    model = runtime.context.chat_model.bind_tools(TOOLS)
    return {"messages": [await model.ainvoke(state["messages"])]}


def route(state: MessagesState) -> Literal["tools", "__end__"]:
    last = state["messages"][-1]
    if isinstance(last, AIMessage) and last.tool_calls:
        return "tools"
    return END


builder = StateGraph(MessagesState, context_schema=Context)
builder.add_node("call_model", call_model)
builder.add_node("tools", ToolNode(TOOLS))
builder.add_edge(START, "call_model")
builder.add_conditional_edges("call_model", route)
builder.add_edge("tools", "call_model")
graph = builder.compile()
