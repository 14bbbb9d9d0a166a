"""How the topical_mesh analysis scales: 1,000 / 10,000 / 50,000 generated pages.

For each size, every repeat runs in a fresh process (so peak memory is per size) and
reports: the time to merely list and read the files, the parse / score / recommend /
write node times of the real graph (local source, no clone), pages per second, peak
RSS of the analysing process and of its page-reading workers. Medians are printed.

    .venv/bin/python bench/mesh_scale.py                 # 1k, 10k, 50k, 3 repeats
    .venv/bin/python bench/mesh_scale.py --sizes 1000 --repeat 1
    .venv/bin/python bench/mesh_scale.py --against /path/to/other/checkout   # before/after

With `--against`, each repeat runs the other checkout's graph and then this one's, one
after the other, so both see the same load; the `x read` column is the median of each
run's own ratio. `cpu s` is the CPU time of the analysing process during the analysis,
`workers cpu s` that of its page workers (steadier than wall time on a busy machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def read_only_seconds(site: Path) -> float:
    """The floor: list the markdown files and read each one, nothing else."""
    from graphs.topical_mesh.reader import read_inside, scan_markdown

    started = time.perf_counter()
    root = os.path.realpath(site)
    for rel in scan_markdown(root, 10_000_000).files:
        read_inside(root, rel, 1 << 20)
    return time.perf_counter() - started


async def analyse(site: Path, pages: int) -> dict[str, float]:
    """Run the real graph over the local folder, timing each node."""
    from langgraph.checkpoint.memory import InMemorySaver

    from graphs.topical_mesh.context import Context
    from graphs.topical_mesh.graph import build_graph

    compiled = build_graph().compile(checkpointer=InMemorySaver())
    ctx = Context(allow_local_sources=True, max_pages_cap=pages, workdir=tempfile.gettempdir())
    times: dict[str, float] = {}
    started = last = time.perf_counter()
    async for chunk in compiled.astream(
        {"repo_url": str(site), "max_pages": pages},
        {"configurable": {"thread_id": "bench"}},
        context=ctx,
        stream_mode="updates",
    ):
        now = time.perf_counter()
        times[next(iter(chunk))] = now - last
        last = now
    times["total"] = time.perf_counter() - started
    return times


def one_run(size: int, words: int) -> dict[str, Any]:
    """One measurement in this process (called in a child by `main`)."""
    from graphs.topical_mesh.sitegen import generate_site

    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        generate_site(site, size, words=words)
        read_s = read_only_seconds(site)
        cpu_before = _cpu_seconds()
        times = asyncio.run(analyse(site, size))
        cpu = [after - before for after, before in zip(_cpu_seconds(), cpu_before, strict=True)]
    kib = 1024
    return {
        "size": size,
        "read_s": read_s,
        **{f"{k}_s": v for k, v in times.items()},
        "cpu_s": cpu[0],
        "worker_cpu_s": cpu[1],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kib,
        "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / kib,
    }


def _cpu_seconds() -> tuple[float, float]:
    """User + system CPU seconds of this process and of its finished children (the page
    workers): on a shared machine, steadier than wall time."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def fresh_run(checkout: Path, size: int, words: int) -> dict[str, Any]:
    """One run of `checkout`'s bench in a new process, importing that checkout's code."""
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    out = subprocess.run(
        [
            sys.executable,
            str(checkout / "bench" / "mesh_scale.py"),
            "--one",
            str(size),
            "--words",
            str(words),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=checkout,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Median of each column; `x_read` is the median of each run's own total / read."""
    found = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    found["x_read"] = statistics.median(r["total_s"] / r["read_s"] for r in runs)
    return found


def measure(
    size: int, repeat: int, words: int, against: Path | None
) -> dict[str, dict[str, float]]:
    """Medians of `repeat` fresh-process runs per checkout, interleaved."""
    codes = {"before": against, "after": ROOT} if against else {"this": ROOT}
    runs: dict[str, list[dict[str, Any]]] = {code: [] for code in codes}
    for _ in range(repeat):
        for code, checkout in codes.items():
            runs[code].append(fresh_run(checkout, size, words))
    return {code: medians(found) for code, found in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated page counts")
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process runs per size")
    parser.add_argument("--words", type=int, default=300, help="body words per page")
    parser.add_argument("--against", type=Path, help="another checkout to measure alongside")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one, args.words)))
        return
    header = (
        f"{'code':>6} {'pages':>7} {'read s':>7} {'parse s':>8} {'score s':>8} {'recommend s':>11} "
        f"{'total s':>8} {'pages/s':>8} {'x read':>7} {'peak MB':>8} {'workers MB':>10} "
        f"{'cpu s':>6} {'workers cpu s':>13}"
    )
    print(header)
    against = args.against.resolve() if args.against else None
    for size in (int(s) for s in args.sizes.split(",")):
        for code, m in measure(size, args.repeat, args.words, against).items():
            print(
                f"{code:>6} {size:>7} {m['read_s']:>7.2f} {m['parse_s']:>8.2f} "
                f"{m['score_s']:>8.2f} {m['recommend_s']:>11.2f} {m['total_s']:>8.2f} "
                f"{size / m['total_s']:>8.0f} {m['x_read']:>7.1f} {m['peak_rss_mb']:>8.0f} "
                f"{m['worker_peak_rss_mb']:>10.0f} {m.get('cpu_s', math.nan):>6.2f} "
                f"{m.get('worker_cpu_s', math.nan):>13.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
