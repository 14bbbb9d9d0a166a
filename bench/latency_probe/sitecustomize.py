"""Timestamps of each `chatty` event on its way through the host (bench only).

Put this folder first on the server's PYTHONPATH with LATENCY_PROBE_OUT set: every
process then records, per event (keyed by its `emit_ts`), when it was appended to the
event log, handed to the writer, committed on the writer thread, back on the loop, mapped
by the Agent Streaming Protocol, queued for its socket and sent; and writes them to
`$LATENCY_PROBE_OUT.<pid>` as JSON at each run's end. `report.py` prints the stages.
It wraps internal functions, so it follows the code it measures, not the other way.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import time
from typing import Any

_OUT = os.environ.get("LATENCY_PROBE_OUT")
_marks: dict[float, dict[str, float]] = {}
_EMIT = re.compile(r'"emit_ts":\s*([0-9.eE+-]+)')


def _mark(key: float | None, stage: str) -> None:
    if key is not None:
        _marks.setdefault(key, {}).setdefault(stage, time.time())


def _key(data: Any) -> float | None:
    if isinstance(data, dict):
        if "emit_ts" in data:
            return float(data["emit_ts"])
        for value in data.values():
            if (found := _key(value)) is not None:
                return found
    return None


def _dump() -> None:
    if _marks:
        with open(f"{_OUT}.{os.getpid()}", "w") as out:
            json.dump([{"emit": key, **stages} for key, stages in _marks.items()], out)


def _install() -> None:
    from starlette.websockets import WebSocket

    from genesis_mesh.api.agent_protocol import mapping, routes
    from genesis_mesh.runner import event_log
    from genesis_mesh.store import events

    append, store = event_log.EventLog.append, event_log.EventLog._store_with_retry
    write, map_ = events.EventRows._append_sync, mapping.RunMapper.map
    put, send_text = routes._Socket._put, WebSocket.send_text

    def appended(self: Any, run_id: str, draft: Any, run_update: Any = None) -> Any:
        event = append(self, run_id, draft, run_update)
        _mark(_key(event.data), "append")
        if event.type.value == "run.completed":
            _dump()
        return event

    async def stored(self: Any, batch: list[Any], *rest: Any) -> Any:
        for event in batch:
            _mark(_key(event.data), "store_start")
        result = await store(self, batch, *rest)
        for event in batch:
            _mark(_key(event.data), "committed")
        return result

    def written(self: Any, batch: list[Any], *rest: Any) -> Any:
        for event in batch:
            _mark(_key(event.data), "thread_start")
        result = write(self, batch, *rest)
        for event in batch:
            _mark(_key(event.data), "thread_done")
        return result

    def mapped(self: Any, event: Any) -> Any:
        _mark(_key(event.data), "mapped")
        return map_(self, event)

    def queued(self: Any, message: Any) -> Any:
        _mark(_key(message), "put")
        return put(self, message)

    async def sent(self: Any, data: str) -> None:
        found = _EMIT.search(data)
        key = float(found.group(1)) if found else None
        _mark(key, "send")
        await send_text(self, data)
        _mark(key, "sent")

    event_log.EventLog.append = appended  # type: ignore[method-assign]
    event_log.EventLog._store_with_retry = stored  # type: ignore[method-assign]
    events.EventRows._append_sync = written  # type: ignore[method-assign]
    mapping.RunMapper.map = mapped  # type: ignore[method-assign]
    routes._Socket._put = queued  # type: ignore[method-assign]
    WebSocket.send_text = sent  # type: ignore[method-assign]
    atexit.register(_dump)


if _OUT:
    _install()
