"""`genesis-mesh new NAME`: a graph that passes its own test and that a host serves."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from genesis_mesh.scaffold import ScaffoldError, check_name, scaffold
from tests.conftest import ROOT, LiveHost

PYTEST_OPTIONS = ["-W", "error", "-o", "asyncio_default_fixture_loop_scope=function", "tests"]


def _copy_of_repo(tmp_path: Path) -> Path:
    """The minimal layout of a project: langgraph.json, graphs/, tests/ (no .venv)."""
    project = tmp_path / "project"
    (project / "graphs").mkdir(parents=True)
    (project / "tests").mkdir()
    shutil.copy(ROOT / "langgraph.json", project / "langgraph.json")
    shutil.copy(ROOT / "graphs" / "__init__.py", project / "graphs" / "__init__.py")
    (project / "tests" / "__init__.py").write_text("")
    return project


def _cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "genesis_mesh", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_a_new_graph_passes_its_generated_test_and_a_host_serves_it(tmp_path: Path) -> None:
    project = _copy_of_repo(tmp_path)
    before = json.loads((project / "langgraph.json").read_text())

    created = _cli(project, "new", "word_digest")

    assert created.returncode == 0, created.stderr
    after = json.loads((project / "langgraph.json").read_text())
    assert after == {
        **before,
        "graphs": {**before["graphs"], "word_digest": "./graphs/word_digest/graph.py:graph"},
    }
    generated = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *PYTEST_OPTIONS],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "2 passed" in generated.stdout

    live = LiveHost(tmp_path, config=project / "langgraph.json").start()
    try:
        with live.client() as client:
            graphs = {g["name"]: g for g in client.get("/api/v1/graphs").json()}
            assert graphs["word_digest"]["available"], graphs["word_digest"]
            assert graphs["word_digest"]["description"].startswith("Word digest: ")
            run = client.post(
                "/api/v1/runs", json={"graph": "word_digest", "input": {"text": "a b c"}}
            ).json()
        done = live.wait_for_status(run["run_id"], {"succeeded", "failed"})
        assert done["output"]["word_count"] == 3
    finally:
        live.stop()


def test_the_generated_code_is_lint_clean_in_the_repository_layout(tmp_path: Path) -> None:
    project = _copy_of_repo(tmp_path)
    for name in ("pyproject.toml", "ruff_defaults.toml"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(
        ROOT / "src" / "genesis_mesh",
        project / "src" / "genesis_mesh",
        ignore=shutil.ignore_patterns("__pycache__", "web"),
    )
    scaffold("lint_me", project / "langgraph.json")
    ruff = [str(Path(sys.executable).parent / "ruff")]
    targets = ["graphs/lint_me", "tests/graphs"]
    lint = subprocess.run([*ruff, "check", *targets], cwd=project, capture_output=True, text=True)
    fmt = subprocess.run(
        [*ruff, "format", "--check", *targets], cwd=project, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout
    assert fmt.returncode == 0, fmt.stdout


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("Hello", "try 'hello'"),
        ("my-graph", "try 'my_graph'"),
        ("9lives", "starting with a letter"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("graphs", "reserved"),
        ("", "empty"),
        ("a" * 51, "at most 50"),
    ],
)
def test_bad_names_are_refused_with_the_reason(name: str, says: str) -> None:
    with pytest.raises(ScaffoldError, match=says):
        check_name(name)


def test_a_taken_name_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    project = _copy_of_repo(tmp_path)
    (project / "graphs" / "notes").mkdir()
    (project / "graphs" / "notes" / "keep.py").write_text("# mine\n")
    config_before = (project / "langgraph.json").read_text()

    refused = _cli(project, "new", "notes")
    registered = _cli(project, "new", "topical_mesh")
    bad = _cli(project, "new", "Bad-Name")

    assert refused.returncode == 2 and "is taken: graphs/notes" in refused.stderr
    assert registered.returncode == 2 and "already registered" in registered.stderr
    assert bad.returncode == 2 and "try 'bad_name'" in bad.stderr
    assert (project / "langgraph.json").read_text() == config_before
    assert sorted(p.name for p in (project / "graphs" / "notes").iterdir()) == ["keep.py"]
    assert not (project / "tests" / "graphs").exists()


def test_a_project_without_langgraph_json_gets_one(tmp_path: Path) -> None:
    result = scaffold("first", tmp_path / "langgraph.json")

    assert json.loads((tmp_path / "langgraph.json").read_text()) == {
        "dependencies": ["."],
        "graphs": {"first": "./graphs/first/graph.py:graph"},
    }
    assert Path("graphs/__init__.py") in result.written
    assert Path("tests/graphs/test_first.py") in result.written
