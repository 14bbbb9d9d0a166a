"""Prometheus metrics of one process, served at `/metrics`.

Run, node and event metrics are derived from the event stream: the event log hands every
batch it stored to `observe_events`, so they count what really happened and cost one
call per batch. Labels stay few and bounded (status, node name, event type, model,
route template): never a run, thread or user id.

Metrics are per process, like loggers: one registry per process, built on first use.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from genesis_mesh.protocol import Event, EventType

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["CONTENT_TYPE", "Metrics", "get_metrics", "pending_runs"]

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
_NS = "genesis_mesh"
_FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_SLOW = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)

_RUN_STATUS = {
    EventType.RUN_STARTED: "running",
    EventType.RUN_RESUMED: "running",
    EventType.RUN_INTERRUPTED: "interrupted",
    EventType.RUN_COMPLETED: "succeeded",
    EventType.RUN_FAILED: "failed",
    EventType.RUN_CANCELLED: "cancelled",
}
_NODE_OUTCOME = {EventType.NODE_COMPLETED: "completed", EventType.NODE_FAILED: "failed"}


@dataclass
class _Open:
    """What is running now, to measure how long it took when it ends."""

    runs: dict[str, datetime] = field(default_factory=dict)
    nodes: dict[tuple[str, str], datetime] = field(default_factory=dict)


class Metrics:
    """The instruments, on their own registry (plus process, platform and GC metrics)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        r = self.registry
        self._children: dict[tuple[Any, ...], Any] = {}
        self.runs = Counter(
            f"{_NS}_runs",
            "Runs entering a status (running counts starts and resumes).",
            ["status"],
            registry=r,
        )
        self.runs_running = Gauge(
            f"{_NS}_runs_running", "Runs executing in this process now.", registry=r
        )
        self.runs_pending = Gauge(
            f"{_NS}_runs_pending",
            "Runs waiting to start (queue depth), read at scrape.",
            registry=r,
        )
        self.run_duration = Histogram(
            f"{_NS}_run_duration_seconds",
            "One execution of a run, start or resume to its end.",
            ["status"],
            buckets=_SLOW,
            registry=r,
        )
        self.node_duration = Histogram(
            f"{_NS}_node_duration_seconds",
            "node.started to node.completed/node.failed.",
            ["node", "outcome"],
            buckets=_SLOW,
            registry=r,
        )
        self.events = Counter(
            f"{_NS}_events",
            "Events stored and published, by type (rate() = events/s).",
            ["type"],
            registry=r,
        )
        self.websockets_open = Gauge(
            f"{_NS}_websockets_open", "WebSocket connections open now.", registry=r
        )
        self.llm_tokens = Counter(
            f"{_NS}_llm_tokens",
            "LLM tokens, by model and kind (input or output).",
            ["model", "kind"],
            registry=r,
        )
        self.llm_first_token = Histogram(
            f"{_NS}_llm_time_to_first_token_seconds",
            "A streamed call's start to its first chunk.",
            ["model"],
            buckets=(*_FAST, 30, 60),
            registry=r,
        )
        self.llm_latency = Histogram(
            f"{_NS}_llm_request_duration_seconds",
            "One chat model call, start to end.",
            ["model", "outcome"],
            buckets=_SLOW,
            registry=r,
        )
        self.llm_limit_hits = Counter(
            f"{_NS}_llm_token_limit_exceeded",
            "Runs stopped by the LLM tokens-per-run limit.",
            registry=r,
        )
        self.llm_cache_lookups = Counter(
            f"{_NS}_llm_cache_lookups",
            "LLM response cache lookups of cached runs, by graph and outcome (hit or miss).",
            ["graph", "outcome"],
            registry=r,
        )
        self.http_requests = Counter(
            f"{_NS}_http_requests",
            "HTTP requests answered, by route template and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_duration = Histogram(
            f"{_NS}_http_request_duration_seconds",
            "HTTP request duration (SSE: whole stream).",
            ["method", "route"],
            buckets=_FAST,
            registry=r,
        )
        self._open = _Open()

    # ---- events -------------------------------------------------------------------------

    def observe_events(self, batch: Iterable[Event]) -> None:
        """Count a stored batch of events and time runs and nodes.

        Counted per batch and type, on label children looked up once per process:
        `labels()` builds a key and takes the metric's lock on every call."""
        counts: dict[str, int] = {}
        for event in batch:
            counts[event.type.value] = counts.get(event.type.value, 0) + 1
            if event.type in _RUN_STATUS:
                self._observe_run(event)
            elif event.type == EventType.NODE_STARTED:
                self._open.nodes[(event.run_id, _task_key(event))] = event.ts
            elif event.type in _NODE_OUTCOME:
                started = self._open.nodes.pop((event.run_id, _task_key(event)), None)
                if started is not None and event.node:
                    seconds = (event.ts - started).total_seconds()
                    self._child(self.node_duration, event.node, _NODE_OUTCOME[event.type]).observe(
                        seconds
                    )
        for type_, count in counts.items():
            self._child(self.events, type_).inc(count)

    def _child(self, metric: Any, *labels: str) -> Any:
        """`metric.labels(*labels)`, remembered (children live as long as their metric)."""
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def _observe_run(self, event: Event) -> None:
        status = _RUN_STATUS[event.type]
        self._child(self.runs, status).inc()
        if status == "running":
            self._open.runs[event.run_id] = event.ts
        else:
            started = self._open.runs.pop(event.run_id, None)
            if started is not None:
                self.run_duration.labels(status).observe((event.ts - started).total_seconds())
            for key in [k for k in self._open.nodes if k[0] == event.run_id]:
                del self._open.nodes[key]
        self.runs_running.set(len(self._open.runs))

    # ---- the rest -----------------------------------------------------------------------

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.http_requests.labels(method, route, str(status)).inc()
        self.http_duration.labels(method, route).observe(seconds)

    def observe_llm_call(
        self, model: str, seconds: float, outcome: str, input_tokens: int, output_tokens: int
    ) -> None:
        self.llm_latency.labels(model, outcome).observe(seconds)
        if input_tokens:
            self.llm_tokens.labels(model, "input").inc(input_tokens)
        if output_tokens:
            self.llm_tokens.labels(model, "output").inc(output_tokens)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)


def _task_key(event: Event) -> str:
    return str(event.data.get("task_id") or event.node or "")


_metrics: Metrics | None = None


def get_metrics() -> Metrics:
    """This process's metrics, built on first use."""
    global _metrics
    if _metrics is None:
        _metrics = Metrics()
    return _metrics


async def pending_runs(engine: AsyncEngine) -> int:
    """Queue depth: runs stored `pending` (one indexed COUNT)."""
    from sqlalchemy import func, select

    from genesis_mesh.store.tables import runs

    query = select(func.count()).select_from(runs).where(runs.c.status == "pending")
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())
