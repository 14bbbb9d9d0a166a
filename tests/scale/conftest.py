"""A scale-out cluster of real processes: API servers and workers on PostgreSQL and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import FIXTURE_CONFIG, LiveHost, free_port, require
from tests.hostfork import ForkedProcess, start_genesis_mesh
from tests.postgres import create_database, drop_database

REDIS_URL = "redis://127.0.0.1:6379/0"


def require_redis(url: str = REDIS_URL) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        require(False, f"Redis at {url} is not reachable: {exc}")


@dataclass
class WorkerProcess:
    """`genesis-mesh worker`: claims and executes runs, serves no HTTP."""

    workdir: Path
    env: dict[str, str]
    name: str
    config: Path = FIXTURE_CONFIG
    process: subprocess.Popen[bytes] | ForkedProcess | None = None

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 120.0) -> WorkerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GENESIS_MESH_")}
        env.update(self.env)
        env["GENESIS_MESH_WORKER_ID"] = self.name
        args = ["worker", "--config", str(Path(self.config).resolve())]
        self.process = start_genesis_mesh(args, self.workdir, env, self.log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log()[-3000:]}")
            if f"genesis-mesh worker {self.name}" in self.log():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker not up in {timeout}s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGCONT)
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(10)


@dataclass
class Cluster:
    """API processes (`serve --api-only`) and workers sharing one database and Redis."""

    workdir: Path
    database: str
    redis_url: str = REDIS_URL
    apis: list[LiveHost] = field(default_factory=list)
    workers: list[WorkerProcess] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    config: Path = FIXTURE_CONFIG

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "GENESIS_MESH_DATABASE_URL": f"postgresql+psycopg://127.0.0.1:5432/{self.database}",
            "GENESIS_MESH_REDIS_URL": self.redis_url,
            "GENESIS_MESH_LEASE_SECONDS": "3",
            "GENESIS_MESH_HEARTBEAT_SECONDS": "0.5",
            "GENESIS_MESH_CLAIM_POLL_SECONDS": "0.5",
            "GENESIS_MESH_MAX_CONCURRENT_RUNS": "2",
            "GENESIS_MESH_SHUTDOWN_GRACE_SECONDS": "3",
            "GENESIS_MESH_INTERRUPT_WAIT_SECONDS": "15",
            "GENESIS_MESH_DATA_DIR": str(self.workdir / "data"),
            **self.settings,
            **extra,
        }

    def add_api(self, **extra: str) -> LiveHost:
        return self.new_api(**extra).start()

    def new_api(self, **extra: str) -> LiveHost:
        """An API process of the cluster, not started yet."""
        folder = self.workdir / f"api{len(self.apis)}"
        folder.mkdir()
        env = self.env(GENESIS_MESH_RUN_WORKER="false", **extra)
        api = LiveHost(folder, config=self.config, env=env)
        self.apis.append(api)
        return api

    def add_worker(self, **extra: str) -> WorkerProcess:
        return self.new_worker(**extra).start()

    def new_worker(self, **extra: str) -> WorkerProcess:
        """A worker of the cluster, not started yet."""
        name = f"w{len(self.workers) + 1}"
        worker = WorkerProcess(self.workdir, self.env(**extra), name, config=self.config)
        self.workers.append(worker)
        return worker

    def worker_named(self, name: str) -> WorkerProcess:
        return next(w for w in self.workers if w.name == name)

    def stop(self) -> None:
        """Stops every process side by side (each drains, then its interpreter exits)."""
        stops = [worker.stop for worker in self.workers] + [api.stop for api in self.apis]
        with ThreadPoolExecutor(max(len(stops), 1)) as pool:
            for stopped in [pool.submit(stop) for stop in stops]:
                stopped.result()

    def logs(self) -> str:
        parts = [f"--- {w.name}\n{w.log()[-4000:]}" for w in self.workers]
        parts += [f"--- api\n{a.log_path.read_text()[-3000:]}" for a in self.apis]
        return "\n".join(parts)


def make_cluster(
    tmp_path: Path, apis: int, workers: int, config: Path = FIXTURE_CONFIG, **settings: str
) -> Iterator[Cluster]:
    """A cluster on a fresh database, its processes started side by side (they take turns
    on the schema under an advisory lock, as in a deployment)."""
    require_redis()
    database = create_database("gm_scale")
    cluster = Cluster(tmp_path, database, settings=settings, config=config)
    try:
        processes = [cluster.new_worker() for _ in range(workers)]
        processes += [cluster.new_api() for _ in range(apis)]
        with ThreadPoolExecutor(max(len(processes), 1)) as pool:
            for started in [pool.submit(process.start) for process in processes]:
                started.result()
        yield cluster
    finally:
        cluster.stop()
        drop_database(database)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two API processes and two workers, shared by a module's tests."""
    yield from make_cluster(tmp_path_factory.mktemp("cluster"), apis=2, workers=2)


def events_of(http: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    response = http.get(f"/api/v1/runs/{run_id}/events", params={"limit": 10_000})
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()
    return events


def wait_until(
    predicate: Any,
    timeout: float = 30.0,
    what: str = "condition",
    logs: Callable[[], str] | None = None,
) -> Any:
    """`predicate()` once it is truthy; an AssertionError after `timeout`, with the
    processes' `logs()` if given (what a CI failure needs to be understood)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    tail = f"\n{logs()}" if logs is not None else ""
    raise AssertionError(f"{what} not reached in {timeout}s{tail}")


__all__ = ["Cluster", "events_of", "free_port", "make_cluster", "wait_until"]
