"""What the genesis-mesh host costs over bare LangGraph, and how it compares with its peer.

Four measurements on the graphs of `bench/fixtures/` (plain LangGraph, nothing from
genesis_mesh), each repeated `--repeats` times with a fresh server per repeat; medians
are printed.

- sequential: the 5-node `bench5` graph run `--runs` times one after the other
  (a) in-process with bare LangGraph (`astream(stream_mode="updates")`, every chunk read)
      on `AsyncSqliteSaver.from_conn_string` (SQLite defaults: rollback journal,
      synchronous=FULL) and on the connection the host opens (WAL, synchronous=FULL by
      default, and =NORMAL),
      with `durability="sync"` and `"async"`, and once with the host's own stream modes;
  (b) through the host over its WebSocket (`start`, every event read until
      `run.completed`), with GENESIS_MESH_DURABILITY=sync (the default) and =async.
- wave: `--wave` runs at once whose nodes each `await asyncio.sleep(0.05)` (ideal 0.25 s):
  bare in-process (`asyncio.gather`), through the host over 1,000 sockets (one run each,
  like the peer's one HTTP stream per run; connecting is inside the timed part) and over
  20 sockets (50 runs each); wall time, errors, the server's peak RSS (VmHWM).
- peer: the same workloads under the LangGraph Server's local runtime (`langgraph dev`
  from `langgraph-cli[inmem]`, `--n-jobs-per-worker` = the wave size, `--no-reload`,
  offline), driven with `langgraph-sdk` from its own virtualenv (`--peer-python`).
- `--host-client langgraph-sdk`: the host's sequential and wave rows are driven by the
  peer's own driver instead (`langgraph-sdk` in the peer's virtualenv, stateless
  `client.runs.stream` on the host's LangGraph Server API at its root paths,
  docs/langgraph-api.md): same client, same code path, same graph for both hosts.
- latency: the `chatty` graph emits 100 custom events 10 ms apart, each with its emit
  time; receive time - emit time on the client, p50/p99 (bare: `astream("custom")` and
  `astream_events(version="v3")`; the host: `/ws` and the Agent Streaming Protocol's
  WebSocket, `docs/agent-protocol.md`, with SQLite synchronous=FULL, the default, and
  =NORMAL: every event is committed before it is sent, and under FULL that commit's
  fsync is most of the host's latency).

CPU per run: the server's CPU time (utime+stime of its process tree, from /proc) over the
measured runs / runs, divided by the bare in-process CPU per run (`time.process_time()`,
WAL saver, durability sync) measured in the same script run.

    .venv/bin/python bench/host_overhead.py                      # --mode all, 3 repeats
    .venv/bin/python bench/host_overhead.py --mode sequential --runs 50 --repeats 1
    .venv/bin/python bench/host_overhead.py --mode wave --wave 200
    .venv/bin/python bench/host_overhead.py --mode peer --host-client langgraph-sdk

The peer needs its own virtualenv (kept out of the project's):
    python -m venv /tmp/peer-venv && /tmp/peer-venv/bin/pip install "langgraph-cli[inmem]"
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The benchmark is one client on purpose: lift the per-user limits (docs/security.md).
UNLIMITED = {
    "GENESIS_MESH_RUN_STARTS_PER_MINUTE": "10000000",
    "GENESIS_MESH_MAX_ACTIVE_RUNS_PER_USER": "10000000",
    "GENESIS_MESH_WS_MAX_SOCKETS_PER_USER": "100000",
    "GENESIS_MESH_WS_MESSAGES_PER_SECOND": "10000000",
    "GENESIS_MESH_WS_MESSAGE_BURST": "10000000",
}
ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "bench" / "fixtures"
CONFIG = FIXTURES / "langgraph.json"
NODES = 5
EVENTS_PER_RUN = 2 + 2 * NODES  # run.started, node.started/completed x5, run.completed
PEER_ENV = {
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
}
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# ---- small helpers (stdlib only: the peer worker imports this module in its venv) -------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = [pid]
    parents = {pid}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid in parents:
            found.append(int(entry))
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` and its direct children (from /proc/<pid>/stat)."""
    total = 0
    for p in _children(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / CLK_TCK


def _status_kb(pid: int, key: str) -> int:
    total = 0
    for p in _children(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def peak_rss_mb(pid: int) -> float:
    return _status_kb(pid, "VmHWM") / 1024


def rss_mb(pid: int) -> float:
    return _status_kb(pid, "VmRSS") / 1024


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def med(values: list[float]) -> float:
    clean = [v for v in values if v == v]
    return statistics.median(clean) if clean else float("nan")


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited with {proc.returncode}; log:\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout}s; log:\n{log.read_text()[-3000:]}")


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    folder: Path
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid


@contextlib.contextmanager
def _serving(
    argv: list[str], env: dict[str, str], folder: Path, port: int, ready_path: str
) -> Iterator[Server]:
    log = folder / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv,
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(proc, port, folder, log)
    try:
        wait_http(f"http://127.0.0.1:{port}{ready_path}", 90, proc, log)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def host_server(
    durability: str = "sync",
    profile: Path | None = None,
    synchronous: str = "FULL",
    data_dir: Path | None = None,
) -> Iterator[Server]:
    """`genesis-mesh serve` on the bench fixtures, a fresh data dir (or `data_dir`), a free
    port."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gm-bench-") as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            **UNLIMITED,
            "GENESIS_MESH_DATA_DIR": str(data_dir or folder / "data"),
            "GENESIS_MESH_DURABILITY": durability,
            "GENESIS_MESH_SQLITE_SYNCHRONOUS": synchronous,
        }
        python = [sys.executable]
        if profile is not None:
            python += ["-m", "cProfile", "-o", str(profile)]
        argv = [
            *python,
            "-m",
            "genesis_mesh",
            "serve",
            "--config",
            str(CONFIG),
            "--port",
            str(port),
        ]
        with _serving(argv, env, folder, port, "/health") as server:
            yield server


@contextlib.contextmanager
def peer_server(peer_python: Path, jobs: int) -> Iterator[Server]:
    """`langgraph dev` in a fresh folder holding a copy of the fixtures (its graph paths
    are relative to the working directory, and it keeps its state in ./.langgraph_api)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="lg-peer-") as tmp:
        folder = Path(tmp)
        for name in ("langgraph.json", "bench_graphs.py"):
            shutil.copy(FIXTURES / name, folder / name)
        env = {**os.environ, **PEER_ENV}
        argv = [
            str(peer_python.parent / "langgraph"),
            "dev",
            "--config",
            "langgraph.json",
            "--port",
            str(port),
            "--no-browser",
            "--no-reload",
            "--n-jobs-per-worker",
            str(jobs),
        ]
        with _serving(argv, env, folder, port, "/ok") as server:
            yield server


# ---- bare LangGraph, in this process -----------------------------------------------------


def _bench_graphs() -> Any:
    if str(FIXTURES) not in sys.path:
        sys.path.insert(0, str(FIXTURES))
    import bench_graphs

    return bench_graphs


@contextlib.asynccontextmanager
async def bare_saver(kind: str, path: Path, synchronous: str = "FULL") -> Any:
    """`default`: AsyncSqliteSaver.from_conn_string; `tuned`: LangGraph's AsyncSqliteSaver
    on the host's connection (WAL, `synchronous`, autocommit); `host`: the host's own
    saver (src/genesis_mesh/checkpointers.py: that connection, and a task's writes in one
    transaction)."""
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    if kind == "postgres":
        async with fresh_database() as url, _bare_postgres(url) as saver:
            yield saver
        return
    if kind == "default":
        async with AsyncSqliteSaver.from_conn_string(str(path)) as saver:
            await saver.setup()
            yield saver
        return
    if kind == "host":
        from genesis_mesh.checkpointers import open_checkpointer

        async with open_checkpointer(str(path), sqlite_synchronous=synchronous) as saver:  # type: ignore[arg-type]
            yield saver
        return
    import aiosqlite
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute(f"PRAGMA synchronous={synchronous}")
        await conn.execute("PRAGMA busy_timeout=10000")
        saver = AsyncSqliteSaver(conn, serde=JsonPlusSerializer(pickle_fallback=False))
        await saver.setup()
        yield saver
    finally:
        await conn.close()


PG_ADMIN = "postgresql://127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"


@contextlib.asynccontextmanager
async def fresh_database() -> Any:
    """A new PostgreSQL database for one repeat, dropped after (its libpq URL)."""
    import psycopg

    name = f"gm_wave_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.asynccontextmanager
async def _bare_postgres(url: str) -> Any:
    """LangGraph's AsyncPostgresSaver on a pool as wide as the scale-out's (autocommit)."""
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    async with AsyncConnectionPool(url, min_size=1, max_size=20, kwargs=kwargs) as pool:
        saver = AsyncPostgresSaver(pool)  # type: ignore[arg-type]
        await saver.setup()
        yield saver


@dataclass
class Variant:
    saver: str = "tuned"
    durability: str = "sync"
    host_modes: bool = False
    synchronous: str = "FULL"

    @property
    def label(self) -> str:
        saver = {
            "tuned": f"WAL+{self.synchronous}",
            "postgres": "AsyncPostgresSaver (PostgreSQL, pool of 20)",
            "host": f"the host's saver (WAL+{self.synchronous}, one commit per task's writes)",
        }.get(self.saver, "default saver")
        modes = ", host's stream modes" if self.host_modes else ""
        return f"bare, {saver}, {self.durability}{modes}"


async def _bare_one(graph: Any, payload: dict[str, Any], v: Variant) -> int:
    config = {"configurable": {"thread_id": uuid.uuid4().hex}}
    n = 0
    if v.host_modes:
        stream = graph.astream(
            payload,
            config,
            stream_mode=["tasks", "custom", "messages", "checkpoints"],
            subgraphs=True,
            durability=v.durability,
        )
    else:
        stream = graph.astream(payload, config, stream_mode="updates", durability=v.durability)
    async for _ in stream:
        n += 1
    return n


async def bare_sequential(v: Variant, runs: int, warmup: int = 5) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bare-") as tmp:
        async with bare_saver(v.saver, Path(tmp) / "cp.db", v.synchronous) as saver:
            graph = _bench_graphs().build_bench5().compile(checkpointer=saver)
            for _ in range(warmup):
                await _bare_one(graph, {"count": 0}, v)
            cpu0, t0 = time.process_time(), time.perf_counter()
            for _ in range(runs):
                await _bare_one(graph, {"count": 0}, v)
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {"ms_per_run": wall / runs * 1000, "cpu_ms_per_run": cpu / runs * 1000}


async def bare_wave(v: Variant, n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bare-") as tmp:
        async with bare_saver(v.saver, Path(tmp) / "cp.db", v.synchronous) as saver:
            graph = _bench_graphs().build_bench5().compile(checkpointer=saver)
            await _bare_one(graph, {"count": 0}, v)
            cpu0, t0 = time.process_time(), time.perf_counter()
            results = await asyncio.gather(
                *(_bare_one(graph, {"count": 0, "sleep": 0.05}, v) for _ in range(n)),
                return_exceptions=True,
            )
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    errors = sum(1 for r in results if isinstance(r, BaseException) or r != NODES)
    return {"wall_s": wall, "errors": errors, "cpu_ms_per_run": cpu / n * 1000}


async def bare_latency(runs: int) -> list[float]:
    from langgraph.checkpoint.memory import InMemorySaver

    graph = _bench_graphs().build_chatty().compile(checkpointer=InMemorySaver())
    lat: list[float] = []
    for _ in range(runs):
        config = {"configurable": {"thread_id": uuid.uuid4().hex}}
        async for chunk in graph.astream({"count": 0}, config, stream_mode="custom"):
            lat.append((time.time() - chunk["emit_ts"]) * 1000)
    return lat


async def bare_latency_v3(runs: int) -> list[float]:
    """The same over LangGraph's own v3 event stream (`astream_events(version="v3")`)."""
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.stream import CustomTransformer

    graph = _bench_graphs().build_chatty().compile(checkpointer=InMemorySaver())
    lat: list[float] = []
    for _ in range(runs):
        config = {"configurable": {"thread_id": uuid.uuid4().hex}}
        run = await graph.astream_events(
            {"count": 0}, config, version="v3", transformers=[CustomTransformer]
        )
        async with run:
            async for event in run:
                if event["method"] == "custom" and not event["params"]["namespace"]:
                    lat.append((time.time() - event["params"]["data"]["emit_ts"]) * 1000)
    return lat


async def host_latency_v3(server: Server, runs: int) -> list[float]:
    """Through the host's Agent Streaming Protocol WebSocket: subscribe to a thread's
    `custom` and `lifecycle` channels, then start the run with a `run.start` command."""
    import httpx
    from websockets.asyncio.client import connect

    lat: list[float] = []
    base = f"http://127.0.0.1:{server.port}"
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        for _ in range(runs):
            thread_id = str(uuid.uuid4())
            (await http.post("/threads", json={"thread_id": thread_id})).raise_for_status()
            url = f"ws://127.0.0.1:{server.port}/threads/{thread_id}/stream/events"
            async with connect(url, max_size=2**24, ping_interval=None) as ws:
                channels = ["custom", "lifecycle"]
                subscribe = {"channels": channels}
                await ws.send(
                    json.dumps({"id": 1, "method": "subscription.subscribe", "params": subscribe})
                )
                json.loads(await ws.recv())  # the subscription's id
                start = {"assistant_id": "chatty", "input": {"count": 0}}
                command = {"id": 2, "method": "run.start", "params": start}
                (await http.post(f"/threads/{thread_id}/commands", json=command)).raise_for_status()
                while True:
                    message = json.loads(await ws.recv())
                    now = time.time()
                    data = message.get("params", {}).get("data", {})
                    if message.get("method") == "custom":
                        lat.append((now - data["payload"]["emit_ts"]) * 1000)
                    elif message.get("method") == "lifecycle" and data.get("event") in (
                        "completed",
                        "failed",
                    ):
                        break
    return lat


# ---- the host over its WebSocket ----------------------------------------------------------


def _ws_connect(port: int) -> Any:
    from websockets.asyncio.client import connect

    return connect(
        f"ws://127.0.0.1:{port}/ws", max_size=2**24, open_timeout=120, ping_interval=None
    )


async def host_sequential(server: Server, runs: int, warmup: int = 5) -> dict[str, float]:
    errors = 0
    async with _ws_connect(server.port) as ws:

        async def one(ref: str) -> int:
            await ws.send(
                json.dumps(
                    {"type": "start", "graph": "bench5", "input": {"count": 0}, "client_ref": ref}
                )
            )
            seen = 0
            while True:
                message = json.loads(await ws.recv())
                kind = message.get("type")
                if kind == "error":
                    return -1
                seen += 1
                if kind in ("run.completed", "run.failed", "run.cancelled"):
                    ok = kind == "run.completed" and seen == EVENTS_PER_RUN
                    return 0 if ok else -1

        for i in range(warmup):
            await one(f"w{i}")
        cpu0, t0 = cpu_seconds(server.pid), time.perf_counter()
        for i in range(runs):
            errors += (await one(str(i))) != 0
        wall, cpu = time.perf_counter() - t0, cpu_seconds(server.pid) - cpu0
    return {"ms_per_run": wall / runs * 1000, "cpu_ms_per_run": cpu / runs * 1000, "errors": errors}


async def _host_socket_wave(port: int, count: int, prefix: str) -> int:
    """Start `count` sleeping runs on one socket and read until all are final; errors."""
    async with _ws_connect(port) as ws:
        for i in range(count):
            await ws.send(
                json.dumps(
                    {
                        "type": "start",
                        "graph": "bench5",
                        "input": {"count": 0, "sleep": 0.05},
                        "client_ref": f"{prefix}-{i}",
                    }
                )
            )
        seen: dict[str, int] = {}
        done = errors = 0
        while done < count:
            message = json.loads(await ws.recv())
            kind = message.get("type")
            if kind == "error":
                errors += 1
                done += 1
                continue
            run_id = message.get("run_id", "")
            seen[run_id] = seen.get(run_id, 0) + 1
            if kind in ("run.completed", "run.failed", "run.cancelled"):
                done += 1
                if kind != "run.completed" or seen[run_id] != EVENTS_PER_RUN:
                    errors += 1
        return errors


async def host_wave(server: Server, n: int, sockets: int) -> dict[str, float]:
    await host_sequential(server, 3, warmup=0)  # warm the graph and the saver
    per = [n // sockets + (1 if i < n % sockets else 0) for i in range(sockets)]
    rss0 = rss_mb(server.pid)
    cpu0, t0 = cpu_seconds(server.pid), time.perf_counter()
    results = await asyncio.gather(
        *(_host_socket_wave(server.port, c, f"s{i}") for i, c in enumerate(per) if c),
        return_exceptions=True,
    )
    wall, cpu = time.perf_counter() - t0, cpu_seconds(server.pid) - cpu0
    errors = 0
    for i, r in enumerate(results):
        errors += per[i] if isinstance(r, BaseException) else r
    return {
        "wall_s": wall,
        "errors": errors,
        "cpu_ms_per_run": cpu / n * 1000,
        "rss_idle_mb": rss0,
        "peak_rss_mb": peak_rss_mb(server.pid),
    }


# ---- the scale-out mode: API processes + workers on PostgreSQL and Redis ----------------


@dataclass
class ScaleOut:
    """The processes of one scale-out configuration and the database they share."""

    apis: list[subprocess.Popen[bytes]]
    workers: list[subprocess.Popen[bytes]]
    ports: list[int]
    database: str

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.apis + self.workers]


def _postgres_backends(database: str) -> list[int]:
    """PostgreSQL backends serving `database` (their title names it: `postgres: user db ...`)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                title = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if title.startswith(b"postgres: ") and f" {database} ".encode() in title:
                found.append(int(entry))
    return found


def _redis_pids() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == "redis-server":
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _cpu_by_role(so: ScaleOut) -> dict[str, float]:
    """CPU seconds now of the host processes, of the database's backends, of Redis."""
    return {
        "host": sum(cpu_seconds(p) for p in so.pids),
        "postgres": sum(cpu_seconds(p) for p in _postgres_backends(so.database)),
        "redis": sum(cpu_seconds(p) for p in _redis_pids()),
    }


@contextlib.contextmanager
def scale_out_server(apis: int, workers: int, per_worker: int) -> Iterator[ScaleOut]:
    """`apis` x `serve --api-only` and `workers` x `worker` on a fresh PostgreSQL database
    (dropped after) and Redis, as in bench/scale_out.py; durability sync."""
    import psycopg

    database = f"gm_wave_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="gm-wave-so-") as tmp:
        folder = Path(tmp)
        base = {k: v for k, v in os.environ.items() if not k.startswith("GENESIS_MESH_")}
        env = {
            **base,
            **UNLIMITED,
            "GENESIS_MESH_DATA_DIR": str(folder / "data"),
            "GENESIS_MESH_DURABILITY": "sync",
            "GENESIS_MESH_MAX_CONCURRENT_RUNS": str(per_worker),
            "GENESIS_MESH_DATABASE_URL": f"postgresql+psycopg://127.0.0.1:5432/{database}",
            "GENESIS_MESH_REDIS_URL": REDIS_URL,
        }
        cmd = [sys.executable, "-m", "genesis_mesh"]

        def spawn(args: list[str], name: str, extra: dict[str, str]) -> subprocess.Popen[bytes]:
            log = folder / f"{name}.log"
            with open(log, "wb") as out:
                proc = subprocess.Popen(
                    [*cmd, *args, "--config", str(CONFIG)],
                    cwd=folder,
                    env={**env, **extra},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            procs.append(proc)
            return proc

        try:
            ports, api_procs, worker_procs = [], [], []
            for i in range(apis):
                port = free_port()
                proc = spawn(["serve", "--api-only", "--port", str(port)], f"api{i}", {})
                # the first API applies the migrations before anything else starts
                wait_http(f"http://127.0.0.1:{port}/ready", 90, proc, folder / f"api{i}.log")
                ports.append(port)
                api_procs.append(proc)
            for n in range(workers):
                worker_procs.append(spawn(["worker"], f"w{n}", {"GENESIS_MESH_WORKER_ID": f"w{n}"}))
            time.sleep(3)
            yield ScaleOut(api_procs, worker_procs, ports, database)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


async def scale_out_wave(so: ScaleOut, n: int, sockets: int) -> dict[str, float]:
    """The wave over `sockets` WebSockets spread round-robin over the API processes. CPU
    counts the API and worker processes, the PostgreSQL backends of this database (not
    the postmaster, checkpointer, WAL writer) and the whole Redis server."""
    for port in so.ports:  # warm every API and (some of) the workers
        await _host_socket_wave(port, 3, f"warm{port}")
    per = [n // sockets + (1 if i < n % sockets else 0) for i in range(sockets)]
    rss0 = sum(rss_mb(p) for p in so.pids)
    cpu0, t0 = _cpu_by_role(so), time.perf_counter()
    results = await asyncio.gather(
        *(
            _host_socket_wave(so.ports[i % len(so.ports)], c, f"s{i}")
            for i, c in enumerate(per)
            if c
        ),
        return_exceptions=True,
    )
    wall = time.perf_counter() - t0
    cpu1 = _cpu_by_role(so)
    used = {role: (cpu1[role] - cpu0[role]) / n * 1000 for role in cpu0}
    errors = 0
    for i, r in enumerate(results):
        errors += per[i] if isinstance(r, BaseException) else r
    return {
        "wall_s": wall,
        "errors": errors,
        "cpu_ms_per_run": sum(used.values()),
        "cpu_host_ms": used["host"],
        "cpu_pg_ms": used["postgres"],
        "cpu_redis_ms": used["redis"],
        "rss_idle_mb": rss0,
        "peak_rss_mb": sum(peak_rss_mb(p) for p in so.pids),
    }


SCALE_OUT = {"1api": (1, 2), "2api": (2, 2)}


def scale_label(apis: int, workers: int) -> str:
    api = "1 API" if apis == 1 else f"{apis} API processes"
    return f"host, scale-out: {api} + {workers} workers"


async def host_latency(server: Server, runs: int) -> list[float]:
    lat: list[float] = []
    async with _ws_connect(server.port) as ws:
        for _ in range(runs):
            await ws.send(json.dumps({"type": "start", "graph": "chatty", "input": {}}))
            while True:
                message = json.loads(await ws.recv())
                now = time.time()
                if message.get("type") == "node.progress":
                    lat.append((now - message["data"]["emit_ts"]) * 1000)
                elif message.get("type") in ("run.completed", "run.failed", "error"):
                    break
    return lat


# ---- the peer (runs in the peer's virtualenv, with langgraph-sdk) -------------------------


async def _peer_worker(task: dict[str, Any]) -> dict[str, Any]:
    import httpx
    from langgraph_sdk import get_client
    from langgraph_sdk.client import LangGraphClient

    url, pid, kind = task["url"], task["pid"], task["kind"]
    modes = ["updates", "custom"]
    client = get_client(url=url)

    async def one(c: Any, payload: dict[str, Any]) -> int:
        n = 0
        async for part in c.runs.stream(None, "bench5", input=payload, stream_mode=modes):
            if part.event == "error":
                return -1
            if part.event == "updates":
                n += 1
        return 0 if n == NODES else -1

    if kind == "sequential":
        for _ in range(task["warmup"]):
            await one(client, {"count": 0})
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        errors = 0
        for _ in range(task["runs"]):
            errors += (await one(client, {"count": 0})) != 0
        wall, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
        return {
            "ms_per_run": wall / task["runs"] * 1000,
            "cpu_ms_per_run": cpu / task["runs"] * 1000,
            "errors": errors,
        }
    if kind == "wave":
        await one(client, {"count": 0})
        n = task["n"]
        # get_client's httpx pool allows 100 connections and waits 5 s for one: a
        # 1,000-run wave would queue and time out in the client, so widen it.
        wide = LangGraphClient(
            httpx.AsyncClient(
                base_url=url,
                transport=httpx.AsyncHTTPTransport(
                    retries=5,
                    limits=httpx.Limits(max_connections=n + 10, max_keepalive_connections=n + 10),
                ),
                timeout=httpx.Timeout(connect=60, read=600, write=600, pool=600),
            )
        )
        rss0 = rss_mb(pid)
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        results = await asyncio.gather(
            *(one(wide, {"count": 0, "sleep": 0.05}) for _ in range(n)), return_exceptions=True
        )
        wall, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
        errors = sum(1 for r in results if isinstance(r, BaseException) or r != 0)
        return {
            "wall_s": wall,
            "errors": errors,
            "cpu_ms_per_run": cpu / n * 1000,
            "rss_idle_mb": rss0,
            "peak_rss_mb": peak_rss_mb(pid),
        }
    lat: list[float] = []
    for _ in range(task["runs"]):
        async for part in client.runs.stream(None, "chatty", input={}, stream_mode=["custom"]):
            now = time.time()
            if part.event == "custom":
                lat.append((now - part.data["emit_ts"]) * 1000)
    return {"latency_ms": lat}


def peer_call(peer_python: Path, server: Server, **task: Any) -> dict[str, Any]:
    task = {"url": f"http://127.0.0.1:{server.port}", "pid": server.pid, **task}
    out = subprocess.run(
        [str(peer_python), str(Path(__file__).resolve()), "--peer-worker", json.dumps(task)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"peer worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- the modes --------------------------------------------------------------------------


@dataclass
class Results:
    rows: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    def add(self, section: str, label: str, values: dict[str, Any]) -> None:
        row = self.rows.setdefault(f"{section}|{label}", {})
        for key, value in values.items():
            if isinstance(value, list):
                row.setdefault(key, []).extend(value)
            else:
                row.setdefault(key, []).append(float(value))

    def get(self, section: str, label: str, key: str) -> float:
        return med(self.rows.get(f"{section}|{label}", {}).get(key, []))

    def raw(self, section: str, label: str, key: str) -> list[float]:
        return self.rows.get(f"{section}|{label}", {}).get(key, [])


BARE_SEQ = [
    Variant("default", "sync"),
    Variant("tuned", "sync"),
    Variant("tuned", "sync", synchronous="NORMAL"),
    Variant("default", "async"),
    Variant("tuned", "async"),
    Variant("tuned", "sync", host_modes=True),
    Variant("host", "sync"),
]
BARE_REF = Variant("tuned", "sync").label
PEER = "peer: langgraph dev (SDK, SSE)"
ASP_ROW = "host over the Agent Streaming Protocol WebSocket"
BARE_V3_ROW = "bare in-process (astream_events v3)"
SDK = "langgraph-sdk"


def host_label(args: argparse.Namespace, durability: str, synchronous: str = "FULL") -> str:
    via = "via langgraph-sdk (SSE)" if args.host_client == SDK else "over WebSocket"
    label = f"host {via}, {durability}"
    return label if synchronous == "FULL" else f"{label}, SQLite {synchronous}"


def wave_host_label(
    args: argparse.Namespace, durability: str, sockets: int, synchronous: str = "FULL"
) -> str:
    if args.host_client == SDK:
        return host_label(args, durability, synchronous)
    label = f"host, {durability}, {sockets} sockets"
    return label if synchronous == "FULL" else f"{label}, SQLite {synchronous}"


def run_sequential(args: argparse.Namespace, res: Results, repeat: int) -> None:
    for v in BARE_SEQ:
        res.add("seq", v.label, asyncio.run(bare_sequential(v, args.runs)))
    hosts = (("sync", "FULL"), ("sync", "NORMAL"), ("async", "FULL"))
    for durability, synchronous in hosts:
        label = host_label(args, durability, synchronous)
        profile = _profile(args, f"seq-{durability}-{synchronous}-{repeat}")
        with host_server(durability, profile, synchronous) as server:
            if args.host_client == SDK:
                got = peer_call(
                    args.sdk_python, server, kind="sequential", runs=args.runs, warmup=5
                )
            else:
                got = asyncio.run(host_sequential(server, args.runs))
            res.add("seq", label, got)
    if args.peer_python:
        with peer_server(args.peer_python, max(args.wave, 10)) as server:
            got = peer_call(
                args.peer_python, server, kind="sequential", runs=args.peer_runs, warmup=2
            )
            res.add("seq", PEER, got)


def run_wave(args: argparse.Namespace, res: Results, repeat: int) -> None:
    bare = [
        Variant("default", "sync"),
        Variant("tuned", "sync"),
        Variant("tuned", "sync", synchronous="NORMAL"),
        Variant("tuned", "async"),
    ]
    if args.scale_out:
        bare.append(Variant("postgres", "sync"))
    for v in bare:
        res.add("wave", v.label, asyncio.run(bare_wave(v, args.wave)))
    configs = [
        ("sync", args.wave, "FULL"),
        ("sync", args.wave, "NORMAL"),
        ("sync", 20, "FULL"),
        ("async", args.wave, "FULL"),
    ]
    if args.host_client == SDK:  # one HTTP stream per run: sockets do not apply
        configs = [c for c in configs if c[1] == args.wave]
    for durability, sockets, synchronous in configs:
        sockets = min(sockets, args.wave)
        label = wave_host_label(args, durability, sockets, synchronous)
        profile = _profile(args, f"wave-{durability}-{sockets}-{synchronous}-{repeat}")
        with host_server(durability, profile, synchronous) as s:
            if args.host_client == SDK:
                got = peer_call(args.sdk_python, s, kind="wave", n=args.wave)
            else:
                got = asyncio.run(host_wave(s, args.wave, sockets))
            res.add("wave", label, got)
    for key in args.scale_out:
        apis, workers = SCALE_OUT[key]
        with scale_out_server(apis, workers, per_worker=args.wave) as so:
            res.add(
                "wave",
                scale_label(apis, workers),
                asyncio.run(scale_out_wave(so, args.wave, args.wave)),
            )
    if args.peer_python:
        with peer_server(args.peer_python, args.wave) as server:
            res.add("wave", PEER, peer_call(args.peer_python, server, kind="wave", n=args.wave))


def run_latency(args: argparse.Namespace, res: Results, repeat: int) -> None:
    res.add(
        "lat",
        "bare in-process (astream custom)",
        {"latency_ms": asyncio.run(bare_latency(args.latency_runs))},
    )
    res.add(
        "lat",
        BARE_V3_ROW,
        {"latency_ms": asyncio.run(bare_latency_v3(args.latency_runs))},
    )
    for synchronous, suffix in (("FULL", ""), ("NORMAL", ", SQLite NORMAL")):
        with host_server(
            "sync", _profile(args, f"lat-{synchronous}-{repeat}"), synchronous
        ) as server:
            res.add(
                "lat",
                f"host over WebSocket{suffix}",
                {"latency_ms": asyncio.run(host_latency(server, args.latency_runs))},
            )
            res.add(
                "lat",
                f"{ASP_ROW}{suffix}",
                {"latency_ms": asyncio.run(host_latency_v3(server, args.latency_runs))},
            )
    if args.peer_python:
        with peer_server(args.peer_python, 10) as server:
            res.add(
                "lat",
                PEER,
                peer_call(args.peer_python, server, kind="latency", runs=args.latency_runs),
            )


def _own_sdk_python() -> Path | None:
    """This interpreter, when it has langgraph-sdk: drives the host without the peer."""
    try:
        import langgraph_sdk  # noqa: F401
    except ImportError:
        return None
    return Path(sys.executable)


def _profile(args: argparse.Namespace, name: str) -> Path | None:
    if not args.profile_dir:
        return None
    Path(args.profile_dir).mkdir(parents=True, exist_ok=True)
    return Path(args.profile_dir) / f"{name}.prof"


# ---- the report -------------------------------------------------------------------------


def _fmt(value: float, digits: int = 1) -> str:
    return "–" if value != value else f"{value:,.{digits}f}"


def report(args: argparse.Namespace, res: Results, modes: list[str]) -> None:
    print(
        f"\nmedians over {args.repeats} repeat(s); {os.cpu_count()} CPUs; "
        f"Python {sys.version.split()[0]}"
    )
    aims: list[tuple[str, str, bool | None]] = []
    if "sequential" in modes:
        ref = res.get("seq", BARE_REF, "ms_per_run")
        ref_cpu = res.get("seq", BARE_REF, "cpu_ms_per_run")
        print(
            f"\n## sequential: {args.runs} runs of bench5 (5 trivial nodes), "
            f"peer {args.peer_runs} runs"
        )
        print("| | ms/run | runs/s | x bare (WAL+FULL, sync) | CPU ms/run | CPU x bare | errors |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        host_sync, host_async = host_label(args, "sync"), host_label(args, "async")
        host_normal = host_label(args, "sync", "NORMAL")
        labels = [v.label for v in BARE_SEQ] + [host_sync, host_normal, host_async, PEER]
        for label in labels:
            ms = res.get("seq", label, "ms_per_run")
            if ms != ms:
                continue
            cpu = res.get("seq", label, "cpu_ms_per_run")
            errors = res.raw("seq", label, "errors")
            print(
                f"| {label} | {_fmt(ms, 2)} | {_fmt(1000 / ms, 0)} | {_fmt(ms / ref, 2)} | "
                f"{_fmt(cpu, 2)} | {_fmt(cpu / ref_cpu, 2)} | "
                f"{int(sum(errors)) if errors else '–'} |"
            )
        host = res.get("seq", host_sync, "ms_per_run")
        host_async_ms = res.get("seq", host_async, "ms_per_run")
        peer = res.get("seq", PEER, "ms_per_run")
        default = res.get("seq", Variant("default", "sync").label, "ms_per_run")
        print(
            f"\nsaver tuning (bare, sync): default {_fmt(default, 2)} ms -> WAL+FULL "
            f"{_fmt(ref, 2)} ms per run"
        )
        normal = res.get("seq", host_normal, "ms_per_run")
        print(
            f"SQLite synchronous through the host: FULL {_fmt(host, 2)} ms vs NORMAL "
            f"{_fmt(normal, 2)} ms per run (FULL costs {_fmt(host / normal, 2)}x)"
        )
        print(
            f"durability through the host: sync {_fmt(host, 2)} ms vs async "
            f"{_fmt(host_async_ms, 2)} ms per run (sync costs {_fmt(host / host_async_ms, 2)}x)"
        )
        if peer == peer:
            print(f"peer / host per sequential run: {_fmt(peer / host, 1)}x")
            aims.append(
                (
                    "sequential rate host (sync, durable) >= 5x peer's",
                    f"{peer / host:.1f}x",
                    peer / host >= 5,
                )
            )
        cpu_ratio = res.get("seq", host_sync, "cpu_ms_per_run") / ref_cpu
        aims.append(
            (
                "sequential host <= 1.3x bare (same saver, sync)",
                f"{host / ref:.2f}x",
                host / ref <= 1.3,
            )
        )
        aims.append(("CPU/run host / bare <= 2x (sequential)", f"{cpu_ratio:.2f}x", cpu_ratio <= 2))
    if "wave" in modes:
        ref_label = BARE_REF
        ref = res.get("wave", ref_label, "wall_s")
        ref_cpu = res.get("wave", ref_label, "cpu_ms_per_run")
        print(f"\n## wave: {args.wave} concurrent runs, nodes sleep 50 ms (ideal 0.25 s)")
        print(
            "| | wall s | x bare (WAL+FULL, sync) | CPU ms/run | CPU x bare | errors | "
            "idle RSS MB | peak RSS MB |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        labels = [k.split("|", 1)[1] for k in res.rows if k.startswith("wave|")]
        for label in labels:
            wall = res.get("wave", label, "wall_s")
            cpu = res.get("wave", label, "cpu_ms_per_run")
            errors = res.raw("wave", label, "errors")
            print(
                f"| {label} | {_fmt(wall, 2)} | {_fmt(wall / ref, 2)} | {_fmt(cpu, 2)} | "
                f"{_fmt(cpu / ref_cpu, 2)} | {int(sum(errors))} | "
                f"{_fmt(res.get('wave', label, 'rss_idle_mb'), 0)} | "
                f"{_fmt(res.get('wave', label, 'peak_rss_mb'), 0)} |"
            )
        split = [k.split("|", 1)[1] for k in res.rows if k.startswith("wave|host, scale-out")]
        if split:
            print(
                "\nscale-out CPU ms/run by role (API + worker processes; PostgreSQL backends "
                "of the bench database; the whole Redis server):"
            )
            for label in split:
                print(
                    f"- {label}: host {_fmt(res.get('wave', label, 'cpu_host_ms'), 2)}, "
                    f"PostgreSQL {_fmt(res.get('wave', label, 'cpu_pg_ms'), 2)}, "
                    f"Redis {_fmt(res.get('wave', label, 'cpu_redis_ms'), 2)}"
                )
            best = min(res.get("wave", label, "wall_s") for label in split)
            aims.append(
                ("wave, two processes <= 0.75x bare", f"{best / ref:.2f}x", best / ref <= 0.75)
            )
        wave_label = wave_host_label(args, "sync", args.wave)
        host = res.get("wave", wave_label, "wall_s")
        peer = res.get("wave", PEER, "wall_s")
        host_errors = sum(res.raw("wave", wave_label, "errors"))
        aims.append(("wave host <= 1.5x bare", f"{host / ref:.2f}x", host / ref <= 1.5))
        cpu_ratio = res.get("wave", wave_label, "cpu_ms_per_run") / ref_cpu
        aims.append(("CPU/run host / bare <= 2x (wave)", f"{cpu_ratio:.2f}x", cpu_ratio <= 2))
        aims.append(("wave zero errors (host)", f"{int(host_errors)}", host_errors == 0))
        if peer == peer:
            print(f"\npeer / host wall time: {peer / host:.1f}x")
            aims.append(
                ("wave host >= 4x faster than peer", f"{peer / host:.1f}x", peer / host >= 4)
            )
            hp, pp = (
                res.get("wave", wave_label, "peak_rss_mb"),
                res.get("wave", PEER, "peak_rss_mb"),
            )
            aims.append(("peak RSS host < peer", f"{hp:.0f} vs {pp:.0f} MB", hp < pp))
    if "latency" in modes:
        print(
            f"\n## latency: chatty, 100 custom events 10 ms apart, {args.latency_runs} "
            f"run(s) per repeat (all samples pooled)"
        )
        print("| | events | p50 ms | p90 ms | p99 ms | max ms |")
        print("|---|---:|---:|---:|---:|---:|")
        for key in [k for k in res.rows if k.startswith("lat|")]:
            label = key.split("|", 1)[1]
            lat = res.raw("lat", label, "latency_ms")
            print(
                f"| {label} | {len(lat)} | {_fmt(percentile(lat, 50), 2)} | "
                f"{_fmt(percentile(lat, 90), 2)} | {_fmt(percentile(lat, 99), 2)} | "
                f"{_fmt(max(lat) if lat else float('nan'), 2)} |"
            )
        p99 = percentile(res.raw("lat", "host over WebSocket", "latency_ms"), 99)
        aims.append(("event latency p99 <= 2 ms (host)", f"{p99:.2f} ms", p99 <= 2))
        bare = percentile(res.raw("lat", BARE_V3_ROW, "latency_ms"), 99)
        for suffix in ("", ", SQLite NORMAL"):
            asp = percentile(res.raw("lat", f"{ASP_ROW}{suffix}", "latency_ms"), 99)
            aims.append(
                (
                    f"Agent Streaming Protocol p99 <= bare v3 p99 + 2 ms{suffix}",
                    f"{asp:.2f} vs {bare:.2f} ms",
                    asp <= bare + 2,
                )
            )
    if aims:
        print("\n## aims")
        print("| aim | measured | met |")
        print("|---|---:|---|")
        for aim, got, ok in aims:
            print(f"| {aim} | {got} | {'yes' if ok else 'NO'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mode",
        choices=["sequential", "wave", "latency", "peer", "all"],
        default="all",
        help="peer: the peer comparisons only (sequential and wave, "
        "with their host and bare references)",
    )
    parser.add_argument("--runs", type=int, default=100, help="sequential runs (bare, host)")
    parser.add_argument(
        "--peer-runs", type=int, default=10, help="sequential runs on the peer (about 1 s each)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--wave", type=int, default=1000, help="concurrent runs in the wave")
    parser.add_argument("--latency-runs", type=int, default=3)
    parser.add_argument(
        "--peer-python",
        type=Path,
        default=Path("/tmp/peer-venv/bin/python"),
        help="python of a virtualenv with langgraph-cli[inmem]",
    )
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument(
        "--host-client",
        choices=["websocket", SDK],
        default="websocket",
        help="drive the host's sequential and wave runs over its native WebSocket, or with "
        "the peer's langgraph-sdk driver on its LangGraph Server API (langgraph-sdk from "
        "--peer-python's venv, or from this one with --no-peer)",
    )
    parser.add_argument(
        "--profile-dir",
        help="run each host server under cProfile, writing one .prof per server here",
    )
    parser.add_argument(
        "--scale-out",
        nargs="*",
        choices=sorted(SCALE_OUT),
        default=[],
        help="wave mode: add the scale-out mode on PostgreSQL + Redis (1api: 1 API + 2 "
        "workers; 2api: 2 APIs + 2 workers), and bare LangGraph on AsyncPostgresSaver",
    )
    parser.add_argument("--peer-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_worker:
        print(json.dumps(asyncio.run(_peer_worker(json.loads(args.peer_worker)))))
        return
    if args.no_peer:
        args.peer_python = None
    elif not (args.peer_python.exists() and (args.peer_python.parent / "langgraph").exists()):
        print(
            f"no langgraph-cli at {args.peer_python}: the peer is skipped "
            "(python -m venv /tmp/peer-venv && /tmp/peer-venv/bin/pip install "
            "'langgraph-cli[inmem]')",
            file=sys.stderr,
        )
        args.peer_python = None
    modes = {
        "all": ["sequential", "wave", "latency"],
        "peer": ["sequential", "wave"],
    }.get(args.mode, [args.mode])
    if args.mode == "peer" and args.peer_python is None:
        sys.exit("--mode peer needs --peer-python")
    args.sdk_python = args.peer_python or _own_sdk_python()
    if args.host_client == SDK and args.sdk_python is None:
        sys.exit(
            "--host-client langgraph-sdk needs langgraph-sdk: install it in this venv, "
            "or pass --peer-python (a venv with langgraph-cli[inmem])"
        )
    res = Results()
    started = time.perf_counter()
    for repeat in range(args.repeats):
        for mode in modes:
            t0 = time.perf_counter()
            {"sequential": run_sequential, "wave": run_wave, "latency": run_latency}[mode](
                args, res, repeat
            )
            print(
                f"repeat {repeat + 1}/{args.repeats}: {mode} in {time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    report(args, res, modes)
    print(f"\ntotal {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
