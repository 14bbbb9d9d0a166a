"""The Agent Streaming Protocol events of a play, channel by channel, in a form two plays
of one scenario share: what a client reads, without what is random or host-only.

Dropped: `seq`, `event_id`, `timestamp` (per run by definition). Random ids (task ids
in namespaces, message, checkpoint and tool call ids) are renamed in order of first
appearance, so equal ids stay equal. Kept out of the comparison, because LangGraph's
in-process v3 stream has no such events (a server adds them; docs/agent-protocol.md):
the root `lifecycle` (`running`, `completed`, `interrupted`, `failed`), `input.requested`,
`tools` and `tasks` (LangGraph folds its tasks into the `lifecycle` of subgraphs).

Two forms are the host's by design and are brought to one form on both sides:
- the granularity of deltas: text (or tool call arguments) still queued when the next
  piece arrives is stored as one delta (`runner/event_log.py`), so consecutive deltas of
  one content block are compared joined;
- a model's message in the state: under the v3 stream LangGraph has chat models answer in
  content blocks (`output_version` `v1`), while a host run keeps the message `astream`
  gives, the form every other API of the host answers; an AI message is compared by its
  text, tool calls and ids;
- the id of a tool message in a node's update: LangGraph's `messages` stream mode (which
  a host run streams) stamps one on the message the node returned, its v3 stream leaves
  it unset until the state's reducer gives it one; the state has it either way.
"""

from __future__ import annotations

from typing import Any

from tests.fidelity.serialization import normalise

COMPARED = ("values", "updates", "messages", "checkpoints", "custom", "lifecycle")


def by_channel(segments: list[list[dict[str, Any]]], token: str) -> dict[str, Any]:
    """Per compared channel, per run segment, its events as (namespace, node, data)."""
    channels: dict[str, list[list[Any]]] = {name: [] for name in COMPARED}
    for events in segments:
        for name in COMPARED:
            items = [_item(e) for e in events if _compared(e, name)]
            channels[name].append(_joined_deltas(items) if name == "messages" else items)
    return {name: normalise(items, token) for name, items in channels.items()}


def _compared(event: dict[str, Any], channel: str) -> bool:
    if event["method"] != channel:
        return False
    return channel != "lifecycle" or bool(event["params"]["namespace"])


def _item(event: dict[str, Any]) -> dict[str, Any]:
    params = event["params"]
    namespace = [list(part.partition(":")[::2]) for part in params["namespace"]]
    data = params["data"]
    if event["method"] in ("values", "updates"):
        data = _plain_messages(data)
    return {"namespace": namespace, "node": params.get("node"), "data": data}


def _joined_deltas(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    joined: list[dict[str, Any]] = []
    for item in items:
        data = item["data"]
        last = joined[-1]["data"] if joined else {}
        if (
            data.get("event") == last.get("event") == "content-block-delta"
            and data["index"] == last["index"]
            and data["delta"]["type"] == last["delta"]["type"]
            and joined[-1]["namespace"] == item["namespace"]
        ):
            field = "text" if "text" in data["delta"] else "args"
            delta = {**last["delta"], field: last["delta"][field] + data["delta"][field]}
            joined[-1] = {**joined[-1], "data": {**last, "delta": delta}}
        else:
            joined.append(item)
    return joined


def _plain_messages(value: Any) -> Any:
    """`value` with every AI message as its text, tool calls, ids and name."""
    if isinstance(value, list):
        return [_plain_messages(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("type") == "tool" and "tool_call_id" in value:
        return {k: _plain_messages(v) for k, v in value.items() if k != "id"}
    if value.get("type") != "ai" or "tool_calls" not in value:
        return {k: _plain_messages(v) for k, v in value.items()}
    content = value.get("content")
    if isinstance(content, list):
        content = "".join(b.get("text", "") for b in content if isinstance(b, dict))
    keys = ("id", "name", "tool_calls", "invalid_tool_calls")
    return {"content": content, **{k: value.get(k) for k in keys}}


def first_difference(got: list[Any], want: list[Any]) -> str:
    """Where two channels part: the segment, the index and the events there."""
    for segment, (ours, theirs) in enumerate(zip(got, want, strict=False)):
        for index in range(max(len(ours), len(theirs))):
            mine = ours[index] if index < len(ours) else None
            bare = theirs[index] if index < len(theirs) else None
            if mine != bare:
                return f"segment {segment}, event {index}:\n  host: {mine}\n  bare: {bare}"
    return f"segments: host {len(got)}, bare {len(want)}"
