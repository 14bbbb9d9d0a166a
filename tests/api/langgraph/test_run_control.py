"""Steering runs through `langgraph-sdk`: static breakpoints, forks from a checkpoint,
`Command(goto=..., update=...)`; each compared with what bare LangGraph does."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError, UnprocessableEntityError

from tests.api.langgraph.conftest import ON_BOTH_MODES
from tests.fixtures.graphs import ask, steps

pytestmark = ON_BOTH_MODES

NODES = steps.NODES


def _bare(module: Any) -> Any:
    return module.build_graph().compile(checkpointer=InMemorySaver())


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


async def test_interrupt_before_stops_the_run_there_and_input_none_goes_on(
    client: LangGraphClient,
) -> None:
    bare = _bare(steps)
    config: Any = {"configurable": {"thread_id": "b"}}
    await bare.ainvoke({}, config, interrupt_before=["three"])
    expected = await bare.aget_state(config)
    thread = await client.threads.create()
    tid = thread["thread_id"]
    stopped = await client.runs.wait(tid, "steps", input={}, interrupt_before=["three"])
    assert stopped == expected.values == {"visited": ["one", "two"]}
    state = await client.threads.get_state(tid)
    assert state["next"] == list(expected.next) == ["three"]
    assert (await client.threads.get(tid))["status"] == "interrupted"
    [run] = await client.runs.list(tid)
    assert run["status"] == "interrupted"
    done = await client.runs.wait(tid, "steps", input=None)
    assert done == await bare.ainvoke(None, config) == {"visited": NODES}
    assert (await client.threads.get(tid))["status"] == "idle"


async def test_interrupt_after_and_a_state_update_at_the_breakpoint_as_langgraph_has_them(
    client: LangGraphClient,
) -> None:
    bare = _bare(steps)
    config: Any = {"configurable": {"thread_id": "a"}}
    bare_updates = [chunk async for chunk in bare.astream({}, config, interrupt_after=["two"])]
    await bare.aupdate_state(config, {"visited": ["edited"]}, as_node="two")
    expected = await bare.ainvoke(None, config)
    tid = (await client.threads.create())["thread_id"]
    parts = [
        p
        async for p in client.runs.stream(
            tid, "steps", input={}, interrupt_after=["two"], stream_mode="updates"
        )
    ]
    updates = [p.data for p in parts if p.event == "updates"]
    assert updates == [{k: _plain(v) for k, v in c.items()} for c in bare_updates]
    assert [next(iter(u)) for u in updates] == ["one", "two", "__interrupt__"]
    await client.threads.update_state(tid, {"visited": ["edited"]}, as_node="two")
    done = await client.runs.wait(tid, "steps", input=None)
    assert done == expected == {"visited": ["edited", "three", "four", "five"]}


async def test_breakpoints_on_unknown_nodes_are_refused_also_on_a_continuation(
    client: LangGraphClient,
) -> None:
    tid = (await client.threads.create())["thread_id"]
    with pytest.raises(UnprocessableEntityError, match="nine"):
        await client.runs.create(tid, "steps", input={}, interrupt_before=["nine"])
    await client.runs.wait(tid, "steps", input={}, interrupt_before="*")
    assert (await client.threads.get_state(tid))["next"] == ["one"]
    with pytest.raises(UnprocessableEntityError, match="nine"):
        await client.runs.create(tid, "steps", input=None, interrupt_after=["nine"])
    assert (await client.threads.get_state(tid))["next"] == ["one"]  # still waiting


async def test_each_continuation_has_its_own_breakpoints_as_each_langgraph_invocation(
    client: LangGraphClient,
) -> None:
    bare = _bare(steps)
    config: Any = {"configurable": {"thread_id": "c"}}
    tid = (await client.threads.create())["thread_id"]
    turns: list[tuple[Any, dict[str, Any]]] = [
        ({}, {"interrupt_before": ["two", "four"]}),
        (None, {"interrupt_after": ["three"]}),  # not before four: those were the first's
        (None, {}),  # none at all: on to the end
    ]
    for given, breakpoints in turns:
        expected = await bare.ainvoke(given, config, **breakpoints)
        got = await client.runs.wait(tid, "steps", input=given, **breakpoints)
        assert got == expected
        assert (await client.threads.get_state(tid))["next"] == list(
            (await bare.aget_state(config)).next
        )
    assert got == {"visited": NODES}
    assert (await client.threads.get(tid))["status"] == "idle"


async def test_a_run_forks_the_thread_at_an_earlier_checkpoint(client: LangGraphClient) -> None:
    bare = _bare(steps)
    config: Any = {"configurable": {"thread_id": "f"}}
    await bare.ainvoke({}, config)
    bare_history = [s async for s in bare.aget_state_history(config)]
    bare_fork = next(s for s in bare_history if s.values.get("visited") == ["one", "two"])
    again = await bare.ainvoke({}, bare_fork.config)
    replayed = await bare.ainvoke(None, bare_fork.config)

    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "steps", input={})
    history = await client.threads.get_history(tid, limit=20)
    fork = next(s for s in history if s["values"].get("visited") == ["one", "two"])
    checkpoint_id = fork["checkpoint"]["checkpoint_id"]
    assert await client.runs.wait(tid, "steps", input={}, checkpoint_id=checkpoint_id) == again
    assert again == {"visited": ["one", "two", *NODES]}
    replay = await client.runs.wait(tid, "steps", input=None, checkpoint=fork["checkpoint"])
    assert replay == replayed == {"visited": NODES}
    state = await client.threads.get_state(tid)
    assert state["parent_checkpoint"] is not None and state["values"] == replayed


async def test_a_fork_needs_a_checkpoint_of_the_thread_and_a_run_that_starts_now(
    client: LangGraphClient,
) -> None:
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "steps", input={})
    with pytest.raises(UnprocessableEntityError, match="no checkpoint"):
        await client.runs.create(tid, "steps", input={}, checkpoint_id="1f0-no-such")
    history = await client.threads.get_history(tid, limit=20)
    checkpoint_id = history[1]["checkpoint"]["checkpoint_id"]  # not the head: a fork
    with pytest.raises(UnprocessableEntityError, match="queued"):
        await client.runs.create(
            tid, "steps", input={}, checkpoint_id=checkpoint_id, multitask_strategy="enqueue"
        )
    with pytest.raises(UnprocessableEntityError, match="stateless"):
        await client.runs.create(None, "steps", input={}, checkpoint_id=checkpoint_id)


async def test_a_resume_from_the_head_checkpoint_continues_the_waiting_run(
    client: LangGraphClient,
) -> None:
    """useStream (Agent Chat UI) sends the checkpoint it shows with every submit, a resume
    included: the thread's newest checkpoint is no fork, the waiting run goes on."""
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "ask", input={"topic": "links"})
    [head, earlier, *_] = await client.threads.get_history(tid, limit=20)
    answered = await client.runs.wait(
        tid, "ask", input={}, command={"resume": "a"}, checkpoint=head["checkpoint"]
    )
    assert answered == {"topic": "links", "answer": "a", "summary": "links: a"}
    runs = await client.runs.list(tid)
    assert [r["status"] for r in runs] == ["success"]  # the same run, not a second one
    with pytest.raises(UnprocessableEntityError, match="resume continues"):
        await client.runs.create(
            tid, "ask", command={"resume": "b"}, checkpoint=earlier["checkpoint"]
        )


async def test_a_command_with_goto_and_update_steers_a_waiting_run_as_in_langgraph(
    client: LangGraphClient,
) -> None:
    from langgraph.types import Command

    bare = _bare(ask)
    config: Any = {"configurable": {"thread_id": "g"}}
    await bare.ainvoke({"topic": "links"}, config)
    steer = Command(update={"answer": "none"}, goto="summarize")
    expected = [
        c
        async for c in bare.astream(steer, config, stream_mode="updates")
        if "__interrupt__" not in c
    ]
    bare_state = await bare.aget_state(config)
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "ask", input={"topic": "links"})
    parts = [
        p
        async for p in client.runs.stream(
            tid,
            "ask",
            command={"update": {"answer": "none"}, "goto": "summarize"},
            stream_mode="updates",
        )
    ]
    updates = [p.data for p in parts if p.event == "updates" and "__interrupt__" not in p.data]
    assert updates == expected
    assert {"summarize": {"summary": "links: none"}} in updates
    state = await client.threads.get_state(tid)
    assert state["values"] == bare_state.values and state["next"] == list(bare_state.next)


async def test_goto_on_a_thread_without_a_waiting_run_is_refused(
    client: LangGraphClient,
) -> None:
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "steps", input={})
    with pytest.raises(ConflictError, match="not waiting"):
        await client.runs.create(tid, "steps", command={"goto": "three"})


async def _until_first_update(client: LangGraphClient, thread_id: str, delay: float) -> str:
    """Start a slow run and return its id once its first node has written a checkpoint."""
    stream = client.runs.stream(
        thread_id, "steps", input={"delay": delay}, stream_mode="updates", on_disconnect="continue"
    )
    run_id = ""
    async for part in stream:
        if part.event == "metadata":
            run_id = part.data["run_id"]
        if part.event == "updates":
            break
    await stream.aclose()
    return run_id


async def test_cancel_with_rollback_deletes_the_run_and_puts_the_state_back(
    client: LangGraphClient,
) -> None:
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "steps", input={})
    before = await client.threads.get_state(tid)
    run_id = await _until_first_update(client, tid, 2.0)
    assert (await client.threads.get_state(tid))["values"]["visited"] == [*NODES, "one"]
    await client.runs.cancel(tid, run_id, wait=True, action="rollback")
    with pytest.raises(NotFoundError):
        await client.runs.get(tid, run_id)
    after = await client.threads.get_state(tid)
    assert after["values"] == before["values"] == {"visited": NODES}
    assert after["next"] == []
    assert (await client.threads.get(tid))["status"] == "idle"
    assert await client.runs.wait(tid, "steps", input={}) == {"visited": NODES + NODES}


async def test_rolling_back_a_threads_first_run_leaves_no_state(client: LangGraphClient) -> None:
    tid = (await client.threads.create())["thread_id"]
    run_id = await _until_first_update(client, tid, 2.0)
    await client.runs.cancel(tid, run_id, wait=True, action="rollback")
    assert await client.runs.list(tid) == []
    assert await client.threads.get_history(tid) == []
    assert await client.runs.wait(tid, "steps", input={}) == {"visited": NODES}


async def test_a_state_update_at_an_earlier_checkpoint_forks_and_input_none_goes_on(
    client: LangGraphClient,
) -> None:
    bare = _bare(steps)
    config: Any = {"configurable": {"thread_id": "u"}}
    await bare.ainvoke({}, config)
    bare_history = [s async for s in bare.aget_state_history(config)]
    bare_at = next(s for s in bare_history if s.values.get("visited") == ["one"])
    forked = await bare.aupdate_state(bare_at.config, {"visited": ["x"]}, as_node="one")
    expected = await bare.ainvoke(None, forked)

    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "steps", input={})
    history = await client.threads.get_history(tid, limit=20)
    at = next(s for s in history if s["values"].get("visited") == ["one"])
    await client.threads.update_state(
        tid, {"visited": ["x"]}, as_node="one", checkpoint_id=at["checkpoint"]["checkpoint_id"]
    )
    state = await client.threads.get_state(tid)
    assert state["values"] == {"visited": ["x"]} and state["next"] == ["two"]
    assert await client.runs.wait(tid, "steps", input=None) == expected
    assert expected == {"visited": ["x", "two", "three", "four", "five"]}
