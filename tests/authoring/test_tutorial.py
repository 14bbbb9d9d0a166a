"""docs/authoring-graphs.md cannot rot: its files are written out, linted, checked and
their test is run; its shell commands name real `genesis-mesh` commands."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from genesis_mesh.cli import app
from tests.conftest import ROOT

TUTORIAL = ROOT / "docs" / "authoring-graphs.md"
PYTEST_OPTIONS = ["-W", "error", "-o", "asyncio_mode=auto", "-o"]
PYTEST_OPTIONS += ["asyncio_default_fixture_loop_scope=function", "tests/graphs"]
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def _blocks() -> list[tuple[str, str, str]]:
    """(language, file name or "", body) of every fenced block, in order."""
    found = []
    for language, info, body in FENCE.findall(TUTORIAL.read_text()):
        match = re.search(r"file=(\S+)", info)
        found.append((language, match.group(1) if match else "", body))
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch project holding the tutorial's files, laid out like this repository."""
    root = tmp_path_factory.mktemp("tutorial")
    for name in ("pyproject.toml", "ruff_defaults.toml"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(
        ROOT / "src" / "genesis_mesh",
        root / "src" / "genesis_mesh",
        ignore=shutil.ignore_patterns("__pycache__", "web"),
    )
    (root / "graphs").mkdir()
    shutil.copy(ROOT / "graphs" / "__init__.py", root / "graphs" / "__init__.py")
    for init in ("tests/__init__.py", "tests/graphs/__init__.py"):
        (root / init).parent.mkdir(parents=True, exist_ok=True)
        (root / init).write_text("")
    for _, name, body in _blocks():
        if name:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(body)
    return root


def test_every_python_and_json_block_is_a_file_that_gets_executed() -> None:
    blocks = _blocks()
    assert [b for b in blocks if b[0] in ("python", "json") and not b[1]] == []
    assert sum(1 for b in blocks if b[1]) >= 7


def test_the_tutorial_graph_passes_its_test(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *PYTEST_OPTIONS],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_the_tutorial_graph_passes_genesis_mesh_check(project: Path) -> None:
    # As a user runs it: in its own process, where `graphs` is the project's package
    # (in this test process the repository's own `graphs` package may be imported).
    result = subprocess.run(
        [sys.executable, "-m", "genesis_mesh", "check", "--config", "langgraph.json"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "headline_review" in result.stdout


def test_the_tutorial_code_is_lint_clean(project: Path) -> None:
    ruff = str(Path(sys.executable).parent / "ruff")
    targets = ["graphs", "tests/graphs"]
    lint = subprocess.run([ruff, "check", *targets], cwd=project, capture_output=True, text=True)
    fmt = subprocess.run(
        [ruff, "format", "--check", *targets], cwd=project, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout
    assert fmt.returncode == 0, fmt.stdout


def test_the_shell_commands_name_real_commands() -> None:
    commands = {
        c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands
    }
    used = set()
    for language, _, body in _blocks():
        if language == "sh":
            used.update(re.findall(r"genesis-mesh (\w+)", body))
    assert used and used <= commands, used - commands
    assert isinstance(app, typer.Typer)
