"""Redis goes away mid-run and comes back: runs keep executing, followers miss nothing."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import websockets

from tests.conftest import free_port, require, wait_for_status
from tests.postgres import create_database, drop_database
from tests.scale.conftest import (
    Cluster,
    events_of,
    wait_until,
)

NODES = ["one", "two", "three", "four", "five"]
pytestmark = pytest.mark.slow


class RedisServer:
    """A Redis of this test alone, so stopping it disturbs nothing else."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        require(binary is not None, "redis-server is not installed")
        assert binary is not None
        args = [binary, "--bind", "127.0.0.1", "--port", str(self.port)]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        wait_until(self._answers, timeout=10, what="redis-server up")
        return self

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def outage(tmp_path: Path) -> Iterator[tuple[Cluster, RedisServer]]:
    server = RedisServer(tmp_path).start()
    database = create_database()
    cluster = Cluster(tmp_path, database, redis_url=server.url)
    try:
        cluster.add_worker()
        cluster.add_api()
        yield cluster, server
    finally:
        cluster.stop()
        server.kill()
        drop_database(database)


def test_runs_continue_and_followers_catch_up_across_a_redis_restart(
    outage: tuple[Cluster, RedisServer],
) -> None:
    cluster, server = outage
    api = cluster.apis[0]
    with api.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0.7}}).json()

    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any], str]:
        seen: list[dict[str, Any]] = []
        async with websockets.connect(api.ws_url) as ws:
            await ws.send(json.dumps({"type": "subscribe", "run_id": run["run_id"]}))
            killed = False
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if "seq" not in message:
                    continue
                seen.append(message)
                if message["type"] == "node.completed" and not killed:
                    killed = True
                    server.kill()
                    during = await asyncio.to_thread(_while_redis_is_down, api.base_url, run)
                    server.start()
                if message["type"] == "run.completed":
                    return seen, *during

    seen, ready_while_down, run_started_while_down = asyncio.run(scenario())
    with api.client() as http:
        stored = events_of(http, run["run_id"])
        other = wait_for_status(http, run_started_while_down, {"succeeded"}, timeout=30)
        ready_after = wait_until(lambda: http.get("/ready").status_code == 200, timeout=20)
    assert ready_while_down["status"] == "unavailable"
    assert ready_while_down["checks"]["redis"].startswith("error")
    assert seen == stored  # every event, once, in order, through the outage
    assert [e["node"] for e in seen if e["type"] == "node.completed"] == NODES
    assert other["output"]["visited"] == NODES
    assert ready_after


def _while_redis_is_down(base_url: str, run: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """With Redis gone: the run still progresses (in the store), /ready says so, and a new
    run is still accepted and executed (workers poll the queue)."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        before = len(events_of(http, run["run_id"]))
        wait_until(
            lambda: len(events_of(http, run["run_id"])) > before + 3,
            timeout=20,
            what="progress without Redis",
        )
        ready = http.get("/ready")
        started = http.post("/api/v1/runs", json={"graph": "steps", "input": {}}).json()
        time.sleep(0.5)
    body: dict[str, Any] = ready.json()
    return body, str(started["run_id"])
