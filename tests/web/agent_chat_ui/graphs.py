"""The agent Agent Chat UI talks to: LangGraph's ReAct loop with a human review of each tool
call. The model (from the run's context) asks for `page_count`; `review` interrupts with
an Agent Inbox `HumanInterrupt`, which the UI renders with Accept / Respond controls and
answers with a list of `HumanResponse`s; an accepted call runs, then the model answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt


@tool
def page_count(site: str) -> str:
    """How many pages a site has."""
    return f"{site} has 42 pages"


TOOLS = [page_count]


@dataclass(kw_only=True)
class Context:
    chat_model: BaseChatModel


async def agent(state: MessagesState, runtime: Runtime[Context]) -> dict[str, Any]:
    model = runtime.context.chat_model.bind_tools(TOOLS)
    return {"messages": [await model.ainvoke(state["messages"])]}


def route(state: MessagesState) -> Literal["review", "__end__"]:
    last = state["messages"][-1]
    return "review" if isinstance(last, AIMessage) and last.tool_calls else END


def review(state: MessagesState) -> Command[Literal["tools", "agent"]]:
    call = state["messages"][-1].tool_calls[0]  # type: ignore[attr-defined]
    request = {
        "action_request": {"action": call["name"], "args": call["args"]},
        "config": {
            "allow_accept": True,
            "allow_edit": False,
            "allow_respond": True,
            "allow_ignore": False,
        },
        "description": f"The agent wants to run {call['name']}.",
    }
    answer = interrupt([request])[0]
    if answer["type"] == "accept":
        return Command(goto="tools")
    refusal = ToolMessage(content=f"Not run: {answer['args']}", tool_call_id=call["id"])
    return Command(goto="agent", update={"messages": [refusal]})


builder = StateGraph(MessagesState, context_schema=Context)
builder.add_node("agent", agent)
builder.add_node("review", review)
builder.add_node("tools", ToolNode(TOOLS))
builder.add_edge(START, "agent")
builder.add_conditional_edges("agent", route)
builder.add_edge("tools", "agent")
graph = builder.compile()
