"""The host's memory in the wave, tree against tree: idle, idle sockets, the wave's peak.

Each variant is a source tree (its `src` goes first on PYTHONPATH, so the served host is
that tree's code) plus optional environment. Variants alternate within each round, so a
change in the machine's load falls on both sides. Per server: RSS after start-up and 3
warm-up runs, then either the wave of `host_overhead.py` (`--wave` runs over as many
sockets, durability sync, SQLite FULL; peak = the server's VmHWM) or `--idle-sockets`
sockets held open, each after one `ping` answered (RSS with them open). `--restarted`
measures a host started a second time on its data folder, as a host restarts in use
(one variant alone: `--variant name=tree:RESTARTED=1`).

    .venv/bin/python bench/wave_rss.py --variant before=/tmp/base --variant after=. --rounds 3
    .venv/bin/python bench/wave_rss.py --variant a=. --variant b=.:MALLOC_ARENA_MAX=2
    .venv/bin/python bench/wave_rss.py --variant a=. --idle-sockets 1000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import host_overhead as ho


def parse_variant(text: str) -> tuple[str, Path, dict[str, str]]:
    """`name=tree[:KEY=VALUE[:KEY=VALUE...]]`."""
    name, rest = text.split("=", 1)
    tree, *pairs = rest.split(":")
    env = dict(pair.split("=", 1) for pair in pairs)
    return name, Path(tree).resolve(), env


@contextlib.contextmanager
def environment(tree: Path, extra: dict[str, str]) -> Any:
    saved = dict(os.environ)
    os.environ["PYTHONPATH"] = f"{tree / 'src'}:{tree}"
    os.environ.update(extra)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


async def idle_sockets(server: ho.Server, count: int) -> dict[str, float]:
    await ho.host_sequential(server, 3, warmup=0)
    rss0 = ho.rss_mb(server.pid)
    async with contextlib.AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(ho._ws_connect(server.port)) for _ in range(count)
        ]
        for ws in sockets:
            await ws.send(json.dumps({"type": "ping"}))
        for ws in sockets:
            await ws.recv()
        held = ho.rss_mb(server.pid)
    return {
        "rss_idle_mb": rss0,
        "rss_open_mb": held,
        "kb_per_socket": (held - rss0) * 1024 / count,
        "peak_rss_mb": ho.peak_rss_mb(server.pid),
        "errors": 0,
    }


def one(args: argparse.Namespace, tree: Path, extra: dict[str, str]) -> dict[str, float]:
    with environment(tree, extra), tempfile.TemporaryDirectory(prefix="gm-rss-") as tmp:
        data = Path(tmp) / "data"
        if args.restarted or extra.get("RESTARTED"):
            with ho.host_server("sync", None, "FULL", data):
                pass
        with ho.host_server("sync", None, "FULL", data) as server:
            if args.idle_sockets:
                return asyncio.run(idle_sockets(server, args.idle_sockets))
            return asyncio.run(ho.host_wave(server, args.wave, args.wave))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", action="append", required=True, type=parse_variant)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wave", type=int, default=1000)
    parser.add_argument("--idle-sockets", type=int, default=0)
    parser.add_argument(
        "--restarted",
        action="store_true",
        help="measure a second start on the data folder (its database already migrated)",
    )
    args = parser.parse_args()
    rows: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in args.variant}
    for r in range(args.rounds):
        for name, tree, extra in args.variant:
            got = one(args, tree, extra)
            rows[name].append(got)
            load = os.getloadavg()[0]
            print(f"round {r} {name}: {json.dumps(got)} load {load:.1f}", flush=True)
    keys = ("rss_idle_mb", "rss_open_mb", "kb_per_socket", "peak_rss_mb", "wall_s", "errors")
    for name, got in rows.items():
        medians = {k: round(statistics.median(g[k] for g in got), 1) for k in keys if k in got[0]}
        print(f"median {name}: {medians}", flush=True)


if __name__ == "__main__":
    main()
