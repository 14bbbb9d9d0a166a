"""The JavaScript `@ag-ui/client` `HttpAgent` in Node against a live host: it validates
every event with its own schemas and verifies their order, so a run it finishes is a
stream AG-UI front ends accept. The client is installed from package-lock.json into
tests/api/ag_ui/js/node_modules (ignored by git) when it is missing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveHost, require

CLIENT = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    require(found is not None, "node is not installed (Debian's nodejs, or Node.js 20+)")
    assert found is not None
    if not (CLIENT / "node_modules" / "@ag-ui" / "client").is_dir():
        npm = shutil.which("npm")
        require(npm is not None, "npm is not installed: it installs @ag-ui/client")
        assert npm is not None
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=CLIENT, check=True, timeout=600)
    return found


def play(node: str, host: LiveHost, scenario: str) -> dict[str, Any]:
    done = subprocess.run(
        [node, "http_agent.mjs", host.base_url, scenario],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return outcome


def test_http_agent_runs_the_tool_calling_agent_to_its_answer(node: str, host: LiveHost) -> None:
    outcome = play(node, host, "tool")
    messages = outcome["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant"]
    call = messages[1]["toolCalls"][0]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert messages[2] == {
        "id": messages[2]["id"],
        "role": "tool",
        "toolCallId": call["id"],
        "content": "It is sunny in Paris.",
    }
    assert messages[3]["content"] == "It is sunny."
    assert len(outcome["newMessages"]) == 3
    for kind in ("STEP_STARTED", "TOOL_CALL_START", "TOOL_CALL_RESULT", "TEXT_MESSAGE_CONTENT"):
        assert kind in outcome["types"]
    assert outcome["types"][-1] == "RUN_FINISHED"


def test_http_agent_answers_interrupts_with_resume_entries_until_the_graph_ends(
    node: str, host: LiveHost
) -> None:
    outcome = play(node, host, "interrupt")
    assert outcome["asked"] == [["Approve this draft?"], ["Who are you?"]]
    assert outcome["pendingAfter"] == []
    assert outcome["state"] == {
        "draft": "Spring sale (published by Ada)",
        "approved": True,
        "reviewer": "Ada",
    }
    assert len(set(outcome["runIds"])) == 3  # three AG-UI runs, one genesis-mesh run
    assert outcome["types"].count("RUN_FINISHED") == 3


def test_http_agent_rejoins_a_run_it_dropped_and_ends_where_an_unbroken_run_would(
    node: str, host: LiveHost
) -> None:
    outcome = play(node, host, "rejoin")
    assert outcome["aborted"] is True
    assert outcome["runIds"] == [outcome["runId"]]  # the same AG-UI run, rejoined
    assert outcome["types"][:2] == ["RUN_STARTED", "STEP_STARTED"]
    assert outcome["types"][-1] == "RUN_FINISHED"
    messages = outcome["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert messages[3]["content"] == "It is sunny."
