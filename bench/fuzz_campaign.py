"""The WebSocket fuzz campaign at full size: 100,000 Hypothesis-generated messages against
a real `genesis-mesh serve` on loopback, then the counts.

The inputs and the oracle are the test suite's (tests/fuzz/wsfuzz.py): malformed JSON,
deep nesting, huge integers and documents, NaN/Infinity, NUL and lone surrogates in ids,
invalid UTF-8 (binary frames; text frames, which must be closed with 1007), every message
type with wrong, missing or extra fields, and well-formed messages about runs and graphs
that do not exist. Each must get an `error` (a valid ping a `pong`); anything else (no
reply, `internal_error`, an unexpected close) is a crash, and the campaign expects 0.
Afterwards `/health` must answer and a normal run must complete.

    .venv/bin/python bench/fuzz_campaign.py                       # 100,000 messages, SQLite
    .venv/bin/python bench/fuzz_campaign.py --messages 5000 \\
        --database-url postgresql+psycopg://127.0.0.1:5432/fuzz   # an existing empty database
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from genesis_mesh.testing import LiveHost  # noqa: E402
from tests.fuzz.wsfuzz import Fuzzer, Probe, Tally, probes  # noqa: E402
from tests.wsclient import ProtocolClient  # noqa: E402

UNLIMITED = {
    "GENESIS_MESH_WS_MESSAGES_PER_SECOND": "1e9",
    "GENESIS_MESH_WS_MESSAGE_BURST": "1000000000",
}


def campaign(fuzzer: Fuzzer, messages: int) -> None:
    """Generate `messages` probes with Hypothesis; count every outcome, stop on none."""

    @given(probe=probes())
    @settings(
        max_examples=messages,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def send(probe: Probe) -> None:
        fuzzer.send(probe)
        if fuzzer.tally.tried % 10_000 == 0:
            print(f"  {fuzzer.tally.tried:,} sent, {fuzzer.tally.crashes} crashes", flush=True)

    send()


async def normal_run_completes(host: LiveHost) -> bool:
    client = await ProtocolClient.open(host.ws_url)
    try:
        await client.send({"type": "start", "graph": "steps", "input": {"delay": 0.01}})
        started = await client.until(lambda m: m.get("type") == "run.started")
        events = await client.run_events(started[-1]["run_id"])
        return events[-1]["type"] == "run.completed"
    finally:
        await client.close()


def report(tally: Tally, seconds: float, health: bool, run_ok: bool, tracebacks: int) -> None:
    print(f"inputs tried     {tally.tried:>9,}")
    print(f"errors returned  {tally.errors:>9,}")
    print(f"pongs (valid)    {tally.pongs:>9,}")
    print(f"closed 1007      {tally.closed_1007:>9,}  (text frames that are not UTF-8)")
    print(f"crashes          {tally.crashes:>9,}  (must be 0)")
    print(f"time             {seconds:>9.1f} s  ({tally.tried / seconds:,.0f} messages/s)")
    print(
        f"afterwards       /health {'ok' if health else 'FAILED'}, "
        f"normal run {'completed' if run_ok else 'FAILED'}, "
        f"other server tracebacks {tracebacks}"
    )
    print("inputs by kind   " + ", ".join(f"{k} {v:,}" for k, v in tally.by_kind.most_common()))
    print("errors by code   " + ", ".join(f"{k} {v:,}" for k, v in tally.by_code.most_common()))
    for sample in tally.crash_samples:
        print("  crash:", sample)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        env = dict(UNLIMITED)
        if args.database_url:
            env["GENESIS_MESH_DATABASE_URL"] = args.database_url
        config = ROOT / "tests" / "fixtures" / "langgraph.json"
        host = LiveHost(Path(workdir), config=config, env=env).start()
        fuzzer = Fuzzer(host.ws_url)
        try:
            began = time.monotonic()
            campaign(fuzzer, args.messages)
            seconds = time.monotonic() - began
            fuzzer.close()
            with host.client() as http:
                health = http.get("/health").json() == {"status": "ok"}
            run_ok = asyncio.run(normal_run_completes(host))
        finally:
            host.stop()
        log = host.log_path.read_text()
        # uvicorn logs each text frame that is not UTF-8 with a traceback, then closes 1007.
        tracebacks = log.count("Traceback") - log.count("Invalid UTF-8 sequence received")
    report(fuzzer.tally, seconds, health, run_ok, tracebacks)
    return 0 if fuzzer.tally.crashes == 0 and health and run_ok and not tracebacks else 1


if __name__ == "__main__":
    sys.exit(main())
