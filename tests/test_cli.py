"""The genesis-mesh command in a terminal: run a graph, list graphs, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURE_CONFIG


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "genesis_mesh", *args],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "GENESIS_MESH_DATA_DIR": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_run_prints_the_output_and_exits_zero(tmp_path: Path) -> None:
    result = cli(
        tmp_path, "run", "steps", "--input", '{"delay": 0.01}', "--config", str(FIXTURE_CONFIG)
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["visited"] == ["one", "two", "three", "four", "five"]
    assert "five" in result.stderr and "done" in result.stderr


def test_run_streams_tokens_to_the_terminal(tmp_path: Path) -> None:
    result = cli(tmp_path, "run", "chat", "--config", str(FIXTURE_CONFIG))
    assert result.returncode == 0, result.stderr
    assert "The pillar page should link" in result.stderr


def test_failures_and_bad_input_exit_non_zero_with_the_reason(tmp_path: Path) -> None:
    failed = cli(tmp_path, "run", "failing", "--config", str(FIXTURE_CONFIG))
    bad = cli(
        tmp_path, "run", "steps", "--input", '"not an object"', "--config", str(FIXTURE_CONFIG)
    )
    not_json = cli(tmp_path, "run", "steps", "--input", "{", "--config", str(FIXTURE_CONFIG))
    waiting = cli(tmp_path, "run", "ask", "--config", str(FIXTURE_CONFIG))
    assert failed.returncode == 1 and "quota exceeded" in failed.stderr
    assert bad.returncode == 2 and "invalid_input" in bad.stderr
    assert not_json.returncode == 2 and "not valid JSON" in not_json.stderr
    assert waiting.returncode == 3 and "Which pages about links?" in waiting.stderr


def test_graphs_lists_each_graph_and_flags_broken_ones(tmp_path: Path) -> None:
    result = cli(tmp_path, "graphs", "--config", str(FIXTURE_CONFIG))
    assert result.returncode == 1
    assert "steps" in result.stdout and "available" in result.stdout
    assert "ModuleNotFoundError" in result.stdout
