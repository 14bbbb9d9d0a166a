"""Long-term memory across threads, modelled on langchain-ai/memory-agent without the
model: a run stores what it is told under ("memories", user_id), then searches the
user's memories (semantically when the store has an index) and lists its namespaces."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore
from typing_extensions import TypedDict


@dataclass
class Context:
    user_id: str = "default"


class State(TypedDict, total=False):
    remember: str
    query: str
    recalled: list[str]
    namespaces: list[list[str]]


async def store_memory(state: State, runtime: Runtime[Context]) -> State:
    if state.get("remember"):
        assert runtime.store is not None, "this graph needs a store"
        namespace = ("memories", runtime.context.user_id)
        await runtime.store.aput(namespace, str(uuid.uuid4()), {"content": state["remember"]})
    return {}


async def recall(state: State, runtime: Runtime[Context], store: BaseStore) -> State:
    namespace = ("memories", runtime.context.user_id)
    found = await store.asearch(namespace, query=state.get("query") or None, limit=10)
    listed = await store.alist_namespaces(prefix=("memories",))
    return {
        "recalled": [item.value["content"] for item in found],
        "namespaces": [list(ns) for ns in listed],
    }


builder = StateGraph(State, context_schema=Context)
builder.add_node("store_memory", store_memory)
builder.add_node("recall", recall)
builder.add_edge(START, "store_memory")
builder.add_edge("store_memory", "recall")
builder.add_edge("recall", END)
graph = builder.compile()
