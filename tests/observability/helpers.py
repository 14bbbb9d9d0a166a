"""Reading what a live host wrote: its JSON log lines and its Prometheus metrics."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families


def json_log_lines(path: Path) -> list[dict[str, Any]]:
    """The host's log lines that are JSON objects (the CLI's banner is not a log line)."""
    lines = []
    for raw in path.read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def scrape(http: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """`/metrics` as {(sample name, sorted labels): value}."""
    answer = http.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    """One sample's value; 0 when the series does not exist yet."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape_until(
    http: httpx.Client, holds: Callable[[Samples], bool], timeout: float = 10.0
) -> Samples:
    """Scrape until `holds` is true of the samples (metrics follow the stored events a
    moment after the run's status is visible)."""
    deadline = time.monotonic() + timeout
    samples = scrape(http)
    while not holds(samples):
        if time.monotonic() > deadline:
            raise AssertionError(f"metrics never matched; last scrape: {samples}")
        time.sleep(0.05)
        samples = scrape(http)
    return samples
