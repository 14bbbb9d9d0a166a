"""The AG-UI endpoint against a live host: every event sent is one of the `ag-ui-protocol`
package's pydantic events (`agui.parse` validates each), in an order AG-UI allows."""

from __future__ import annotations

import json
import uuid

from tests.api.ag_ui.agui import Stream, post, run_input, user_message
from tests.conftest import LiveHost

DEFAULT_ASSISTANT_NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")


def check_order(stream: Stream) -> None:
    """What `@ag-ui/client`'s verifier checks: RUN_STARTED first, the run's end last,
    steps, messages and tool calls opened before use and closed before the end; and
    the SSE ids count every event from 1."""
    assert stream.types[0] == "RUN_STARTED"
    assert stream.types[-1] in ("RUN_FINISHED", "RUN_ERROR")
    assert stream.ids == list(range(1, len(stream.events) + 1))
    steps: set[str] = set()
    messages: set[str] = set()
    calls: set[str] = set()
    for event in stream.events:
        kind = event.type.value
        if kind == "STEP_STARTED":
            assert event.step_name not in steps
            steps.add(event.step_name)
        elif kind == "STEP_FINISHED":
            steps.remove(event.step_name)
        elif kind == "TEXT_MESSAGE_START":
            assert event.message_id not in messages
            messages.add(event.message_id)
        elif kind == "TEXT_MESSAGE_CONTENT":
            assert event.message_id in messages
        elif kind == "TEXT_MESSAGE_END":
            messages.remove(event.message_id)
        elif kind == "TOOL_CALL_START":
            assert event.tool_call_id not in calls
            calls.add(event.tool_call_id)
        elif kind == "TOOL_CALL_ARGS":
            assert event.tool_call_id in calls
        elif kind == "TOOL_CALL_END":
            calls.remove(event.tool_call_id)
        elif kind == "RUN_FINISHED":
            assert not steps and not messages and not calls


def test_a_tool_calling_agent_streams_steps_tool_call_result_text_and_snapshots(
    host: LiveHost,
) -> None:
    question = user_message("What is the weather in Paris?")
    body = run_input(messages=[question])
    with host.client() as http:
        stream = post(http, "react_agent", body)
        run = http.get(f"/api/v1/runs/{stream.headers['x-genesis-mesh-run-id']}").json()
    check_order(stream)
    started = stream.events[0]
    assert (started.thread_id, started.run_id) == (body["threadId"], body["runId"])
    assert started.metadata["genesis_mesh"]["run_id"] == run["run_id"]
    assert [e.step_name for e in stream.of("STEP_STARTED")] == ["call_model", "tools", "call_model"]
    (start,) = stream.of("TOOL_CALL_START")
    assert start.tool_call_name == "get_weather"
    args = "".join(e.delta for e in stream.of("TOOL_CALL_ARGS"))
    assert json.loads(args) == {"city": "Paris"}
    (result,) = stream.of("TOOL_CALL_RESULT")
    assert result.tool_call_id == start.tool_call_id
    assert result.content == "It is sunny in Paris."
    assert stream.text() == "It is sunny."
    assert stream.types.index("TOOL_CALL_END") < stream.types.index("TOOL_CALL_RESULT")
    (snapshot,) = stream.of("MESSAGES_SNAPSHOT")
    roles = [m.role for m in snapshot.messages]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert snapshot.messages[0].id == question["id"]  # the client's id is kept
    assert snapshot.messages[1].tool_calls[0].id == start.tool_call_id
    assert snapshot.messages[3].id == stream.of("TEXT_MESSAGE_START")[0].message_id
    assert stream.finished.outcome.type == "success"
    assert run["status"] == "succeeded" and run["thread_id"] == body["threadId"]


def test_the_next_turn_sends_only_the_new_message_and_the_graph_sees_the_conversation(
    host: LiveHost,
) -> None:
    body = run_input(messages=[user_message("Weather in Paris?")])
    with host.client() as http:
        first = post(http, "react_agent", body)
        (snapshot,) = first.of("MESSAGES_SNAPSHOT")
        history = [m.model_dump(by_alias=True, mode="json") for m in snapshot.messages]
        follow_up = user_message("Thanks!")
        second = post(
            http,
            "react_agent",
            {**body, "runId": str(uuid.uuid4()), "messages": [*history, follow_up]},
        )
        state = http.get(f"/api/v1/threads/{body['threadId']}/state").json()
    check_order(second)
    messages = state["values"]["messages"]
    assert [m["type"] for m in messages] == [
        "human",
        "ai",
        "tool",
        "ai",
        "human",
        "ai",
        "tool",
        "ai",
    ]
    assert messages[4]["id"] == follow_up["id"]  # nothing the thread had was added again
    (again,) = second.of("MESSAGES_SNAPSHOT")
    assert len(again.messages) == 8


def test_an_interrupt_ends_the_run_with_its_outcome_and_resume_entries_answer_it(
    host: LiveHost,
) -> None:
    body = run_input(state={"draft": "Spring sale"})
    with host.client() as http:
        asked = post(http, "interrupt_node", body)
        check_order(asked)
        (interrupt,) = asked.finished.outcome.interrupts
        assert interrupt.message == "Approve this draft?"
        assert interrupt.metadata["langgraph"]["raw"]["draft"] == "Spring sale"
        (custom,) = asked.of("CUSTOM")
        assert custom.name == "on_interrupt"
        assert json.loads(custom.value)["question"] == "Approve this draft?"
        assert asked.of("STATE_SNAPSHOT")[0].snapshot == {"draft": "Spring sale"}

        resume = [{"interruptId": interrupt.id, "status": "resolved", "payload": "yes"}]
        second = post(http, "interrupt_node", {**body, "runId": "r2", "resume": resume})
        check_order(second)
        (again,) = second.finished.outcome.interrupts
        assert again.message == "Who are you?" and again.id != interrupt.id

        # ag-ui-langgraph's way, which CopilotKit's LangGraph hooks send
        legacy = {"command": {"resume": "Ada"}}
        done = post(http, "interrupt_node", {**body, "runId": "r3", "forwardedProps": legacy})
        run = http.get(f"/api/v1/runs/{done.headers['x-genesis-mesh-run-id']}").json()
    check_order(done)
    assert done.finished.outcome.type == "success"
    assert done.of("STATE_SNAPSHOT")[-1].snapshot == {
        "draft": "Spring sale (published by Ada)",
        "approved": True,
        "reviewer": "Ada",
    }
    deltas = [op.model_dump() for e in done.of("STATE_DELTA") for op in e.delta]
    assert {"op": "add", "path": "/reviewer", "value": "Ada"} in deltas
    assert {"op": "add", "path": "/draft", "value": "Spring sale (published by Ada)"} in deltas
    assert run["status"] == "succeeded"  # one ordinary run, resumed twice
    assert run["run_id"] == asked.events[0].metadata["genesis_mesh"]["run_id"]


def test_a_post_without_an_answer_while_a_run_waits_asks_again_and_runs_nothing(
    host: LiveHost,
) -> None:
    body = run_input(state={"draft": "Notes"})
    with host.client() as http:
        asked = post(http, "interrupt_node", body)
        again = post(http, "interrupt_node", {**body, "runId": "ask-again"})
        events = http.get(f"/api/v1/runs/{asked.headers['x-genesis-mesh-run-id']}/events").json()
    check_order(again)
    assert again.types == [
        "RUN_STARTED",
        "STATE_SNAPSHOT",
        "CUSTOM",
        "RUN_FINISHED",
    ]
    assert again.finished.outcome.interrupts[0].id == asked.finished.outcome.interrupts[0].id
    assert [e["type"] for e in events].count("run.started") == 1
    assert "run.resumed" not in [e["type"] for e in events]


def test_the_default_assistant_id_of_a_graph_runs_it_like_its_name(host: LiveHost) -> None:
    assistant = str(uuid.uuid5(DEFAULT_ASSISTANT_NAMESPACE, "interrupt_node"))
    with host.client() as http:
        listed = http.get(f"/assistants/{assistant}").json()
        stream = post(http, assistant, run_input(state={"draft": "x"}))
        health = http.get(f"/ag-ui/{assistant}/health").json()
    assert listed["graph_id"] == "interrupt_node"  # the LangGraph Server API's id
    assert stream.finished.outcome.type == "interrupt"
    assert health == {"status": "ok", "agent": {"name": "interrupt_node"}}


def test_interrupts_asked_at_once_are_answered_by_id_and_an_echoed_state_is_not_rewritten(
    host: LiveHost,
) -> None:
    body = run_input(state={"trip": "Rome"})
    with host.client() as http:
        asked = post(http, "interrupt_parallel", body)
        pending = asked.finished.outcome.interrupts
        assert sorted(i.message for i in pending) == ["Which flight?", "Which hotel?"]
        assert len(asked.of("CUSTOM")) == 2
        answers = {"Which hotel?": "Hilton", "Which flight?": "AZ 123"}
        resume = [
            {"interruptId": i.id, "status": "resolved", "payload": answers[i.message]}
            for i in pending
        ]
        done = post(http, "interrupt_parallel", {**body, "runId": "booked", "resume": resume})
        check_order(done)
        state = done.of("STATE_SNAPSHOT")[-1].snapshot
        assert sorted(state["answers"]) == ["booked Rome", "flight: AZ 123", "hotel: Hilton"]
        # the next turn sends back the state it was sent: `answers` has a reducer and
        # must not be added to itself
        again = post(http, "interrupt_parallel", {**body, "runId": "again", "state": state})
        thread = http.get(f"/api/v1/threads/{body['threadId']}/state").json()
    assert again.finished.outcome.type == "interrupt"
    assert sorted(thread["values"]["answers"]) == sorted(state["answers"])


def test_an_interrupt_inside_a_subgraph_names_its_path_and_its_answer_reaches_the_parent(
    host: LiveHost,
) -> None:
    body = run_input(state={"order": "coffee"})
    with host.client() as http:
        asked = post(http, "interrupt_subgraph", body)
        (interrupt,) = asked.finished.outcome.interrupts
        resume = [{"interruptId": interrupt.id, "status": "resolved", "payload": "L"}]
        done = post(http, "interrupt_subgraph", {**body, "runId": "sized", "resume": resume})
    check_order(asked)
    check_order(done)
    assert interrupt.message == "Which size for coffee?"
    assert interrupt.metadata["langgraph"]["node"] == "choose_size"
    assert interrupt.metadata["langgraph"]["ns"][0].startswith("sizing:")
    assert [e.step_name for e in asked.of("STEP_STARTED")] == ["sizing"]  # inner nodes are not
    assert done.of("STATE_SNAPSHOT")[-1].snapshot["receipt"] == "one L coffee"
