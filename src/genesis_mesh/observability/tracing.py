"""OpenTelemetry traces, on only when an exporter is configured.

Configured by the standard OpenTelemetry variables: `OTEL_EXPORTER_OTLP_ENDPOINT` (or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) sends spans over OTLP/HTTP; `OTEL_TRACES_EXPORTER=
console` prints them; `OTEL_SERVICE_NAME` names the service (default `genesis-mesh`).
The SDK and the exporter come with the `otel` extra (`pip install genesis-mesh[otel]`).

Spans: one server span per HTTP request (it continues a client's `traceparent`), and,
derived from the event stream like the metrics, one span per run execution (start or
resume to its end) with a child span per node.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from genesis_mesh.protocol import Event, EventType

if TYPE_CHECKING:  # the runner imports this module: no web framework at run time
    from starlette.types import Scope

__all__ = ["configure_tracing", "name_server_span", "observe_events", "server_span"]

logger = logging.getLogger(__name__)

_FINAL = {
    EventType.RUN_INTERRUPTED: "interrupted",
    EventType.RUN_COMPLETED: "succeeded",
    EventType.RUN_FAILED: "failed",
    EventType.RUN_CANCELLED: "cancelled",
}


@dataclass
class _Tracing:
    """The tracer when tracing is on, and the spans of runs and nodes still open."""

    tracer: Any = None
    runs: dict[str, Any] = field(default_factory=dict)
    nodes: dict[tuple[str, str], Any] = field(default_factory=dict)


_State = _Tracing()  # per process, like the tracer provider it holds


def _exporter_wanted() -> str | None:
    env = os.environ
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return None
    chosen = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if chosen in ("none", ""):
        has_endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
        )
        return "otlp" if has_endpoint and chosen != "none" else None
    return chosen


def configure_tracing() -> bool:
    """Install a tracer provider when the environment names an exporter; True if on."""
    if _State.tracer is not None:
        return True
    wanted = _exporter_wanted()
    if wanted is None:
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
    except ImportError:
        logger.warning(
            "OpenTelemetry tracing is configured but its SDK is not installed: "
            "pip install 'genesis-mesh[otel]' (traces stay off)"
        )
        return False
    exporter: Any
    if wanted == "console":
        exporter = ConsoleSpanExporter()
    elif wanted == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    else:
        logger.warning("OTEL_TRACES_EXPORTER=%s is not supported (otlp, console); off", wanted)
        return False
    service = os.environ.get("OTEL_SERVICE_NAME") or "genesis-mesh"
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _State.tracer = provider.get_tracer("genesis_mesh")
    logger.info("OpenTelemetry traces on (%s exporter)", wanted)
    return True


# ---- HTTP ---------------------------------------------------------------------------------


@contextmanager
def server_span(scope: Scope, request_id: str) -> Iterator[Any]:
    """A server span around one HTTP request (None when tracing is off)."""
    if _State.tracer is None:
        yield None
        return
    from opentelemetry import propagate, trace

    carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or ()}
    method = scope.get("method", "GET")
    with _State.tracer.start_as_current_span(
        method,
        context=propagate.extract(carrier),
        kind=trace.SpanKind.SERVER,
        attributes={"http.request.method": method, "genesis_mesh.request_id": request_id},
    ) as span:
        yield span


def name_server_span(span: Any, scope: Scope, route: str, status: int) -> None:
    """Name the span after the route template, once routing has matched one."""
    if span is None:
        return
    from opentelemetry.trace import Status, StatusCode

    span.update_name(f"{scope.get('method', 'GET')} {route}")
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))


# ---- runs and nodes, from events ------------------------------------------------------------


def observe_events(batch: Iterable[Event]) -> None:
    """Open and close run and node spans as their events are stored."""
    if _State.tracer is None:
        return
    for event in batch:
        if event.type in (EventType.RUN_STARTED, EventType.RUN_RESUMED):
            _open_run(event)
        elif event.type == EventType.NODE_STARTED:
            _open_node(event)
        elif event.type in (EventType.NODE_COMPLETED, EventType.NODE_FAILED):
            _close_node(event)
        elif event.type in _FINAL:
            _close_run(event)


def _ns(ts: datetime) -> int:
    return int(ts.timestamp() * 1_000_000_000)


def _open_run(event: Event) -> None:
    graph = event.data.get("graph")
    attributes = {"genesis_mesh.run_id": event.run_id, "genesis_mesh.event": event.type.value}
    if isinstance(graph, str):
        attributes["genesis_mesh.graph"] = graph
    name = f"run {graph}" if isinstance(graph, str) else "run (resumed)"
    _State.runs[event.run_id] = _State.tracer.start_span(
        name, start_time=_ns(event.ts), attributes=attributes
    )


def _open_node(event: Event) -> None:
    from opentelemetry import trace

    parent = _State.runs.get(event.run_id)
    context = trace.set_span_in_context(parent) if parent is not None else None
    key = (event.run_id, str(event.data.get("task_id")))
    _State.nodes[key] = _State.tracer.start_span(
        f"node {event.node}",
        context=context,
        start_time=_ns(event.ts),
        attributes={"genesis_mesh.run_id": event.run_id, "genesis_mesh.node": event.node or ""},
    )


def _close_node(event: Event) -> None:
    span = _State.nodes.pop((event.run_id, str(event.data.get("task_id"))), None)
    if span is None:
        return
    if event.type == EventType.NODE_FAILED:
        _mark_error(span, event)
    span.end(end_time=_ns(event.ts))


def _close_run(event: Event) -> None:
    for key in [k for k in _State.nodes if k[0] == event.run_id]:
        _State.nodes.pop(key).end(end_time=_ns(event.ts))
    span = _State.runs.pop(event.run_id, None)
    if span is None:
        return
    span.set_attribute("genesis_mesh.status", _FINAL[event.type])
    if event.type == EventType.RUN_FAILED:
        _mark_error(span, event)
    span.end(end_time=_ns(event.ts))


def _mark_error(span: Any, event: Event) -> None:
    from opentelemetry.trace import Status, StatusCode

    error = event.data.get("error") or {}
    kind = error.get("type", "Error") if isinstance(error, dict) else "Error"
    span.set_attribute("error.type", str(kind))
    span.set_status(Status(StatusCode.ERROR, str(kind)))
