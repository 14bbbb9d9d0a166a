"""A functional-API entrypoint that takes any JSON value."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.func import entrypoint


@entrypoint(checkpointer=InMemorySaver())
async def echo(value: Any) -> dict[str, Any]:
    return {"got": value, "kind": type(value).__name__}
