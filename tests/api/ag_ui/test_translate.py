"""The translation of stored events into AG-UI events, in process, for the cases a live
run of the corpus does not reach: parallel tasks, subgraph messages, split tool-call
chunks, progress, pause, shutdown, failure, cancellation; and messages both ways."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ag_ui.core import BaseEvent, RunAgentInput
from pydantic import TypeAdapter

from genesis_mesh.api.ag_ui.messages import from_langchain, to_langchain
from genesis_mesh.api.ag_ui.translate import Translator
from genesis_mesh.protocol import Event, EventType
from tests.api.ag_ui.agui import EVENT

STATE = {"draft": "d", "messages": []}


def translator(plain: frozenset[str] = frozenset()) -> Translator:
    async def read() -> dict[str, Any]:
        return dict(STATE)

    return Translator("t-1", "agui-1", read, plain)


def event(seq: int, kind: EventType, node: str | None = None, **data: Any) -> Event:
    return Event(run_id="r-1", seq=seq, ts=datetime.now(UTC), type=kind, node=node, data=data)


async def play(t: Translator, *events: Event) -> list[BaseEvent]:
    produced: list[BaseEvent] = []
    for e in events:
        produced += await t.translate(e)
    for item in produced:  # each one is an event of AG-UI's union, as it goes on the wire
        EVENT.validate_python(json.loads(item.model_dump_json(by_alias=True)))
    return produced


def types(events: list[BaseEvent]) -> list[str]:
    return [e.type.value for e in events]


async def test_parallel_tasks_of_one_node_are_one_step_ended_by_the_last() -> None:
    produced = await play(
        translator(),
        event(1, EventType.NODE_STARTED, "fan", task_id="a"),
        event(2, EventType.NODE_STARTED, "fan", task_id="b"),
        event(3, EventType.NODE_COMPLETED, "fan", task_id="a", update={}),
        event(4, EventType.NODE_FAILED, "fan", task_id="b", error={"type": "E"}),
    )
    assert types(produced) == ["STEP_STARTED", "STEP_FINISHED"]
    assert produced[1].timestamp == int(produced[1].timestamp or 0)


async def test_a_subgraph_message_ends_with_its_parent_step_and_tool_chunks_join() -> None:
    inside = {"namespace": ["child:7"]}
    chunks = [
        {"id": "call-1", "name": "search", "args": "", "index": 0},
    ]
    produced = await play(
        translator(),
        event(1, EventType.NODE_STARTED, "child", task_id="c"),
        event(2, EventType.NODE_STARTED, "inner", task_id="i", **inside),
        event(3, EventType.MESSAGE_DELTA, "inner", message_id="m", type="ai", text="Hi", **inside),
        event(
            4, EventType.MESSAGE_DELTA, "inner", message_id="m", text="", tool_call_chunks=chunks
        ),
        event(
            5,
            EventType.MESSAGE_DELTA,
            "inner",
            message_id="m",
            text="",
            tool_call_chunks=[{"id": None, "name": None, "args": '{"q": 1}', "index": 0}],
        ),
        event(6, EventType.NODE_COMPLETED, "inner", task_id="i", update={}, **inside),
        event(7, EventType.NODE_COMPLETED, "child", task_id="c", update={}),
    )
    assert types(produced) == [
        "STEP_STARTED",
        "TEXT_MESSAGE_START",
        "TEXT_MESSAGE_CONTENT",
        "TOOL_CALL_START",
        "TOOL_CALL_ARGS",
        "TOOL_CALL_END",
        "TEXT_MESSAGE_END",
        "STEP_FINISHED",
    ]
    start = produced[3]
    assert (start.tool_call_id, start.tool_call_name, start.parent_message_id) == (
        "call-1",
        "search",
        "m",
    )


async def test_updates_of_keys_without_a_reducer_are_state_deltas() -> None:
    produced = await play(
        translator(frozenset({"a/b", "count"})),
        event(1, EventType.NODE_STARTED, "n", task_id="x"),
        event(2, EventType.NODE_COMPLETED, "n", task_id="x", update={"a/b": 1, "messages": []}),
    )
    (delta,) = [e for e in produced if e.type.value == "STATE_DELTA"]
    assert [op.model_dump() for op in delta.delta] == [{"op": "add", "path": "/a~1b", "value": 1}]


async def test_progress_is_a_custom_event_carrying_the_native_one() -> None:
    (custom,) = await play(
        translator(), event(1, EventType.NODE_PROGRESS, "parse", message="3/9", done=3, total=9)
    )
    assert custom.name == "progress"
    assert custom.value == {"message": "3/9", "done": 3, "total": 9}
    assert custom.raw_event["node"] == "parse"


async def test_a_pause_finishes_with_an_interrupt_a_shutdown_does_not() -> None:
    t = translator()
    assert await play(t, event(5, EventType.RUN_INTERRUPTED, reason="shutdown")) == []
    assert not t.finished
    produced = await play(t, event(6, EventType.RUN_INTERRUPTED, reason="pause"))
    assert t.finished
    (stop,) = produced[-1].outcome.interrupts
    assert (stop.id, stop.reason) == ("pause:r-1:6", "genesis_mesh:pause")
    assert types(produced) == ["STATE_SNAPSHOT", "MESSAGES_SNAPSHOT", "RUN_FINISHED"]
    assert await play(t, event(7, EventType.RUN_COMPLETED, output={})) == []


async def test_a_shutdown_announces_itself_as_a_custom_stopping_event_and_ends_nothing() -> None:
    t = translator()
    (custom,) = await play(t, event(4, EventType.RUN_STOPPING, reason="shutdown"))
    assert (custom.name, custom.value) == ("stopping", {"reason": "shutdown"})
    assert custom.raw_event["type"] == "run.stopping"
    assert not t.finished


async def test_failure_is_a_run_error_and_cancellation_a_cancelled_outcome() -> None:
    (failed,) = await play(
        translator(),
        event(1, EventType.RUN_FAILED, error={"type": "ValueError", "message": "boom"}),
    )
    assert (failed.code, failed.message) == ("ValueError", "boom")
    t = translator()
    produced = await play(
        t,
        event(1, EventType.NODE_STARTED, "slow", task_id="s"),
        event(2, EventType.MESSAGE_DELTA, "slow", message_id="m", text="par"),
        event(3, EventType.RUN_CANCELLED, reason="cancelled by user"),
    )
    assert types(produced)[-5:] == [
        "TEXT_MESSAGE_END",
        "STEP_FINISHED",
        "STATE_SNAPSHOT",
        "MESSAGES_SNAPSHOT",
        "RUN_FINISHED",
    ]
    assert produced[-1].outcome.type == "cancelled"


async def test_a_question_maps_reason_message_and_schema_from_its_value() -> None:
    value = {"message": "Send it?", "reason": "approval", "responseSchema": {"type": "boolean"}}
    produced = await play(
        translator(),
        event(
            3,
            EventType.RUN_INTERRUPTED,
            "ask",
            reason="question",
            interrupts=[{"id": "i-1", "value": value, "node": "ask", "namespace": []}],
        ),
    )
    (interrupt,) = produced[-1].outcome.interrupts
    assert (interrupt.id, interrupt.reason, interrupt.message) == ("i-1", "approval", "Send it?")
    assert interrupt.response_schema == {"type": "boolean"}
    assert json.loads(produced[-2].value) == value  # CUSTOM on_interrupt, as ag-ui-langgraph


def test_messages_cross_both_ways_with_their_ids_tool_calls_and_media() -> None:
    body = RunAgentInput.model_validate(
        {
            "threadId": "t",
            "runId": "r",
            "messages": [
                {
                    "id": "u",
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image", "source": {"type": "url", "value": "https://x/y.png"}},
                    ],
                },
                {
                    "id": "a",
                    "role": "assistant",
                    "toolCalls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "f", "arguments": "[1]"},
                        }
                    ],
                },
                {"id": "t1", "role": "tool", "toolCallId": "c", "content": "no", "error": "bad"},
                {"id": "d", "role": "developer", "content": "Be brief."},
                {"id": "z", "role": "reasoning", "content": "hmm"},
            ],
        }
    )
    converted = to_langchain(body.messages)
    assert converted[0]["content"][1] == {"type": "image", "url": "https://x/y.png"}
    assert converted[1]["tool_calls"][0]["args"] == {"input": [1]}
    assert (converted[2]["status"], converted[3]["type"]) == ("error", "system")
    assert [m["id"] for m in converted] == ["u", "a", "t1", "d"]
    back = TypeAdapter(list[Any]).dump_python(from_langchain(converted), by_alias=True)
    assert [m["role"] for m in back] == ["user", "assistant", "tool", "system"]
    assert back[0]["content"][1]["source"] == {"type": "url", "value": "https://x/y.png"}
    assert back[1]["toolCalls"][0]["function"] == {"name": "f", "arguments": '{"input": [1]}'}
    assert back[2]["error"] == "no"
