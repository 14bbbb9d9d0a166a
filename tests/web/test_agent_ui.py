"""A tool-calling agent in the chat UI: its messages as a chat with streamed markdown and
tool steps, its drawn graph with the loop it turns (real Chromium, real host, the real
langchain-openai client against the fake OpenAI-compatible server)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, LiveHost
from tests.llm.conftest import LLM_CONFIG, llm_env
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.web.conftest import Ui
from tests.web.test_ui import expect, status

pytestmark = pytest.mark.browser

TABLE = ["| Site ", "| Pages |\n", "|---|---|\n", "| acme.org | 42 |\n", "\n", "All ", "counted."]


@pytest.fixture(scope="module")
def agent_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveHost, FakeOpenAI]]:
    fake = FakeOpenAI().start()
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env = llm_env(fake, TOOL_AGENT_BASE_URL=fake.base_url, PYTHONPATH=path)
    live = LiveHost(tmp_path_factory.mktemp("agent-ui"), config=LLM_CONFIG, env=env)
    live.start()
    yield live, fake
    live.stop()
    fake.stop()


def two_tool_turns(gate: threading.Event | None = None) -> Any:
    """The tool twice (two turns of the loop), then a markdown table, held open mid-way
    by `gate` when given."""

    def script(body: dict[str, Any], number: int) -> Reply:
        del number
        turns = sum(1 for m in body["messages"] if m["role"] == "tool")
        if turns < 2:
            site = ["acme.org", "beta.org"][turns]
            return Reply(tool="page_count", arguments=json.dumps({"site": site}))
        return Reply(tokens=TABLE, gate=gate, gate_after=5)

    return script


def start_agent(ui: Ui, host: LiveHost) -> str:
    question = {"messages": [{"type": "human", "content": "How many pages?"}]}
    response = httpx.post(
        f"{host.base_url}/api/v1/runs", json={"graph": "tool_agent", "input": question}
    )
    assert response.status_code == 202, response.text
    run_id = str(response.json()["run_id"])
    ui.open(f"/#/runs/{run_id}")
    return run_id


def test_streamed_markdown_renders_a_table_while_it_streams_and_tools_are_steps(
    agent_host: tuple[LiveHost, FakeOpenAI], ui_factory: Any
) -> None:
    host, fake = agent_host
    fake.reset()
    gate = threading.Event()
    fake.default = two_tool_turns(gate)
    ui: Ui = ui_factory(host.base_url)
    start_agent(ui, host)
    page = ui.page
    messages = page.locator("#message-list")
    try:
        table = messages.locator(".message-ai table")
        expect(table).to_be_visible(timeout=30_000)  # rendered while the model streams ...
        expect(table.locator("td").first).to_have_text("acme.org")
        expect(status(ui)).to_have_text("running")  # ... the stream is held open here
        assert "counted." not in messages.inner_text()
        ui.shot("streaming-table")
    finally:
        gate.set()
    expect(status(ui)).to_have_text("succeeded", timeout=30_000)
    expect(messages.locator(".message-ai").last).to_contain_text("All counted.")
    expect(messages.locator(".message-ai .speaker").first).to_have_text("AI")
    asked = messages.locator(".message").first  # the question the run was given, first
    expect(asked).to_have_attribute("data-kind", "human")
    expect(asked.locator(".speaker")).to_have_text("Human")
    expect(asked.locator(".message-body")).to_have_text("How many pages?")
    expect(messages.locator(".message-human")).to_have_count(1)

    steps = messages.locator("details.tool-call")
    expect(steps).to_have_count(2)
    first = steps.first
    expect(first.locator("summary")).to_contain_text("page_count")
    expect(first.locator("summary")).to_contain_text("done")
    first.locator("summary").click()
    expect(first.locator(".tool-args")).to_contain_text('"site": "acme.org"')
    expect(first.locator(".tool-result")).to_have_text("acme.org has 42 pages")
    expect(steps.nth(1).locator(".tool-result")).to_have_text("beta.org has 42 pages")
    assert page.locator("#message-list script, #message-list img").count() == 0
    ui.shot("agent-done")
    assert ui.screens_at_both_sizes("agent-chat") == []


def test_the_drawn_graph_shows_the_tool_loop_turned_twice(
    agent_host: tuple[LiveHost, FakeOpenAI], ui_factory: Any
) -> None:
    host, fake = agent_host
    fake.reset()
    fake.default = two_tool_turns()
    ui: Ui = ui_factory(host.base_url)
    start_agent(ui, host)
    page = ui.page
    drawing = page.locator("#graph-drawing svg")
    expect(drawing).to_have_attribute("aria-label", "Graph tool_agent: 4 nodes, 4 edges")
    expect(status(ui)).to_have_text("succeeded", timeout=30_000)
    loop = drawing.locator('[data-edge="tools->agent"]')
    expect(loop).to_have_attribute("data-taken", "2")
    expect(loop).to_have_attribute("data-loop", "true")
    expect(loop.locator(".edge-count")).to_have_text("×2")
    expect(drawing.locator('[data-edge="agent->tools"] .edge')).to_have_class(
        "edge edge-conditional"
    )
    expect(drawing.locator('[data-edge="agent->__end__"]')).to_have_attribute("data-taken", "1")
    expect(drawing.locator('[data-edge="__start__->agent"]')).to_have_attribute("data-taken", "1")
    agent = drawing.locator('[data-graph-node="agent"]')
    expect(agent).to_have_attribute("data-visits", "3")
    expect(agent).to_have_attribute("aria-label", "agent: done, visited 3 times")
    tools = drawing.locator('[data-graph-node="tools"]')
    expect(tools.locator(".node-visits")).to_have_text("×2")
    tools.focus()  # keyboard-focusable, with its text alternative
    expect(tools).to_be_focused()
    expect(tools).to_have_attribute("role", "button")
    ui.shot("agent-graph")
    tools.click()
    inspector = page.locator("#inspector")
    results = inspector.locator(".step-tool-result")
    expect(results).to_have_count(2)
    # each tool result beside the call (name and arguments) it answers
    for i, site in enumerate(("acme.org", "beta.org")):
        answered = results.nth(i)
        call = f'page_count({{"site":"{site}"}})'
        expect(answered.locator(".step-call")).to_have_text(f"answers {call}")
        expect(answered.locator(".step-tool")).to_have_text(f"page_count: {site} has 42 pages")

    agent.click()  # the model's step: its messages and the tool calls it made, with results
    expect(page.locator("#inspector-title")).to_have_text("Step: agent")
    visits = inspector.locator(".visit")
    expect(visits).to_have_count(3)
    for visit, site in zip((visits.nth(0), visits.nth(1)), ("acme.org", "beta.org"), strict=True):
        call = visit.locator(".step-message .step-call-box")
        expect(call).to_have_count(1)
        expect(call.locator(".step-call")).to_have_text(f'calls page_count({{"site":"{site}"}})')
        expect(call.locator(".step-call-result")).to_have_text(f"result: {site} has 42 pages")
    last = visits.nth(2).locator(".step-message")
    expect(last).to_have_attribute("data-type", "ai")
    expect(last).to_contain_text("| acme.org | 42 |")
    expect(last).to_contain_text("All counted.")
    expect(visits.nth(2).locator(".step-call-box")).to_have_count(0)
    ui.shot("agent-inspector")
    assert ui.screens_at_both_sizes("agent-graph") == []
