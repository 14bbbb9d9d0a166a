"""Fixtures of the fidelity corpus: one host on tests/fidelity/langgraph.json (and, for the
scenarios played on the scale-out mode, one cluster on it) and the fake OpenAI-compatible
server its tool-calling agent talks to, shared by the whole package."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from genesis_mesh.llm import LLMSettings, build_chat_model
from tests.conftest import ROOT, LiveHost
from tests.fidelity.bare import env_of_config
from tests.llm.conftest import llm_env
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.scale.conftest import make_cluster

CORPUS_CONFIG = Path(__file__).parent / "langgraph.json"


def weather_agent_reply(body: dict[str, Any], number: int) -> Reply:
    """The model of the ReAct scenario: asks for the weather tool, then answers from it.
    Answers depend on the request only, so every transport gets the same conversation."""
    if body["messages"][-1].get("role") == "tool":
        return Reply(tokens=["It ", "is ", "sunny."])
    if body.get("tools"):
        return Reply(tool="get_weather", arguments='{"city": "Paris"}')
    return Reply(tokens=["hello"])


@pytest.fixture(scope="package")
def fake_model_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(default=weather_agent_reply).start()
    yield server
    server.stop()


def corpus_host_env(fake_model_server: FakeOpenAI) -> dict[str, str]:
    """The host runs this tree's src/ (not whatever `genesis_mesh` is installed; another
    tree's with FIDELITY_HOST_SRC) and imports the corpus from the repository root."""
    host_src = os.environ.get("FIDELITY_HOST_SRC", str(ROOT / "src"))
    return {
        **llm_env(fake_model_server),
        "PYTHONPATH": os.pathsep.join([host_src, str(ROOT)]),
        "GENESIS_MESH_RUN_STARTS_PER_MINUTE": "100000",  # the corpus is not about limits
        "GENESIS_MESH_MAX_ACTIVE_RUNS_PER_USER": "10000",
    }


def without_config_env(patch: pytest.MonkeyPatch) -> None:
    """Only langgraph.json may set these for the host."""
    for key in env_of_config():
        patch.delenv(key, raising=False)


@pytest.fixture(scope="package")
def corpus_host(
    tmp_path_factory: pytest.TempPathFactory, fake_model_server: FakeOpenAI
) -> Iterator[LiveHost]:
    live = LiveHost(tmp_path_factory.mktemp("fidelity-host"), config=CORPUS_CONFIG)
    live.env = corpus_host_env(fake_model_server)
    with pytest.MonkeyPatch.context() as patch:
        without_config_env(patch)
        live.start(timeout=120)
    yield live
    live.stop()


@pytest.fixture(scope="package")
def corpus_cluster_host(
    tmp_path_factory: pytest.TempPathFactory, fake_model_server: FakeOpenAI
) -> Iterator[LiveHost]:
    """The API process of a scale-out cluster (one API, one worker, PostgreSQL and Redis)
    on the corpus, started only when a test asks for it."""
    env = {**corpus_host_env(fake_model_server), "GENESIS_MESH_MAX_CONCURRENT_RUNS": "100"}
    workdir = tmp_path_factory.mktemp("fidelity-cluster")
    clusters = make_cluster(workdir, apis=1, workers=1, config=CORPUS_CONFIG, **env)
    with pytest.MonkeyPatch.context() as patch:
        without_config_env(patch)
        cluster = next(clusters)
    yield cluster.apis[0]
    clusters.close()  # stops its processes and drops its database


@pytest.fixture(scope="package")
def chat_model(fake_model_server: FakeOpenAI) -> BaseChatModel:
    """The model the host builds from the same settings, for the bare plays."""
    settings = LLMSettings(
        model="fake-model", base_url=fake_model_server.base_url, timeout=1.0, max_retries=2
    )
    return build_chat_model(settings)


@pytest.fixture
def corpus_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment langgraph.json's `env` gives the graphs (as `langgraph dev` does)."""
    for key, value in env_of_config().items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def token() -> str:
    return f"user-{secrets.token_hex(4)}"
