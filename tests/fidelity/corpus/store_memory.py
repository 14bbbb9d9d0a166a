"""Long-term memory in the LangGraph store: put, search and namespaces, shared across threads.

Modelled on memory-agent: memories live under `("memories", user_id)`, a profile under
`("profile", user_id)`; any thread of the same user sees them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from typing_extensions import TypedDict


@dataclass
class Context:
    user_id: str = "nobody"


class State(TypedDict, total=False):
    remember: str
    recalled: list[str]
    namespaces: list[list[str]]
    visits: int


async def save(state: State, runtime: Runtime[Context]) -> dict[str, object]:
    store = runtime.store
    assert store is not None, "this graph needs a store"
    user = runtime.context.user_id
    profile = await store.aget(("profile", user), "visits")
    visits = (profile.value["count"] if profile else 0) + 1
    await store.aput(("profile", user), "visits", {"count": visits})
    if state.get("remember"):
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, state["remember"]))
        await store.aput(("memories", user), key, {"text": state["remember"]})
    return {"visits": visits}


async def recall(state: State, runtime: Runtime[Context]) -> dict[str, object]:
    store = runtime.store
    assert store is not None, "this graph needs a store"
    user = runtime.context.user_id
    found = await store.asearch(("memories", user), limit=50)
    namespaces = await store.alist_namespaces(suffix=(user,))
    return {
        "recalled": sorted(item.value["text"] for item in found),
        "namespaces": sorted(list(ns) for ns in namespaces),
    }


builder = StateGraph(State, context_schema=Context)
builder.add_node("save", save)
builder.add_node("recall", recall)
builder.add_edge(START, "save")
builder.add_edge("save", "recall")
builder.add_edge("recall", END)
graph = builder.compile()
