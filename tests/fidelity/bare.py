"""Plays a scenario on bare LangGraph in this process: the reference every transport must match.

The graph runs as LangGraph Server runs it: compiled with an `InMemorySaver` and an
`InMemoryStore`, `durability="sync"`, the run's `context` and `config`, a factory called
per run with what its signature asks for (nothing, `config`, or a `ServerRuntime`).
"""

from __future__ import annotations

import importlib
import inspect
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command, Interrupt
from langgraph_sdk.runtime import _ExecutionRuntime
from pydantic import ValidationError

from tests.fidelity.scenario import Answer, Observed, Scenario, Turn, substitute
from tests.fidelity.serialization import server_json

HERE = Path(__file__).parent
CONFIG = HERE / "langgraph.json"
CORPUS_PACKAGE = "tests.fidelity.corpus"
INTERRUPT = "__interrupt__"  # the key LangGraph streams a pause under (no public constant)
METADATA = "__metadata__"  # beside a replayed update: `{"cached": True}`


def graph_specs() -> dict[str, str]:
    """The corpus's `graphs` mapping from its langgraph.json."""
    return dict(json.loads(CONFIG.read_text())["graphs"])


def env_of_config() -> dict[str, str]:
    """The variables the `env` file of the corpus's langgraph.json sets."""
    env_file = json.loads(CONFIG.read_text())["env"]
    pairs = (line.split("=", 1) for line in (HERE / env_file).read_text().splitlines() if line)
    return {key.strip(): value.strip() for key, value in pairs}


def load_target(graph: str) -> Any:
    """The object langgraph.json names for `graph`: a graph, or a factory."""
    path, _, attr = graph_specs()[graph].rpartition(":")
    module = Path(path).with_suffix("").name
    return getattr(importlib.import_module(f"{CORPUS_PACKAGE}.{module}"), attr)


class BarePlayer:
    """Runs the turns of one scenario against one saver and one store."""

    run_class: Callable[[], AstreamRun]
    """How one run segment is played and observed (`AstreamRun`: `astream`)."""

    def __init__(self, scenario: Scenario, token: str, model_context: dict[str, Any]) -> None:
        self.run_class = AstreamRun
        self.scenario = scenario
        self.token = token
        self.model_context = model_context
        self.saver = InMemorySaver()
        self.store = InMemoryStore()
        self.threads: dict[str, str] = {}

    async def play(self) -> Observed:
        observed = Observed()
        for turn in self.scenario.turns:
            observed.turns.append(await self._turn(turn, observed))
        for label, thread_id in self.threads.items():
            graph = await self._graph(self._config(thread_id, None), None)
            try:
                snapshot = await graph.aget_state(self._config(thread_id, None))
            except Exception as exc:  # an input LangGraph refused can leave it unreadable
                observed.states[label] = {"unreadable": type(exc).__name__}
                continue
            observed.states[label] = server_json(snapshot.values)
        return observed

    async def _turn(self, turn: Turn, observed: Observed) -> dict[str, Any]:
        thread_id = self.threads.setdefault(turn.thread, str(uuid.uuid4()))
        config = self._config(thread_id, turn.config)
        context = substitute(turn.context, self.token) if turn.context is not None else None
        if self.scenario.uses_model:
            context = {**(context or {}), **self.model_context}
        graph = await self._graph(config, context)
        payload: Any = substitute(turn.input, self.token)
        answers = list(turn.answers)
        pauses: list[list[Any]] = []
        segments: list[list[str]] = []
        observed.nodes.append(segments)
        while True:
            run = self.run_class()
            segments.append(run.nodes)
            try:
                output = await run.play(graph, payload, config, context)
            except Exception as exc:
                return {
                    "interrupts": pauses,
                    "end": "failed" if run.started else "rejected",
                    "error": type(exc).__name__,
                    "message": reason_of(exc),
                }
            pending = (await graph.aget_state(config)).interrupts
            if not pending:
                observed.streamed_outputs.append(server_json(run.streamed))
                return {"interrupts": pauses, "end": "succeeded", "output": server_json(output)}
            pauses.append(sorted_values(i.value for i in pending))
            if not answers:
                return {"interrupts": pauses, "end": "interrupted"}
            payload = Command(resume=resume_value(answers.pop(0), pending))

    def _config(self, thread_id: str, extra: dict[str, Any] | None) -> RunnableConfig:
        extra = dict(extra or {})
        configurable = {**(extra.pop("configurable", None) or {}), "thread_id": thread_id}
        return {**extra, "configurable": configurable}  # type: ignore[typeddict-item]

    async def _graph(self, config: RunnableConfig, context: Any) -> Pregel[Any, Any, Any, Any]:
        target = load_target(self.scenario.graph)
        if not isinstance(target, StateGraph | Pregel):
            target = await call_factory(target, config, context, self.store)
        if isinstance(target, StateGraph):
            return target.compile(checkpointer=self.saver, store=self.store)
        return target.copy(update={"checkpointer": self.saver, "store": self.store})


class AstreamRun:
    """One `astream` call: its output as `invoke` returns it (the last values, the output
    keys only), the last values it streamed (the whole state: what LangGraph's v3 stream
    gives as its `output`), whether any node started (if not, LangGraph refused the
    input), and the nodes that completed, subgraphs' included, in the order streamed."""

    def __init__(self) -> None:
        self.started = False
        self.nodes: list[str] = []
        self.streamed: Any = None

    async def play(self, graph: Any, payload: Any, config: RunnableConfig, context: Any) -> Any:
        output = None
        async for namespace, mode, chunk in graph.astream(
            payload,
            config,
            context=context,
            stream_mode=["values", "tasks", "updates"],
            subgraphs=True,
            durability="sync",
        ):
            if mode == "tasks":
                self.started = True
            elif mode == "updates":
                if (chunk.get(METADATA) or {}).get("cached"):
                    continue  # a write kept from an earlier segment's step, replayed
                nodes = (node for node in chunk if node != INTERRUPT)
                self.nodes.extend(node_path(namespace, node) for node in nodes)
            elif namespace:
                continue
            elif not (isinstance(chunk, dict) and INTERRUPT in chunk):
                output = self.streamed = chunk
        keys = graph.output_channels
        if isinstance(output, dict) and isinstance(keys, list):
            return {key: value for key, value in output.items() if key in keys}
        return output


def node_path(namespace: Any, node: str) -> str:
    """`node` after the names of the subgraphs it ran in, without their task ids."""
    return "/".join([*(str(part).split(":")[0] for part in namespace or ()), node])


async def call_factory(factory: Any, config: RunnableConfig, context: Any, store: Any) -> Any:
    """Calls a graph factory the way LangGraph Server does, by its parameter's name."""
    params = list(inspect.signature(factory).parameters)
    if not params:
        made = factory()
    elif params[0] == "runtime":
        runtime = _ExecutionRuntime(
            access_context="threads.create_run", store=store, context=context
        )
        made = factory(runtime)
    else:
        made = factory(config)
    return await made if inspect.isawaitable(made) else made


def reason_of(exc: Exception) -> str:
    """LangGraph's reason in a line: a validation error's first message, else the first
    line of the exception (without LangChain's troubleshooting link)."""
    if isinstance(exc, ValidationError) and exc.errors():
        return str(exc.errors()[0]["msg"])
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def sorted_values(values: Any) -> list[Any]:
    """Interrupt values as JSON, in a stable order (transports may list them differently)."""
    return sorted((server_json(v) for v in values), key=lambda v: json.dumps(v, sort_keys=True))


def resume_value(answer: Answer, pending: Any) -> Any:
    """The value LangGraph resumes with: the answer, or `{interrupt_id: answer}`."""
    if answer.by_question is None:
        return answer.value
    return {i.id: answer.by_question[question_of(i)] for i in pending}


def question_of(interrupt: Interrupt | dict[str, Any]) -> str:
    value = interrupt.value if isinstance(interrupt, Interrupt) else interrupt.get("value")
    return str(value.get("question") if isinstance(value, dict) else value)
