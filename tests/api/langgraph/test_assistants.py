"""Assistants through `langgraph-sdk`: the default one per graph, stored ones, versions."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk.client import LangGraphClient, SyncLangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError

from tests.api.langgraph.conftest import ON_BOTH_MODES

pytestmark = ON_BOTH_MODES

NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")


async def test_every_graph_has_a_default_assistant_with_the_langgraph_server_id(
    client: LangGraphClient,
) -> None:
    found = await client.assistants.search(graph_id="steps")
    assert [a["assistant_id"] for a in found] == [str(uuid.uuid5(NAMESPACE, "steps"))]
    assert found[0]["graph_id"] == "steps"
    by_name = await client.assistants.get("steps")
    by_id = await client.assistants.get(found[0]["assistant_id"])
    assert by_name == by_id


async def test_ok_and_info_answer_as_the_langgraph_server_does(client: LangGraphClient) -> None:
    assert await client.http.get("/ok") == {"ok": True}
    info = await client.http.get("/info")
    assert info["flags"]["assistants"] is True


async def test_an_assistant_is_created_updated_as_new_versions_and_deleted(
    client: LangGraphClient,
) -> None:
    created = await client.assistants.create(
        "steps", config={"tags": ["a"]}, context={"x": 1}, metadata={"team": "seo"}, name="mine"
    )
    assert (created["graph_id"], created["name"], created["version"]) == ("steps", "mine", 1)
    updated = await client.assistants.update(created["assistant_id"], name="renamed")
    assert (updated["name"], updated["version"]) == ("renamed", 2)
    versions = await client.assistants.get_versions(created["assistant_id"])
    assert [v["version"] for v in versions] == [2, 1]
    pinned = await client.assistants.set_latest(created["assistant_id"], 1)
    assert (pinned["name"], pinned["version"]) == ("mine", 1)
    assert await client.assistants.count(metadata={"team": "seo"}) >= 1
    found = await client.assistants.search(metadata={"team": "seo"}, name="mine")
    assert created["assistant_id"] in [a["assistant_id"] for a in found]
    await client.assistants.delete(created["assistant_id"])
    with pytest.raises(NotFoundError):
        await client.assistants.get(created["assistant_id"])


async def test_creating_an_assistant_with_a_taken_id_is_a_conflict_unless_do_nothing(
    client: LangGraphClient,
) -> None:
    assistant_id = str(uuid.uuid4())
    first = await client.assistants.create("steps", assistant_id=assistant_id, name="one")
    with pytest.raises(ConflictError):
        await client.assistants.create("steps", assistant_id=assistant_id)
    again = await client.assistants.create("ask", assistant_id=assistant_id, if_exists="do_nothing")
    assert again == first


async def test_an_unknown_assistant_or_graph_is_not_found(client: LangGraphClient) -> None:
    with pytest.raises(NotFoundError):
        await client.assistants.get(str(uuid.uuid4()))
    with pytest.raises(NotFoundError):
        await client.assistants.create("no_such_graph")


async def test_graph_schemas_and_subgraphs_describe_the_graph(client: LangGraphClient) -> None:
    drawing = await client.assistants.get_graph("steps")
    ids = {node["id"] for node in drawing["nodes"]}
    assert {"__start__", "one", "five", "__end__"} <= ids
    assert {"source": "one", "target": "two"} in [
        {"source": e["source"], "target": e["target"]} for e in drawing["edges"]
    ]
    schemas = await client.assistants.get_schemas("steps")
    assert schemas["graph_id"] == "steps"
    assert "delay" in schemas["input_schema"]["properties"]
    assert "visited" in schemas["state_schema"]["properties"]
    nested = await client.assistants.get_subgraphs("nested")
    assert nested, "the nested graph has a subgraph"
    assert all(s["graph_id"] == "nested" for s in nested.values())


def test_the_sync_client_lists_and_reads_assistants(sync_client: SyncLangGraphClient) -> None:
    found = sync_client.assistants.search(limit=100)
    assert {"steps", "ask", "chat"} <= {a["graph_id"] for a in found}
    assert sync_client.assistants.get("ask")["graph_id"] == "ask"
