"""Throughput and event latency of the scale-out mode with 1, 2 and 4 workers.

Each configuration starts fresh processes on loopback: an API process
(`genesis-mesh serve --api-only`) and N workers (`genesis-mesh worker`) on one PostgreSQL
database and Redis; next to them, the embedded mode (one `genesis-mesh serve` on SQLite).
Every worker (and the embedded host) executes at most `--per-worker` runs at a time.

- load: `--runs` runs of the 5-node `bench5` graph whose nodes each await
  `asyncio.sleep(--sleep)` (I/O-bound: 0.2 s by default, 1 s per run), posted over
  REST as fast as 20 client connections allow; runs per second = runs / (last run's
  end - first run's creation), read off the runs' own timestamps.
- latency: during the load, one `chatty` run emits 100 custom events 10 ms apart with
  their emit time; receive time - emit time on a WebSocket client of the API process.

Medians of `--repeats` are printed, with each configuration's throughput as a ratio of
the embedded mode's measured in the same script run.

    .venv/bin/python bench/scale_out.py                       # 300 runs, 3 repeats
    .venv/bin/python bench/scale_out.py --runs 200 --repeats 1 --workers 1 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import websockets

# The benchmark is one client on purpose: lift the per-user limits (docs/security.md).
UNLIMITED = {
    "GENESIS_MESH_RUN_STARTS_PER_MINUTE": "10000000",
    "GENESIS_MESH_MAX_ACTIVE_RUNS_PER_USER": "10000000",
    "GENESIS_MESH_WS_MAX_SOCKETS_PER_USER": "100000",
    "GENESIS_MESH_WS_MESSAGES_PER_SECOND": "10000000",
    "GENESIS_MESH_WS_MESSAGE_BURST": "10000000",
}
ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "bench" / "fixtures" / "langgraph.json"
PG_ADMIN = "postgresql://127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pids_named(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class CpuMeter:
    """CPU seconds used during the load by role: API, workers, PostgreSQL, Redis."""

    def __init__(self, procs: Processes) -> None:
        self.roles = {
            "api/host": [
                p.pid
                for p, n in zip(procs.procs, procs.names, strict=True)
                if not n.startswith("w")
            ],
            "workers": [
                p.pid for p, n in zip(procs.procs, procs.names, strict=True) if n.startswith("w")
            ],
            "postgres": pids_named("postgres"),
            "redis": pids_named("redis-server"),
        }
        self.start = self._read()

    def _read(self) -> dict[str, float]:
        return {role: sum(cpu_seconds(p) for p in pids) for role, pids in self.roles.items()}

    def used(self) -> dict[str, float]:
        end = self._read()
        return {role: end[role] - self.start[role] for role in end}


class Processes:
    """The processes of one configuration, stopped together."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: list[subprocess.Popen[bytes]] = []
        self.names: list[str] = []

    def spawn(self, args: list[str], env: dict[str, str], name: str) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith("GENESIS_MESH_")}
        log = (self.workdir / f"{name}.log").open("ab")
        command = [sys.executable, "-m", "genesis_mesh", *args, "--config", str(CONFIG)]
        self.names.append(name)
        self.procs.append(
            subprocess.Popen(command, cwd=self.workdir, env={**base, **env}, stdout=log, stderr=log)
        )

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_ready(base_url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{base_url} not ready")


def start_configuration(
    workers: int, per_worker: int, workdir: Path
) -> tuple[Processes, str, str | None]:
    """`workers` = 0 is the embedded mode. Returns processes, base URL, database name."""
    procs = Processes(workdir)
    port = free_port()
    common = {
        **UNLIMITED,
        "GENESIS_MESH_MAX_CONCURRENT_RUNS": str(per_worker),
        "GENESIS_MESH_DATA_DIR": str(workdir / "data"),
    }
    if workers == 0:
        procs.spawn(["serve", "--port", str(port)], common, "embedded")
        base_url = f"http://127.0.0.1:{port}"
        wait_ready(base_url)
        return procs, base_url, None
    database = f"gm_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    scale = {
        **common,
        "GENESIS_MESH_DATABASE_URL": f"postgresql+psycopg://127.0.0.1:5432/{database}",
        "GENESIS_MESH_REDIS_URL": REDIS_URL,
    }
    procs.spawn(["serve", "--api-only", "--port", str(port)], scale, "api")
    base_url = f"http://127.0.0.1:{port}"
    wait_ready(base_url)  # migrations applied before the workers start
    for n in range(workers):
        procs.spawn(["worker"], {**scale, "GENESIS_MESH_WORKER_ID": f"w{n}"}, f"w{n}")
    time.sleep(3)
    return procs, base_url, database


async def measure(base_url: str, runs: int, sleep: float) -> tuple[float, list[float]]:
    """Runs per second of the load, and the latency sample (ms) of one chatty run."""
    limits = httpx.Limits(max_connections=20)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as http:
        latency = asyncio.create_task(chatty_latency(base_url))
        body = {"graph": "bench5", "input": {"sleep": sleep}}
        posted = await asyncio.gather(*(http.post("/api/v1/runs", json=body) for _ in range(runs)))
        ids = {r.json()["run_id"] for r in posted}
        finished: dict[str, dict[str, Any]] = {}
        while len(finished) < len(ids):
            await asyncio.sleep(0.25)
            page = (await http.get("/api/v1/runs", params={"limit": 1000})).json()
            for run in page:
                if run["run_id"] in ids and run["status"] in ("succeeded", "failed"):
                    finished[run["run_id"]] = run
        failed = [r for r in finished.values() if r["status"] != "succeeded"]
        if failed:
            raise RuntimeError(f"{len(failed)} runs failed: {failed[0]['error']}")
        start = min(_ts(r["created_at"]) for r in finished.values())
        end = max(_ts(r["updated_at"]) for r in finished.values())
        return runs / (end - start), await latency


async def chatty_latency(base_url: str) -> list[float]:
    ws_url = base_url.replace("http", "ws", 1) + "/ws"
    samples: list[float] = []
    async with websockets.connect(ws_url, max_size=None) as ws:
        await asyncio.sleep(0.5)  # into the load
        await ws.send(json.dumps({"type": "start", "graph": "chatty", "input": {}}))
        while True:
            message = json.loads(await ws.recv())
            if "emit_ts" in (message.get("data") or {}):
                samples.append((time.time() - message["data"]["emit_ts"]) * 1000)
            if message.get("type") in ("run.completed", "run.failed"):
                return samples


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--per-worker", type=int, default=20)
    parser.add_argument("--sleep", type=float, default=0.2, help="seconds per node")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()

    results: dict[int, list[tuple[float, float, dict[str, float]]]] = {}
    for repeat in range(args.repeats):
        for workers in [0, *args.workers]:
            workdir = Path(tempfile.mkdtemp(prefix="gm-scale-bench-"))
            procs, base_url, database = start_configuration(workers, args.per_worker, workdir)
            try:
                meter = CpuMeter(procs)
                started = time.monotonic()
                rate, latency = asyncio.run(measure(base_url, args.runs, args.sleep))
                wall = time.monotonic() - started
                cpu = meter.used()
            finally:
                procs.stop()
                if database:
                    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            cpu["busy cores"] = sum(cpu.values()) / wall
            results.setdefault(workers, []).append((rate, p99(latency), cpu))
            label = "embedded" if workers == 0 else f"{workers} worker(s)"
            print(
                f"repeat {repeat + 1}: {label:12} {rate:7.1f} runs/s  p99 {p99(latency):6.1f} ms"
                f"  busy cores {cpu['busy cores']:.2f}"
            )

    embedded = statistics.median(r for r, _, _ in results[0])
    print(
        f"\nmedians of {args.repeats} ({args.runs} runs of bench5, sleep {args.sleep} per node, "
        f"{args.per_worker} runs at a time per worker); CPU ms per run by role"
    )
    roles = ["api/host", "workers", "postgres", "redis"]
    header = f"{'configuration':14} {'runs/s':>7} {'÷ embedded':>10} {'p99 ms':>7}"
    print(header + "".join(f" {r:>9}" for r in roles) + f" {'busy cores':>11}")
    for workers, rows in results.items():
        rate = statistics.median(r for r, _, _ in rows)
        latency = statistics.median(p for _, p, _ in rows)
        cpu = {
            role: statistics.median(c[role] for _, _, c in rows) * 1000 / args.runs
            for role in roles
        }
        busy = statistics.median(c["busy cores"] for _, _, c in rows)
        label = "embedded" if workers == 0 else f"{workers} worker(s)"
        line = f"{label:14} {rate:7.1f} {rate / embedded:9.2f}× {latency:7.1f}"
        print(line + "".join(f" {cpu[r]:9.1f}" for r in roles) + f" {busy:11.2f}")


if __name__ == "__main__":
    main()
