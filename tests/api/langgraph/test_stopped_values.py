"""What `runs.wait` and `runs.join` answer for a run that stops at an interrupt in a step
where another node finished (`interrupt_goto`: `note` updates the state, `ask` asks, then
routes with `Command(goto=...)`).

Observed under `langgraph dev` (langgraph-api 0.16.7, langgraph 1.2.24) for this graph:
the answer is the values chunk LangGraph streamed when the run stopped, the step's
checkpoint values with `__interrupt__` (`notes` still empty), although the thread's
state already holds `note`'s write; after the resume, the run's final values.
"""

from __future__ import annotations

from typing import Any

from langgraph_sdk.client import LangGraphClient

from tests.api.langgraph.conftest import ON_BOTH_MODES

pytestmark = ON_BOTH_MODES

QUESTION = {"question": "More on bees?"}


def stopped(thread_state: dict[str, Any]) -> dict[str, Any]:
    """LangGraph Server's answer for the stop, the interrupt id read off the thread."""
    (pending,) = thread_state["interrupts"]
    interrupt = {"value": QUESTION, "id": pending["id"], "response_schema": None}
    return {"topic": "bees", "notes": [], "__interrupt__": [interrupt]}


async def test_wait_answers_the_values_of_the_stop_not_the_step_writes_after_it(
    client: LangGraphClient,
) -> None:
    thread = (await client.threads.create())["thread_id"]
    answer = await client.runs.wait(thread, "interrupt_goto", input={"topic": "bees"})
    state = await client.threads.get_state(thread)
    assert state["values"] == {"topic": "bees", "notes": ["noted bees"]}
    assert state["next"] == ["ask"]
    assert answer == stopped(state)
    resumed = await client.runs.wait(thread, "interrupt_goto", command={"resume": "yes"})
    finished = {"topic": "bees", "notes": ["noted bees", "finished with yes"], "answer": "yes"}
    assert resumed == finished


async def test_join_and_a_stateless_wait_answer_the_same(client: LangGraphClient) -> None:
    thread = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread, "interrupt_goto", input={"topic": "bees"})
    joined = await client.runs.join(thread, run["run_id"])
    assert joined == stopped(await client.threads.get_state(thread))
    alone = await client.runs.wait(None, "interrupt_goto", input={"topic": "bees"})
    assert isinstance(alone, dict) and alone["notes"] == [] and alone["__interrupt__"]


async def test_the_values_stream_sends_the_stop_then_the_step_writes(
    client: LangGraphClient,
) -> None:
    thread = (await client.threads.create())["thread_id"]
    parts = client.runs.stream(thread, "interrupt_goto", input={"topic": "bees"})
    values = [part.data async for part in parts if part.event == "values"]
    state = await client.threads.get_state(thread)
    assert values == [
        {"topic": "bees", "notes": []},
        stopped(state),
        {"topic": "bees", "notes": ["noted bees"]},
    ]
