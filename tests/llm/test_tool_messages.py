"""Message events carry role and identity: a tool-calling agent (real `langchain-openai`
against the fake server, a `ToolNode`) streams the model's tokens and tool-call chunks as
`message.delta` of type `ai`, and the tool's result as `message.tool`, never as text."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ROOT, LiveHost
from tests.llm.conftest import LLM_CONFIG, llm_env
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.wsclient import ProtocolClient


def agent_script(body: dict[str, Any], number: int) -> Reply:
    """Call the tool first; once its result is in the conversation, answer in words."""
    del number
    if body["messages"][-1]["role"] == "tool":
        return Reply(tokens=["The ", "site ", "has ", "42 ", "pages."])
    return Reply(tool="page_count", arguments=json.dumps({"site": "acme.org"}))


@pytest.fixture(scope="module")
def agent_host(
    tmp_path_factory: pytest.TempPathFactory, fake_server: FakeOpenAI
) -> Iterator[LiveHost]:
    live = LiveHost(tmp_path_factory.mktemp("tool-agent"), config=LLM_CONFIG)
    # This checkout's code first, also where another copy of the package is installed.
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    live.env = llm_env(fake_server, TOOL_AGENT_BASE_URL=fake_server.base_url, PYTHONPATH=path)
    live.start()
    yield live
    live.stop()


async def agent_events(host: LiveHost) -> list[dict[str, Any]]:
    client = await ProtocolClient.open(host.ws_url)
    question = {"messages": [{"type": "human", "content": "How many pages?"}]}
    await client.send({"type": "start", "graph": "tool_agent", "input": question})
    run_id = (await client.until(lambda m: m.get("type") in ("run.started", "error")))[-1].get(
        "run_id"
    )
    assert run_id, client.received[-1]
    events = await client.run_events(run_id, timeout=60)
    await client.close()
    assert events[-1]["type"] == "run.completed", events[-1]
    return events


async def test_tool_calls_stream_as_chunks_of_an_ai_message(
    agent_host: LiveHost, fake: FakeOpenAI
) -> None:
    fake.default = agent_script
    events = await agent_events(agent_host)
    deltas = [e for e in events if e["type"] == "message.delta"]
    assert deltas and all(e["data"]["type"] == "ai" for e in deltas)
    assert all(e["data"]["message_id"] for e in deltas)
    chunks = [c for e in deltas for c in e["data"].get("tool_call_chunks", [])]
    assert [c["name"] for c in chunks if c["name"]] == ["page_count"]
    assert [c["id"] for c in chunks if c["id"]] == ["call_1"]
    assert json.loads("".join(c["args"] for c in chunks)) == {"site": "acme.org"}
    calling = {e["data"]["message_id"] for e in deltas if e["data"].get("tool_call_chunks")}
    answering = {e["data"]["message_id"] for e in deltas if e["data"]["text"]}
    assert len(calling) == 1 and len(answering) == 1 and calling != answering
    text = "".join(e["data"]["text"] for e in deltas if e["data"]["message_id"] in answering)
    assert text == "The site has 42 pages."


async def test_a_tool_result_is_its_own_event_and_never_assistant_text(
    agent_host: LiveHost, fake: FakeOpenAI
) -> None:
    fake.default = agent_script
    events = await agent_events(agent_host)
    (tool,) = [e for e in events if e["type"] == "message.tool"]
    assert tool["node"] == "tools"
    assert tool["data"]["tool_call_id"] == "call_1"
    assert tool["data"]["name"] == "page_count"
    assert tool["data"]["content"] == "acme.org has 42 pages"
    assert tool["data"]["status"] == "success"
    assert tool["data"]["message_id"]
    texts = [e["data"]["text"] for e in events if e["type"] == "message.delta"]
    assert not any("42 pages" in text and "acme.org" in text for text in texts)
    output = events[-1]["data"]["output"]
    assert len(output["messages"]) == 4
