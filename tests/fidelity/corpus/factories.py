"""Graph factories of every kind LangGraph Server calls per run: no argument, `config`, or
`runtime` (`ServerRuntime`), each sync and async. The graph they build says who built it
and with which setting, so a test sees that the factory ran for this run."""

from __future__ import annotations

from typing import Any, NotRequired

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph_sdk.runtime import ServerRuntime
from typing_extensions import TypedDict


class State(TypedDict):
    name: str
    built_by: NotRequired[str]


def build(maker: str, setting: Any) -> CompiledStateGraph[Any, Any, Any, Any]:
    def stamp(state: State) -> dict[str, str]:
        return {"built_by": f"{maker} ({setting}) for {state['name']}"}

    builder = StateGraph(State)
    builder.add_node("stamp", stamp)
    builder.add_edge(START, "stamp")
    builder.add_edge("stamp", END)
    return builder.compile()


def _configured(config: RunnableConfig) -> Any:
    return (config.get("configurable") or {}).get("flavour", "plain")


def _from_runtime(runtime: ServerRuntime) -> Any:
    execution = runtime.execution_runtime
    context = execution.context if execution is not None else None
    if isinstance(context, dict):
        return context.get("flavour", "plain")
    return getattr(context, "flavour", "plain")


def plain() -> CompiledStateGraph[Any, Any, Any, Any]:
    return build("plain", "-")


def with_config(config: RunnableConfig) -> CompiledStateGraph[Any, Any, Any, Any]:
    return build("with_config", _configured(config))


def with_runtime(runtime: ServerRuntime) -> CompiledStateGraph[Any, Any, Any, Any]:
    return build("with_runtime", _from_runtime(runtime))


async def async_plain() -> CompiledStateGraph[Any, Any, Any, Any]:
    return build("async_plain", "-")


async def async_with_config(config: RunnableConfig) -> CompiledStateGraph[Any, Any, Any, Any]:
    return build("async_with_config", _configured(config))


async def async_with_runtime(runtime: ServerRuntime) -> CompiledStateGraph[Any, Any, Any, Any]:
    return build("async_with_runtime", _from_runtime(runtime))
