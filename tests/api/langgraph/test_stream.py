"""The LangGraph Server stream translation alone, on stored events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from genesis_mesh.api.langgraph.stream import SUPPORTED_MODES, Translator
from genesis_mesh.protocol import Event, EventType


async def _state() -> dict[str, Any]:
    return {"visited": ["one"]}


async def test_a_shutdown_announcement_streams_nothing_the_pause_streams_the_state() -> None:
    translator = Translator(sorted(SUPPORTED_MODES), _state)
    now = datetime.now(UTC)
    stopping = Event(
        run_id="r-1", seq=3, ts=now, type=EventType.RUN_STOPPING, data={"reason": "shutdown"}
    )
    paused = Event(
        run_id="r-1", seq=4, ts=now, type=EventType.RUN_INTERRUPTED, data={"reason": "shutdown"}
    )
    assert await translator.translate(stopping) == []
    parts = await translator.translate(paused)
    assert [(p.event, p.data, p.id) for p in parts] == [("values", {"visited": ["one"]}, "4")]
