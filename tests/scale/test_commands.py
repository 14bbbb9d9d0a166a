"""The scale-out commands: `worker`, `serve --workers N`, and their refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import FIXTURE_CONFIG, free_port, wait_for_status
from tests.postgres import create_database, drop_database
from tests.scale.conftest import (
    REDIS_URL,
    make_cluster,
    require_redis,
    wait_until,
)

pytestmark = pytest.mark.slow


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENESIS_MESH_")}
    return {**env, **extra}


def _command(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "genesis_mesh", *args, "--config", str(FIXTURE_CONFIG)],
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_worker_and_several_http_processes_need_the_scale_out_mode(tmp_path: Path) -> None:
    worker = _command("worker", GENESIS_MESH_DATA_DIR=str(tmp_path))
    serve = _command("serve", "--workers", "2", GENESIS_MESH_DATA_DIR=str(tmp_path))
    on_sqlite = _command("worker", GENESIS_MESH_REDIS_URL=REDIS_URL)
    assert worker.returncode == 2 and "GENESIS_MESH_REDIS_URL" in worker.stderr
    assert serve.returncode == 2 and "scale-out" in serve.stderr
    assert on_sqlite.returncode == 2 and "PostgreSQL" in on_sqlite.stderr


def test_serve_with_two_http_processes_runs_and_streams(tmp_path: Path) -> None:
    require_redis()
    database = create_database()
    port = free_port()
    env = _env(
        GENESIS_MESH_DATABASE_URL=f"postgresql+psycopg://127.0.0.1:5432/{database}",
        GENESIS_MESH_REDIS_URL=REDIS_URL,
        GENESIS_MESH_DATA_DIR=str(tmp_path),
    )
    args = ["serve", "--workers", "2", "--port", str(port), "--config", str(FIXTURE_CONFIG)]
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "genesis_mesh", *args], env=env, stdout=log, stderr=log
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            wait_until(lambda: _ready(http), timeout=120, what="ready")
            runs = [
                http.post("/api/v1/runs", json={"graph": "steps", "input": {}}).json()
                for _ in range(4)
            ]
            done = [wait_for_status(http, r["run_id"], {"succeeded"}) for r in runs]
        assert all(d["output"]["visited"][-1] == "five" for d in done)
    finally:
        process.terminate()
        process.wait(30)
        drop_database(database)


def _ready(http: httpx.Client) -> bool:
    try:
        return http.get("/ready").status_code == 200
    except httpx.HTTPError:
        return False


def test_a_worker_serves_the_metrics_of_the_runs_it_executes(tmp_path: Path) -> None:
    for cluster in make_cluster(tmp_path, apis=1, workers=0):
        port = free_port()
        env = _env(**cluster.env(GENESIS_MESH_WORKER_ID="wm"))
        args = ["worker", "--metrics-port", str(port), "--config", str(FIXTURE_CONFIG)]
        with (tmp_path / "wm.log").open("wb") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "genesis_mesh", *args], env=env, stdout=log, stderr=log
            )
        try:
            with cluster.apis[0].client() as http:
                run = http.post("/api/v1/runs", json={"graph": "steps", "input": {}}).json()
                wait_for_status(http, run["run_id"], {"succeeded"})
            metrics = wait_until(
                lambda p=port: _metrics(p), timeout=30, what="worker metrics with the run"
            )
        finally:
            worker.terminate()
            worker.wait(30)
        assert 'genesis_mesh_runs_total{status="succeeded"} 1.0' in metrics


def _metrics(port: int) -> str:
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except httpx.HTTPError:
        return ""
    return text if 'genesis_mesh_runs_total{status="succeeded"}' in text else ""
