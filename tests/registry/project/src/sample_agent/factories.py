"""Graph factories of each kind LangGraph Server accepts; each records how it was called."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph_sdk.runtime import ServerRuntime
from typing_extensions import TypedDict

CALLS: list[str] = []


class State(TypedDict, total=False):
    built_by: str
    calls: int


def _graph(label: str) -> StateGraph:
    async def report(state: State) -> State:
        return {"built_by": label, "calls": len(CALLS)}

    builder = StateGraph(State)
    builder.add_node("report", report)
    builder.add_edge(START, "report")
    builder.add_edge("report", END)
    return builder


def make_plain() -> StateGraph:
    CALLS.append("plain")
    return _graph("plain")


def make_with_config(config: RunnableConfig) -> Any:
    CALLS.append("config")
    thread = config.get("configurable", {}).get("thread_id")
    return _graph(f"config thread={thread is not None}").compile()


async def make_with_runtime(runtime: ServerRuntime) -> StateGraph:
    CALLS.append(runtime.access_context)
    return _graph(f"runtime {runtime.access_context}")


@contextlib.asynccontextmanager
async def make_in_context(config: RunnableConfig, runtime: ServerRuntime) -> AsyncIterator[Any]:
    CALLS.append("context:open")
    yield _graph(f"context {runtime.access_context}").compile()
    CALLS.append("context:close")
