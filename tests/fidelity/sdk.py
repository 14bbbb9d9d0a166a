"""Plays a scenario through the host's LangGraph Server API with the real `langgraph-sdk`.

Each turn is `runs.wait` on a thread made by `threads.create`, with the turn's `context`
and `config`; a pause is read from `threads.get_state` (its `interrupts`) and answered
with `command={"resume": ...}`; the final states come from `threads.get_state` too.
"""

from __future__ import annotations

from typing import Any

import httpx
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import APIStatusError

from tests.conftest import LiveHost
from tests.fidelity.bare import question_of, sorted_values
from tests.fidelity.scenario import Answer, Observed, Scenario, Turn, substitute


class SdkPlayer:
    """Starts, waits for and resumes runs with `langgraph_sdk.get_client`."""

    def __init__(self, host: LiveHost, scenario: Scenario, token: str) -> None:
        self.host = host
        self.scenario = scenario
        self.token = token
        self.threads: dict[str, str] = {}

    async def play(self) -> Observed:
        observed = Observed()
        async with get_client(url=self.host.base_url, api_key=None) as client:
            for turn in self.scenario.turns:
                observed.turns.append(await self._turn(client, turn))
            for label, thread_id in self.threads.items():
                state = await client.threads.get_state(thread_id)
                observed.states[label] = state["values"]
        return observed

    async def _turn(self, client: LangGraphClient, turn: Turn) -> dict[str, Any]:
        if turn.thread not in self.threads:
            self.threads[turn.thread] = (await client.threads.create())["thread_id"]
        thread_id = self.threads[turn.thread]
        start: dict[str, Any] = {"input": substitute(turn.input, self.token)}
        if turn.context is not None:
            start["context"] = substitute(turn.context, self.token)
        if turn.config is not None:
            start["config"] = turn.config
        answers = list(turn.answers)
        pauses: list[list[Any]] = []
        while True:
            try:
                result = await client.runs.wait(
                    thread_id, self.scenario.graph, raise_error=False, **start
                )
            except (APIStatusError, httpx.HTTPStatusError) as exc:
                return {"interrupts": pauses, **_refusal(exc.response)}
            if isinstance(result, dict) and "__error__" in result:
                error = result["__error__"]
                return {
                    "interrupts": pauses,
                    "end": "failed",
                    "error": error.get("error"),
                    "message": error.get("message"),
                }
            pending = (await client.threads.get_state(thread_id))["interrupts"]
            if not pending:
                return {"interrupts": pauses, "end": "succeeded", "output": result}
            pauses.append(sorted_values(item["value"] for item in pending))
            if not answers:
                return {"interrupts": pauses, "end": "interrupted"}
            start = {"command": {"resume": _resume_value(answers.pop(0), pending)}}


def _resume_value(answer: Answer, pending: list[dict[str, Any]]) -> Any:
    if answer.by_question is None:
        return answer.value
    return {item["id"]: answer.by_question.get(question_of(item)) for item in pending}


def _refusal(response: httpx.Response) -> dict[str, Any]:
    json_body = response.headers.get("content-type", "").startswith("application/json")
    body = response.json() if json_body else {}
    return {"end": "refused", "status": response.status_code, "code": body.get("code")}
