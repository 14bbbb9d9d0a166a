"""The functional API: an `@entrypoint` taking any JSON value and `@task`s doing the work."""

from __future__ import annotations

from typing import Any

from langgraph.func import entrypoint, task


@task
def shout(text: str) -> str:
    return text.upper()


@task
def measure(value: Any) -> int:
    return len(value)


@entrypoint()
async def graph(value: Any) -> dict[str, Any]:
    """A string is shouted, a list counted, an object's keys listed."""
    if isinstance(value, str):
        return {"kind": "string", "result": await shout(value)}
    if isinstance(value, list):
        sizes = await measure(value)
        return {"kind": "list", "result": sizes, "first": value[0] if value else None}
    if isinstance(value, dict):
        return {"kind": "object", "result": sorted(value)}
    return {"kind": type(value).__name__, "result": value}
