"""LLM settings from the environment, the factory, and the per-process call limit."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from langchain_core.messages import HumanMessage

from genesis_mesh.llm import ChatModels, LLMSettings, build_chat_model
from tests.llm.fake_openai import FakeOpenAI, Reply


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("MODEL", "BASE_URL", "API_KEY", "MAX_CONCURRENCY"):
        monkeypatch.delenv(f"GENESIS_MESH_LLM_{key}", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.chdir("/")  # no .env file


def test_a_model_is_configured_by_a_name_and_a_key_or_a_base_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not LLMSettings().configured
    monkeypatch.setenv("GENESIS_MESH_LLM_MODEL", "llama3.1")
    assert not LLMSettings().configured
    monkeypatch.setenv("GENESIS_MESH_LLM_BASE_URL", "http://127.0.0.1:11434/v1")
    assert LLMSettings().configured
    monkeypatch.delenv("GENESIS_MESH_LLM_BASE_URL")
    monkeypatch.setenv("GENESIS_MESH_LLM_API_KEY", "sk-test")
    assert LLMSettings().configured


def test_the_standard_openai_variables_are_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://fallback/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fallback")
    settings = LLMSettings()
    assert settings.base_url == "http://fallback/v1"
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "sk-fallback"
    monkeypatch.setenv("GENESIS_MESH_LLM_BASE_URL", "http://own/v1")
    assert LLMSettings().base_url == "http://own/v1"
    assert "sk-fallback" not in repr(settings)


def test_the_factory_builds_one_streaming_chat_completions_model() -> None:
    models = ChatModels(LLMSettings(model="m", base_url="http://127.0.0.1:9/v1", timeout=3))
    model = models.get()
    assert model is models.get()
    assert model is not None
    assert model.streaming is True
    assert model.use_responses_api is False
    assert model.request_timeout == 3
    assert ChatModels(LLMSettings()).get() is None


async def test_no_more_calls_than_max_concurrency_are_in_flight() -> None:
    fake = FakeOpenAI().start()
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def slow(_body: object, _n: int) -> Reply:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.15)
        with lock:
            in_flight -= 1
        return Reply(tokens=["ok"])

    fake.default = slow
    try:
        settings = LLMSettings(model="m", base_url=fake.base_url, max_concurrency=2)
        model = build_chat_model(settings)
        answers = await asyncio.gather(*(model.ainvoke([HumanMessage("hi")]) for _ in range(6)))
    finally:
        fake.stop()
    assert [a.text for a in answers] == ["ok"] * 6
    assert peak == 2
