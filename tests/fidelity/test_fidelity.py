"""Every corpus graph runs through the host as it runs on bare LangGraph.

Each scenario of `scenarios.py` is played bare in-process (the reference) and through a
real host over REST, over the WebSocket, and through its LangGraph Server API with the
real `langgraph-sdk` client, on the embedded host and on the scale-out mode (separate API
and worker processes on PostgreSQL and Redis); the final states, the interrupts at each
pause (values and count) and each run's output JSON must be the same, with random ids
normalised.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from tests.conftest import LiveHost
from tests.fidelity.bare import BarePlayer
from tests.fidelity.remote import RestPlayer, WsPlayer
from tests.fidelity.scenario import Observed, Scenario
from tests.fidelity.scenarios import SCENARIOS
from tests.fidelity.sdk import SdkPlayer
from tests.fidelity.serialization import normalise

TRANSPORTS = ("bare", "rest", "ws", "sdk", "sdk-scale-out")


def cases() -> list[Any]:
    params = []
    for scenario in SCENARIOS:
        for transport in TRANSPORTS:
            params.append(pytest.param(scenario, transport, id=f"{scenario.id}-{transport}"))
    return params


def comparable(observed: Observed, token: str) -> dict[str, Any]:
    """What must match: turns (ends, interrupts, outputs, error types) and states."""
    turns = [{k: v for k, v in turn.items() if k != "message"} for turn in observed.turns]
    return normalise({"turns": turns, "states": observed.states}, token)


async def reference(scenario: Scenario, token: str, chat_model: BaseChatModel) -> Observed:
    return await BarePlayer(scenario, token, {"chat_model": chat_model}).play()


@pytest.mark.usefixtures("corpus_env")
@pytest.mark.parametrize(("scenario", "transport"), cases())
async def test_corpus_graph_gives_the_same_state_interrupts_and_output_as_bare_langgraph(
    scenario: Scenario,
    transport: str,
    corpus_host: LiveHost,
    chat_model: BaseChatModel,
    token: str,
    request: pytest.FixtureRequest,
) -> None:
    expected = await reference(scenario, token, chat_model)
    if transport == "bare":
        assert_reference_plays_as_declared(scenario, expected)
        return
    if transport == "rest":
        observed = await asyncio.to_thread(RestPlayer(corpus_host, scenario, token).play)
    elif transport == "sdk":
        observed = await SdkPlayer(corpus_host, scenario, token).play()
    elif transport == "sdk-scale-out":
        cluster_host: LiveHost = request.getfixturevalue("corpus_cluster_host")
        observed = await SdkPlayer(cluster_host, scenario, token).play()
    else:
        observed = await WsPlayer(corpus_host, scenario, token).play()
    got, want = comparable(observed, token), comparable(expected, token)
    assert got == want, diff(got, want, observed)


def assert_reference_plays_as_declared(scenario: Scenario, observed: Observed) -> None:
    """Bare LangGraph ends every turn as the scenario says: answered turns succeed (or fail
    with the declared error), a turn left with a question waits; each pause is answered by
    exactly one declared answer."""
    for turn, seen in zip(scenario.turns, observed.turns, strict=True):
        if turn.fails_with is not None:
            assert (seen["end"], seen.get("error")) == ("failed", turn.fails_with), seen
            continue
        assert seen["end"] in ("succeeded", "interrupted"), seen
        assert len(seen["interrupts"]) - (seen["end"] == "interrupted") == len(turn.answers)
    assert set(observed.states) == {turn.thread for turn in scenario.turns}


def diff(got: dict[str, Any], want: dict[str, Any], observed: Observed) -> str:
    messages = [t.get("message") for t in observed.turns if t.get("message")]
    return (
        "the host differs from bare LangGraph\n"
        f"host: {json.dumps(got, sort_keys=True)[:3000]}\n"
        f"bare: {json.dumps(want, sort_keys=True)[:3000]}\n"
        f"host errors: {messages}"
    )
