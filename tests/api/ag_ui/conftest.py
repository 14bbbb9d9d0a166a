"""One host on the fidelity corpus (its ReAct agent against the fake OpenAI-compatible
server, its interrupt graphs) for the AG-UI tests of this package."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT, LiveHost
from tests.fidelity.bare import env_of_config
from tests.fidelity.conftest import CORPUS_CONFIG, weather_agent_reply
from tests.llm.conftest import llm_env
from tests.llm.fake_openai import FakeOpenAI


@pytest.fixture(scope="package")
def weather_model() -> Iterator[FakeOpenAI]:
    """The model of the ReAct agent: asks for `get_weather`, then answers from it."""
    server = FakeOpenAI(default=weather_agent_reply).start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def host(tmp_path_factory: pytest.TempPathFactory, weather_model: FakeOpenAI) -> Iterator[LiveHost]:
    live = LiveHost(tmp_path_factory.mktemp("ag-ui-host"), config=CORPUS_CONFIG)
    live.env = {
        **llm_env(weather_model),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "GENESIS_MESH_RUN_STARTS_PER_MINUTE": "100000",
        "GENESIS_MESH_MAX_ACTIVE_RUNS_PER_USER": "10000",
    }
    with pytest.MonkeyPatch.context() as patch:  # only langgraph.json may set these
        for key in env_of_config():
            patch.delenv(key, raising=False)
        live.start(timeout=120)
    yield live
    live.stop()
