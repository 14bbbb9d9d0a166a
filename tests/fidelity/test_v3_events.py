"""Every corpus scenario gives over the Agent Streaming Protocol the events LangGraph's
own v3 stream gives (`graph.astream_events(version="v3")`), channel by channel.

The bare play records LangGraph's v3 events in the form the protocol carries them
(`bare_v3.py`); the host's are read with `langgraph-sdk`'s transports, every channel
subscribed, the scenarios taking SSE and the WebSocket in turn (each transport carries
about half the corpus: the events are mapped once, before either transport frames them);
both are compared after `v3_compare.py`'s normalisation.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from tests.api.agent_protocol.streams import ALL
from tests.conftest import LiveHost
from tests.fidelity.asp import AspPlayer
from tests.fidelity.bare import BarePlayer
from tests.fidelity.bare_v3 import V3Run
from tests.fidelity.scenario import Scenario
from tests.fidelity.scenarios import SCENARIOS
from tests.fidelity.v3_compare import COMPARED, by_channel, first_difference


class V3Player(BarePlayer):
    """The bare play with every run segment through LangGraph's v3 event stream."""

    def __init__(self, scenario: Scenario, token: str, model_context: dict[str, Any]) -> None:
        super().__init__(scenario, token, model_context)
        self.runs: list[V3Run] = []
        self.run_class = self._new_run

    def _new_run(self) -> V3Run:
        run = V3Run()
        self.runs.append(run)
        return run


def cases() -> list[Any]:
    transports = ("sse", "websocket")
    return [
        pytest.param(scenario, transports[index % 2], id=f"{scenario.id}-{transports[index % 2]}")
        for index, scenario in enumerate(SCENARIOS)
    ]


@pytest.mark.usefixtures("corpus_env")
@pytest.mark.parametrize(("scenario", "transport"), cases())
async def test_corpus_events_over_the_agent_protocol_are_langgraphs_v3_events(
    scenario: Scenario,
    transport: str,
    corpus_host: LiveHost,
    chat_model: BaseChatModel,
    token: str,
) -> None:
    bare = V3Player(scenario, token, {"chat_model": chat_model})
    await bare.play()
    host = AspPlayer(corpus_host, scenario, token, transport, channels=ALL)
    await host.play()

    want = by_channel([run.events for run in bare.runs], token)
    got = by_channel(host.segments, token)
    wrong = [name for name in COMPARED if got[name] != want[name]]
    assert not wrong, "\n".join(
        f"{name}: {first_difference(got[name], want[name])}" for name in wrong
    )
