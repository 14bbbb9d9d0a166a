"""The JavaScript `@langchain/langgraph-sdk` (from npm, in Node) against a live host:
threads.create, runs.stream with messages-tuple and updates, getState, an interrupt
answered with a resume command, threads.search. The script is tests/js/."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from tests.api.langgraph.conftest import ON_BOTH_MODES
from tests.conftest import ROOT, LiveHost

pytestmark = ON_BOTH_MODES

JS = ROOT / "tests" / "js"
ANSWER = "The pillar page should link to every cluster page, and back."


@pytest.fixture(scope="module")
def node_sdk() -> str:
    """Node, with the SDK of tests/js/package-lock.json installed (once) when missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "Node 20 and npm are needed (the CI installs them)"
    if not (JS / "node_modules" / "@langchain" / "langgraph-sdk").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, timeout=600)
    return node


def _run(node: str, host: LiveHost) -> dict[str, Any]:
    done = subprocess.run(
        [node, "langgraph_sdk_check.mjs", host.base_url],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def test_the_javascript_sdk_streams_reads_state_and_resumes_an_interrupt(
    node_sdk: str, host: LiveHost
) -> None:
    seen = _run(node_sdk, host)
    chat = seen["chat"]
    assert chat[0]["event"] == "metadata" and chat[-1]["event"] == "end"
    tokens = [p["data"][0]["content"] for p in chat if p["event"] == "messages"]
    assert "".join(tokens) == ANSWER and len(tokens) > 1
    assert {"reply": {"answer": ANSWER}} in [p["data"] for p in chat if p["event"] == "updates"]
    assert seen["chatState"]["values"] == {"question": "links?", "answer": ANSWER}

    [interrupt] = [
        p["data"]["__interrupt__"]
        for p in seen["asked"]
        if p["event"] == "updates" and "__interrupt__" in p["data"]
    ]
    assert interrupt[0]["value"]["question"] == "Which pages about links?"
    assert seen["waiting"]["next"] == ["ask"]
    assert seen["waiting"]["tasks"][0]["interrupts"][0]["id"] == interrupt[0]["id"]
    updates = [p["data"] for p in seen["resumed"] if p["event"] == "updates"]
    assert updates == [{"ask": {"answer": "a,b"}}, {"summarize": {"summary": "links: a,b"}}]
    assert seen["answered"]["values"]["summary"] == "links: a,b"
    assert seen["answered"]["next"] == []
    assert seen["thread"]["thread_id"] in seen["found"]
