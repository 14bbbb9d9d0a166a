"""LangGraph's Agent Chat UI, unchanged, against genesis-mesh in real Chromium.

The UI is the Next.js template of the npm package `create-agent-chat-app`, built once per
machine outside the repo by tests/web/agent_chat_ui/build.sh (`.ci/run` builds it; this
module builds it when it is missing), served by `next start` on loopback and pointed at
a host of tests/web/agent_chat_ui/graphs.py by its own URL parameters (`apiUrl`,
`assistantId`). The model is `langchain-openai` against the fake OpenAI server, whose
answer is held open mid-stream so the page is seen with a partial answer."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest

from tests.conftest import LiveHost, free_port, require
from tests.llm.conftest import page_facing_host
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.web.conftest import Ui

APP = Path(__file__).parent / "agent_chat_ui"
QUESTION = "How many pages has acme.org?"
TOKENS = ["Acme ", "counts ", "forty-two ", "pages ", "in ", "all."]
HELD = 3
"""The fake model holds its stream open after this many tokens of TOKENS."""
ANSWER = "".join(TOKENS)

# Records, at every change of the page, how many leading TOKENS the page shows.
PROGRESS = """
window.__progress = [];
const tokens = TOKENS_JSON;
const prefixes = tokens.map((_, i) => tokens.slice(0, i + 1).join("").trim());
new MutationObserver(() => {
  const text = document.body ? document.body.textContent : "";
  let shown = 0;
  while (shown < prefixes.length && text.includes(prefixes[shown])) shown += 1;
  const seen = window.__progress;
  if (seen[seen.length - 1] !== shown) seen.push(shown);
}).observe(document, { subtree: true, childList: true, characterData: true });
""".replace("TOKENS_JSON", json.dumps(TOKENS))


def _build() -> Path:
    """The built app (build.sh the first time: a few minutes, one build per machine)."""
    require(shutil.which("npm") is not None, "npm is missing: it builds Agent Chat UI")
    done = subprocess.run(
        [str(APP / "build.sh")], capture_output=True, text=True, timeout=1800, check=False
    )
    assert done.returncode == 0, f"tests/web/agent_chat_ui/build.sh failed:\n{done.stderr}"
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def chat_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`next start` of the built app on a loopback port; yields its origin."""
    app = _build()
    port = free_port()
    log = tmp_path_factory.mktemp("agent-chat-ui") / "next.log"
    with log.open("w") as out:
        next_start = ["node_modules/.bin/next", "start", "-H", "127.0.0.1", "-p", str(port)]
        server = subprocess.Popen(
            ["nice", "-n", "10", *next_start],
            cwd=app,
            env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, f"next start exited:\n{log.read_text()}"
            try:
                if httpx.get(origin, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "next start did not answer within 120 s"
            time.sleep(0.5)
        yield origin
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def agent_host(
    tmp_path_factory: pytest.TempPathFactory, model: FakeOpenAI, chat_ui: str
) -> Iterator[LiveHost]:
    """A host of the review agent that lets the UI's origin call it (docs/security.md)."""
    live = page_facing_host(
        tmp_path_factory.mktemp("agent-chat-ui-host"), APP / "langgraph.json", model, chat_ui
    )
    yield live
    live.stop()


def _earlier_thread(host: LiveHost, model: FakeOpenAI) -> str:
    """A thread that ran before the page opened, for its thread list to show."""
    model.then(Reply(tokens=["Earlier ", "answer."]))
    thread = httpx.post(f"{host.base_url}/threads", json={}).json()["thread_id"]
    question = {"messages": [{"type": "human", "content": "An earlier question"}]}
    done = httpx.post(
        f"{host.base_url}/threads/{thread}/runs/wait",
        json={"assistant_id": "agent", "input": question},
        timeout=60,
    )
    assert done.status_code == 200, done.text
    return str(thread)


def _ai_text(page: Any, text: str) -> Any:
    """The assistant message that reads `text`, exactly."""
    return page.locator("div.py-1", has_text=re.compile(rf"^\s*{re.escape(text)}\s*$"))


def _say(page: Any, text: str) -> None:
    page.fill("textarea[placeholder='Type your message...']", text)
    page.get_by_role("button", name="Send").click()


def _review_tool_call(ui: Ui, host: LiveHost) -> str:
    """The tool call and its review panel are shown; accept it. Returns the thread id."""
    page = ui.page
    tool_call = page.locator("h3", has_text="page_count")
    tool_call.wait_for()
    assert "call_1" in tool_call.inner_text()
    page.locator("td", has_text="acme.org").first.wait_for()
    accept = page.get_by_role("button", name="Accept", exact=True)
    accept.wait_for()
    ui.screen("agent-chat-ui-interrupt")
    thread = parse_qs(urlparse(page.url).query)["threadId"][0]
    state = httpx.get(f"{host.base_url}/threads/{thread}/state").json()
    assert state["next"] == ["review"], state
    accept.click()
    return thread


def _answer_streams(ui: Ui, gate: threading.Event) -> None:
    """The answer is shown held mid-stream, then grows token by token to the end."""
    page = ui.page
    held = "".join(TOKENS[:HELD]).strip()
    _ai_text(page, held).wait_for()  # the answer so far, no more
    ui.shot("partial-answer")
    gate.set()
    _ai_text(page, ANSWER).wait_for()
    page.get_by_role("button", name="Send").wait_for()
    page.locator("text=acme.org has 42 pages").first.wait_for()  # the tool's result
    progress = page.evaluate("window.__progress")
    partial = [n for n in progress if 0 < n < len(TOKENS)]
    # seen growing: two or more partial answers (tokens come 250 ms apart), the held one too
    assert len(partial) >= 2 and partial == sorted(set(partial)), progress
    assert HELD in partial and progress[-1] == len(TOKENS), progress


def _thread_values(host: LiveHost, thread: str) -> dict[str, Any]:
    values: dict[str, Any] = httpx.get(f"{host.base_url}/threads/{thread}/state").json()["values"]
    return values


def _second_turn_and_refresh(page: Any, host: LiveHost, thread: str, model: FakeOpenAI) -> None:
    """A second message goes on with the thread; Refresh forks it before the answer."""
    model.then(Reply(tokens=["No ", "blog."]))
    _say(page, "And the blog?")
    _ai_text(page, "No blog.").wait_for()
    page.get_by_role("button", name="Send").wait_for()
    roles = [m["role"] for m in model.chat_requests()[-1]["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant", "user"], roles

    model.then(Reply(tokens=["Still ", "no ", "blog."]))
    page.get_by_role("button", name="Refresh").last.click()
    _ai_text(page, "Still no blog.").wait_for()
    page.get_by_role("button", name="Send").wait_for()
    assert _ai_text(page, "No blog.").count() == 0
    assert [m["role"] for m in model.chat_requests()[-1]["messages"]] == roles
    contents = [m["content"] for m in _thread_values(host, thread)["messages"]]
    assert contents[-2:] == ["And the blog?", "Still no blog."], contents


def _reload_keeps_the_thread(ui: Ui, thread: str) -> None:
    page = ui.page
    page.reload()
    _ai_text(page, "Still no blog.").wait_for()
    assert parse_qs(urlparse(page.url).query)["threadId"] == [thread]
    assert _ai_text(page, ANSWER).count() == 1
    assert page.locator("text=" + QUESTION).count() >= 1
    headers = page.locator("h3", has_text="page_count").all_inner_texts()
    calls = [h for h in headers if not h.startswith("Tool Result")]
    assert len(headers) == 2 and len(calls) == 1 and "call_1" in calls[0], headers
    assert page.get_by_role("button", name="Accept", exact=True).count() == 0
    ui.screen("agent-chat-ui-reloaded")


def test_agent_chat_ui_lists_threads_streams_shows_tool_calls_and_interrupts_and_reloads(
    ui_factory: Any, chat_ui: str, agent_host: LiveHost, model: FakeOpenAI
) -> None:
    model.reset()
    model.token_rate = 4.0
    earlier = _earlier_thread(agent_host, model)
    gate = threading.Event()
    model.then(
        Reply(tool="page_count", arguments=json.dumps({"site": "acme.org"})),
        Reply(tokens=TOKENS, gate=gate, gate_after=HELD),
    )
    ui: Ui = ui_factory(chat_ui, viewport={"width": 1440, "height": 900})
    page = ui.page
    page.context.set_default_timeout(30_000)
    page.add_init_script(PROGRESS)
    query = {"apiUrl": agent_host.base_url, "assistantId": "agent", "chatHistoryOpen": "true"}
    page.goto(f"{chat_ui}/?{urlencode(query)}")
    history = page.locator("button", has_text="An earlier question")
    history.wait_for()
    ui.shot("thread-list")

    _say(page, QUESTION)
    thread = _review_tool_call(ui, agent_host)
    _answer_streams(ui, gate)
    runs = httpx.get(f"{agent_host.base_url}/threads/{thread}/runs").json()
    assert runs and {r["status"] for r in runs} == {"success"}, runs
    messages = _thread_values(agent_host, thread)["messages"]
    assert [m["type"] for m in messages] == ["human", "ai", "tool", "ai"]
    assert messages[-1]["content"] == ANSWER
    assert model.chat_requests()[-1]["messages"][-1]["role"] == "tool"
    page.locator("button", has_text=QUESTION).wait_for()  # the thread list gained it
    assert history.is_visible()

    _second_turn_and_refresh(page, agent_host, thread, model)
    _reload_keeps_the_thread(ui, thread)
    history.click()  # the thread list opens the earlier thread
    _ai_text(page, "Earlier answer.").wait_for()
    assert parse_qs(urlparse(page.url).query)["threadId"] == [earlier]
    assert _ai_text(page, ANSWER).count() == 0


def test_agent_chat_ui_answers_a_review_with_a_response_instead_of_accepting(
    ui_factory: Any, chat_ui: str, agent_host: LiveHost, model: FakeOpenAI
) -> None:
    model.reset()
    model.token_rate = None
    model.then(
        Reply(tool="page_count", arguments=json.dumps({"site": "blog.acme.org"})),
        Reply(tokens=["Left ", "alone."]),
    )
    ui: Ui = ui_factory(chat_ui, viewport={"width": 1440, "height": 900})
    page = ui.page
    page.context.set_default_timeout(30_000)
    page.goto(f"{chat_ui}/?{urlencode({'apiUrl': agent_host.base_url, 'assistantId': 'agent'})}")
    _say(page, "And blog.acme.org?")
    page.get_by_role("button", name="Accept", exact=True).wait_for()
    page.fill("textarea[placeholder='Your response here...']", "Not now")
    page.get_by_role("button", name="Send Response").click()

    _ai_text(page, "Left alone.").wait_for()
    page.locator("text=Not run: Not now").first.wait_for()  # the review's answer, as a tool result
    assert page.get_by_role("button", name="Accept", exact=True).count() == 0
    sent = model.chat_requests()[-1]["messages"][-1]
    assert (sent["role"], sent["content"]) == ("tool", "Not run: Not now"), sent
    thread = parse_qs(urlparse(page.url).query)["threadId"][0]
    messages = _thread_values(agent_host, thread)["messages"]
    assert [m["type"] for m in messages] == ["human", "ai", "tool", "ai"]
