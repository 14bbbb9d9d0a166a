"""In-process: the runner fills a graph's `chat_model` from an injected model or refuses
to start it, before any run is stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from genesis_mesh.errors import ChatModelNotConfigured, InvalidContext
from genesis_mesh.llm import ChatModels
from genesis_mesh.protocol import RunStatus
from genesis_mesh.services import Services, open_services
from genesis_mesh.settings import Settings
from tests.llm.conftest import LLM_CONFIG


@pytest.fixture(autouse=True)
def no_llm_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("MODEL", "BASE_URL", "API_KEY"):
        monkeypatch.delenv(f"GENESIS_MESH_LLM_{key}", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)


def settings(tmp_path: Path) -> Settings:
    return Settings(config=LLM_CONFIG, data_dir=tmp_path / "data")


async def finished(services: Services, run_id: str) -> RunStatus:
    for _ in range(200):
        run = await services.store.get_run(run_id)
        if run.status.is_final:
            return run.status
        await asyncio.sleep(0.02)
    raise AssertionError("the run did not finish")


async def test_an_injected_model_answers_inside_the_graph(tmp_path: Path) -> None:
    async with open_services(settings(tmp_path), recover=False) as services:
        model = GenericFakeChatModel(messages=iter([AIMessage("injected answer")]))
        services.runner.chat_models = ChatModels(model=model)
        run = await services.runner.create_run("echo", {"question": "who?"})
        assert await finished(services, run.run_id) == RunStatus.SUCCEEDED
        assert (await services.store.get_run(run.run_id)).output == {
            "question": "who?",
            "answer": "injected answer",
        }


async def test_a_model_in_the_operators_context_also_counts(tmp_path: Path) -> None:
    model = GenericFakeChatModel(messages=iter([AIMessage("from the context")]))
    operator = settings(tmp_path).model_copy(
        update={"graph_context": {"echo": {"chat_model": model}}}
    )
    async with open_services(operator, recover=False) as services:
        run = await services.runner.create_run("echo", {"question": "?"})
        assert await finished(services, run.run_id) == RunStatus.SUCCEEDED
        assert (await services.store.get_run(run.run_id)).output["answer"] == "from the context"


async def test_a_model_object_in_a_runs_own_context_is_refused(tmp_path: Path) -> None:
    """A run's context is stored with it: only JSON, never an object."""
    async with open_services(settings(tmp_path), recover=False) as services:
        services.runner.chat_models = ChatModels(model=GenericFakeChatModel(messages=iter([])))
        model = GenericFakeChatModel(messages=iter([AIMessage("never")]))
        with pytest.raises(InvalidContext, match="must be JSON"):
            await services.runner.create_run(
                "echo", {"question": "?"}, context={"chat_model": model}
            )
        assert await services.store.list_runs(limit=10) == []


async def test_without_a_model_the_run_is_refused_and_not_stored(tmp_path: Path) -> None:
    async with open_services(settings(tmp_path), recover=False) as services:
        assert services.registry.get("mesh_build").requires_chat_model
        assert services.registry.get("echo").requires_chat_model
        assert not services.registry.get("topical_mesh").requires_chat_model
        with pytest.raises(ChatModelNotConfigured) as refused:
            await services.runner.create_run("mesh_build", {"main_topic": "Tea"})
        assert refused.value.code == "chat_model_not_configured"
        assert await services.store.list_runs(limit=10) == []
        # a JSON value for chat_model is not a model
        with pytest.raises(ChatModelNotConfigured):
            await services.runner.create_run("echo", {}, context={"chat_model": "gpt-4"})
