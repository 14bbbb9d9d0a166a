"""Shared fixtures: a real genesis-mesh host in a subprocess on a loopback port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveHost:
    """A `genesis-mesh serve` process; restartable on the same port and data folder."""

    workdir: Path
    config: Path = FIXTURE_CONFIG
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
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

    def start(self, timeout: float = 30.0) -> LiveHost:
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
        raise RuntimeError(f"host not ready in {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def _spawn(self, env: dict[str, str], log: object) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "genesis_mesh",
                "serve",
                "--config",
                str(self.config),
                "--port",
                str(self.port),
            ],
            cwd=self.workdir,
            env=env,
            stdout=log,  # type: ignore[arg-type]
            stderr=subprocess.STDOUT,
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
        return httpx.Client(base_url=self.base_url, timeout=30.0)


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    """One host shared by the tests of a module (each test uses its own runs and threads)."""
    live = LiveHost(tmp_path_factory.mktemp("host")).start()
    yield live
    live.stop()


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
