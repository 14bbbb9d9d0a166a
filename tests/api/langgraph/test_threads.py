"""Threads and their state through `langgraph-sdk`."""

from __future__ import annotations

import uuid
from typing import Any
from unittest.mock import ANY

import pytest
from langgraph_sdk.client import LangGraphClient, SyncLangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError, UnprocessableEntityError

from tests.api.langgraph.conftest import ON_BOTH_MODES

pytestmark = ON_BOTH_MODES


async def test_a_thread_is_created_read_updated_searched_counted_and_deleted(
    client: LangGraphClient,
) -> None:
    tag = str(uuid.uuid4())
    thread = await client.threads.create(metadata={"tag": tag})
    assert (thread["status"], thread["metadata"], thread["values"]) == ("idle", {"tag": tag}, None)
    assert (await client.threads.get(thread["thread_id"]))["metadata"] == {"tag": tag}
    patched = await client.threads.update(thread["thread_id"], metadata={"more": 1})
    assert patched["metadata"] == {"tag": tag, "more": 1}
    found = await client.threads.search(metadata={"tag": tag})
    assert [t["thread_id"] for t in found] == [thread["thread_id"]]
    assert await client.threads.count(metadata={"tag": tag}) == 1
    await client.threads.delete(thread["thread_id"])
    with pytest.raises(NotFoundError):
        await client.threads.get(thread["thread_id"])


async def test_a_taken_thread_id_is_a_conflict_unless_do_nothing(client: LangGraphClient) -> None:
    thread_id = str(uuid.uuid4())
    await client.threads.create(thread_id=thread_id, metadata={"n": 1})
    with pytest.raises(ConflictError):
        await client.threads.create(thread_id=thread_id)
    again = await client.threads.create(thread_id=thread_id, if_exists="do_nothing")
    assert again["metadata"] == {"n": 1}


async def test_state_history_and_update_state_follow_the_checkpoints(
    client: LangGraphClient,
) -> None:
    thread = await client.threads.create()
    thread_id = thread["thread_id"]
    empty = await client.threads.get_state(thread_id)
    assert (empty["values"], empty["next"]) == ({}, [])
    await client.runs.wait(thread_id, "steps", input={})
    state = await client.threads.get_state(thread_id)
    assert state["values"]["visited"] == ["one", "two", "three", "four", "five"]
    assert state["checkpoint"]["thread_id"] == thread_id
    history = await client.threads.get_history(thread_id, limit=3)
    assert [h["metadata"]["step"] for h in history] == [5, 4, 3]
    third = history[2]["checkpoint"]["checkpoint_id"]
    earlier = await client.threads.get_state(thread_id, checkpoint_id=third)
    assert earlier["values"]["visited"] == ["one", "two", "three"]
    updated = await client.threads.update_state(thread_id, {"visited": ["edited"]}, as_node="five")
    assert updated["checkpoint"]["checkpoint_id"] != state["checkpoint"]["checkpoint_id"]
    after = await client.threads.get_state(thread_id)
    assert after["values"]["visited"] == ["edited"]
    assert after["parent_checkpoint"]["checkpoint_id"] == state["checkpoint"]["checkpoint_id"]
    thread_now = await client.threads.get(thread_id)
    assert (thread_now["status"], thread_now["values"]) == ("idle", {"visited": ["edited"]})


async def test_state_and_history_metadata_are_what_langgraph_wrote_on_either_mode(
    client: LangGraphClient,
) -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    from tests.fixtures.graphs.steps import build_graph

    bare = build_graph().compile(checkpointer=InMemorySaver())
    config: Any = {"configurable": {"thread_id": "bare"}}
    await bare.ainvoke({}, config)
    want = [snapshot.metadata async for snapshot in bare.aget_state_history(config)]
    thread_id = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread_id, "steps", input={})
    await client.runs.join(thread_id, run["run_id"])
    state = await client.threads.get_state(thread_id)
    history = await client.threads.get_history(thread_id, limit=len(want) + 1)
    written = [{**metadata, "run_id": run["run_id"]} for metadata in want]  # as a server's
    assert state["metadata"] == written[0]
    assert [h["metadata"] for h in history] == written


async def test_a_thread_waiting_for_an_answer_is_interrupted_with_its_question(
    client: LangGraphClient,
) -> None:
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], "ask", input={"topic": "links"})
    waiting = await client.threads.get(thread["thread_id"])
    assert waiting["status"] == "interrupted"
    [interrupts] = waiting["interrupts"].values()
    assert interrupts[0]["value"]["question"] == "Which pages about links?"
    assert await client.threads.count(status="interrupted") >= 1
    state = await client.threads.get_state(thread["thread_id"])
    assert state["next"] == ["ask"]
    assert state["interrupts"][0]["id"] == interrupts[0]["id"]


def test_the_sync_client_creates_and_reads_threads(sync_client: SyncLangGraphClient) -> None:
    thread = sync_client.threads.create(metadata={"sync": True})
    assert sync_client.threads.get(thread["thread_id"])["metadata"] == {"sync": True}
    with pytest.raises(NotFoundError):
        sync_client.threads.get(str(uuid.uuid4()))


async def test_a_copied_thread_has_the_same_state_and_history_and_goes_its_own_way(
    client: LangGraphClient,
) -> None:
    thread = await client.threads.create(metadata={"copied": "no"})
    await client.runs.wait(thread["thread_id"], "steps", input={})
    copy = await client.threads.copy(thread["thread_id"])
    assert copy["thread_id"] != thread["thread_id"]
    assert copy["metadata"] == {"copied": "no", "graph_id": "steps", "assistant_id": ANY}
    original = await client.threads.get_history(thread["thread_id"], limit=100)
    copied = await client.threads.get_history(copy["thread_id"], limit=100)
    assert [h["values"] for h in copied] == [h["values"] for h in original]
    await client.threads.update_state(copy["thread_id"], {"visited": ["only the copy"]})
    assert (await client.threads.get_state(thread["thread_id"]))["values"]["visited"][-1] == "five"
    after = await client.runs.wait(copy["thread_id"], "steps", input={})
    assert after["visited"] == ["only the copy", "one", "two", "three", "four", "five"]


async def test_update_state_takes_what_langgraph_takes_and_answers_its_refusals_with_422(
    client: LangGraphClient,
) -> None:
    thread_id = (await client.threads.create())["thread_id"]
    await client.runs.wait(thread_id, "typed_state", input={"messages": ["hi"]})
    # As under `langgraph dev`: LangGraph drops a key with no channel and never checks
    # the type of an overwritten value.
    await client.threads.update_state(thread_id, {"nope": 1, "tags": "no list"}, as_node="tally")
    values = (await client.threads.get_state(thread_id))["values"]
    assert "nope" not in values and values["tags"] == "no list"
    shapes = ["a string", ["user", "a pair"], {"role": "assistant", "content": "a dict"}]
    await client.threads.update_state(thread_id, {"messages": shapes}, as_node="tally")
    state = await client.threads.get_state(thread_id)
    assert [m["content"] for m in state["values"]["messages"]] == [
        "hi",
        "noted",
        "a string",
        "a pair",
        "a dict",
    ]
    refusals: list[tuple[Any, str]] = [
        ({"messages": 5}, "Unsupported message type"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "Unexpected message type: 'robot'"),
        ({"log": "x"}, "can only concatenate list"),
        ([{"log": ["x"]}], "Expected dict"),
    ]
    for values, wanted in refusals:
        with pytest.raises(UnprocessableEntityError) as refused:
            await client.threads.update_state(thread_id, values, as_node="tally")
        assert "LangGraph refused the update" in refused.value.response.text
        assert wanted in refused.value.response.text
    after = await client.threads.get_state(thread_id)
    assert after["checkpoint"] == state["checkpoint"]  # nothing was written


async def test_a_run_stamps_its_graph_and_assistant_on_the_thread_for_searches(
    client: LangGraphClient,
) -> None:
    """As on a LangGraph Server: Agent Chat UI lists a graph's threads by this metadata."""
    tag = str(uuid.uuid4())
    thread = await client.threads.create(metadata={"tag": tag})
    await client.runs.wait(thread["thread_id"], "chat", input={"question": "links?"})
    assistant = await client.assistants.get("chat")
    stamped = (await client.threads.get(thread["thread_id"]))["metadata"]
    assert stamped == {"tag": tag, "graph_id": "chat", "assistant_id": assistant["assistant_id"]}
    for metadata in ({"graph_id": "chat"}, {"assistant_id": assistant["assistant_id"]}):
        found = await client.threads.search(metadata={**metadata, "tag": tag})
        assert [t["thread_id"] for t in found] == [thread["thread_id"]]
