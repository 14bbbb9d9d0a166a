"""Observability: structured logs with request and run ids, Prometheus metrics, OpenTelemetry
traces, and the LLM token meter. See docs/observability.md."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from genesis_mesh.observability import llm_usage, tracing
from genesis_mesh.observability.metrics import get_metrics
from genesis_mesh.protocol import Event

__all__ = ["observe_events"]

logger = logging.getLogger(__name__)


def observe_events(batch: Sequence[Event]) -> None:
    """Feed a stored batch of events to the metrics, the traces and the token ledger.

    Called by the event log after each commit; it never raises (observability must not
    stop events)."""
    try:
        get_metrics().observe_events(batch)
        tracing.observe_events(batch)
        llm_usage.forget_finished_runs(batch)
    except Exception:
        logger.exception("observing %d events failed", len(batch))
