"""The testing kit shows a graph's events exactly as the host streams them to a client."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from typing_extensions import TypedDict

from genesis_mesh.errors import AnswerRequired, AnswersByIdRequired
from genesis_mesh.protocol import FINAL_EVENT_TYPES, Event, EventType, RunStatus
from genesis_mesh.services import open_services
from genesis_mesh.settings import Settings
from genesis_mesh.testing import GraphHarness, fake_chat_model
from tests.conftest import FIXTURE_CONFIG
from tests.fixtures.graphs import ask, failing, parallel_ask, steps

VOLATILE = {"task_id", "interrupt_id", "thread_id", "id"}


def _shape(events: list[Event]) -> list[tuple[str, str | None, dict[str, Any]]]:
    return [(str(e.type), e.node, _stable(e.data)) for e in events]


def _stable(data: dict[str, Any]) -> dict[str, Any]:
    """An event's data without the ids that differ from thread to thread."""
    stable = {k: v for k, v in data.items() if k not in VOLATILE}
    if "interrupts" in stable:
        stable["interrupts"] = [_stable(item) for item in stable["interrupts"]]
    return stable


async def _host_events(
    tmp_path: Path, graph: str, input: dict[str, Any], answer: Any
) -> list[Event]:
    settings = Settings(config=FIXTURE_CONFIG, data_dir=tmp_path)
    async with open_services(settings, recover=False) as services:
        got: list[Event] = []
        done = asyncio.Event()

        def on_event(event: Event) -> None:
            got.append(event)
            if event.type in FINAL_EVENT_TYPES or event.type == EventType.RUN_INTERRUPTED:
                done.set()

        run = await services.runner.create_run(graph, input, on_event=on_event)
        await asyncio.wait_for(done.wait(), 20)
        if got[-1].type == EventType.RUN_INTERRUPTED:
            done.clear()
            await services.runner.resume(run.run_id, answer)
            await asyncio.wait_for(done.wait(), 20)
        services.runner.take_subscription(run.run_id)()
        return got


async def test_a_question_and_its_answer_give_the_same_events_as_the_host(tmp_path: Path) -> None:
    answer = {"accepted": ["a", "b"]}
    harness = GraphHarness(ask.build_graph(), name="ask")
    asked = await harness.run({"topic": "links"})
    assert asked.status == RunStatus.INTERRUPTED
    assert asked.question["question"] == "Which pages about links?"
    done = await harness.resume(answer)
    assert done.status == RunStatus.SUCCEEDED
    assert done.output["summary"] == "links: a,b"
    assert [e.seq for e in harness.events] == list(range(1, len(harness.events) + 1))

    host = await _host_events(tmp_path, "ask", {"topic": "links"}, answer)
    assert _shape(harness.events) == _shape(host)


async def test_progress_events_match_the_host_node_by_node(tmp_path: Path) -> None:
    result = await GraphHarness(steps.build_graph(), name="steps").run({"delay": 0})
    assert result.of(EventType.NODE_PROGRESS, "one")[0].data["message"] == "one started"
    assert _shape(result.events) == _shape(
        await _host_events(tmp_path, "steps", {"delay": 0}, None)
    )


async def test_a_failing_node_gives_node_failed_then_run_failed(tmp_path: Path) -> None:
    result = await GraphHarness(failing.build_graph(), name="failing").run()
    assert result.status == RunStatus.FAILED
    assert result.types()[-2:] == ["node.failed", "run.failed"]
    assert result.error is not None and "quota exceeded" in result.error["message"]
    assert _shape(result.events) == _shape(await _host_events(tmp_path, "failing", {}, None))


async def test_bad_input_is_refused_like_the_host_refuses_it() -> None:
    harness = GraphHarness(steps.build_graph())
    try:
        await harness.run("not an object")
    except Exception as exc:
        assert getattr(exc, "code", None) == "invalid_input"
    else:
        raise AssertionError("expected invalid_input")


class _Context(TypedDict, total=False):
    model: Any


class _State(TypedDict, total=False):
    question: str
    answer: str


async def _reply(state: _State, runtime: Runtime[_Context]) -> dict[str, str]:
    model = runtime.context["model"]
    message = await model.ainvoke([HumanMessage(content=state["question"])])
    return {"answer": str(message.content)}


async def test_a_fake_chat_model_in_the_context_streams_message_deltas() -> None:
    builder = StateGraph(_State, context_schema=_Context)
    builder.add_node("reply", _reply)
    builder.add_edge(START, "reply")
    builder.add_edge("reply", END)
    harness = GraphHarness(builder, context={"model": fake_chat_model("Link the pillar page.")})

    result = await harness.run({"question": "What first?"})

    assert result.output["answer"] == "Link the pillar page."
    deltas = result.of(EventType.MESSAGE_DELTA, "reply")
    assert "".join(e.data["text"] for e in deltas) == "Link the pillar page."
    assert len(deltas) > 1


async def test_the_kit_answers_parallel_questions_by_id_as_the_host_does() -> None:
    harness = GraphHarness(parallel_ask.build_graph(), name="parallel_ask")
    asked = await harness.run()
    assert [i["node"] for i in asked.interrupts] == ["approve", "name"]
    with pytest.raises(AnswersByIdRequired):
        await harness.resume("yes")
    with pytest.raises(AnswerRequired):
        await harness.resume()
    ids = {i["node"]: i["id"] for i in asked.interrupts}
    done = await harness.resume({ids["approve"]: "yes", ids["name"]: "Atlas"})
    assert done.status == RunStatus.SUCCEEDED
    assert sorted(done.output["log"]) == ["approve:yes", "join:-", "name:Atlas"]
