"""The one serializer shows state values as LangGraph Server does, as plain JSON data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import uuid
from collections import namedtuple

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage, convert_to_messages
from pydantic import BaseModel

from genesis_mesh.serialization import MAX_DEPTH, dumps, serialize


class Colour(enum.Enum):
    RED = "red"


class Page(BaseModel):
    title: str
    tags: list[str]


@dataclasses.dataclass
class Link:
    source: str
    weight: float


def test_a_message_becomes_its_dict_form_with_type_content_id_and_tool_calls() -> None:
    message = AIMessage(
        "calling", id="ai-1", tool_calls=[{"name": "search", "args": {"q": "x"}, "id": "c1"}]
    )
    data = serialize({"messages": [HumanMessage("hi", id="h-1"), message]})
    human, ai = data["messages"]
    assert human == {
        "content": "hi",
        "additional_kwargs": {},
        "response_metadata": {},
        "type": "human",
        "name": None,
        "id": "h-1",
    }
    assert ai["type"] == "ai"
    assert ai["id"] == "ai-1"
    assert ai["tool_calls"] == [
        {"name": "search", "args": {"q": "x"}, "id": "c1", "type": "tool_call"}
    ]


def test_serialized_messages_read_back_as_the_same_messages() -> None:
    messages = [
        HumanMessage("hi", id="h-1"),
        AIMessage("", id="a-1", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}]),
        ToolMessage("42", tool_call_id="c1", id="t-1"),
    ]
    again = convert_to_messages(serialize(messages))
    assert [(type(m), m.content, m.id) for m in again] == [
        (type(m), m.content, m.id) for m in messages
    ]
    assert again[1].tool_calls == messages[1].tool_calls
    assert again[2].tool_call_id == "c1"


def test_pydantic_models_and_dataclasses_become_objects_not_lists_of_pairs() -> None:
    data = serialize({"page": Page(title="Home", tags=["a"]), "link": Link("/", 0.5)})
    assert data == {
        "page": {"title": "Home", "tags": ["a"]},
        "link": {"source": "/", "weight": 0.5},
    }


def test_common_python_values_become_their_json_forms() -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    ident = uuid.UUID(int=1)
    point = namedtuple("point", "x y")(1, 2)
    data = serialize(
        {
            "set": {3},
            "bytes": b"\x00\x01",
            "when": when,
            "day": dt.date(2026, 1, 2),
            "id": ident,
            "colour": Colour.RED,
            "tuple": (1, "a"),
            "point": point,
            "span": dt.timedelta(seconds=90),
            "error": ValueError("bad"),
            1: "int key",
        }
    )
    assert data == {
        "set": [3],
        "bytes": "AAE=",
        "when": "2026-01-02T03:04:05+00:00",
        "day": "2026-01-02",
        "id": str(ident),
        "colour": "red",
        "tuple": [1, "a"],
        "point": {"x": 1, "y": 2},
        "span": 90.0,
        "error": {"error": "ValueError", "message": "bad"},
        "1": "int key",
    }


def test_nan_and_infinities_become_null() -> None:
    assert serialize([float("nan"), float("inf"), -float("inf"), 1.5]) == [None, None, None, 1.5]


def test_integers_past_64_bits_are_kept_whole() -> None:
    big = 2**70
    assert serialize({"n": big, "m": Colour.RED}) == {"n": big, "m": "red"}
    assert json.loads(dumps({"n": big})) == {"n": big}


def test_nul_characters_are_dropped_and_lone_surrogates_replaced() -> None:
    assert serialize({"a\x00": "x\x00y", "s": "ok\ud800"}) == {"a": "xy", "s": "ok?"}
    assert json.loads(dumps("x\x00y")) == "xy"


def test_nesting_past_the_limit_and_cycles_are_cut_not_crashed_on() -> None:
    deep: list[object] = []
    inner = deep
    for _ in range(MAX_DEPTH + 100):  # past orjson's own 254 levels
        inner.append([])
        inner = inner[0]  # type: ignore[assignment]
    depth, node = 0, serialize(deep)
    while isinstance(node, list) and node:
        node, depth = node[0], depth + 1
    assert MAX_DEPTH - 1 <= depth <= MAX_DEPTH + 1
    cycle: dict[str, object] = {}
    cycle["self"] = cycle
    assert isinstance(serialize(cycle), dict)


def test_unknown_objects_become_null_as_langgraph_server_shows_them() -> None:
    class Opaque:
        pass

    assert serialize({"x": Opaque(), "cls": Opaque}) == {"x": None, "cls": None}


def test_dumps_and_serialize_agree() -> None:
    value = {"page": Page(title="t", tags=[]), "when": dt.date(2026, 1, 1)}
    assert json.loads(dumps(value)) == serialize(value)
