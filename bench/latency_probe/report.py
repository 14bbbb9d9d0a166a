"""Where each event's latency went, from the files `sitecustomize.py` wrote.

    python bench/latency_probe/report.py /tmp/probe.*

One line per server process and protocol (`/ws`, or the Agent Streaming Protocol when
the event was mapped): each stage's p50 / p99 in ms, then emit to sent.
"""

from __future__ import annotations

import json
import sys
from typing import Any

STAGES = [
    ("emit", "append", "node to event log"),
    ("append", "store_start", "waiting for the writer"),
    ("store_start", "thread_start", "hop to the writer thread"),
    ("thread_start", "thread_done", "insert and commit (fsync)"),
    ("thread_done", "committed", "hop back to the loop"),
    ("committed", "send", "publish, map, queue"),
    ("send", "sent", "socket send"),
    ("emit", "sent", "emit to sent"),
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(path: str) -> None:
    with open(path) as stored:
        rows: list[dict[str, Any]] = json.load(stored)
    for protocol, wanted in (("/ws", False), ("agent protocol", True)):
        done = [row for row in rows if ("mapped" in row) == wanted and "sent" in row]
        if not done:
            continue
        cells = []
        for start, end, name in STAGES:
            ms = [(row[end] - row[start]) * 1000 for row in done if start in row and end in row]
            cells.append(f"{name} {percentile(ms, 50):.2f}/{percentile(ms, 99):.2f}")
        print(f"{path} {protocol} ({len(done)} events): " + "; ".join(cells))


if __name__ == "__main__":
    for name in sys.argv[1:]:
        report(name)
