"""The mapper alone, on stored events as the runner writes them: tool calls stream as
content blocks and become `tools` events; replaying a prefix gives the same events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from genesis_mesh.api.agent_protocol.cursor import decode, encode
from genesis_mesh.api.agent_protocol.mapping import RunMapper
from genesis_mesh.protocol import Event, EventType
from tests.api.agent_protocol.conformance import check_event

CALL = "call_1"


def _events() -> list[Event]:
    drafts: list[tuple[EventType, str | None, dict[str, Any]]] = [
        (EventType.RUN_STARTED, None, {"graph": "agent"}),
        (EventType.NODE_STARTED, "model", {"task_id": "t1", "step": 1}),
        (EventType.MESSAGE_DELTA, "model", {"message_id": "m1", "type": "ai", "text": "Let "}),
        (EventType.MESSAGE_DELTA, "model", {"message_id": "m1", "type": "ai", "text": "me look."}),
        (
            EventType.MESSAGE_DELTA,
            "model",
            {
                "message_id": "m1",
                "type": "ai",
                "text": "",
                "tool_call_chunks": [
                    {"id": CALL, "name": "get_weather", "args": '{"city": ', "index": 0}
                ],
            },
        ),
        (
            EventType.MESSAGE_DELTA,
            "model",
            {
                "message_id": "m1",
                "type": "ai",
                "text": "",
                "tool_call_chunks": [{"id": None, "name": None, "args": '"Paris"}', "index": 0}],
            },
        ),
        (EventType.NODE_COMPLETED, "model", {"task_id": "t1", "step": 1, "update": {"n": 1}}),
        (EventType.NODE_STARTED, "tools", {"task_id": "t2", "step": 2}),
        (
            EventType.MESSAGE_TOOL,
            "tools",
            {"tool_call_id": CALL, "name": "get_weather", "content": "sunny", "status": "success"},
        ),
        (EventType.NODE_COMPLETED, "tools", {"task_id": "t2", "step": 2, "update": {"n": 2}}),
        (EventType.RUN_COMPLETED, None, {"output": {"n": 2}}),
    ]
    now = datetime.now(UTC)
    return [
        Event(run_id="run-1", seq=i, ts=now, type=kind, node=node, data=data)
        for i, (kind, node, data) in enumerate(drafts, start=1)
    ]


def _mapped(events: list[Event]) -> list[dict[str, Any]]:
    mapper = RunMapper("agent")
    out = []
    for event in events:
        for index, wire in enumerate(mapper.map(event)):
            seq = encode(1, event.seq, index)
            out.append({**wire, "seq": seq, "event_id": str(seq)})
    return out


def test_a_tool_call_streams_as_a_content_block_then_runs_as_a_tool() -> None:
    wire = _mapped(_events())
    for frame in wire:
        check_event(frame)
    messages = [e["params"]["data"] for e in wire if e["method"] == "messages"]
    assert [m["event"] for m in messages] == [
        "message-start",
        "content-block-start",
        "content-block-delta",
        "content-block-delta",
        "content-block-finish",
        "content-block-start",
        "content-block-delta",
        "content-block-delta",
        "content-block-finish",
        "message-finish",
    ]
    assert messages[4]["content"] == {"type": "text", "text": "Let me look."}
    assert messages[8]["content"] == {
        "type": "tool_call",
        "id": CALL,
        "name": "get_weather",
        "args": {"city": "Paris"},
    }
    tools = [e["params"]["data"] for e in wire if e["method"] == "tools"]
    assert tools == [
        {
            "event": "tool-started",
            "tool_call_id": CALL,
            "tool_name": "get_weather",
            "input": {"city": "Paris"},
        },
        {"event": "tool-finished", "tool_call_id": CALL, "output": "sunny"},
    ]


def test_the_same_stored_events_always_map_to_the_same_protocol_events() -> None:
    events = _events()
    assert _mapped(events) == _mapped(events)
    assert [decode(e["seq"]).native_seq for e in _mapped(events)] == sorted(
        decode(e["seq"]).native_seq for e in _mapped(events)
    )


def test_a_seq_names_its_run_stored_event_and_place() -> None:
    seq = encode(3, 41, 2)
    assert (decode(seq).ordinal, decode(seq).native_seq, decode(seq).index) == (3, 41, 2)
    assert decode(seq).seq == seq and seq < 2**53 > encode(2**21 - 1, 2**24 - 1, 255)


def test_a_shutdown_announcement_maps_to_nothing_and_the_pause_to_interrupted() -> None:
    now = datetime.now(UTC)
    drafts = [
        (EventType.RUN_STARTED, {"graph": "agent"}),
        (EventType.RUN_STOPPING, {"reason": "shutdown"}),
        (EventType.RUN_INTERRUPTED, {"reason": "shutdown"}),
    ]
    mapper = RunMapper("agent")
    mapped = [
        mapper.map(Event(run_id="run-1", seq=i, ts=now, type=kind, data=data))
        for i, (kind, data) in enumerate(drafts, start=1)
    ]
    assert mapped[1] == []
    assert [w["params"]["data"]["event"] for w in mapped[2]] == ["interrupted"]


def test_a_pause_ends_the_subgraph_that_asked_as_interrupted_and_reopens_it_on_resume() -> None:
    """As LangGraph's v3 stream: the subgraph a question was asked in is `interrupted`,
    one open beside it `completed`; the resumed subgraph is `started` again."""
    asking, beside = ("review:t1",), ("notes:t2",)
    drafts: list[tuple[EventType, str | None, dict[str, Any]]] = [
        (EventType.RUN_STARTED, None, {"graph": "agent"}),
        (EventType.NODE_STARTED, "ask", {"task_id": "t3", "namespace": list(asking)}),
        (EventType.NODE_STARTED, "jot", {"task_id": "t4", "namespace": list(beside)}),
        (
            EventType.RUN_INTERRUPTED,
            None,
            {
                "reason": "question",
                "interrupts": [
                    {"id": "i1", "value": "ok?", "namespace": list(asking), "node": "ask"}
                ],
            },
        ),
        (EventType.RUN_RESUMED, None, {}),
        (EventType.NODE_STARTED, "ask", {"task_id": "t3", "namespace": list(asking)}),
    ]
    now = datetime.now(UTC)
    events = [
        Event(run_id="run-1", seq=i, ts=now, type=kind, node=node, data=data)
        for i, (kind, node, data) in enumerate(drafts, start=1)
    ]
    wire = _mapped(events)
    for frame in wire:
        check_event(frame)
    lifecycle = [
        (tuple(e["params"]["namespace"]), e["params"]["data"]["event"])
        for e in wire
        if e["method"] == "lifecycle"
    ]
    assert lifecycle == [
        ((), "running"),
        (asking, "started"),
        (beside, "started"),
        (asking, "interrupted"),
        (beside, "completed"),
        ((), "interrupted"),
        ((), "running"),
        (asking, "started"),
    ]
