"""Every corpus graph runs over the Agent Streaming Protocol as it runs on bare LangGraph.

Each scenario of `scenarios.py` is played bare in-process and through a real host with
`langgraph-sdk`'s v3 stream transports (SSE and WebSocket): the final states, the
questions at each pause, each run's output and the nodes each run segment completed
(subgraphs' included, in order) must be the same, with random ids normalised.

A run's output here is what LangGraph's own v3 stream gives as `output`: its last root
`values` event, the whole state LangGraph streamed (`graph.stream_events(input,
version="v3").output`), not `invoke`'s output-schema keys. So the reference output of a
turn is the last values bare LangGraph streamed; for a graph with a narrower
`output_schema` (io_schemas) the two differ by LangGraph's design, not the host's.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from tests.conftest import LiveHost
from tests.fidelity.asp import AspPlayer
from tests.fidelity.scenario import Observed, Scenario
from tests.fidelity.scenarios import SCENARIOS
from tests.fidelity.test_fidelity import comparable, diff, reference

TRANSPORTS = ("sse", "websocket")


def cases() -> list[Any]:
    return [
        pytest.param(scenario, transport, id=f"{scenario.id}-{transport}")
        for scenario in SCENARIOS
        for transport in TRANSPORTS
    ]


def as_streamed(observed: Observed) -> Observed:
    """The bare play with each succeeded turn's output replaced by the values it streamed."""
    outputs = iter(observed.streamed_outputs)
    turns = [
        {**turn, "output": next(outputs)} if turn["end"] == "succeeded" else turn
        for turn in observed.turns
    ]
    return dataclasses.replace(observed, turns=turns)


@pytest.mark.usefixtures("corpus_env")
@pytest.mark.parametrize(("scenario", "transport"), cases())
async def test_corpus_graph_over_the_agent_protocol_matches_bare_langgraph(
    scenario: Scenario,
    transport: str,
    corpus_host: LiveHost,
    chat_model: BaseChatModel,
    token: str,
) -> None:
    expected = await reference(scenario, token, chat_model)
    observed = await AspPlayer(corpus_host, scenario, token, transport).play()

    got, want = comparable(observed, token), comparable(as_streamed(expected), token)
    assert got == want, diff(got, want, observed)
    assert observed.nodes == expected.nodes, (
        f"nodes over the protocol: {observed.nodes}\nnodes bare: {expected.nodes}"
    )
