"""The kit for graph authors: run a graph in-process and see what a client would see.

`GraphHarness` compiles a graph with a fresh in-memory checkpointer and runs it the way
the host's runner does (`durability="sync"`, the same stream modes, the same
`StreamMapper` turning LangGraph stream parts into protocol `Event`s), so a test asserts
on exactly the events a WebSocket client receives::

    harness = GraphHarness(build_graph(), context=Context(model=fake_chat_model("Hi")))
    result = await harness.run({"topic": "links"})
    assert result.status == RunStatus.INTERRUPTED and result.question == "Which pages?"
    result = await harness.resume("all of them")
    assert result.output == {"summary": "..."}

`LiveHost` starts a real `genesis-mesh serve` (or `dev`) process on a loopback port; the
`live_host` fixture gives one per test. Load the fixtures with
`pytest_plugins = ["genesis_mesh.testing"]` in a `conftest.py`.

This module imports pytest: it belongs to tests (the `dev` extra), never to graphs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel
from langgraph.types import Durability

from genesis_mesh.protocol import Event, EventType, RunStatus
from genesis_mesh.registry import GraphEntry
from genesis_mesh.runner.events import (
    STREAM_MODES,
    EventDraft,
    StreamMapper,
    describe_error,
)
from genesis_mesh.runner.interrupts import (
    pending_interrupts,
    question_interrupt,
    resume_command,
)
from genesis_mesh.serialization import serialize

__all__ = ["GraphHarness", "LiveHost", "RunResult", "fake_chat_model", "free_port", "live_host"]


# ---- in-process runs ----------------------------------------------------------------


@dataclass
class RunResult:
    """What one `run()` or `resume()` call produced: its events and where the run stands.

    `events` are protocol `Event`s numbered like the host numbers them (`seq` continues
    across a resume of the same run); `output` is set when the run succeeded, `interrupt`
    when it waits (`{"reason": "question", "question": ..., "interrupt_id": ..., "node": ...,
    "namespace": [...], "interrupts": [...]}`),
    `error` (`{"type", "message"}`) when it failed.
    """

    run_id: str
    status: RunStatus
    events: list[Event]
    output: Any = None
    interrupt: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    @property
    def question(self) -> Any:
        """The value the graph passed to `interrupt(...)` (the first, when several nodes
        asked), or None."""
        return (self.interrupt or {}).get("question")

    @property
    def interrupts(self) -> list[dict[str, Any]]:
        """Every pending interrupt: `{"id", "value", "node", "namespace"}` each."""
        return list((self.interrupt or {}).get("interrupts", []))

    def types(self) -> list[str]:
        """The event types in order, e.g. `["run.started", "node.started", ...]`."""
        return [str(event.type) for event in self.events]

    def of(self, type: EventType | str, node: str | None = None) -> list[Event]:
        """The events of one type (and of one node, when given)."""
        return [e for e in self.events if e.type == type and (node is None or e.node == node)]

    def wire(self) -> list[dict[str, Any]]:
        """The events as the JSON objects a client receives."""
        return [event.wire() for event in self.events]


class GraphHarness:
    """Runs one graph on one thread in-process, with an `InMemorySaver`.

    `graph` is a `StateGraph` (compiled here) or a compiled graph (given the saver).
    `context` is the run's `context_schema` instance, or a dict built into it the way
    the host builds it; pass a fake chat model through it. Each `run()` starts a new run
    on the same thread; `resume()` answers the current run's question.
    """

    def __init__(
        self,
        graph: StateGraph[Any, Any, Any, Any] | Pregel[Any, Any, Any, Any],
        *,
        context: Any = None,
        name: str | None = None,
        thread_id: str | None = None,
        durability: Durability = "sync",
    ) -> None:
        self.checkpointer = InMemorySaver()
        if isinstance(graph, StateGraph):
            compiled: Pregel[Any, Any, Any, Any] = graph.compile(checkpointer=self.checkpointer)
        else:
            compiled = graph.copy(update={"checkpointer": self.checkpointer})
        self.graph = compiled
        self.entry = GraphEntry(name=name or compiled.name, spec="<harness>", graph=compiled)
        self.context = context
        self.thread_id = thread_id or str(uuid.uuid4())
        self.durability: Durability = durability
        self.run_id: str | None = None
        self.events: list[Event] = []
        self._interrupt: dict[str, Any] | None = None

    @property
    def config(self) -> RunnableConfig:
        """The LangGraph config of the current run (thread and run ids)."""
        return {
            "configurable": {"thread_id": self.thread_id, "run_id": self.run_id},
            "metadata": {"genesis_run_id": self.run_id},
            "recursion_limit": 200,
        }

    async def run(self, input: Any = None, *, context: Any = None) -> RunResult:
        """Start a run with `input` (checked like the host does: any JSON value the graph
        takes; None means `{}`) and run it to its end or its first interrupt. `context`
        replaces the harness's context for this run."""
        data = self.entry.validate_input({} if input is None else input)
        self.run_id = str(uuid.uuid4())
        self.events = []
        if context is not None:
            self.context = context
        opening = EventDraft(
            EventType.RUN_STARTED,
            None,
            {
                "graph": self.entry.name,
                "thread_id": self.thread_id,
                "input": data,
                "client_ref": None,
            },
        )
        return await self._execute(data, opening)

    async def resume(self, value: Any = None, *, goto: Any = None, update: Any = None) -> RunResult:
        """Continue the interrupted run: `value` answers its question (`interrupt(...)`
        returns it inside the node); with several interrupts pending, a map
        `{interrupt id: answer}` (`RunResult.interrupts` lists them). `goto` and `update`
        are LangGraph's `Command(goto=..., update=...)`. A resume the host would refuse
        raises its error (`AnswerRequired`, `AnswersByIdRequired`, `UnknownInterrupt`)."""
        if self.run_id is None or self._interrupt is None:
            raise RuntimeError("resume() needs a run that is waiting: call run() first")
        payload = resume_command(self.run_id, self._interrupt, value, goto, update)
        data = {"value": serialize(value)}
        data.update({k: v for k, v in (("goto", goto), ("update", update)) if v is not None})
        opening = EventDraft(EventType.RUN_RESUMED, None, data)
        return await self._execute(payload, opening)

    async def state(self) -> Any:
        """The thread's current LangGraph `StateSnapshot`."""
        return await self.graph.aget_state(self.config)

    async def _execute(self, payload: Any, opening: EventDraft) -> RunResult:
        assert self.run_id is not None
        self._interrupt = None
        start = len(self.events)
        self._append(opening)
        mapper = StreamMapper()
        try:
            async for part in self.graph.astream(
                payload,
                self.config,
                context=self._run_context(),
                stream_mode=STREAM_MODES,
                subgraphs=True,
                durability=self.durability,
            ):
                for draft in mapper.map(cast(tuple[Any, ...], part)):
                    self._emit(draft, mapper)
        except Exception as exc:
            node = mapper.failure_node()
            if node is not None:
                self._append(
                    EventDraft(EventType.NODE_FAILED, node, {"error": describe_error(exc)})
                )
            error = describe_error(exc)
            self._append(EventDraft(EventType.RUN_FAILED, None, {"error": error}))
            return self._result(start, RunStatus.FAILED, error=error)
        for draft in mapper.release():
            self._emit(draft, mapper)
        return await self._settle(start)

    async def _settle(self, start: int) -> RunResult:
        state = await self.graph.aget_state(self.config)
        if state.interrupts:
            self._interrupt = question_interrupt(await pending_interrupts(self.graph, self.config))
            data = {k: v for k, v in self._interrupt.items() if k != "node"}
            self._append(EventDraft(EventType.RUN_INTERRUPTED, self._interrupt["node"], data))
            return self._result(start, RunStatus.INTERRUPTED, interrupt=self._interrupt)
        if state.next:
            self._interrupt = {"reason": "breakpoint", "next": list(state.next)}
            self._append(EventDraft(EventType.RUN_INTERRUPTED, None, dict(self._interrupt)))
            return self._result(start, RunStatus.INTERRUPTED, interrupt=self._interrupt)
        output = self.entry.output_of(serialize(state.values))
        self._append(EventDraft(EventType.RUN_COMPLETED, None, {"output": output}))
        return self._result(start, RunStatus.SUCCEEDED, output=output)

    def _emit(self, draft: EventDraft, mapper: StreamMapper) -> None:
        if draft.type == EventType.NODE_FAILED:
            mapper.running.clear()
        self._append(draft)

    def _append(self, draft: EventDraft) -> None:
        assert self.run_id is not None
        seq = self.events[-1].seq + 1 if self.events else 1
        self.events.append(
            Event(
                run_id=self.run_id,
                seq=seq,
                ts=datetime.now(UTC),
                type=draft.type,
                node=draft.node,
                data=draft.data,
            )
        )

    def _result(self, start: int, status: RunStatus, **values: Any) -> RunResult:
        assert self.run_id is not None
        return RunResult(self.run_id, status, self.events[start:], **values)

    def _run_context(self) -> Any:
        """The host's rule: a dict (or nothing) becomes the `context_schema` instance."""
        schema = getattr(self.graph, "context_schema", None)
        if self.context is not None and not isinstance(self.context, dict):
            return self.context
        values = dict(self.context or {})
        if schema is None:
            return values or None
        try:
            return schema(**values)
        except TypeError:
            return values


def fake_chat_model(*replies: str | AIMessage) -> GenericFakeChatModel:
    """A chat model that answers with `replies` in order, streaming them word by word
    (so a graph's `message.delta` events can be tested without a network)."""
    messages = [r if isinstance(r, AIMessage) else AIMessage(content=r) for r in replies]
    return GenericFakeChatModel(messages=iter(messages))


# ---- a real host --------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveHost:
    """A `genesis-mesh serve` (or `dev`) process on 127.0.0.1, restartable on the same
    port and data folder. Its log is `workdir/server.log`; its environment is the
    test's, minus `GENESIS_MESH_*`/`OPENAI_*`, plus `env`."""

    workdir: Path
    config: Path = Path("langgraph.json")
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    command: str = "serve"
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def start(self, timeout: float = 120.0) -> LiveHost:
        """Spawn the process and wait until `/ready` answers 200 (importing LangGraph and
        LangChain alone takes tens of seconds on a busy two-core machine)."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("GENESIS_MESH_", "OPENAI_"))
        }
        env.update({"GENESIS_MESH_DATA_DIR": str(self.workdir / "data"), **self.env})
        with self.log_path.open("ab") as log:
            self.process = self._spawn(env, log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"host exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/ready", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()  # a host that never got ready must not outlive the test that wanted it
        raise RuntimeError(f"host not ready in {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def _spawn(self, env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
        args = [sys.executable, "-m", "genesis_mesh", self.command]
        args += ["--config", str(Path(self.config).resolve()), "--port", str(self.port)]
        return subprocess.Popen(
            args, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> int | None:
        """SIGTERM: a graceful shutdown; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(10)

    def client(self) -> httpx.Client:
        """An HTTP client on the host's base URL."""
        return httpx.Client(base_url=self.base_url, timeout=30.0)

    def wait_for_status(
        self, run_id: str, statuses: set[str], timeout: float = 30.0
    ) -> dict[str, Any]:
        """Poll `GET /api/v1/runs/{run_id}` until its status is one of `statuses`."""
        deadline = time.monotonic() + timeout
        run: dict[str, Any] = {}
        with self.client() as client:
            while time.monotonic() < deadline:
                run = client.get(f"/api/v1/runs/{run_id}").json()
                if run.get("status") in statuses:
                    return run
                time.sleep(0.05)
        raise AssertionError(f"run {run_id} did not reach {statuses}: {str(run)[:500]}")


@pytest.fixture
def live_host(tmp_path: Path) -> Iterator[LiveHost]:
    """A host of this test alone, on ./langgraph.json, not started: set `config`, `env`
    or `command`, then call `start()`. Stopped at the end of the test."""
    live = LiveHost(tmp_path)
    yield live
    live.stop()
