"""Where the LLM response cache keeps its answers, per the host's settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from genesis_mesh.llm_cache import CacheMode, LLMCache
from genesis_mesh.settings import Settings


def test_the_embedded_cache_is_a_sqlite_file_beside_the_run_store(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.llm_cache == "off"
    assert settings.resolved_llm_cache_url() == f"sqlite:///{tmp_path}/genesis-mesh.llm-cache.db"


def test_a_postgresql_run_store_holds_the_cache_table_through_a_sync_driver() -> None:
    settings = Settings(database_url="postgresql+psycopg://127.0.0.1:5432/gm")
    assert settings.resolved_llm_cache_url() == "postgresql+psycopg://127.0.0.1:5432/gm"
    assert Settings(llm_cache_url="sqlite://").resolved_llm_cache_url() == "sqlite://"


def test_an_unknown_cache_mode_is_refused_with_the_choices() -> None:
    with pytest.raises(ValidationError, match="'off', 'opt-in' or 'on'"):
        Settings(llm_cache="always")


@pytest.mark.parametrize(
    ("mode", "graph", "run", "cached"),
    [
        (CacheMode.OFF, True, True, False),
        (CacheMode.OPT_IN, None, None, False),
        (CacheMode.OPT_IN, True, None, True),
        (CacheMode.OPT_IN, True, False, False),
        (CacheMode.ON, None, None, True),
        (CacheMode.ON, False, None, False),
        (CacheMode.ON, False, True, True),
    ],
)
def test_the_run_then_the_graph_then_the_mode_decide(
    mode: CacheMode, graph: bool | None, run: bool | None, cached: bool
) -> None:
    from langchain_core.caches import InMemoryCache

    assert LLMCache(InMemoryCache(), mode).applies_to(graph, run) is cached
