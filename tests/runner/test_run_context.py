"""A run's own `context` and `config`: checked at the door, stored with the run, and the
same for its resume and its recovery (in-process; REST and WebSocket in tests/api)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from genesis_mesh.errors import ContextLocked, InvalidContext
from genesis_mesh.protocol import InterruptMode, RunStatus
from genesis_mesh.services import Services, open_services
from genesis_mesh.settings import Settings
from genesis_mesh.store.tables import runs
from tests.conftest import ROOT

PROJECT = Path(__file__).parent / "context_project" / "langgraph.json"


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(config=PROJECT, data_dir=tmp_path / "data", **values)


async def wait_status(services: Services, run_id: str, *statuses: RunStatus) -> Any:
    for _ in range(1000):
        run = await services.store.get_run(run_id)
        if run.status in statuses:
            return run
        await asyncio.sleep(0.02)
    raise AssertionError(f"{run_id} never reached {statuses}")


async def test_a_runs_context_reaches_the_graph_and_is_stored_with_the_run(
    tmp_path: Path,
) -> None:
    async with open_services(settings(tmp_path), recover=False) as services:
        run = await services.runner.create_run(
            "persona", {}, context={"user_name": "Ada", "shout": True}
        )
        done = await wait_status(services, run.run_id, RunStatus.SUCCEEDED)
    assert done.output["greetings"] == ["HELLO ADA", "BYE ADA"]
    assert done.context == {"user_name": "Ada", "shout": True}


async def test_a_run_without_context_gets_the_schema_defaults_as_under_langgraph_dev(
    tmp_path: Path,
) -> None:
    async with open_services(settings(tmp_path), recover=False) as services:
        run = await services.runner.create_run("persona", {})
        done = await wait_status(services, run.run_id, RunStatus.SUCCEEDED, RunStatus.FAILED)
    assert done.status == RunStatus.SUCCEEDED, done.error
    assert done.output["greetings"] == ["hello friend", "bye friend"]
    assert done.context is None


async def test_operator_defaults_sit_under_a_runs_own_values_in_the_flat_shape(
    tmp_path: Path,
) -> None:
    operator = {"persona": {"user_name": "operator", "repeat": 2}}
    async with open_services(settings(tmp_path, graph_context=operator), recover=False) as s:
        mine = await s.runner.create_run("persona", {}, context={"user_name": "Ada"})
        plain = await s.runner.create_run("persona", {})
        mine_done = await wait_status(s, mine.run_id, RunStatus.SUCCEEDED)
        plain_done = await wait_status(s, plain.run_id, RunStatus.SUCCEEDED)
    assert mine_done.output["greetings"][0] == "hello Ada hello Ada"
    assert plain_done.output["greetings"][0] == "hello operator hello operator"


async def test_a_key_the_operator_locks_is_refused_and_no_run_is_stored(tmp_path: Path) -> None:
    operator = {"persona": {"defaults": {"repeat": 3}, "locked": ["repeat"]}}
    async with open_services(settings(tmp_path, graph_context=operator), recover=False) as s:
        with pytest.raises(ContextLocked) as refused:
            await s.runner.create_run("persona", {}, context={"user_name": "x", "repeat": 99})
        assert refused.value.code == "context_locked"
        assert refused.value.detail == {"graph": "persona", "locked": ["repeat"]}
        # the same key sent as configurable (LangGraph Server mirrors it into context)
        with pytest.raises(ContextLocked):
            await s.runner.create_run("persona", {}, config={"configurable": {"repeat": 99}})
        assert await s.store.list_runs(limit=10) == []
        run = await s.runner.create_run("persona", {}, context={"user_name": "Bo"})
        done = await wait_status(s, run.run_id, RunStatus.SUCCEEDED)
    assert done.output["greetings"][0] == "hello Bo hello Bo hello Bo"


async def test_topical_mesh_refuses_a_run_that_turns_on_local_sources_or_raises_a_cap(
    tmp_path: Path,
) -> None:
    config = Settings(config=ROOT / "langgraph.json", data_dir=tmp_path / "data")
    attempts: list[dict[str, Any]] = [
        {"context": {"allow_local_sources": True}},
        {"context": {"max_pages_cap": 10**9}},
        {"context": {"allowed_private_hosts": ["0.0.0.0/0"], "allow_http": True}},
        {"context": {"workdir": "/"}},
        {"config": {"configurable": {"allow_local_sources": True}}},
        {"config": {"configurable": {"clone_timeout_seconds": 86400}}},
    ]
    async with open_services(config, recover=False) as services:
        for attempt in attempts:
            with pytest.raises(ContextLocked) as refused:
                await services.runner.create_run(
                    "topical_mesh", {"repo_url": str(tmp_path)}, **attempt
                )
            given = {
                **attempt.get("context", {}),
                **attempt.get("config", {}).get("configurable", {}),
            }
            assert refused.value.detail["locked"] == sorted(given)
        assert await services.store.list_runs(limit=10) == []


async def test_a_context_the_schema_refuses_is_invalid_context_with_langgraphs_reason(
    tmp_path: Path,
) -> None:
    async with open_services(settings(tmp_path), recover=False) as services:
        with pytest.raises(InvalidContext) as missing:
            await services.runner.create_run("strict", {})
        assert missing.value.code == "invalid_context"
        assert missing.value.detail[0]["loc"] == ["level"]
        assert missing.value.detail[0]["type"] == "missing"
        with pytest.raises(InvalidContext) as wrong:
            await services.runner.create_run("strict", {}, context={"level": 99})
        assert wrong.value.detail[0]["type"] == "less_than_equal"
        with pytest.raises(InvalidContext, match="not both"):
            await services.runner.create_run(
                "persona", {}, context={"user_name": "a"}, config={"configurable": {"x": 1}}
            )
        with pytest.raises(InvalidContext) as unknown:
            await services.runner.create_run("persona", {}, config={"callbacks": []})
        assert unknown.value.detail[0]["loc"] == ["callbacks"]
        assert await services.store.list_runs(limit=10) == []
        ok = await services.runner.create_run("strict", {}, context={"level": 3, "extra": 1})
        done = await wait_status(services, ok.run_id, RunStatus.SUCCEEDED)
    assert done.output == {"level": 3}
    assert done.context == {"level": 3}  # keys the schema lacks are dropped, as in the Server


async def test_a_runs_config_reaches_the_graph_but_the_hosts_own_keys_win(
    tmp_path: Path,
) -> None:
    config = {
        "configurable": {"style": "terse", "thread_id": "someone-elses", "__pregel_x": 1},
        "tags": ["from-client"],
        "metadata": {"origin": "test", "genesis_run_id": "forged"},
        "recursion_limit": 50,
    }
    async with open_services(settings(tmp_path), recover=False) as services:
        run = await services.runner.create_run("persona", {}, config=config)
        done = await wait_status(services, run.run_id, RunStatus.SUCCEEDED)
        state = (
            await services.registry.get("persona")
            .compiled()
            .aget_state({"configurable": {"thread_id": run.thread_id}})
        )
    assert done.output["seen"] == {
        "style": "terse",
        "thread_id": run.thread_id,
        "tags": ["from-client"],
        "origin": "test",
        "genesis_run_id": run.run_id,
        "recursion_limit": 50,
    }
    assert state.metadata["genesis_run_id"] == run.run_id
    assert done.config["configurable"] == {"style": "terse"}
    assert done.context == {}  # "style" is not a field of the context_schema


async def test_a_recursion_limit_from_the_config_is_honoured(tmp_path: Path) -> None:
    async with open_services(settings(tmp_path), recover=False) as services:
        run = await services.runner.create_run("persona", {}, config={"recursion_limit": 2})
        done = await wait_status(services, run.run_id, RunStatus.FAILED)
    assert done.error["type"] == "GraphRecursionError"


async def test_resume_after_a_question_keeps_the_runs_context(tmp_path: Path) -> None:
    async with open_services(settings(tmp_path), recover=False) as services:
        run = await services.runner.create_run(
            "persona", {"ask": True}, context={"user_name": "Ada", "repeat": 2}
        )
        await wait_status(services, run.run_id, RunStatus.INTERRUPTED)
    async with open_services(settings(tmp_path), recover=False) as services:
        await services.runner.resume(run.run_id, "Ada Lovelace")
        done = await wait_status(services, run.run_id, RunStatus.SUCCEEDED)
    assert done.output["answer"] == "Ada Lovelace"
    assert done.output["greetings"] == ["hello Ada hello Ada", "bye Ada bye Ada"]


async def test_recovery_of_a_run_a_dead_process_left_keeps_its_context(tmp_path: Path) -> None:
    async with open_services(settings(tmp_path), recover=False) as services:
        run = await services.runner.create_run(
            "persona", {"delay": 0.5}, context={"user_name": "Ada", "shout": True}
        )
        await asyncio.sleep(0.2)
        await services.runner.interrupt(run.run_id, InterruptMode.PAUSE)
        await wait_status(services, run.run_id, RunStatus.INTERRUPTED)
        async with services.store.engine.begin() as conn:  # as if the process had died
            await conn.execute(
                update(runs).where(runs.c.id == run.run_id).values(status="running", interrupt=None)
            )
    async with open_services(settings(tmp_path), recover=True) as services:
        done = await wait_status(services, run.run_id, RunStatus.SUCCEEDED)
    assert done.output["greetings"] == ["HELLO ADA", "BYE ADA"]
