"""LangGraph's React hook `useStream` (`@langchain/langgraph-sdk/react`, what Agent Chat UI
is built on) against a live host, in real Chromium.

A small chat page (tests/api/langgraph/use_stream/page/) is bundled with esbuild from the
npm packages of use_stream/package-lock.json (installed there on first use, ignored by
git) and served from another loopback origin, which the host allows the way an operator
would: `GENESIS_MESH_ALLOWED_ORIGINS`. The model is the fake OpenAI server, holding its
stream open mid-answer so the page can be seen rendering a partial answer."""

from __future__ import annotations

import fcntl
import functools
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.browser import chromium_browser
from tests.conftest import LiveHost, require
from tests.llm.conftest import page_facing_host
from tests.llm.fake_openai import FakeOpenAI, Reply

PAGE = Path(__file__).parent / "use_stream"
TOKENS = ["The ", "pillar ", "page ", "links ", "every ", "cluster."]
ANSWER = "".join(TOKENS)


def _install() -> Path:
    """`npm ci` in use_stream/ the first time (one worker at a time); the esbuild binary."""
    esbuild = PAGE / "node_modules" / ".bin" / "esbuild"
    if esbuild.exists() and (PAGE / "node_modules" / "@langchain" / "langgraph-sdk").is_dir():
        return esbuild
    npm = shutil.which("npm")
    require(npm is not None, "npm is not installed: it installs the useStream page's packages")
    assert npm is not None
    with open(PAGE / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not esbuild.exists():
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"], cwd=PAGE, check=True, timeout=600
            )
    return esbuild


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page, bundled now, served on its own loopback origin; yields that origin."""
    out = tmp_path_factory.mktemp("use-stream-site")
    esbuild = _install()
    subprocess.run(
        [
            str(esbuild),
            str(PAGE / "page" / "app.jsx"),
            "--bundle",
            "--format=esm",
            "--jsx=automatic",
            '--define:process.env.NODE_ENV="production"',
            f"--outfile={out / 'app.js'}",
        ],
        cwd=PAGE,
        check=True,
        capture_output=True,
        timeout=120,
    )
    shutil.copy(PAGE / "page" / "index.html", out / "index.html")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chat_host(
    tmp_path_factory: pytest.TempPathFactory, model: FakeOpenAI, site: str
) -> Iterator[LiveHost]:
    """A host of the page's graphs that lets the page's origin call it (docs/security.md)."""
    live = page_facing_host(
        tmp_path_factory.mktemp("use-stream-host"), PAGE / "langgraph.json", model, site
    )
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium_browser()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    yield tab
    context.close()


def _open(page: Any, site: str, host: LiveHost, assistant: str, thread: str = "") -> None:
    query = {"api": host.base_url, "assistant": assistant, **({"thread": thread} if thread else {})}
    page.goto(f"{site}/index.html?{urlencode(query)}")
    page.wait_for_selector("#text")


def _say(page: Any, text: str) -> None:
    page.fill("#text", text)
    page.click("#send")


def _messages(page: Any) -> list[str]:
    items: list[str] = page.eval_on_selector_all(
        "#messages li", "els => els.map(e => e.className + ':' + e.textContent)"
    )
    return items


def _wait_for_ai(page: Any, text: str) -> None:
    """Until the page shows an assistant message of exactly `text`."""
    page.wait_for_function(
        "t => [...document.querySelectorAll('#messages li.ai')].some(e => e.textContent === t)",
        arg=text,
    )


def _idle(page: Any) -> None:
    page.wait_for_function("document.querySelector('#loading').textContent === 'idle'")
    assert page.text_content("#error") == "", page.text_content("#error")


def test_use_stream_streams_an_answer_and_keeps_the_thread_across_messages_and_reloads(
    page: Any, site: str, chat_host: LiveHost, model: FakeOpenAI
) -> None:
    gate = threading.Event()
    model.reset()
    model.then(Reply(tokens=TOKENS, gate=gate, gate_after=2), Reply(tokens=["Again."]))
    _open(page, site, chat_host, "chat")

    _say(page, "How should pages link?")
    _wait_for_ai(page, "The pillar ")
    assert _messages(page) == ["human:How should pages link?", "ai:The pillar "]
    gate.set()
    _idle(page)
    assert _messages(page) == ["human:How should pages link?", f"ai:{ANSWER}"]
    partials = [r for r in page.evaluate("window.__renders") if r[-1:] and r[-1].startswith("ai:")]
    assert "ai:The pillar " in [r[-1] for r in partials]

    thread = page.text_content("#thread")
    assert thread
    state = httpx.get(f"{chat_host.base_url}/threads/{thread}/state").json()
    assert [m["content"] for m in state["values"]["messages"]] == ["How should pages link?", ANSWER]
    # `onCreated` read the run from `Content-Location`, which CORS lets the page read.
    runs = httpx.get(f"{chat_host.base_url}/threads/{thread}/runs").json()
    assert page.text_content("#run") == runs[0]["run_id"]
    # Agent Chat UI lists a graph's threads by the metadata every run stamps on its thread.
    listed = httpx.post(
        f"{chat_host.base_url}/threads/search", json={"metadata": {"graph_id": "chat"}}
    ).json()
    assert thread in [t["thread_id"] for t in listed]

    _say(page, "And again?")
    page.wait_for_function("document.querySelectorAll('#messages li').length === 4")
    _idle(page)
    assert page.text_content("#thread") == thread
    assert _messages(page) == [
        "human:How should pages link?",
        f"ai:{ANSWER}",
        "human:And again?",
        "ai:Again.",
    ]
    # The model saw the whole conversation: the second run continued the same thread.
    assert [m["content"] for m in model.chat_requests()[-1]["messages"]] == [
        "How should pages link?",
        ANSWER,
        "And again?",
    ]

    _open(page, site, chat_host, "chat", thread=thread)
    page.wait_for_function("document.querySelectorAll('#messages li').length === 4")
    assert _messages(page)[-1] == "ai:Again."
    assert page.text_content("#thread") == thread
    assert page.console_errors == []


def test_use_stream_shows_an_interrupt_and_resumes_it_with_a_command(
    page: Any, site: str, chat_host: LiveHost
) -> None:
    _open(page, site, chat_host, "approve")
    _say(page, "Publish the draft")
    page.wait_for_selector("#interrupt")
    _idle(page)
    assert page.text_content("#question") == "Send this answer?"
    thread = page.text_content("#thread")

    page.click("#resume")
    _wait_for_ai(page, "You said yes.")
    _idle(page)
    assert page.query_selector("#interrupt") is None
    assert _messages(page) == ["human:Publish the draft", "ai:You said yes."]
    assert page.text_content("#thread") == thread
    assert page.console_errors == []


def test_use_stream_rejoins_a_run_still_streaming_after_a_reload(
    page: Any, site: str, chat_host: LiveHost, model: FakeOpenAI
) -> None:
    gate = threading.Event()
    model.reset()
    model.then(Reply(tokens=TOKENS, gate=gate, gate_after=2))
    _open(page, site, chat_host, "chat")
    _say(page, "How should pages link?")
    _wait_for_ai(page, "The pillar ")
    thread = page.text_content("#thread")
    assert thread and f"thread={thread}" in page.url

    page.reload()  # the run goes on (`reconnectOnMount` streams with on_disconnect=continue)
    _wait_for_ai(page, "The pillar ")
    assert page.text_content("#loading") == "loading"
    gate.set()
    _wait_for_ai(page, ANSWER)
    _idle(page)
    assert _messages(page) == ["human:How should pages link?", f"ai:{ANSWER}"]
    assert len(httpx.get(f"{chat_host.base_url}/threads/{thread}/runs").json()) == 1
    assert page.console_errors == []
