"""OpenTelemetry traces, exported over OTLP/HTTP to a collector on loopback: a span per
request (continuing the client's traceparent), per run and per node."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LiveHost, require
from tests.observability.otlp_collector import OTLPCollector, Span

SERVER_KIND = 2  # SpanKind.SPAN_KIND_SERVER in the OTLP protobuf
STATUS_ERROR = 2
CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"


@pytest.fixture
def collector() -> Iterator[OTLPCollector]:
    require(
        importlib.util.find_spec("opentelemetry.sdk") is not None
        and importlib.util.find_spec("opentelemetry.exporter.otlp.proto.http") is not None,
        "the otel extra is not installed (pip install -e '.[otel]')",
    )
    running = OTLPCollector().start()
    yield running
    running.stop()


@pytest.fixture
def traced_host(tmp_path: Path, collector: OTLPCollector) -> Iterator[LiveHost]:
    live = LiveHost(tmp_path)
    live.env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
        "OTEL_SERVICE_NAME": "gm-trace-test",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    live.start()
    yield live
    live.stop()


def by_name(spans: list[Span], name: str) -> list[Span]:
    return [s for s in spans if s.name == name]


def test_requests_runs_and_nodes_become_spans(
    traced_host: LiveHost, collector: OTLPCollector
) -> None:
    with traced_host.client() as http:
        ok = http.post(
            "/api/v1/runs",
            json={"graph": "steps", "input": {}},
            headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"},
        ).json()
        bad = http.post("/api/v1/runs", json={"graph": "failing", "input": {}}).json()
        traced_host.wait_for_status(ok["run_id"], {"succeeded"})
        traced_host.wait_for_status(bad["run_id"], {"failed"})

    spans = collector.wait_for(
        lambda s: (
            len(by_name(s, "run steps")) == 1
            and len(by_name(s, "run failing")) == 1
            and len(by_name(s, "node boom")) == 1
            and len([x for x in s if x.name.startswith("node ")]) == 7
        )
    )
    assert {s.service for s in spans} == {"gm-trace-test"}

    start = next(s for s in by_name(spans, "POST /api/v1/runs") if s.trace_id == CLIENT_TRACE)
    assert start.parent_span_id == CLIENT_SPAN
    assert start.kind == SERVER_KIND
    assert start.attributes["http.route"] == "/api/v1/runs"
    assert start.attributes["http.response.status_code"] == 202

    (run,) = by_name(spans, "run steps")
    assert run.attributes["genesis_mesh.run_id"] == ok["run_id"]
    assert run.attributes["genesis_mesh.status"] == "succeeded"
    nodes = [s for s in spans if s.parent_span_id == run.span_id]
    assert sorted(s.name for s in nodes) == sorted(
        f"node {n}" for n in ("one", "two", "three", "four", "five")
    )
    assert {s.trace_id for s in nodes} == {run.trace_id}

    (failed_run,) = by_name(spans, "run failing")
    (boom,) = by_name(spans, "node boom")
    assert failed_run.status_code == STATUS_ERROR
    assert boom.parent_span_id == failed_run.span_id
    assert boom.status_code == STATUS_ERROR
    assert boom.attributes["error.type"] == "RuntimeError"
    assert "quota" not in str(boom.attributes)  # error messages stay out of spans
