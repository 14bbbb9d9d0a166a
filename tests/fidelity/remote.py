"""Plays a scenario through a real host: over REST, or over the WebSocket.

Both send what the issue's API has: `context` and `config` in the run's start body, the
answer as `value` (one pending interrupt) or `{interrupt_id: answer}` (several). Both
read the thread's final state from `GET /api/v1/threads/{id}/state`.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.conftest import LiveHost
from tests.fidelity.bare import question_of, sorted_values
from tests.fidelity.scenario import Answer, Observed, Scenario, Turn, substitute
from tests.wsclient import ProtocolClient

ENDED = {"succeeded", "failed", "cancelled"}
RUN_STOPS = {"run.completed", "run.failed", "run.cancelled", "run.interrupted"}


def reported_values(report: Any) -> list[Any]:
    """Interrupt values from what the host reports (a `RunInfo.interrupt`, or the data of
    a `run.interrupted` event): a list of interrupts, an `interrupts` list, or one."""
    if report is None:
        return []
    items = report.get("interrupts") if isinstance(report, dict) else report
    if not isinstance(items, list):
        items = [report]
    values = []
    for item in items:
        if isinstance(item, dict) and "value" in item:
            values.append(item["value"])
        elif isinstance(item, dict) and item.get("reason", "question") == "question":
            values.append(item.get("question"))
    return values


def start_body(scenario: Scenario, turn: Turn, token: str, thread_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"graph": scenario.graph, "input": substitute(turn.input, token)}
    if thread_id is not None:
        body["thread_id"] = thread_id
    if turn.context is not None:
        body["context"] = substitute(turn.context, token)
    if turn.config is not None:
        body["config"] = turn.config
    return body


def answer_value(client: httpx.Client, thread_id: str, answer: Answer) -> Any:
    """The resume value: the answer, or `{interrupt_id: answer}` for the pending ones."""
    if answer.by_question is None:
        return answer.value
    pending = client.get(f"/api/v1/threads/{thread_id}/state").json().get("interrupts") or []
    return {item["id"]: answer.by_question.get(question_of(item)) for item in pending}


def thread_states(client: httpx.Client, threads: dict[str, str]) -> dict[str, Any]:
    states = {}
    for label, thread_id in threads.items():
        response = client.get(f"/api/v1/threads/{thread_id}/state")
        states[label] = response.json().get("values") if response.is_success else response.json()
    return states


def refusal(response: httpx.Response) -> dict[str, Any]:
    body = response.json() if response.headers.get("content-type", "").startswith("app") else {}
    return {"end": "refused", "status": response.status_code, "code": body.get("code")}


class RestPlayer:
    """Starts, follows (by polling `RunInfo`) and resumes runs over REST."""

    def __init__(self, host: LiveHost, scenario: Scenario, token: str) -> None:
        self.host = host
        self.scenario = scenario
        self.token = token
        self.threads: dict[str, str] = {}

    def play(self) -> Observed:
        observed = Observed()
        with self.host.client() as client:
            for turn in self.scenario.turns:
                try:
                    observed.turns.append(self._turn(client, turn))
                except httpx.TransportError as exc:  # e.g. a 500 that dropped the connection
                    observed.turns.append({"end": "transport_error", "error": repr(exc)})
            observed.states = thread_states(client, self.threads)
        return observed

    def _turn(self, client: httpx.Client, turn: Turn) -> dict[str, Any]:
        body = start_body(self.scenario, turn, self.token, self.threads.get(turn.thread))
        response = client.post("/api/v1/runs", json=body)
        if response.status_code != 202:
            return refusal(response)
        run = response.json()
        self.threads[turn.thread] = run["thread_id"]
        answers = list(turn.answers)
        pauses: list[list[Any]] = []
        while True:
            run = self._settled(client, run["run_id"], after_seq=int(run.get("last_seq") or 0))
            if run["status"] != "interrupted":
                return {"interrupts": pauses, **ending(run["status"], run)}
            pauses.append(sorted_values(reported_values(run.get("interrupt"))))
            if not answers:
                return {"interrupts": pauses, "end": "interrupted"}
            value = answer_value(client, run["thread_id"], answers.pop(0))
            response = client.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": value})
            if response.status_code != 202:
                return {"interrupts": pauses, **refusal(response)}

    @staticmethod
    def _settled(
        client: httpx.Client, run_id: str, after_seq: int, timeout: float = 20.0
    ) -> dict[str, Any]:
        """The run once it ended, or once it paused again: a `run.interrupted` after event
        `after_seq` (a resumed run may still read `interrupted` for a moment)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run: dict[str, Any] = client.get(f"/api/v1/runs/{run_id}").json()
            if run["status"] in ENDED:
                return run
            if run["status"] == "interrupted" and run["last_seq"] > after_seq:
                newer = client.get(f"/api/v1/runs/{run_id}/events?after_seq={after_seq}").json()
                if any(event["type"] == "run.interrupted" for event in newer):
                    return run
            time.sleep(0.02)
        raise AssertionError(f"run {run_id} did not settle in {timeout}s: {run}")


def ending(status: str, run: dict[str, Any]) -> dict[str, Any]:
    if status == "succeeded":
        return {"end": "succeeded", "output": run.get("output")}
    error = run.get("error") or {}
    return {"end": status, "error": error.get("type"), "message": error.get("message")}


class WsPlayer:
    """Starts and resumes runs over one WebSocket, reading their events."""

    def __init__(self, host: LiveHost, scenario: Scenario, token: str) -> None:
        self.host = host
        self.scenario = scenario
        self.token = token
        self.threads: dict[str, str] = {}

    async def play(self) -> Observed:
        observed = Observed()
        socket = await ProtocolClient.open(self.host.ws_url)
        try:
            with self.host.client() as client:
                for turn in self.scenario.turns:
                    observed.turns.append(await self._turn(socket, client, turn))
                observed.states = thread_states(client, self.threads)
        finally:
            await socket.close()
        return observed

    async def _turn(
        self, socket: ProtocolClient, client: httpx.Client, turn: Turn
    ) -> dict[str, Any]:
        body = start_body(self.scenario, turn, self.token, self.threads.get(turn.thread))
        await socket.send({"type": "start", **body})
        got = await socket.until(lambda m: m.get("type") in ("run.started", "error"))
        if got[-1]["type"] == "error":
            return {"end": "refused", "code": got[-1].get("code")}
        run_id = got[-1]["run_id"]
        self.threads[turn.thread] = got[-1]["data"]["thread_id"]
        answers = list(turn.answers)
        pauses: list[list[Any]] = []
        while True:
            stop = await self._next_stop(socket, run_id)
            if stop.get("type") == "error":
                return {"interrupts": pauses, "end": "refused", "code": stop.get("code")}
            if stop["type"] != "run.interrupted":
                return {"interrupts": pauses, **event_ending(stop)}
            reports = [stop["data"], *[e["data"] for e in await self._more_interrupts(socket)]]
            pauses.append(sorted_values(v for report in reports for v in reported_values(report)))
            if not answers:
                return {"interrupts": pauses, "end": "interrupted"}
            value = answer_value(client, self.threads[turn.thread], answers.pop(0))
            await socket.send({"type": "resume", "run_id": run_id, "value": value})

    @staticmethod
    async def _next_stop(socket: ProtocolClient, run_id: str) -> dict[str, Any]:
        got = await socket.until(
            lambda m: (
                m.get("type") == "error"
                or (m.get("run_id") == run_id and m.get("type") in RUN_STOPS)
            )
        )
        return got[-1]

    @staticmethod
    async def _more_interrupts(socket: ProtocolClient) -> list[dict[str, Any]]:
        """Further `run.interrupted` events of the same pause (one per interrupt)."""
        more = []
        while True:
            try:
                message = await socket.next(timeout=0.15)
            except TimeoutError:
                return more
            if message.get("type") == "run.interrupted":
                more.append(message)


def event_ending(event: dict[str, Any]) -> dict[str, Any]:
    if event["type"] == "run.completed":
        return {"end": "succeeded", "output": event["data"].get("output")}
    error = event["data"].get("error") or {}
    status = event["type"].removeprefix("run.")
    return {"end": status, "error": error.get("type"), "message": error.get("message")}
