"""Graphs load as under `langgraph dev`: `env`, `dependencies` (src layout), entries as
strings or `{path, description}`, module specs, and factories of every kind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from genesis_mesh.registry import GraphRegistry, read_config
from tests.conftest import LiveHost, wait_for_status
from tests.registry.conftest import PROJECT_CONFIG

FINAL = {"succeeded", "failed", "interrupted", "cancelled"}
FACTORIES = ["made_plain", "made_with_config", "made_with_runtime", "made_in_context"]


def _run(http: httpx.Client, graph: str, input: Any) -> dict[str, Any]:
    answer = http.post("/api/v1/runs", json={"graph": graph, "input": input})
    assert answer.status_code == 202, answer.text
    return wait_for_status(http, answer.json()["run_id"], FINAL)


def test_every_graph_of_a_template_shaped_project_loads(project_host: LiveHost) -> None:
    with project_host.client() as http:
        graphs = {g["name"]: g for g in http.get("/api/v1/graphs").json()}
    assert all(g["available"] for g in graphs.values()), graphs
    assert set(FACTORIES) <= set(graphs)


def test_a_graph_entry_object_gives_its_description(project_host: LiveHost) -> None:
    with project_host.client() as http:
        graphs = {g["name"]: g for g in http.get("/api/v1/graphs").json()}
    assert graphs["counter"]["description"] == "Counts the runs of a thread."


def test_the_env_file_and_a_src_layout_package_reach_the_graph(project_host: LiveHost) -> None:
    with project_host.client() as http:
        run = _run(http, "greeter", {"name": "ada"})
    assert run["status"] == "succeeded", run
    assert run["output"]["greeting"] == "hello from .env, Ada"


@pytest.mark.parametrize(
    ("graph", "built_by"),
    [
        ("made_plain", "plain"),
        ("made_with_config", "config thread=True"),
        ("made_with_runtime", "runtime threads.create_run"),
        ("made_in_context", "context threads.create_run"),
    ],
)
def test_a_graph_factory_of_each_kind_builds_the_graph_of_each_run(
    project_host: LiveHost, graph: str, built_by: str
) -> None:
    with project_host.client() as http:
        first = _run(http, graph, {})
        second = _run(http, graph, {})
    assert first["status"] == second["status"] == "succeeded", (first, second)
    assert first["output"]["built_by"] == built_by
    assert second["output"]["calls"] > first["output"]["calls"]
    if graph == "made_in_context":  # the first run's clean-up ran before the second opened
        assert second["output"]["calls"] - first["output"]["calls"] == 2


def test_an_env_mapping_is_applied_and_the_process_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMPLE_KEEP", "from the process")
    monkeypatch.delenv("SAMPLE_NEW", raising=False)
    config = tmp_path / "langgraph.json"
    config.write_text(
        json.dumps(
            {
                "graphs": {"g": {"path": "./g.py:graph"}},
                "env": {"SAMPLE_KEEP": "from json", "SAMPLE_NEW": "from json"},
            }
        )
    )
    project = read_config(config)
    project.apply()
    assert os.environ["SAMPLE_KEEP"] == "from the process"
    assert os.environ["SAMPLE_NEW"] == "from json"


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ({"graphs": {"g": 3}}, "must be a string"),
        ({"graphs": {"g": {"description": "x"}}}, '"path"'),
        ({"graphs": {"g": "./g.py:graph"}, "env": "./missing.env"}, "does not exist"),
        ({"graphs": {"g": "./g.py:graph"}, "env": 3}, '"env" must be'),
        ({"graphs": {"g": {"path": "./g.py:graph", "llm_cache": "yes"}}}, "true or false"),
    ],
)
def test_a_malformed_entry_or_env_is_explained(
    tmp_path: Path, document: dict[str, Any], says: str
) -> None:
    config = tmp_path / "langgraph.json"
    config.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=says):
        read_config(config)


def test_a_factory_that_asks_for_something_else_is_unavailable_with_the_reason(
    tmp_path: Path,
) -> None:
    (tmp_path / "odd.py").write_text("def make(user: str, other: int):\n    return None\n")
    config = tmp_path / "langgraph.json"
    config.write_text(json.dumps({"graphs": {"odd": "./odd.py:make"}}))
    registry = GraphRegistry(config, None)
    registry.load()
    entry = registry.get("odd")
    assert not entry.available
    assert "neither a `config: RunnableConfig` nor a `runtime: ServerRuntime`" in str(entry.error)


def test_check_passes_on_the_project_serve_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "genesis_mesh", "check", "--config", str(PROJECT_CONFIG)],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("SAMPLE_")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: 10 graph(s)" in result.stdout


PACKAGED_GRAPH = """from langgraph.graph import StateGraph
from typing_extensions import TypedDict

from .nodes import answer


class State(TypedDict):
    out: str


graph = StateGraph(State).add_node("answer", answer).add_edge("__start__", "answer").compile()
"""


def _project_with_a_graphs_package(root: Path, graph: str) -> Path:
    package = root / "graphs" / graph
    package.mkdir(parents=True)
    (root / "graphs" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "nodes.py").write_text(f"def answer(state):\n    return {{'out': {graph!r}}}\n")
    (package / "graph.py").write_text(PACKAGED_GRAPH)
    config = root / "langgraph.json"
    config.write_text(json.dumps({"graphs": {graph: f"./graphs/{graph}/graph.py:graph"}}))
    return config


def test_two_projects_with_their_own_graphs_package_load_in_one_process(tmp_path: Path) -> None:
    """As the test suite and an embedding application do: each project's `graphs`
    package is its own, whichever was imported first."""
    first = _project_with_a_graphs_package(tmp_path / "one", "alpha")
    second = _project_with_a_graphs_package(tmp_path / "two", "beta")
    script = f"""
from pathlib import Path
from genesis_mesh.registry import GraphRegistry
for config in ({str(first)!r}, {str(second)!r}, {str(first)!r}):
    registry = GraphRegistry(Path(config), None)
    registry.load()
    for entry in registry.entries.values():
        assert entry.error is None, entry.error
        print(entry.name, entry.graph.invoke({{}})["out"])
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["alpha", "alpha", "beta", "beta", "alpha", "alpha"]
