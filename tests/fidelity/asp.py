"""Plays a scenario over the Agent Streaming Protocol with `langgraph-sdk`'s own v3 stream
transports (SSE or WebSocket), one per thread.

Each turn is a `run.start` command (the turn's input, `config` and `context`); a pause is
read from the `input.requested` events and answered with `input.respond` (one
`interrupt_id` and `response`, or `responses` when several questions wait). Every
command's `meta.applied_through_seq` is where its events begin, so each run segment is
followed from that `since` up to its root `lifecycle` end: nothing is missed, however
fast the run gets there. The final states come from the `state.get` command.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.api.agent_protocol.streams import Event, close, command, read_until, transport_for
from tests.conftest import LiveHost
from tests.fidelity.bare import question_of, sorted_values
from tests.fidelity.scenario import Answer, Observed, Scenario, Turn, substitute

CHANNELS = ["lifecycle", "input", "updates", "values"]
SEGMENT_ENDS = {"completed", "failed", "interrupted"}


def is_segment_end(event: Event) -> bool:
    """The root `lifecycle` event a run start or resume ends on."""
    params = event["params"]
    return (
        event["method"] == "lifecycle"
        and not params.get("namespace")
        and params["data"]["event"] in SEGMENT_ENDS
    )


def node_path(event: Event) -> str:
    """An `updates` event's node after the subgraphs it ran in, without their task ids."""
    params = event["params"]
    return "/".join([*(part.split(":")[0] for part in params["namespace"]), params["node"]])


class AspPlayer:
    """Starts, follows and answers runs with the SDK's `transport` (`sse` or `websocket`)."""

    def __init__(
        self,
        host: LiveHost,
        scenario: Scenario,
        token: str,
        transport: str,
        channels: list[str] = CHANNELS,
    ) -> None:
        self.host = host
        self.channels = channels
        self.segments: list[list[Event]] = []
        """Every run segment's events, in order (a start, then each resume)."""
        self.scenario = scenario
        self.token = token
        self.transport = transport
        self.threads: dict[str, Any] = {}

    async def play(self) -> Observed:
        observed = Observed()
        try:
            for turn in self.scenario.turns:
                segments: list[list[str]] = []
                observed.nodes.append(segments)
                observed.turns.append(await self._turn(turn, segments))
            for label, conn in self.threads.items():
                state = await command(conn, "state.get", {"namespace": []})
                observed.states[label] = state["result"]["values"]
        finally:
            for conn in self.threads.values():
                await close(conn)
        return observed

    def _thread(self, label: str) -> Any:
        """The transport of the thread `label`; a new thread id makes a new thread."""
        if label not in self.threads:
            thread_id = str(uuid.uuid4())
            self.threads[label] = transport_for(self.transport, self.host.base_url, thread_id)
        return self.threads[label]

    async def _turn(self, turn: Turn, segments: list[list[str]]) -> dict[str, Any]:
        conn = self._thread(turn.thread)
        params: dict[str, Any] = {
            "assistant_id": self.scenario.graph,
            "input": substitute(turn.input, self.token),
        }
        if turn.context is not None:
            params["context"] = substitute(turn.context, self.token)
        if turn.config is not None:
            params["config"] = turn.config
        answers = list(turn.answers)
        pauses: list[list[Any]] = []
        method = "run.start"
        while True:
            try:
                response = await command(conn, method, params)
            except httpx.HTTPStatusError as exc:
                return {"interrupts": pauses, **_refusal(exc.response)}
            since = response["meta"]["applied_through_seq"]
            subscription = {"channels": self.channels, "since": since}
            events = await read_until(conn, subscription, is_segment_end)
            self.segments.append(events)
            segments.append([node_path(e) for e in events if e["method"] == "updates"])
            end = events[-1]["params"]["data"]
            if end["event"] == "completed":
                return {"interrupts": pauses, "end": "succeeded", "output": _output(events)}
            if end["event"] == "failed":
                kind, _, message = str(end.get("error", "")).partition(": ")
                return {"interrupts": pauses, "end": "failed", "error": kind, "message": message}
            asked = [e["params"] for e in events if e["method"] == "input.requested"]
            pauses.append(sorted_values(item["data"]["value"] for item in asked))
            if not answers:
                return {"interrupts": pauses, "end": "interrupted"}
            method, params = "input.respond", _respond_params(answers.pop(0), asked)


def _output(events: list[Event]) -> Any:
    """What the segment's last root `values` event holds: the run's output."""
    values = [e for e in events if e["method"] == "values" and not e["params"]["namespace"]]
    return values[-1]["params"]["data"] if values else None


def _respond_params(answer: Answer, asked: list[dict[str, Any]]) -> dict[str, Any]:
    """`input.respond` params answering the questions `asked` (`input.requested` params)."""
    entries = [
        {
            "namespace": item["namespace"],
            "interrupt_id": item["data"]["interrupt_id"],
            "response": (
                answer.value
                if answer.by_question is None
                else answer.by_question.get(question_of(item["data"]))
            ),
        }
        for item in asked
    ]
    if len(entries) == 1:
        return entries[0]
    return {"responses": entries}


def _refusal(response: httpx.Response) -> dict[str, Any]:
    json_body = response.headers.get("content-type", "").startswith("application/json")
    body = response.json() if json_body else {}
    return {"end": "refused", "status": response.status_code, "code": body.get("code")}
