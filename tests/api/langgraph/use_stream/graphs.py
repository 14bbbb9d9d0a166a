"""The graphs the useStream page talks to: a chat on the context's model, and one that
asks a human before answering (both on `MessagesState`, as Agent Chat UI expects)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt


@dataclass(kw_only=True)
class Context:
    chat_model: BaseChatModel


async def answer(state: MessagesState, runtime: Runtime[Context]) -> dict[str, Any]:
    return {"messages": [await runtime.context.chat_model.ainvoke(state["messages"])]}


def confirm(state: MessagesState) -> dict[str, Any]:
    verdict = interrupt({"question": "Send this answer?", "draft": state["messages"][-1].text})
    return {"messages": [AIMessage(content=f"You said {verdict}.")]}


chat_builder = StateGraph(MessagesState, context_schema=Context)
chat_builder.add_node("answer", answer)
chat_builder.add_edge(START, "answer")
chat_builder.add_edge("answer", END)
chat = chat_builder.compile()

approve_builder = StateGraph(MessagesState)
approve_builder.add_node("confirm", confirm)
approve_builder.add_edge(START, "confirm")
approve_builder.add_edge("confirm", END)
approve = approve_builder.compile()
