"""Every stream mode but the LLM ones with `stream_subgraphs=True` through `langgraph-sdk`,
held to bare LangGraph's `astream(stream_mode=[...], subgraphs=True)` for the same graph:
each mode's parts in order, subgraph parts named `mode|namespace`, on both modes of the
host. Ids (threads, runs, tasks, checkpoints, interrupts) and times are random: each
distinct one becomes a placeholder numbered by first appearance, so parts must still
point at the same tasks and checkpoints as LangGraph's do."""

from __future__ import annotations

import dataclasses
import re
import uuid
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from langgraph_sdk.client import LangGraphClient

from tests.api.langgraph.conftest import ON_BOTH_MODES
from tests.fixtures.graphs.sub_ask import build_graph

pytestmark = ON_BOTH_MODES

MODES = ["values", "updates", "custom", "tasks", "checkpoints", "debug"]
ID = re.compile(
    r"run-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}"
)
Parts = list[tuple[str, Any]]


class Ids:
    """Numbers each distinct id in the order it is first seen."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self, match: re.Match[str]) -> str:
        return self.seen.setdefault(match.group(0), f"<id{len(self.seen)}>")


def normalised(value: Any, ids: Ids) -> Any:
    """A part without times, its ids numbered, and without the `run_id` a server's run
    has in its config (as LangGraph Server's does) and LangGraph forwards: into a
    checkpoint's config, and as a task's `metadata`. The bare run has none."""
    if isinstance(value, dict):
        kept = {
            ID.sub(ids, k): normalised(v, ids)
            for k, v in value.items()
            if k not in ("timestamp", "run_id")
        }
        if "triggers" in kept and kept.get("metadata") == {}:
            del kept["metadata"]
        return kept
    if isinstance(value, list | tuple):
        return [normalised(v, ids) for v in value]
    if isinstance(value, str):
        return ID.sub(ids, value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # an Interrupt
        return normalised(dataclasses.asdict(value), ids)
    return value


def by_mode(parts: Parts) -> dict[str, Parts]:
    """Each mode's parts in order (LangGraph gives them in this order mode by mode)."""
    grouped: dict[str, Parts] = {}
    for event, data in parts:
        grouped.setdefault(event.split("|")[0], []).append((event, data))
    return grouped


async def bare_parts(turns: list[Any]) -> Parts:
    graph = build_graph().compile(checkpointer=InMemorySaver())
    config: Any = {"configurable": {"thread_id": str(uuid.uuid4())}}
    parts = []
    for turn in turns:
        async for namespace, mode, chunk in graph.astream(
            turn, config, stream_mode=MODES, subgraphs=True
        ):
            parts.append(("|".join([mode, *namespace]), chunk))
    return parts


async def served_parts(client: LangGraphClient, turns: list[dict[str, Any]]) -> Parts:
    thread = await client.threads.create()
    parts = []
    for turn in turns:
        async for part in client.runs.stream(
            thread["thread_id"], "sub_ask", stream_mode=MODES, stream_subgraphs=True, **turn
        ):
            if part.event not in ("metadata", "end"):
                parts.append((part.event, part.data))
    return parts


async def test_each_mode_of_a_subgraph_run_streams_what_bare_langgraph_streams(
    client: LangGraphClient,
) -> None:
    bare = await bare_parts([{"log": []}, Command(resume="yes")])
    served = await served_parts(client, [{"input": {"log": []}}, {"command": {"resume": "yes"}}])
    want, got = by_mode(bare), by_mode(served)
    assert set(got) == set(MODES) and any("|review:" in event for event, _ in served)
    for mode in MODES:
        assert normalised(got[mode], Ids()) == normalised(want[mode], Ids()), mode
