"""Plays a scenario on bare LangGraph with its own v3 event stream
(`graph.astream_events(version="v3")`, every channel LangGraph 1.2 offers), recording
each run segment's events in the form the Agent Streaming Protocol carries them.

In-process, LangGraph's v3 events keep Python objects and a few in-process shapes; the
protocol (`langchain-protocol`'s types, which LangGraph's own remote stream decodes back
into the in-process projections) carries the same events as JSON. `as_wire` is that one
translation, and nothing else:

- `lifecycle`: in-process every subgraph's lifecycle is at the root with the subgraph in
  `data.namespace`; on the wire it is at the subgraph's own `params.namespace`.
- `messages`: in-process `data` is `(payload, metadata)`; on the wire it is the payload,
  a message returned whole replayed as protocol events (`message_to_events`, as the
  in-process `run.messages` projection replays it), with `params.node` the metadata's
  `langgraph_node`. Tool results and legacy chunks are not chat-model messages (the
  in-process projection skips them too; tool results are the `tools` channel's).
- `updates`: `{node: values}` becomes one `{node, values}` (`UpdatesData`) per node, with
  `params.node` (a return value that is not a dict under the channel it was written to,
  since `values` is a dict); the `__interrupt__` pseudo-update is the `input` channel's.
- `checkpoints`: the checkpoint becomes its light envelope (`Checkpoint`).
- `custom`: the payload becomes `{payload}` (`CustomData`).
- `values`: the state as JSON, without the `__interrupt__` key.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

from langchain_core._api.beta_decorator import LangChainBetaWarning
from langchain_core.language_models._compat_bridge import message_to_events
from langchain_core.messages import AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.stream.transformers import (
    CheckpointsTransformer,
    CustomTransformer,
    TasksTransformer,
    UpdatesTransformer,
)

from genesis_mesh.api.agent_protocol.mapping import checkpoint_envelope
from tests.fidelity.bare import INTERRUPT, METADATA, AstreamRun, node_path
from tests.fidelity.serialization import server_json

Wire = dict[str, Any]
TRANSFORMERS = [UpdatesTransformer, CustomTransformer, CheckpointsTransformer, TasksTransformer]


class V3Run(AstreamRun):
    """One run segment through `astream_events(version="v3")`; `events` is what it
    streamed, as the protocol carries it."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Wire] = []

    async def play(self, graph: Any, payload: Any, config: RunnableConfig, context: Any) -> Any:
        with warnings.catch_warnings():  # "experimental": it is the reference all the same
            warnings.simplefilter("ignore", LangChainBetaWarning)
            stream = await graph.astream_events(
                payload,
                config,
                version="v3",
                transformers=TRANSFORMERS,
                context=context,
                durability="sync",
            )
        async for event in stream:
            for wire in as_wire(event, frozenset(graph.nodes)):
                self._observe(wire)
                self.events.append(wire)
        return self.streamed

    def _observe(self, wire: Wire) -> None:
        params = wire["params"]
        self.started = True
        if wire["method"] == "updates":
            self.nodes.append(node_path(params["namespace"], params["node"]))
        elif wire["method"] == "values" and not params["namespace"]:
            self.streamed = params["data"]


def as_wire(event: dict[str, Any], graph_nodes: frozenset[str]) -> Iterator[Wire]:
    """The protocol events one in-process v3 event of a graph with `graph_nodes` is (see
    the module's docstring)."""
    method, params = event["method"], event["params"]
    ns, data = list(params["namespace"]), params["data"]
    if method == "lifecycle":
        inner = {k: v for k, v in data.items() if k != "namespace"}
        yield _event(method, list(data.get("namespace") or []), None, server_json(inner))
    elif method == "messages":
        yield from _messages(ns, *data)
    elif method == "updates":
        if (data.get(METADATA) or {}).get("cached"):
            return
        for node, values in data.items():
            if node in (INTERRUPT, METADATA):
                continue
            update = {"node": node, "values": _update_values(node, values, graph_nodes)}
            yield _event(method, ns, node, update)
    elif method == "checkpoints":
        yield _event(method, ns, None, checkpoint_envelope(server_json(data)))
    elif method == "custom":
        yield _event(method, ns, None, {"payload": server_json(data)})
    elif method == "values":
        values = {k: v for k, v in server_json(data).items() if k != INTERRUPT}
        yield _event(method, ns, None, values)
    else:
        yield _event(method, ns, None, server_json(data))


def _update_values(node: str, values: Any, graph_nodes: frozenset[str]) -> dict[str, Any]:
    """`UpdatesData.values` is a dict: a functional entrypoint's or task's return value
    that is not one goes under the channel LangGraph wrote it to."""
    values = server_json(values)
    if values is None:  # a node that wrote nothing
        return {}
    if isinstance(values, dict):
        return values
    return {"__end__" if node in graph_nodes else "__return__": values}


def _messages(ns: list[str], payload: Any, metadata: dict[str, Any]) -> Iterator[Wire]:
    node = metadata.get("langgraph_node")
    if isinstance(payload, dict) and "event" in payload:
        yield _event("messages", ns, node, server_json(payload))
    elif isinstance(payload, BaseMessage) and not isinstance(payload, AIMessageChunk | ToolMessage):
        for item in message_to_events(payload, message_id=payload.id):
            yield _event("messages", ns, node, server_json(item))


def _event(method: str, ns: list[str], node: str | None, data: Any) -> Wire:
    params: dict[str, Any] = {"namespace": ns, "data": data}
    if node:
        params["node"] = node
    return {"type": "event", "method": method, "params": params}
