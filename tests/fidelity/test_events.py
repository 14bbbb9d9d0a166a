"""What a client sees while corpus graphs run: subgraph nodes with their namespace, an
interrupt attributed to the node that asked, tool results never as assistant text.

The reference is bare LangGraph streaming with `subgraphs=True`, as `langgraph dev`
streams it; the host's events are read from its event log (`GET /runs/{id}/events`, the
same events the WebSocket and SSE deliver). `stream_mode="events"` through
`langgraph-sdk` is held to bare `astream_events(version="v2")`. Each test runs on the
embedded host and on the scale-out mode (an API process and a worker on PostgreSQL and
Redis): a client sees the same events from either.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph_sdk import get_client

from tests.conftest import LiveHost
from tests.fidelity.bare import load_target

MODE_HOSTS = {"embedded": "corpus_host", "scale-out": "corpus_cluster_host"}


@pytest.fixture(scope="module", params=list(MODE_HOSTS))
def corpus_host_of_mode(request: pytest.FixtureRequest) -> LiveHost:
    """The corpus host of each mode: the embedded host, then the cluster's API process."""
    host: LiveHost = request.getfixturevalue(MODE_HOSTS[request.param])
    return host


def run_events(host: LiveHost, graph: str, input: Any) -> list[dict[str, Any]]:
    with host.client() as client:
        response = client.post("/api/v1/runs", json={"graph": graph, "input": input})
        assert response.status_code == 202, response.text
        run = response.json()
        host.wait_for_status(run["run_id"], {"succeeded", "failed", "interrupted"})
        events: list[dict[str, Any]] = client.get(f"/api/v1/runs/{run['run_id']}/events").json()
        return events


def path_of(namespace: Any) -> tuple[str, ...]:
    """A namespace without its task ids: `["child:<id>", "grandchild:<id>"]` -> names."""
    if isinstance(namespace, str):
        namespace = [part for part in namespace.split("|") if part]
    return tuple(str(part).split(":")[0] for part in namespace or ())


async def bare_updates(graph: str, input: Any) -> set[tuple[str, tuple[str, ...]]]:
    """Each node LangGraph ran, with the subgraph path it ran in."""
    compiled = load_target(graph).copy(update={"checkpointer": InMemorySaver()})
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}
    seen = set()
    async for namespace, update in compiled.astream(
        input, config, stream_mode="updates", subgraphs=True, durability="sync"
    ):
        for node in update:
            if not node.startswith("__"):
                seen.add((node, path_of(namespace)))
    return seen


async def test_subgraph_nodes_stream_their_own_node_events_with_their_namespace(
    corpus_host_of_mode: LiveHost,
) -> None:
    expected = await bare_updates("subgraph_shared", {"trail": []})
    assert ("grandchild_step", ("child", "grandchild")) in expected

    events = run_events(corpus_host_of_mode, "subgraph_shared", {"trail": []})

    completed = {
        (e["node"], path_of(e["data"].get("namespace")))
        for e in events
        if e["type"] == "node.completed"
    }
    assert completed == expected


def test_an_interrupt_inside_a_subgraph_names_the_node_that_asked(
    corpus_host_of_mode: LiveHost,
) -> None:
    events = run_events(corpus_host_of_mode, "interrupt_subgraph", {"order": "tea"})

    asked = [e for e in events if e["type"] == "run.interrupted"]
    assert asked, [e["type"] for e in events]
    reported = [asked[-1]["node"]] + [
        item.get("node") for item in asked[-1]["data"].get("interrupts") or []
    ]
    assert "choose_size" in reported


def test_a_tool_result_is_its_own_event_never_assistant_text(corpus_host_of_mode: LiveHost) -> None:
    question = {"messages": [{"role": "user", "content": "Weather in Paris?"}]}
    events = run_events(corpus_host_of_mode, "react_agent", question)

    assert events[-1]["type"] == "run.completed", events[-1]
    tool_output = "It is sunny in Paris."
    as_assistant = [
        e
        for e in events
        if e["type"] == "message.delta"
        and tool_output in json.dumps(e["data"])
        and e["data"].get("type") != "tool"
        and e["data"].get("role") != "tool"
    ]
    assert not as_assistant, as_assistant
    assert any(
        tool_output in json.dumps(e["data"]) for e in events if e["type"] != "node.completed"
    ), "the tool's result reached the client in no event but the node's update"


@pytest.mark.parametrize(
    ("graph", "input"),
    [
        ("subgraph_shared", {"trail": []}),
        ("functional_api", "quiet words"),
        ("command_goto", {"amount": 500}),
        ("pydantic_state", {"topic": "bees"}),
        ("send_map_reduce", {"topic": "animals"}),
    ],
)
async def test_stream_mode_events_sends_what_bare_astream_events_makes(
    corpus_host_of_mode: LiveHost, graph: str, input: Any
) -> None:
    compiled = load_target(graph).copy(update={"checkpointer": InMemorySaver()})
    config: dict[str, Any] = {"configurable": {"thread_id": str(uuid.uuid4())}}
    if compiled.name == "LangGraph":  # `langgraph dev` names such a graph after its id
        config["run_name"] = graph
    bare = [e async for e in compiled.astream_events(input, config, version="v2")]
    root = bare[0]["run_id"]
    expected = [
        (e["event"], e["name"])
        for e in bare
        if e["run_id"] != root or e["event"] != "on_chain_stream"
    ]

    async with get_client(url=corpus_host_of_mode.base_url, api_key=None) as client:
        parts = client.runs.stream(None, graph, input=input, stream_mode="events")
        streamed = [(part.event, part.data) async for part in parts]
    events = [data for event, data in streamed if event == "events"]

    got = [(e["event"], e["name"]) for e in events]
    assert events[0]["run_id"] == events[-1]["run_id"] == streamed[0][1]["run_id"]
    assert got[0] == expected[0] and got[-1] == expected[-1]
    if graph == "send_map_reduce":  # parallel branches interleave as they run
        assert sorted(got) == sorted(expected)
    else:
        assert got == expected
