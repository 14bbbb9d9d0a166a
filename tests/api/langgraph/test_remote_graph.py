"""`RemoteGraph` (langgraph.pregel.remote) driving a graph served by genesis-mesh."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.pregel.remote import RemoteGraph
from langgraph.types import Command
from langgraph_sdk.client import LangGraphClient, SyncLangGraphClient
from typing_extensions import TypedDict

from tests.api.langgraph.conftest import ON_BOTH_MODES

pytestmark = ON_BOTH_MODES

NODES = ["one", "two", "three", "four", "five"]


Clients = tuple[LangGraphClient, SyncLangGraphClient]


@pytest.fixture
def clients(client: LangGraphClient, sync_client: SyncLangGraphClient) -> Clients:
    return client, sync_client


def _remote(clients: Clients, graph: str) -> RemoteGraph:
    return RemoteGraph(graph, client=clients[0], sync_client=clients[1])


def _thread() -> dict[str, Any]:
    return {"configurable": {"thread_id": str(uuid.uuid4())}}


async def test_invoke_and_stream_each_mode_give_what_the_graph_computes(clients: Clients) -> None:
    remote = _remote(clients, "steps")
    assert await remote.ainvoke({}) == {"visited": NODES}
    updates = [chunk async for chunk in remote.astream({}, stream_mode="updates")]
    assert [next(iter(u)) for u in updates] == NODES
    values = [chunk async for chunk in remote.astream({}, stream_mode="values")]
    assert values[-1] == {"visited": NODES}
    custom = [chunk async for chunk in remote.astream({}, stream_mode="custom")]
    assert custom[0] == {"message": "one started", "done": 0, "total": 1}
    both = [chunk async for chunk in remote.astream({}, stream_mode=["updates", "values"])]
    assert {part[0] for part in both} == {"updates", "values"}  # RemoteGraph: StreamParts


def test_the_sync_remote_graph_invokes_and_streams(clients: Clients) -> None:
    remote = _remote(clients, "steps")
    assert remote.invoke({}) == {"visited": NODES}
    assert [next(iter(u)) for u in remote.stream({}, stream_mode="updates")] == NODES


async def test_state_update_and_history_of_a_remote_thread(clients: Clients) -> None:
    remote = _remote(clients, "steps")
    config = _thread()
    await remote.ainvoke({}, config)
    state = await remote.aget_state(config)
    assert state.values == {"visited": NODES}
    assert state.next == ()
    history = [s async for s in remote.aget_state_history(config)]
    assert history[0].values == state.values and len(history) == 7
    await remote.aupdate_state(config, {"visited": ["edited"]}, as_node="five")
    assert (await remote.aget_state(config)).values == {"visited": ["edited"]}


async def test_an_interrupt_is_answered_with_a_command_through_the_remote_graph(
    clients: Clients,
) -> None:
    remote = _remote(clients, "ask")
    config = _thread()
    first = await remote.ainvoke({"topic": "links"}, config)
    assert first["__interrupt__"][0]["value"]["question"] == "Which pages about links?"
    done = await remote.ainvoke(Command(resume={"accepted": ["a"]}), config)
    assert done["summary"] == "links: a"


class Outer(TypedDict, total=False):
    visited: list[str]
    wrapped: bool


async def test_a_remote_graph_runs_as_a_node_of_a_local_graph(clients: Clients) -> None:
    remote = _remote(clients, "steps")

    async def wrap(state: Outer) -> dict[str, bool]:
        return {"wrapped": state.get("visited") == NODES}

    builder = StateGraph(Outer)
    builder.add_node("remote", remote)
    builder.add_node("wrap", wrap)
    builder.add_edge(START, "remote")
    builder.add_edge("remote", "wrap")
    builder.add_edge("wrap", END)
    result = await builder.compile().ainvoke({})
    assert result == {"visited": NODES, "wrapped": True}
