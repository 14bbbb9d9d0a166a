"""Rows of the runs and events tables become protocol models here, and models become rows
here, and nowhere else."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Row

from genesis_mesh.protocol import Event, EventType, RunInfo, RunStatus
from genesis_mesh.store.clock import aware, utcnow
from genesis_mesh.store.tables import events, runs

SQLITE_INSERT_EVENTS = (
    "INSERT OR IGNORE INTO events (run_id, seq, ts, type, node, task_id, data) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
"""The SQLite hot path's statement; its rows come from `sqlite_event_row`."""


def runs_query() -> Any:
    """Runs with `last_seq`, the highest stored event number (read off the primary key)."""
    last_seq = (
        select(func.coalesce(func.max(events.c.seq), 0))
        .where(events.c.run_id == runs.c.id)
        .scalar_subquery()
        .label("last_seq")
    )
    return select(runs, last_seq)


def run_info(row: Row[Any]) -> RunInfo:
    """A row of `runs_query()` as the protocol's run."""
    return RunInfo(
        run_id=row.id,
        thread_id=row.thread_id,
        graph=row.graph,
        status=RunStatus(row.status),
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        input=row.input,
        output=row.output,
        error=row.error,
        interrupt=row.interrupt,
        last_seq=row.last_seq,
        stop_requested=row.stop_requested,
        superseded_by=row.superseded_by,
        context=row.context,
        config=row.config,
        stream_modes=row._mapping["stream_modes"] or [],
        not_before=None if row.not_before is None else aware(row.not_before),
    )


def run_columns(values: dict[str, Any]) -> dict[str, Any]:
    """Column values of a run update (a `RunStatus` stored as its value), `updated_at` now."""
    columns = dict(values)
    if isinstance(columns.get("status"), RunStatus):
        columns["status"] = columns["status"].value
    columns["updated_at"] = utcnow()
    return columns


def event_from_row(row: Row[Any]) -> Event:
    return Event(
        run_id=row.run_id,
        seq=row.seq,
        ts=aware(row.ts),
        type=EventType(row.type),
        node=row.node,
        data=row.data or {},
    )


def event_row(e: Event) -> dict[str, Any]:
    return {
        "run_id": e.run_id,
        "seq": e.seq,
        "ts": e.ts,
        "type": e.type.value,
        "node": e.node,
        "task_id": _task_id(e),
        "data": e.data,
    }


def sqlite_event_row(e: Event) -> tuple[Any, ...]:
    """A row as SQLAlchemy's SQLite types store it (naive UTC text timestamp, JSON text)."""
    ts = e.ts.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    data = e.data_json()  # encoded once: the socket's envelope embeds the same text
    if data is None:
        data = json.dumps(e.data, separators=(",", ":"), default=str)
    return (e.run_id, e.seq, ts, e.type.value, e.node, _task_id(e), data)


def _task_id(e: Event) -> Any:
    return e.data.get("task_id") if e.type == EventType.NODE_COMPLETED else None
