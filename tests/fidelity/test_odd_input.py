"""Odd input to every corpus graph: LangGraph's verdict is the host's verdict, never a 500.

For each graph, each input of `odd_inputs.py` is played on bare LangGraph first. What
LangGraph refuses before any node runs must be a 422 `invalid_input` carrying LangGraph's
reason; what it accepts must be accepted (202) and the run must settle; text that is not
JSON (NaN, Infinity, 1e999, absurd nesting) is a 4xx; a body over the limit a 413. An
integer past 64 bits may also be refused at the door (422 `invalid_request`): LangGraph's
serializer cannot checkpoint it, so the run could never complete. After the sweep the
host still answers `/health`.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from langchain_core.language_models import BaseChatModel

from genesis_mesh.errors import GenesisMeshError, InvalidInput
from tests.conftest import LiveHost
from tests.fidelity.bare import BarePlayer, graph_specs
from tests.fidelity.odd_inputs import OddInput, odd_inputs
from tests.fidelity.scenario import Scenario, Turn

SETTLED = {"succeeded", "failed", "cancelled", "interrupted"}


class HostBroke(Exception):
    """A 500 (`internal_error`), or a host that stopped answering: never expected."""


def graphs() -> list[Any]:
    return [pytest.param(graph, id=graph) for graph in graph_specs()]


async def langgraph_verdict(graph: str, odd: OddInput, chat_model: BaseChatModel) -> dict[str, Any]:
    scenario = Scenario(odd.name, graph, (Turn(odd.value),), uses_model=graph == "react_agent")
    observed = await BarePlayer(scenario, "odd", {"chat_model": chat_model}).play()
    return observed.turns[0]


def beyond_64_bits(value: Any) -> bool:
    """Whether `value` holds an integer no checkpointer serializer can store."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not -(2**63) <= value < 2**64
    if isinstance(value, dict):
        return any(beyond_64_bits(v) for v in value.values())
    if isinstance(value, list):
        return any(beyond_64_bits(v) for v in value)
    return False


def post_run(client: httpx.Client, graph: str, odd: OddInput) -> httpx.Response:
    if odd.raw is None:
        return client.post("/api/v1/runs", json={"graph": graph, "input": odd.value})
    body = f'{{"graph": {json.dumps(graph)}, "input": {odd.raw}}}'
    return client.post("/api/v1/runs", content=body, headers={"content-type": "application/json"})


def settles(client: httpx.Client, run: dict[str, Any], timeout: float = 20.0) -> str | None:
    """None when the run settled and its thread's state reads back; else what went wrong."""
    deadline = time.monotonic() + timeout
    status = run.get("status")
    while status not in SETTLED and time.monotonic() < deadline:
        time.sleep(0.02)
        status = client.get(f"/api/v1/runs/{run['run_id']}").json().get("status")
    if status not in SETTLED:
        return f"run stuck in {status}"
    state = client.get(f"/api/v1/threads/{run['thread_id']}/state")
    if state.status_code >= 500:
        raise HostBroke(f"GET /state of thread {run['thread_id']}: {state.status_code}")
    return None


def judge(
    client: httpx.Client, response: httpx.Response, odd: OddInput, verdict: dict[str, Any] | None
) -> str | None:
    """What is wrong with the host's answer to `odd`, or None."""
    status = response.status_code
    code = response.json().get("code") if status != 202 else None
    if status == 500 or code == GenesisMeshError.code:
        raise HostBroke(f"{odd.name}: {status} {response.text[:300]}")
    if odd.name == "body_over_the_limit":
        return None if (status, code) == (413, "request_too_large") else f"{status} {code}"
    if verdict is None:  # not JSON at all
        return None if status in (400, 413, 422) and code else f"{status} {code}"
    if beyond_64_bits(odd.value) and (status, code) == (422, "invalid_request"):
        return None  # LangGraph cannot checkpoint it either (`Integer exceeds 64-bit range`)
    if verdict["end"] == "rejected":
        reason = verdict["message"][:60]
        text = json.dumps(response.json(), ensure_ascii=False)
        if (status, code) != (422, InvalidInput.code):
            return f"LangGraph refuses it ({reason!r}); host answered {status} {code}"
        return (
            None
            if reason in text or json.dumps(reason)[1:-1] in text
            else (f"422 without LangGraph's reason {reason!r}: {text[:200]}")
        )
    if status != 202:
        return f"LangGraph accepts it ({verdict['end']}); host answered {status} {code}"
    return settles(client, response.json())


@pytest.mark.usefixtures("corpus_env")
@pytest.mark.parametrize("graph", graphs())
async def test_odd_input_gets_langgraphs_verdict_and_never_a_500(
    graph: str, corpus_host: LiveHost, chat_model: BaseChatModel
) -> None:
    wrong = []
    with corpus_host.client() as client:
        for odd in odd_inputs(graph):
            verdict = None
            if odd.raw is None and odd.name != "body_over_the_limit":
                verdict = await langgraph_verdict(graph, odd, chat_model)
            try:
                response = await asyncio.to_thread(post_run, client, graph, odd)
            except httpx.TransportError as exc:
                raise HostBroke(f"{odd.name}: {exc!r}") from exc
            problem = await asyncio.to_thread(judge, client, response, odd, verdict)
            if problem:
                wrong.append(f"{odd.name}: {problem}")
        if client.get("/health").status_code != 200 or corpus_host.process is None:
            raise HostBroke("/health does not answer 200 after the sweep")
    if corpus_host.process.poll() is not None:
        raise HostBroke(f"the host exited with {corpus_host.process.returncode}")
    assert not wrong, "\n".join(wrong)
