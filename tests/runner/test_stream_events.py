"""A run recording `events` gets LangChain's stream events as `stream.part` drafts: those
of `astream_events(version="v2")` for the same graph, hidden ones left out, JSON-safe,
all of them handed over before the recording ends, also when the graph fails."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from genesis_mesh.protocol import EventType
from genesis_mesh.runner.events import EventDraft
from genesis_mesh.runner.stream_events import recording_events


class State(TypedDict, total=False):
    n: int
    ref: str


def _double(n: int) -> int:
    return n * 2


async def visible(state: State) -> dict[str, Any]:
    return {"n": await RunnableLambda(_double, name="double").ainvoke(state.get("n", 0))}


async def hidden(state: State, config: RunnableConfig) -> dict[str, Any]:
    inner = RunnableLambda(_double, name="secret").with_config(tags=["langsmith:hidden"])
    return {"n": await inner.ainvoke(state["n"], config), "ref": str(uuid.uuid4())}


async def broken(state: State) -> dict[str, Any]:
    raise ValueError("no")


def _graph(*nodes: Any) -> Any:
    builder = StateGraph(State)
    previous = START
    for node in nodes:
        builder.add_node(node.__name__, node)
        builder.add_edge(previous, node.__name__)
        previous = node.__name__
    builder.add_edge(previous, END)
    return builder.compile(checkpointer=InMemorySaver())


RUN_ID = "run-0f6b2c4e9d8a4b17a3c5e2f1d0b9a8c7"  # fixed, so xdist workers agree on test ids


async def _recorded(
    graph: Any, payload: Any, run_id: str = RUN_ID, name: str = "LangGraph"
) -> list[EventDraft]:
    drafts: list[EventDraft] = []
    config: RunnableConfig = {"configurable": {"thread_id": "t"}}
    async with recording_events(config, payload, drafts.append, run_id, name) as recording:
        async for _ in graph.astream(payload, recording, stream_mode=["tasks"]):
            pass
    return drafts


def _pairs(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["event"], e["name"]) for e in events]


async def test_the_drafts_are_the_graphs_astream_events_without_its_own_stream() -> None:
    drafts = await _recorded(_graph(visible, hidden), {"n": 1})
    assert {d.type for d in drafts} == {EventType.STREAM_PART}
    assert all(d.data["mode"] == "events" and d.data["namespace"] == [] for d in drafts)
    events = [d.data["data"] for d in drafts]
    json.dumps(events)  # plain JSON: the uuid a node returned is text
    bare = [
        e
        async for e in _graph(visible, hidden).astream_events(
            {"n": 1}, {"configurable": {"thread_id": "t"}}, version="v2"
        )
    ]
    shown = [e for e in bare if "langsmith:hidden" not in e["tags"]]
    expected = [e for e in shown if e["event"] != "on_chain_stream" or e["parent_ids"]]
    assert _pairs(events) == _pairs(expected)
    assert ("on_chain_start", "double") in _pairs(events)
    assert "secret" not in {name for _, name in _pairs(events)}
    assert "secret" in {name for _, name in _pairs(bare)}
    assert events[0]["data"] == {"input": {"n": 1}}
    assert events[-1]["data"] == {"output": {"n": 4, "ref": events[-1]["data"]["output"]["ref"]}}
    assert [d.node for d in drafts if d.data["data"]["name"] == "double"] == ["visible"] * 2


async def test_the_events_before_a_failure_are_all_handed_over() -> None:
    drafts: list[EventDraft] = []
    config: RunnableConfig = {"configurable": {"thread_id": "t"}}
    graph = _graph(visible, broken)
    with pytest.raises(ValueError, match="no"):
        recording_of = recording_events(config, {"n": 1}, drafts.append, RUN_ID, "LangGraph")
        async with recording_of as recording:
            async for _ in graph.astream({"n": 1}, recording):
                pass
    names = _pairs([d.data["data"] for d in drafts])
    assert names[0] == ("on_chain_start", "LangGraph")
    assert ("on_chain_end", "visible") in names and ("on_chain_start", "broken") in names


@pytest.mark.parametrize("run_id", [RUN_ID, "a-run-id-that-is-no-uuid"])
async def test_the_root_run_is_the_run_itself_named_as_asked(run_id: str) -> None:
    """As LangGraph Server: the root's `run_id` is the run's, first in every `parent_ids`."""
    events = [d.data["data"] for d in await _recorded(_graph(visible), {"n": 1}, run_id, "g")]
    root = [e for e in events if e["run_id"] == run_id]
    assert [(e["event"], e["name"], e["parent_ids"]) for e in root] == [
        ("on_chain_start", "g", []),
        ("on_chain_end", "g", []),
    ]
    assert all(e["parent_ids"][0] == run_id for e in events if e["run_id"] != run_id)
    assert len(events) > 2


async def test_a_subgraphs_own_nodes_are_in_the_events_named_by_their_top_node() -> None:
    inner = StateGraph(State)
    inner.add_node("visible", visible)
    inner.add_edge(START, "visible")
    outer = StateGraph(State)
    outer.add_node("child", inner.compile())
    outer.add_edge(START, "child")
    drafts = await _recorded(outer.compile(checkpointer=InMemorySaver()), {"n": 3})
    events = [d.data["data"] for d in drafts]
    bare = [
        e
        async for e in outer.compile(checkpointer=InMemorySaver()).astream_events(
            {"n": 3}, {"configurable": {"thread_id": "t"}}, version="v2"
        )
    ]
    expected = [e for e in bare if e["event"] != "on_chain_stream" or e["parent_ids"]]
    assert _pairs(events) == _pairs(expected)
    assert [d.node for d in drafts if d.data["data"]["name"] == "double"] == ["child"] * 2
    assert events[-1]["data"]["output"] == {"n": 6}
