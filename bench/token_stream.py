"""Token streaming overhead: LLM tokens delivered to a WebSocket client vs the rate a fake
OpenAI-compatible server emits them.

The fake server (tests/llm/fake_openai.py, stdlib http.server on loopback) streams
`--tokens` chat-completion chunks at `--rate` tokens/s, recording each chunk's emit time
(`time.time()`). A real `genesis-mesh serve` runs the `echo` graph of
tests/llm/fixtures (one `ChatOpenAI.ainvoke` in one node, streaming on) with its LLM
settings pointing at the fake server; a WebSocket client starts the run and stamps every
`message.delta` on arrival. Per repeat:

- emit rate = tokens / (last emit - first emit); delivered rate = tokens / (last
  arrival - first arrival); ratio = delivered / emit (aim: >= 0.95 at 2,000 tokens/s);
- added latency per token = arrival - emit, p50 / p99 / max (same machine, same clock);
- host CPU per token: utime + stime of the host process over the run / tokens;
- baseline: the same stream read in-process by bare `ChatOpenAI.astream` (no host), so
  the host's share is the difference.

    .venv/bin/python bench/token_stream.py                    # 2,000 tokens/s, 3 repeats
    .venv/bin/python bench/token_stream.py --rate 5000 --tokens 10000
    .venv/bin/python bench/token_stream.py --burn 2           # beside two busy processes
    .venv/bin/python bench/token_stream.py --compare-src /tmp/main/src   # another source tree's
                                                              # host too, runs alternating
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from langchain_core.messages import HumanMessage  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from genesis_mesh.llm import LLMSettings, build_chat_model  # noqa: E402
from genesis_mesh.testing import LiveHost  # noqa: E402
from tests.llm.fake_openai import FakeOpenAI, Reply  # noqa: E402

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event as ProcessEvent

CONFIG = ROOT / "tests" / "llm" / "fixtures" / "langgraph.json"


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summarize(emit: list[float], arrive: list[float]) -> dict[str, float]:
    n = len(arrive)
    added = [(a - e) * 1000 for a, e in zip(arrive, emit, strict=True)]
    emit_rate = (n - 1) / (emit[-1] - emit[0])
    delivered = (n - 1) / (arrive[-1] - arrive[0])
    return {
        "emit_rate": emit_rate,
        "delivered_rate": delivered,
        "ratio": delivered / emit_rate,
        "p50_ms": quantile(added, 0.50),
        "p99_ms": quantile(added, 0.99),
        "max_ms": max(added),
    }


async def through_host(host: LiveHost, fake: FakeOpenAI, tokens: int) -> dict[str, float]:
    fake.reset()
    fake.then(Reply(tokens=[f"tok{i} " for i in range(tokens)]))
    arrive: list[float] = []
    deltas = 0
    assert host.process is not None
    cpu_before = cpu_seconds(host.process.pid)
    async with connect(host.ws_url, max_size=2**24) as ws:
        await ws.send(json.dumps({"type": "start", "graph": "echo", "input": {"question": "go"}}))
        while True:
            message = json.loads(await ws.recv())
            if message.get("type") == "message.delta":
                # Tokens still queued when the writer commits travel in one delta: every
                # token in it arrives now. They must continue the sequence in order.
                now = time.time()
                deltas += 1
                for token in message["data"]["text"].split(" ")[:-1]:
                    if token != f"tok{len(arrive)}":
                        raise AssertionError(f"token {len(arrive)} out of order")
                    arrive.append(now)
            elif message.get("type") in ("run.completed", "run.failed"):
                break
    if len(arrive) != tokens:
        raise AssertionError(f"{len(arrive)} of {tokens} tokens arrived")
    cpu = cpu_seconds(host.process.pid) - cpu_before
    return {
        **summarize(list(fake.emit_times), arrive),
        "cpu_ms": cpu / tokens * 1000,
        "tokens_per_event": tokens / deltas,
    }


async def bare(fake: FakeOpenAI, tokens: int) -> dict[str, float]:
    fake.reset()
    fake.then(Reply(tokens=[f"tok{i} " for i in range(tokens)]))
    model = build_chat_model(LLMSettings(model="bench", base_url=fake.base_url))
    arrive: list[float] = []
    async for chunk in model.astream([HumanMessage("go")]):
        # chunks that came within `stream_batch_ms` of each other arrive joined
        arrive.extend([time.time()] * chunk.text.count(" "))
    nan = float("nan")
    return {**summarize(list(fake.emit_times), arrive), "cpu_ms": nan, "tokens_per_event": nan}


def row(name: str, results: list[dict[str, float]]) -> str:
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    return (
        f"| {name} | {med['emit_rate']:,.0f} | {med['delivered_rate']:,.0f} | "
        f"{med['ratio']:.3f} | {med['p50_ms']:.2f} | {med['p99_ms']:.2f} | {med['max_ms']:.2f} | "
        f"{med['cpu_ms']:.3f} | {med['tokens_per_event']:.1f} |"
    )


def burn(stop: ProcessEvent) -> None:
    while not stop.is_set():
        sum(range(10_000))


@contextlib.contextmanager
def burners(count: int) -> Iterator[None]:
    """`count` processes spinning on a core each: the machine under load."""
    stop = multiprocessing.Event()
    procs = [multiprocessing.Process(target=burn, args=(stop,), daemon=True) for _ in range(count)]
    for proc in procs:
        proc.start()
    try:
        yield
    finally:
        stop.set()
        for proc in procs:
            proc.join(5)


def start_host(fake: FakeOpenAI, src: Path) -> LiveHost:
    host = LiveHost(Path(tempfile.mkdtemp(prefix="token-stream-")), config=CONFIG)
    host.env = {
        # the measured source first: the venv's editable install may point elsewhere
        "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)]),
        "GENESIS_MESH_LLM_MODEL": "bench",
        "GENESIS_MESH_LLM_BASE_URL": fake.base_url,
    }
    return host.start()


async def main(args: argparse.Namespace) -> None:
    fake = FakeOpenAI(token_rate=args.rate).start()
    sources = {"this checkout": ROOT / "src"}
    if args.compare_src:
        sources[str(args.compare_src)] = args.compare_src.resolve()
    hosts = {name: start_host(fake, src) for name, src in sources.items()}
    hosted: dict[str, list[dict[str, float]]] = {name: [] for name in hosts}
    try:
        for host in hosts.values():
            await through_host(host, fake, 200)  # warm-up: imports, first connection
        with burners(args.burn):
            for _ in range(args.repeats):
                for name, host in hosts.items():  # alternating: the same load for each
                    hosted[name].append(await through_host(host, fake, args.tokens))
        baseline = [await bare(fake, args.tokens) for _ in range(args.repeats)]
    finally:
        for host in hosts.values():
            host.stop()
        fake.stop()
    print(
        f"{args.tokens} tokens at {args.rate:,.0f} tokens/s, medians of {args.repeats}, "
        f"{args.burn} busy processes beside the hosts\n"
    )
    print(
        "| path | emit tok/s | delivered tok/s | ratio | p50 ms | p99 ms | max ms "
        "| host CPU ms/token | tokens/event |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, results in hosted.items():
        print(row(f"fake server → host ({name}) → WebSocket client", results))
    print(row("fake server → bare ChatOpenAI.astream", baseline))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=2000.0, help="tokens per second emitted")
    parser.add_argument("--tokens", type=int, default=4000, help="tokens per run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--burn", type=int, default=0, help="busy processes running beside the hosted runs"
    )
    parser.add_argument(
        "--compare-src",
        type=Path,
        help="another source tree (its src/): a second host of it, runs alternating",
    )
    asyncio.run(main(parser.parse_args()))
