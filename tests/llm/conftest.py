"""Fixtures: the fake OpenAI-compatible server, and a host whose LLM settings point at it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, LiveHost
from tests.llm.fake_openai import FakeOpenAI

LLM_CONFIG = Path(__file__).parent / "fixtures" / "langgraph.json"


def llm_env(fake: FakeOpenAI, **extra: str) -> dict[str, str]:
    """Host environment: the model at the fake server, fast timeouts and retries."""
    return {
        # this checkout's source first (not the installed one), then its graphs and tests
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "GENESIS_MESH_LLM_MODEL": "fake-model",
        "GENESIS_MESH_LLM_BASE_URL": fake.base_url,
        "GENESIS_MESH_LLM_TIMEOUT": "1.0",
        "GENESIS_MESH_LLM_MAX_RETRIES": "2",
        **extra,
    }


def page_facing_host(workdir: Path, config: Path, fake: FakeOpenAI, origin: str) -> LiveHost:
    """A host of `config`'s graphs, its model at `fake`, that lets a page served at
    `origin` call it (docs/security.md); started, given time on a loaded machine."""
    env = llm_env(fake, GENESIS_MESH_ALLOWED_ORIGINS=origin)
    return LiveHost(workdir, config=config, env=env).start(timeout=120)


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """The module's fake server, with an empty script and log for this test."""
    fake_server.reset()
    yield fake_server
    fake_server.reset()


@pytest.fixture(scope="module")
def llm_host(
    tmp_path_factory: pytest.TempPathFactory, fake_server: FakeOpenAI
) -> Iterator[LiveHost]:
    """One host per module, configured with the fake server's model."""
    live = LiveHost(tmp_path_factory.mktemp("llm-host"), config=LLM_CONFIG)
    live.env = llm_env(fake_server)
    live.start()
    yield live
    live.stop()
