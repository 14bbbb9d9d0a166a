"""The suite's hosts are forked from a warm interpreter and start as a spawned one would."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import LiveHost
from tests.hostfork import SPAWN_ONLY, ForkedProcess, fork_server


def test_a_forked_host_takes_its_own_directory_settings_and_log_and_stops_like_a_spawned_one(
    live_host: LiveHost, tmp_path: Path
) -> None:
    live_host.start()
    assert live_host.process is not None
    if os.environ.get(SPAWN_ONLY) != "1":
        assert isinstance(live_host.process, ForkedProcess), "hosts spawn: see tests/hostfork.py"
    assert Path(os.readlink(f"/proc/{live_host.process.pid}/cwd")) == tmp_path
    with live_host.client() as client:
        assert client.get("/ready").status_code == 200
    log = live_host.log_path.read_text()
    assert f"sqlite+aiosqlite:///{tmp_path / 'data' / 'genesis-mesh.db'}" in log
    assert live_host.stop() in (0, -15)
    assert live_host.process.poll() in (0, -15)


def test_a_host_whose_interpreter_would_start_differently_is_spawned() -> None:
    server = fork_server()
    env = {**server.environment, "PYTHONHASHSEED": "1"}
    assert not server.can_fork(["serve"], env)
    assert not server.can_fork(["keys", "list"], server.environment)


def test_a_variable_a_test_left_set_does_not_make_every_later_host_spawn(
    live_host: LiveHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    fork_server()
    monkeypatch.setenv("TESTS_HOSTFORK_LEFT_OVER", "1")
    live_host.start()
    if os.environ.get(SPAWN_ONLY) != "1":
        assert isinstance(live_host.process, ForkedProcess), "hosts spawn: see tests/hostfork.py"
    with live_host.client() as client:
        assert client.get("/ready").status_code == 200
