"""Progress events through LangGraph's custom stream, and the run id of the current run."""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.config import get_config, get_stream_writer
from langgraph.runtime import Runtime

MAX_EVENTS = 50


class Progress:
    """Writes `{"message", "done", "total"}` dicts; at most ~MAX_EVENTS counted updates."""

    def __init__(self) -> None:
        try:
            self._write = get_stream_writer()
        except RuntimeError:  # called outside a graph run (unit tests of helpers)
            self._write = _no_op
        self._last_done = -1

    def say(self, message: str, done: int | None = None, total: int | None = None) -> None:
        """Emit one event; counted events closer than total/MAX_EVENTS apart are dropped."""
        event: dict[str, Any] = {"message": message}
        if done is not None and total:
            step = max(1, total // MAX_EVENTS)
            recent = 0 <= self._last_done <= done and done - self._last_done < step
            if done != total and recent:
                return
            self._last_done = done
            event.update(done=done, total=total)
        self._write(event)


def _no_op(_chunk: Any) -> None:
    return None


def run_id(runtime: Runtime[Any] | None) -> str:
    """The thread/run id when LangGraph knows it, otherwise a fresh uuid."""
    info = getattr(runtime, "execution_info", None)
    for value in (getattr(info, "thread_id", None), getattr(info, "run_id", None)):
        if value:
            return str(value)
    try:
        configurable = get_config().get("configurable", {})
    except RuntimeError:
        configurable = {}
    value = configurable.get("thread_id") or configurable.get("run_id")
    return str(value) if value else uuid.uuid4().hex
