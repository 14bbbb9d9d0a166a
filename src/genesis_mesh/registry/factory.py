"""Graph factories, called as LangGraph Server calls them.

A langgraph.json entry may name a function instead of a graph. It may take nothing, a
`config: RunnableConfig`, a `runtime: ServerRuntime` (langgraph-sdk), or both, chosen by
the parameters' annotations (an unannotated parameter named `runtime` is the runtime; any
other lone parameter is the config, as before `ServerRuntime` existed). It may be sync or
async, and may return a graph or be a (sync or async) context manager that yields one;
a `StateGraph` is compiled. The server calls it per run (`threads.create_run`, with the
run's context) and for reads (`assistants.read`); so does the host.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import typing
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import ensure_config
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel
from langgraph.store.base import BaseStore
from langgraph_sdk.runtime import _ExecutionRuntime, _ReadRuntime

__all__ = ["GraphFactory", "HostUser", "compile_graph"]

Param = Literal["config", "runtime"]
AccessContext = Literal["threads.create_run", "threads.update", "threads.read", "assistants.read"]


@dataclass(frozen=True)
class HostUser:
    """The run's owner in the shape of langgraph-sdk's `BaseUser`."""

    identity: str
    display_name: str = ""
    is_authenticated: bool = True
    permissions: Sequence[str] = field(default_factory=tuple)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in ("identity", "display_name", "is_authenticated", "permissions")


def compile_graph(
    obj: Any, checkpointer: BaseCheckpointSaver[Any] | None, store: BaseStore | None = None
) -> Pregel[Any, Any, Any, Any]:
    """A compiled graph on `checkpointer` and `store` from a StateGraph or a compiled graph."""
    if isinstance(obj, StateGraph):
        return obj.compile(checkpointer=checkpointer, store=store)
    if isinstance(obj, Pregel):
        return obj.copy(update={"checkpointer": checkpointer, "store": store})
    raise TypeError(
        f"expected a StateGraph, a compiled graph or a factory of one, got {type(obj).__name__}"
    )


class GraphFactory:
    """A function that builds the graph; `params` are what it asks for, in order."""

    def __init__(self, function: Callable[..., Any], where: str) -> None:
        self.function = function
        self.params = _params_of(function, where)

    @contextlib.asynccontextmanager
    async def open(
        self,
        checkpointer: BaseCheckpointSaver[Any] | None,
        store: BaseStore | None = None,
        *,
        access: AccessContext = "threads.create_run",
        config: RunnableConfig | None = None,
        context: Any = None,
        user: HostUser | None = None,
    ) -> AsyncIterator[Pregel[Any, Any, Any, Any]]:
        """The graph for one use, compiled on `checkpointer` and `store` (also the
        runtime's store); a context-manager factory's clean-up runs when the block ends."""
        runtime: Any
        person: Any = user
        shared: Any = store
        if access == "threads.create_run":
            runtime = _ExecutionRuntime(
                access_context=access, user=person, store=shared, context=context
            )
        else:
            runtime = _ReadRuntime(access_context=access, user=person, store=shared)
        arguments = {"config": ensure_config(config), "runtime": runtime}
        made = self.function(*(arguments[p] for p in self.params))
        async with _graph_of(made) as graph:
            yield compile_graph(graph, checkpointer, store)

    def build_for_reading(
        self, checkpointer: BaseCheckpointSaver[Any] | None, store: BaseStore | None = None
    ) -> Pregel[Any, Any, Any, Any]:
        """The graph as `assistants.read` sees it, for schemas, drawing and input checks
        (called once at load time; an async factory runs on a loop of its own)."""

        async def build() -> Pregel[Any, Any, Any, Any]:
            async with self.open(checkpointer, store, access="assistants.read") as graph:
                return graph

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(build())
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, build()).result()


@contextlib.asynccontextmanager
async def _graph_of(made: Any) -> AsyncIterator[Any]:
    if inspect.isawaitable(made):
        made = await made
    if hasattr(made, "__aenter__") and hasattr(made, "__aexit__"):
        async with made as graph:
            yield graph
    elif hasattr(made, "__enter__") and hasattr(made, "__exit__"):
        with made as graph:
            yield graph
    else:
        yield made


def _params_of(function: Callable[..., Any], where: str) -> list[Param]:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where}: cannot read the factory's signature: {exc}") from None
    try:
        hints = typing.get_type_hints(function)
    except Exception:
        hints = {}
    params: list[Param] = []
    required = [
        p
        for p in signature.parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.default is p.empty
    ]
    for parameter in required:
        kind = _kind(parameter, hints.get(parameter.name, parameter.annotation), len(required))
        if kind is None or kind in params:
            raise TypeError(
                f"{where}: factory parameter {parameter.name!r} is neither a "
                "`config: RunnableConfig` nor a `runtime: ServerRuntime`; a graph factory "
                "takes nothing, a config, a runtime, or both"
            )
        params.append(kind)
    return params


def _kind(parameter: inspect.Parameter, annotation: Any, count: int) -> Param | None:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    if annotation is RunnableConfig or "RunnableConfig" in text:
        return "config"
    if "ServerRuntime" in text or "_ExecutionRuntime" in text or "_ReadRuntime" in text:
        return "runtime"
    if annotation is not inspect.Parameter.empty:
        return None
    if parameter.name == "runtime":
        return "runtime"
    if parameter.name == "config" or count == 1:
        return "config"
    return None
