"""Runs through `langgraph-sdk`: background, stream modes, wait, join, resume, cancel."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient, SyncLangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError, UnprocessableEntityError

from tests.api.langgraph.conftest import ON_BOTH_MODES, thread_gone
from tests.conftest import LiveHost

pytestmark = ON_BOTH_MODES

NODES = ["one", "two", "three", "four", "five"]


async def _parts(stream: Any) -> list[tuple[str, Any, str | None]]:
    return [(part.event, part.data, part.id) async for part in stream]


async def test_a_streamed_run_sends_metadata_first_the_modes_asked_for_and_end_last(
    client: LangGraphClient,
) -> None:
    thread = await client.threads.create()
    parts = await _parts(
        client.runs.stream(
            thread["thread_id"], "steps", input={}, stream_mode=["updates", "values", "custom"]
        )
    )
    events = [event for event, _, _ in parts]
    assert events[0] == "metadata" and events[-1] == "end"
    assert [next(iter(d)) for e, d, _ in parts if e == "updates"] == NODES
    assert [d for e, d, _ in parts if e == "values"][-1] == {"visited": NODES}
    assert {"message": "one started", "done": 0, "total": 1} in [
        d for e, d, _ in parts if e == "custom"
    ]
    run_id = parts[0][1]["run_id"]
    run = await client.runs.get(thread["thread_id"], run_id)
    steps = await client.assistants.get("steps")
    assert (run["status"], run["assistant_id"]) == ("success", steps["assistant_id"])
    ids = [int(i) for e, _, i in parts if i is not None and e != "end"]
    assert ids == sorted(ids) and len(ids) == len(set(ids))


async def test_stream_parts_come_in_the_order_and_shape_bare_langgraph_gives(
    client: LangGraphClient,
) -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    from tests.fixtures.graphs.ask import build_graph

    bare = build_graph().compile(checkpointer=InMemorySaver())
    config: Any = {"configurable": {"thread_id": "bare"}}
    expected = [
        (mode, _without_ids(_plain(chunk)))
        async for mode, chunk in bare.astream(
            {"topic": "links"}, config, stream_mode=["updates", "values"]
        )
    ]
    parts = await _parts(
        client.runs.stream(None, "ask", input={"topic": "links"}, stream_mode=["updates", "values"])
    )
    served = [(e, _without_ids(d)) for e, d, _ in parts if e in ("updates", "values")]
    assert served == expected


def _without_ids(chunk: Any) -> Any:
    """Interrupt ids hash the thread's checkpoint namespace: equal values, other ids."""
    if isinstance(chunk, dict) and "__interrupt__" in chunk:
        values = [{"value": i["value"]} for i in chunk["__interrupt__"]]
        return {**chunk, "__interrupt__": values}
    return chunk


def _plain(chunk: Any) -> Any:
    """A bare stream chunk as JSON (interrupts as `{"value", "id"}`)."""
    if isinstance(chunk, dict):
        return {k: _plain(v) for k, v in chunk.items()}
    if isinstance(chunk, tuple | list):
        return [_plain(v) for v in chunk]
    if hasattr(chunk, "value") and hasattr(chunk, "id"):
        return {"value": _plain(chunk.value), "id": chunk.id}
    return chunk


async def test_messages_tuple_and_legacy_messages_stream_the_tokens_of_a_chat_model(
    client: LangGraphClient,
) -> None:
    parts = await _parts(
        client.runs.stream(
            None, "chat", input={"question": "?"}, stream_mode=["messages-tuple", "messages"]
        )
    )
    chunks = [d for e, d, _ in parts if e == "messages"]
    text = "".join(chunk["content"] for chunk, _ in chunks)
    assert text == "The pillar page should link to every cluster page, and back."
    assert all(meta["langgraph_node"] == "reply" for _, meta in chunks)
    partial = [d for e, d, _ in parts if e == "messages/partial"]
    assert partial[-1][0]["content"] == text
    assert [e for e, _, _ in parts].count("messages/metadata") == 1


async def test_wait_returns_the_final_values_and_a_background_run_can_be_joined(
    client: LangGraphClient,
) -> None:
    assert await client.runs.wait(None, "steps", input={}) == {"visited": NODES}
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "steps", input={"delay": 0.05})
    assert run["status"] in ("pending", "running")
    joined = await client.runs.join(thread["thread_id"], run["run_id"])
    assert joined == {"delay": 0.05, "visited": NODES}
    listed = await client.runs.list(thread["thread_id"])
    assert [r["run_id"] for r in listed] == [run["run_id"]]
    assert listed[0]["status"] == "success"


async def test_a_failed_run_streams_an_error_and_wait_reports_it(
    client: LangGraphClient,
) -> None:
    parts = await _parts(client.runs.stream(None, "failing", input={}))
    errors = [d for e, d, _ in parts if e == "error"]
    assert errors and errors[0]["error"] and errors[0]["message"]
    with pytest.raises(Exception, match=errors[0]["error"]):
        await client.runs.wait(None, "failing", input={})


async def test_an_interrupt_is_answered_with_a_resume_command(client: LangGraphClient) -> None:
    thread = await client.threads.create()
    parts = await _parts(
        client.runs.stream(
            thread["thread_id"], "ask", input={"topic": "links"}, stream_mode=["updates", "values"]
        )
    )
    [interrupt] = [
        d["__interrupt__"] for e, d, _ in parts if e == "updates" and "__interrupt__" in d
    ]
    assert interrupt[0]["value"]["question"] == "Which pages about links?"
    assert parts[-2][0] == "values" and "__interrupt__" in parts[-2][1]
    resumed = await _parts(
        client.runs.stream(
            thread["thread_id"],
            "ask",
            command={"resume": {"accepted": ["a", "b"]}},
            stream_mode="updates",
        )
    )
    updates = [d for e, d, _ in resumed if e == "updates"]
    assert updates == [{"ask": {"answer": "a,b"}}, {"summarize": {"summary": "links: a,b"}}]
    state = await client.threads.get_state(thread["thread_id"])
    assert state["values"]["summary"] == "links: a,b"


async def test_join_stream_with_last_event_id_delivers_the_rest_exactly_once(
    client: LangGraphClient,
) -> None:
    thread = await client.threads.create()
    stream = client.runs.stream(
        thread["thread_id"],
        "steps",
        input={"delay": 0.2},
        stream_mode="updates",
        on_disconnect="continue",
    )
    seen: list[tuple[str, Any, str | None]] = []
    async for part in stream:
        seen.append((part.event, part.data, part.id))
        if part.event == "updates":
            break
    await stream.aclose()
    run_id = seen[0][1]["run_id"]
    last_id = seen[-1][2]
    assert last_id is not None
    rest = await _parts(client.runs.join_stream(thread["thread_id"], run_id, last_event_id=last_id))
    updates = [next(iter(d)) for e, d, _ in [*seen, *rest] if e == "updates"]
    assert updates == NODES
    assert rest[-1][0] == "end"


async def test_a_cancelled_run_stops_and_shows_as_interrupted(client: LangGraphClient) -> None:
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "steps", input={"delay": 5})
    await asyncio.sleep(0.3)
    await client.runs.cancel(thread["thread_id"], run["run_id"], wait=True)
    cancelled = await client.runs.get(thread["thread_id"], run["run_id"])
    assert cancelled["status"] == "interrupted"
    await client.runs.delete(thread["thread_id"], run["run_id"])
    with pytest.raises(NotFoundError):
        await client.runs.get(thread["thread_id"], run["run_id"])


async def test_a_second_run_on_a_busy_thread_is_a_conflict_or_waits_its_turn(
    client: LangGraphClient,
) -> None:
    thread = await client.threads.create()
    first = await client.runs.create(thread["thread_id"], "steps", input={"delay": 0.2})
    with pytest.raises(ConflictError):
        await client.runs.create(thread["thread_id"], "steps", input={})
    second = await client.runs.create(
        thread["thread_id"], "steps", input={}, multitask_strategy="enqueue"
    )
    assert second["status"] == "pending"
    await client.runs.join(thread["thread_id"], first["run_id"])
    after = await client.runs.join(thread["thread_id"], second["run_id"])
    assert after["visited"] == NODES + NODES  # the second run went on from the first's state


async def test_a_run_on_a_missing_thread_is_not_found_unless_if_not_exists_create(
    client: LangGraphClient,
) -> None:
    thread_id = str(uuid.uuid4())
    with pytest.raises(NotFoundError):
        await client.runs.create(thread_id, "steps", input={})
    done = await client.runs.wait(thread_id, "steps", input={}, if_not_exists="create")
    assert done == {"visited": NODES}
    assert (await client.threads.get(thread_id))["status"] == "idle"


async def test_options_not_served_are_refused_with_422_not_ignored(
    client: LangGraphClient,
) -> None:
    with pytest.raises(UnprocessableEntityError):
        await client.runs.create(None, "steps", input={}, stream_mode="no_such_mode")  # type: ignore[arg-type]


async def test_a_run_with_after_seconds_waits_pending_then_starts_no_earlier(
    client: LangGraphClient,
) -> None:
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "steps", input={}, after_seconds=2)
    assert run["status"] == "pending"
    await asyncio.sleep(1)
    waiting = await client.runs.get(thread["thread_id"], run["run_id"])
    assert waiting["status"] == "pending"
    assert await client.threads.get_history(thread["thread_id"]) == []  # not started
    done = await client.runs.join(thread["thread_id"], run["run_id"])
    assert done == {"visited": NODES}
    finished = await client.runs.get(thread["thread_id"], run["run_id"])
    assert finished["status"] == "success"
    history = await client.threads.get_history(thread["thread_id"])
    first_checkpoint = min(_when(state["created_at"]) for state in history)
    assert first_checkpoint >= _when(run["created_at"]) + timedelta(seconds=2)


async def test_a_delayed_run_cancelled_while_pending_never_starts(
    client: LangGraphClient,
) -> None:
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "steps", input={}, after_seconds=1)
    await client.runs.cancel(thread["thread_id"], run["run_id"], wait=True)
    await asyncio.sleep(1.5)
    assert await client.threads.get_history(thread["thread_id"]) == []
    again = await client.runs.wait(thread["thread_id"], "steps", input={})
    assert again == {"visited": NODES}  # the thread is free again


def _when(stamp: Any) -> datetime:
    return stamp if isinstance(stamp, datetime) else datetime.fromisoformat(stamp)


@pytest.mark.parametrize("after", [-1, 366 * 24 * 3600])
async def test_after_seconds_out_of_range_is_refused_with_422(
    client: LangGraphClient, after: int
) -> None:
    with pytest.raises(UnprocessableEntityError) as refused:
        await client.runs.create(None, "steps", input={}, after_seconds=after)
    assert "after_seconds" in refused.value.response.text


@pytest.mark.parametrize("after", ["Infinity", "NaN"])
def test_after_seconds_not_finite_is_refused_with_422(host: LiveHost, after: str) -> None:
    body = '{"assistant_id": "steps", "input": {}, "after_seconds": ' + after + "}"
    answer = httpx.post(
        f"{host.base_url}/runs", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422 and "after_seconds" in answer.text


async def test_langgraph_runs_are_ordinary_runs_of_the_native_api(
    client: LangGraphClient, host: LiveHost
) -> None:
    run = await client.runs.create(None, "steps", input={}, on_completion="keep")
    await client.runs.join(run["thread_id"], run["run_id"])
    native = httpx.get(f"{host.base_url}/api/v1/runs/{run['run_id']}").json()
    assert (native["status"], native["graph"]) == ("succeeded", "steps")


def test_the_sync_client_streams_and_waits(sync_client: SyncLangGraphClient) -> None:
    parts = list(sync_client.runs.stream(None, "steps", input={}, stream_mode="updates"))
    assert [next(iter(p.data)) for p in parts if p.event == "updates"] == NODES
    assert sync_client.runs.wait(None, "steps", input={}) == {"visited": NODES}


async def test_stateless_wait_deletes_its_thread_by_default_and_keep_keeps_its_state(
    client: LangGraphClient,
) -> None:
    created: list[Any] = []
    answer = await client.runs.wait(None, "steps", input={}, on_run_created=created.append)
    assert answer == {"visited": NODES}
    assert await thread_gone(client, created[0]["thread_id"])
    with pytest.raises(NotFoundError):
        await client.threads.get_state(created[0]["thread_id"])
    kept = await client.runs.wait(
        None, "steps", input={}, on_completion="keep", on_run_created=created.append
    )
    assert kept == {"visited": NODES}
    await asyncio.sleep(0.3)  # past when a deletion would have happened
    thread = await client.threads.get(created[1]["thread_id"])
    assert thread["values"] == {"visited": NODES} and thread["status"] == "idle"


async def test_stateless_create_and_stream_delete_their_thread_after_the_answer(
    client: LangGraphClient,
) -> None:
    run = await client.runs.create(None, "steps", input={"delay": 0.05})
    assert await thread_gone(client, run["thread_id"])
    created: list[Any] = []
    stream = client.runs.stream(None, "steps", input={}, on_run_created=created.append)
    parts = await _parts(stream)
    assert [d for e, d, _ in parts if e == "values"][-1] == {"visited": NODES}
    assert parts[-1][0] == "end"
    assert await thread_gone(client, created[0]["thread_id"])
    batch = await client.runs.create_batch([{"assistant_id": "steps", "input": {}}])
    assert await thread_gone(client, batch[0]["thread_id"])
