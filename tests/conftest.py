"""Shared fixtures: a real genesis-mesh host in a subprocess on a loopback port."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from genesis_mesh.testing import LiveHost as _KitLiveHost
from genesis_mesh.testing import free_port
from tests.hostfork import SPAWN_ONLY, close_fork_server, fork_server, start_genesis_mesh

__all__ = ["FIXTURE_CONFIG", "ROOT", "LiveHost", "free_port", "require", "wait_for_status"]

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_CONFIG = ROOT / "tests" / "fixtures" / "langgraph.json"
REQUIRE_ALL = os.environ.get("GENESIS_MESH_REQUIRE_ALL") == "1"


def require(condition: bool, reason: str) -> None:
    """Skip when a browser or service is missing; in CI (GENESIS_MESH_REQUIRE_ALL=1) fail."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (GENESIS_MESH_REQUIRE_ALL=1 turns this into a failure)")
    pytest.skip(reason)


@dataclass
class LiveHost(_KitLiveHost):
    """The kit's `LiveHost`, on the fixture graphs of tests/fixtures by default."""

    config: Path = FIXTURE_CONFIG

    def _spawn(self, env: dict[str, str], log: IO[bytes]) -> Any:
        """Forked from this test process's warm interpreter when it starts the same
        (`tests/hostfork.py`): seconds of imports saved on each of the suite's hosts."""
        args = [self.command, "--config", str(Path(self.config).resolve())]
        args += ["--port", str(self.port)]
        return start_genesis_mesh(args, self.workdir, env, self.log_path)


def pytest_sessionstart(session: pytest.Session) -> None:
    """The warm host interpreter imports while the first tests run (not in xdist's
    controller, which runs none)."""
    config = session.config
    runs_tests = hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", 0)
    if runs_tests and not config.option.collectonly and os.environ.get(SPAWN_ONLY) != "1":
        fork_server()


def pytest_sessionfinish() -> None:
    close_fork_server()


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    """One host shared by the tests of a module (each test uses its own runs and threads)."""
    live = LiveHost(tmp_path_factory.mktemp("host")).start()
    yield live
    live.stop()


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """The name of a PostgreSQL database made for this test and dropped after it."""
    from tests.postgres import create_database, drop_database

    name = create_database()
    yield name
    drop_database(name)


@pytest.fixture
def live_host(tmp_path: Path) -> Iterator[LiveHost]:
    """A host of this test alone (not started: set `env`/`config`, then `start()`)."""
    live = LiveHost(tmp_path)
    yield live
    live.stop()


def wait_for_status(
    client: httpx.Client, run_id: str, statuses: set[str], timeout: float = 30.0
) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    run: dict[str, object] = {}
    while time.monotonic() < deadline:
        run = client.get(f"/api/v1/runs/{run_id}").json()
        if run.get("status") in statuses:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not reach {statuses}: {json.dumps(run)[:500]}")
