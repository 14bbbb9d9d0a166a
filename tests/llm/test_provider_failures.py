"""A provider that errors, times out or is missing: bounded retries, `node.failed` with
the provider's message, a run that resumes from its checkpoint, a refusal at start."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from openai import APITimeoutError

from genesis_mesh.llm import LLMSettings, build_chat_model
from graphs.mesh_build.context import Context
from graphs.mesh_build.graph import build_graph
from tests.conftest import ROOT, LiveHost
from tests.llm.conftest import LLM_CONFIG
from tests.llm.fake_openai import FakeOpenAI, Reply, outline_arguments
from tests.wsclient import ProtocolClient


async def run_echo(host: LiveHost) -> list[dict[str, Any]]:
    client = await ProtocolClient.open(host.ws_url)
    try:
        await client.send({"type": "start", "graph": "echo", "input": {"question": "hi"}})
        started = await client.until(lambda m: m.get("type") == "run.started")
        return started[-1:] + await client.run_events(started[-1]["run_id"], timeout=30)
    finally:
        await client.close()


async def test_a_500_is_retried_with_backoff_and_the_run_succeeds(
    llm_host: LiveHost, fake: FakeOpenAI
) -> None:
    fake.then(Reply(status=500), Reply(status=500))
    events = await run_echo(llm_host)
    assert events[-1]["type"] == "run.completed"
    assert len(fake.requests) == 3
    assert events[-1]["data"]["output"]["answer"] == fake.sent_texts[0]


async def test_a_provider_that_keeps_failing_gives_node_failed_with_its_message(
    llm_host: LiveHost, fake: FakeOpenAI
) -> None:
    fake.sticky = Reply(status=500, message="the GPU caught fire")
    events = await run_echo(llm_host)
    failed = [e for e in events if e["type"] == "node.failed"]
    assert len(fake.requests) == 3  # 1 + GENESIS_MESH_LLM_MAX_RETRIES=2
    assert failed[0]["node"] == "answer"
    assert failed[0]["data"]["error"] == {
        "type": "OpenAIAPIError",  # langchain-openai's subclass of openai.InternalServerError
        "message": "Error code: 500 - the GPU caught fire",
    }
    assert events[-1]["type"] == "run.failed"


async def test_a_timeout_fails_the_node_with_the_providers_message_and_keeps_the_checkpoint(
    llm_host: LiveHost, fake: FakeOpenAI
) -> None:
    fake.sticky = Reply(hang=10)
    events = await run_echo(llm_host)
    failed = [e for e in events if e["type"] == "node.failed"]
    assert failed[0]["data"]["error"] == {
        "type": "OpenAITimeoutError",  # langchain-openai's subclass of openai.APITimeoutError
        "message": "Request timed out.",
    }
    assert len(fake.requests) == 3
    thread = events[0]["data"]["thread_id"]
    with llm_host.client() as client:
        state = client.get(f"/api/v1/threads/{thread}/state").json()
    assert state["next"] == ["answer"]  # the failed node is pending on the last checkpoint
    assert state["values"] == {"question": "hi"}


async def test_a_timed_out_write_resumes_from_its_checkpoint_without_asking_again(
    fake: FakeOpenAI,
) -> None:
    hanging = {"on": True}

    def answer(body: dict[str, Any], number: int) -> Reply:
        if body.get("tools"):
            return Reply(tool="Outline", arguments=outline_arguments())
        if hanging["on"]:
            return Reply(hang=5)
        return Reply(tokens=[f"brief{number} ", "text"])

    fake.default = answer
    settings = LLMSettings(model="m", base_url=fake.base_url, timeout=0.3, max_retries=0)
    context = Context(chat_model=build_chat_model(settings))
    graph = build_graph().compile(checkpointer=InMemorySaver())
    config: Any = {"configurable": {"thread_id": "t1"}}
    start = {"main_topic": "Espresso", "num_clusters": 3}
    await graph.ainvoke(start, config, context=context)
    with pytest.raises(APITimeoutError):
        await graph.ainvoke(Command(resume=True), config, context=context)
    state = await graph.aget_state(config)
    assert state.next == ("write",)
    assert len(state.values["links"]) >= 6

    hanging["on"] = False
    result = await graph.ainvoke(None, config, context=context)
    assert len(result["briefs"]) == 4
    assert len(fake.chat_requests(with_tools=True)) == 1  # outline and review did not rerun


@pytest.fixture(scope="module")
def host_without_model(tmp_path_factory: pytest.TempPathFactory) -> Any:
    live = LiveHost(tmp_path_factory.mktemp("no-llm"), config=LLM_CONFIG)
    live.env = {"PYTHONPATH": str(ROOT)}
    live.start()
    yield live
    live.stop()


@pytest.mark.parametrize("graph", ["mesh_build", "echo"])
async def test_a_graph_that_needs_a_model_is_refused_at_start_naming_the_settings(
    host_without_model: LiveHost, graph: str
) -> None:
    client = await ProtocolClient.open(host_without_model.ws_url)
    try:
        await client.send({"type": "start", "graph": graph, "input": {"main_topic": "Tea"}})
        error = await client.next()
    finally:
        await client.close()
    assert error["type"] == "error"
    assert error["code"] == "chat_model_not_configured"
    assert "GENESIS_MESH_LLM_MODEL" in error["message"]
    assert "GENESIS_MESH_LLM_BASE_URL" in error["message"]
    with host_without_model.client() as http:
        response = http.post("/api/v1/runs", json={"graph": graph, "input": {"main_topic": "Tea"}})
        assert response.status_code == 503
        assert response.json()["code"] == "chat_model_not_configured"
        assert http.get("/api/v1/runs").json() == []


def test_a_graph_that_works_without_a_model_still_starts(host_without_model: LiveHost) -> None:
    with httpx.Client(base_url=host_without_model.base_url) as http:
        response = http.post(
            "/api/v1/runs",
            json={"graph": "topical_mesh", "input": {"repo_url": "https://example.test/site"}},
        )
    assert response.status_code == 202
