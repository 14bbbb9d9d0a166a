"""`stream_mode="events"` through `langgraph-sdk`: a run's `astream_events(version="v2")`
events, as bare LangGraph makes them for the same graph (without the root graph's own
`on_chain_stream` events, which LangGraph Server never sends either). As under LangGraph
Server, the root run is the run itself (its `run_id`), named after the graph's id."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from genesis_mesh.llm import LLMSettings, build_chat_model
from tests.api.langgraph.conftest import MODES, ON_BOTH_MODES, host_in_mode
from tests.conftest import ROOT, LiveHost
from tests.fixtures.graphs import tool_agent
from tests.llm.conftest import LLM_CONFIG, llm_env
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.llm.fixtures import echo

ANSWER = ["Ask ", "me ", "again ", "later."]
QUESTION = {"messages": [{"type": "human", "content": "How many pages?"}]}


def agent_script(body: dict[str, Any], number: int) -> Reply:
    """Without tools, an answer; the agent calls its tool first, then answers in words."""
    del number
    if not body.get("tools"):
        return Reply(tokens=ANSWER)
    if body["messages"][-1]["role"] == "tool":
        return Reply(tokens=["The ", "site ", "has ", "42 ", "pages."])
    return Reply(tool="page_count", arguments=json.dumps({"site": "acme.org"}))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    server.default = agent_script
    yield server
    server.stop()


@pytest.fixture(scope="module", params=MODES)
def llm_host(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, fake: FakeOpenAI
) -> Iterator[LiveHost]:
    """A host of the LLM graphs in each mode (scale-out: their own cluster)."""
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env = llm_env(fake, TOOL_AGENT_BASE_URL=fake.base_url, PYTHONPATH=path)
    workdir = tmp_path_factory.mktemp("events-mode")
    yield from host_in_mode(request.param, workdir, config=LLM_CONFIG, env=env)


@pytest.fixture
async def sdk(llm_host: LiveHost) -> AsyncIterator[LangGraphClient]:
    async with get_client(url=llm_host.base_url, api_key=None) as client:
        yield client


async def streamed(client: LangGraphClient, graph: str, payload: Any) -> list[Any]:
    parts = client.runs.stream(None, graph, input=payload, stream_mode="events")
    return [(part.event, part.data) async for part in parts]


def run_id_of(parts: list[Any]) -> str:
    """The run's id, from the stream's `metadata` part."""
    assert parts[0][0] == "metadata"
    return str(parts[0][1]["run_id"])


def in_whole_tokens(text: str, tokens: list[str]) -> bool:
    """Whether `text` is a run of consecutive whole `tokens`."""
    return any(
        "".join(tokens[start:end]) == text
        for start in range(len(tokens))
        for end in range(start + 1, len(tokens) + 1)
    )


def pairs(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(event, name) of each event; a model's stream events in a row count as one (how
    many there are depends on how its tokens came, see `in_whole_tokens`)."""
    named = [(e["event"], e["name"]) for e in events]
    return [
        pair
        for i, pair in enumerate(named)
        if not (pair[0] == "on_chat_model_stream" and i and named[i - 1] == pair)
    ]


async def bare_events(graph: Any, payload: Any, name: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Bare LangGraph's events, the root named `name` (LangGraph Server's graph id)."""
    compiled = graph.compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "bare"}, "run_name": name}
    events = [e async for e in compiled.astream_events(payload, config, version="v2", **kwargs)]
    root = events[0]["run_id"]
    return [e for e in events if not (e["event"] == "on_chain_stream" and e["run_id"] == root)]


async def test_events_mode_streams_the_runs_callback_events_like_astream_events(
    sdk: LangGraphClient, fake: FakeOpenAI
) -> None:
    parts = await streamed(sdk, "echo", {"question": "who?"})
    assert parts[0][0] == "metadata" and parts[-1][0] == "end"
    assert {event for event, _ in parts[1:-1]} == {"events"}
    events = [data for _, data in parts[1:-1]]
    model = build_chat_model(LLMSettings(model="fake-model", base_url=fake.base_url))
    expected = await bare_events(
        echo.build_graph(), {"question": "who?"}, "echo", context=echo.Context(chat_model=model)
    )
    assert pairs(events) == pairs(expected)
    assert events[0]["event"] == "on_chain_start" and events[0]["name"] == "echo"
    assert events[0]["data"] == {"input": {"question": "who?"}}
    assert events[-1]["event"] == "on_chain_end" and events[-1]["name"] == "echo"
    assert events[-1]["data"]["output"]["answer"] == "".join(ANSWER)
    assert ("on_chain_start", "answer") in pairs(events)
    streamed_chunks = [e["data"]["chunk"] for e in events if e["event"] == "on_chat_model_stream"]
    tokens = [chunk["content"] for chunk in streamed_chunks]
    # Tokens that come within the model's `stream_batch_ms` travel joined (the stream
    # above came at once): in order, none lost, none split.
    assert "".join(tokens) == "".join(ANSWER)
    assert all(t and in_whole_tokens(t, ANSWER) for t in tokens if t)
    root = run_id_of(parts)  # the run itself, so a client can correlate
    assert events[0]["run_id"] == events[-1]["run_id"] == root
    keys = {"event", "name", "run_id", "tags", "metadata", "data", "parent_ids"}
    assert all(set(event) == keys for event in events)
    assert all(e["parent_ids"][0] == root for e in events if e["run_id"] != root)
    node_start = next(e for e in events if e["name"] == "answer")
    assert node_start["metadata"]["langgraph_node"] == "answer"


async def test_a_tool_calling_agent_streams_its_tool_events_in_bare_langgraph_order(
    sdk: LangGraphClient, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = await streamed(sdk, "tool_agent", QUESTION)
    events = [data for event, data in parts if event == "events"]
    monkeypatch.setenv("TOOL_AGENT_BASE_URL", fake.base_url)
    expected = await bare_events(
        tool_agent.build_graph(), {"messages": [HumanMessage("How many pages?")]}, "tool_agent"
    )
    assert pairs(events) == pairs(expected)
    tool_end = next(e for e in events if e["event"] == "on_tool_end")
    assert tool_end["name"] == "page_count"
    assert tool_end["data"]["output"]["content"] == "acme.org has 42 pages"
    assert events[-1]["event"] == "on_chain_end"
    root = run_id_of(parts)
    assert events[0]["run_id"] == root
    assert all(e["parent_ids"][:1] == [root] for e in events if e["run_id"] != root)


async def test_events_come_with_other_modes_and_are_stored_only_for_runs_that_ask(
    sdk: LangGraphClient, llm_host: LiveHost
) -> None:
    thread = await sdk.threads.create()
    parts = [
        (part.event, part.data)
        async for part in sdk.runs.stream(
            thread["thread_id"],
            "echo",
            input={"question": "who?"},
            stream_mode=["events", "updates"],
        )
    ]
    assert [event for event, _ in parts].count("updates") == 1
    events = [data for event, data in parts if event == "events"]
    assert events[0]["event"] == "on_chain_start" and events[-1]["event"] == "on_chain_end"
    run = await sdk.runs.create(thread["thread_id"], "echo", input={"question": "again?"})
    await sdk.runs.join(thread["thread_id"], run["run_id"])
    stored = httpx.get(f"{llm_host.base_url}/api/v1/runs/{run['run_id']}/events").json()
    assert [e["type"] for e in stored][-1] == "run.completed"
    assert all(e["data"].get("mode") != "events" for e in stored)
    joined = sdk.runs.join_stream(thread["thread_id"], run["run_id"], stream_mode="events")
    assert [part.event async for part in joined] == ["metadata", "end"]


@ON_BOTH_MODES
async def test_a_resume_asking_for_events_streams_the_events_of_its_part_of_the_run(
    client: LangGraphClient,
) -> None:
    thread = await client.threads.create()
    first = [
        (part.event, part.data)
        async for part in client.runs.stream(
            thread["thread_id"], "ask", input={"topic": "links"}, stream_mode="values"
        )
    ]
    assert "events" not in [event for event, _ in first]
    second = [
        (part.event, part.data)
        async for part in client.runs.stream(
            thread["thread_id"],
            "ask",
            command={"resume": {"accepted": ["a"]}},
            stream_mode=["events", "values"],
        )
    ]
    events = [data for event, data in second if event == "events"]
    assert pairs(events)[0] == ("on_chain_start", "ask")
    assert pairs(events)[-1] == ("on_chain_end", "ask")
    assert events[0]["run_id"] == run_id_of(second) == run_id_of(first)  # the same run
    assert ("on_chain_start", "summarize") in pairs(events)
    assert ("on_chain_start", "prepare") not in pairs(events)  # done before the question
    assert events[-1]["data"]["output"]["summary"] == "links: a"
    assert [data for event, data in second if event == "values"][-1]["summary"] == "links: a"
