"""`run.start` addresses an assistant as the LangGraph API does (a graph name, a default
assistant's uuid, a stored assistant) and passes the run's `context` and `config` on."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from langgraph_sdk.client import LangGraphClient

from genesis_mesh.api.langgraph.assistants import default_assistant_id
from tests.api.agent_protocol.streams import close, command, is_root_end, read_until, transport_for
from tests.conftest import LiveHost


async def _final_values(host: LiveHost, transport: str, params: dict[str, Any]) -> Any:
    """Start a run on a new thread with `params`; the last `values` it streams."""
    conn = transport_for(transport, host.base_url, str(uuid.uuid4()))
    try:
        started = await command(conn, "run.start", params)
        assert started["type"] == "success", started
        since = started["meta"]["applied_through_seq"]
        wanted = {"channels": ["values", "lifecycle"], "since": since}
        events = await read_until(conn, wanted, is_root_end)
    finally:
        await close(conn)
    assert events[-1]["params"]["data"]["event"] == "completed", events[-1]
    return [e["params"]["data"] for e in events if e["method"] == "values"][-1]


async def test_run_start_takes_the_default_assistants_uuid(
    client: LangGraphClient, transport: str
) -> None:
    assistant_id = default_assistant_id("steps")
    async with client.threads.stream(assistant_id=assistant_id, transport=transport) as thread:
        started = await thread.run.start(input={})
        output = await thread.output
    assert started["run_id"].startswith("run-")
    assert output == {"visited": ["one", "two", "three", "four", "five"]}


async def test_the_graph_sees_the_run_starts_context(host: LiveHost, transport: str) -> None:
    params = {"assistant_id": "persona", "input": {}, "context": {"user_name": "Ada"}}
    values = await _final_values(host, transport, params)
    assert values["greetings"] == ["hello Ada", "bye Ada"]


async def test_a_stored_assistants_context_and_config_lie_under_the_commands(
    host: LiveHost, client: LangGraphClient, transport: str
) -> None:
    stored = await client.assistants.create(
        "persona",
        config={"recursion_limit": 30, "tags": ["stored"]},
        context={"user_name": "Bo", "shout": True},
    )
    params = {
        "assistant_id": stored["assistant_id"],
        "input": {},
        "context": {"user_name": "Ada"},
        "config": {"tags": ["command"]},
    }
    values = await _final_values(host, transport, params)
    assert values["greetings"] == ["HELLO ADA", "BYE ADA"]
    assert (values["seen"]["recursion_limit"], values["seen"]["tags"]) == (30, ["command"])


async def test_an_unknown_assistant_is_refused_with_the_protocols_error(host: LiveHost) -> None:
    unknown = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=host.base_url, timeout=60) as http:
        refused = await http.post(
            f"/threads/{uuid.uuid4()}/commands",
            json={"id": 7, "method": "run.start", "params": {"assistant_id": unknown}},
        )
    body = refused.json()
    assert refused.status_code == 404
    assert (body["type"], body["id"], body["error"]) == ("error", 7, "invalid_argument")
    assert (body["code"], body["detail"]) == ("assistant_not_found", {"assistant_id": unknown})
    assert unknown in body["message"]
