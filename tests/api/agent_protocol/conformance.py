"""Every frame genesis-mesh sends, checked against `langchain-protocol`'s own types.

`Event` types the envelope (`type`, `method`, `seq`, `event_id`); its `params` are an open
dict there, so they are checked against the CDDL's shape (`namespace`, `timestamp`,
`data`) and `data` against the payload type of its channel. Validation is strict: no
coercion of a string into a number or the like.
"""

from __future__ import annotations

from typing import Any, NotRequired

from langchain_protocol import protocol
from pydantic import TypeAdapter
from typing_extensions import TypedDict


class _Params(TypedDict):
    namespace: list[str]
    timestamp: int
    data: Any
    node: NotRequired[str]


_ENVELOPE = TypeAdapter(protocol.Event)
_PARAMS = TypeAdapter(_Params)
_DATA: dict[str, TypeAdapter[Any]] = {
    "lifecycle": TypeAdapter(protocol.LifecycleData),
    "messages": TypeAdapter(protocol.MessagesData),
    "tools": TypeAdapter(protocol.ToolsData),
    "input.requested": TypeAdapter(protocol.InputRequestedData),
    "values": TypeAdapter(dict[str, Any]),
    "updates": TypeAdapter(protocol.UpdatesData),
    "checkpoints": TypeAdapter(protocol.Checkpoint),
    "custom": TypeAdapter(protocol.CustomData),
    "tasks": TypeAdapter(dict[str, Any]),
}
_RESPONSE = TypeAdapter(protocol.CommandResponse | protocol.ErrorResponse)
_RESULTS: dict[str, TypeAdapter[Any]] = {
    "run.start": TypeAdapter(protocol.RunResult),
    "input.respond": TypeAdapter(protocol.RunResult),
    "subscription.subscribe": TypeAdapter(protocol.SubscribeResult),
    "subscription.reconnect": TypeAdapter(protocol.ReconnectResult),
    "agent.getTree": TypeAdapter(protocol.AgentResult),
    "input.inject": TypeAdapter(protocol.EmptyResult),
    "state.get": TypeAdapter(protocol.StateGetResult),
    "state.listCheckpoints": TypeAdapter(protocol.ListCheckpointsResult),
    "state.fork": TypeAdapter(protocol.StateForkResult),
}


def check_event(frame: dict[str, Any]) -> None:
    """Raise `pydantic.ValidationError` unless `frame` is a protocol `Event`."""
    _ENVELOPE.validate_python(frame, strict=True)
    assert isinstance(frame.get("seq"), int) and isinstance(frame.get("event_id"), str)
    params = _PARAMS.validate_python(frame["params"], strict=True)
    _DATA[frame["method"]].validate_python(params["data"], strict=True)


def check_response(frame: dict[str, Any], method: str) -> None:
    """Raise unless `frame` is a `CommandResponse` (with the result of `method`) or an
    `ErrorResponse` with one of the protocol's error codes."""
    _RESPONSE.validate_python(frame, strict=True)
    if frame["type"] == "success" and method in _RESULTS:
        _RESULTS[method].validate_python(frame["result"], strict=True)


def check(frame: dict[str, Any]) -> None:
    """A frame of a stream: an event, or a response (the WebSocket sends both)."""
    if frame.get("type") == "event":
        check_event(frame)
    else:
        _RESPONSE.validate_python(frame, strict=True)
