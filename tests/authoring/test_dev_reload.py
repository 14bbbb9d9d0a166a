"""`genesis-mesh dev` reloads graphs in-process: the next run gets the saved code, a run
in flight finishes on the code it started with, a broken module is shown, not fatal."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveHost

pytestmark = pytest.mark.slow

GRAPH = '''"""Slow graph {version}."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from graphs.slow.nodes import VERSION, State, finish, wait

DESCRIPTION = f"slow graph {{VERSION}}"


def build_graph() -> StateGraph:
    builder = StateGraph(State)
    builder.add_node("wait", wait)
    builder.add_node("finish", finish)
    builder.add_edge(START, "wait")
    builder.add_edge("wait", "finish")
    builder.add_edge("finish", END)
    return builder


graph = build_graph()
'''

NODES = """from __future__ import annotations

import asyncio
from pathlib import Path

from typing_extensions import TypedDict

VERSION = "{version}"


class State(TypedDict, total=False):
    gate: str
    version: str


async def wait(state: State) -> dict[str, str]:
    while state.get("gate") and not Path(state["gate"]).exists():
        await asyncio.sleep(0.02)
    return {{}}


async def finish(state: State) -> dict[str, str]:
    return {{"version": VERSION}}
"""

OTHER = '''"""Another graph that keeps serving."""
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


class State(TypedDict, total=False):
    n: int


async def one(state: State) -> dict[str, int]:
    return {"n": 1}


builder = StateGraph(State)
builder.add_node("one", one)
builder.add_edge(START, "one")
builder.add_edge("one", END)
graph = builder
'''


def _write_nodes(project: Path, version: str) -> None:
    (project / "graphs" / "slow" / "nodes.py").write_text(NODES.format(version=version))


@pytest.fixture
def dev_host(tmp_path: Path) -> Iterator[LiveHost]:
    project = tmp_path / "project"
    (project / "graphs" / "slow").mkdir(parents=True)
    (project / "graphs" / "__init__.py").write_text("")
    (project / "graphs" / "slow" / "__init__.py").write_text("")
    (project / "graphs" / "slow" / "graph.py").write_text(GRAPH.format(version="v1"))
    (project / "graphs" / "other.py").write_text(OTHER)
    _write_nodes(project, "v1")
    (project / "langgraph.json").write_text(
        '{"dependencies": ["."], "graphs": {"slow": "./graphs/slow/graph.py:graph", '
        '"other": "./graphs/other.py:graph"}}'
    )
    live = LiveHost(tmp_path, config=project / "langgraph.json", command="dev").start()
    yield live
    live.stop()


def _eventually(check: Callable[[], Any], touch: Callable[[], None], timeout: float = 15.0) -> Any:
    """Poll `check` until truthy; `touch` re-saves the file now and then (a watcher that
    was still starting may have missed the first save)."""
    deadline = time.monotonic() + timeout
    next_touch = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if time.monotonic() > next_touch:
            touch()
            next_touch = time.monotonic() + 2.0
        time.sleep(0.05)
    raise AssertionError("the dev host did not reload in time")


def _graphs(live: LiveHost) -> dict[str, dict[str, Any]]:
    with live.client() as client:
        return {g["name"]: g for g in client.get("/api/v1/graphs").json()}


def _start(live: LiveHost, input: dict[str, Any]) -> str:
    with live.client() as client:
        response = client.post("/api/v1/runs", json={"graph": "slow", "input": input})
        assert response.status_code == 202, response.text
        return str(response.json()["run_id"])


def _node_started(live: LiveHost, run_id: str, node: str) -> bool:
    with live.client() as client:
        events = client.get(f"/api/v1/runs/{run_id}/events").json()
    items = events["events"] if isinstance(events, dict) else events
    return any(e["type"] == "node.started" and e["node"] == node for e in items)


def test_saved_code_serves_the_next_run_while_the_run_in_flight_keeps_its_code(
    dev_host: LiveHost, tmp_path: Path
) -> None:
    project = dev_host.config.parent
    gate = tmp_path / "gate"
    in_flight = _start(dev_host, {"gate": str(gate)})
    _eventually(lambda: _node_started(dev_host, in_flight, "wait"), lambda: None)

    _write_nodes(project, "v2")
    _eventually(
        lambda: _graphs(dev_host)["slow"]["description"] == "slow graph v2",
        lambda: _write_nodes(project, "v2"),
    )
    gate.touch()

    old = dev_host.wait_for_status(in_flight, {"succeeded", "failed"})
    new = dev_host.wait_for_status(_start(dev_host, {}), {"succeeded", "failed"})
    assert old["status"] == "succeeded" and old["output"]["version"] == "v1"
    assert new["status"] == "succeeded" and new["output"]["version"] == "v2"


def test_a_syntax_error_makes_one_graph_unavailable_and_the_fix_brings_it_back(
    dev_host: LiveHost,
) -> None:
    nodes = dev_host.config.parent / "graphs" / "slow" / "nodes.py"
    broken = NODES.format(version="v3").replace("async def finish(", "async def finish((")
    nodes.write_text(broken)

    listed = _eventually(
        lambda: (g := _graphs(dev_host)) and not g["slow"]["available"] and g,
        lambda: nodes.write_text(broken),
    )
    assert "SyntaxError" in listed["slow"]["error"]
    assert listed["other"]["available"]
    assert "SyntaxError" in dev_host.log_path.read_text()

    _write_nodes(dev_host.config.parent, "v4")
    _eventually(
        lambda: _graphs(dev_host)["slow"]["description"] == "slow graph v4",
        lambda: _write_nodes(dev_host.config.parent, "v4"),
    )
    run = dev_host.wait_for_status(_start(dev_host, {}), {"succeeded", "failed"})
    assert run["output"]["version"] == "v4"


def test_a_graph_added_to_langgraph_json_is_served_without_a_restart(dev_host: LiveHost) -> None:
    config = dev_host.config
    text = config.read_text().replace(
        '"graphs": {', '"graphs": {"again": "./graphs/other.py:graph", '
    )

    def save() -> None:
        config.write_text(text)

    save()
    _eventually(lambda: "again" in _graphs(dev_host), save)
    assert dev_host.process is not None and dev_host.process.poll() is None
