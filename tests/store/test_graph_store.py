"""LangGraph's store for graphs: embedded SQLite and PostgreSQL, items owned per user.

The same contract runs on both backends (the PostgreSQL one in a database of its own).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.store.base import BaseStore

from genesis_mesh.store_owners import OwnedStore, owner_prefix
from genesis_mesh.stores import StoreNotSupported, open_store, read_store_config
from tests.scale.conftest import create_database, drop_database

TTL = {"default_ttl": 60, "refresh_on_read": True}


@pytest.fixture(params=["sqlite", "postgresql"])
async def location(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "data" / "genesis-mesh.store.db")
        return
    name = create_database()
    try:
        yield f"postgresql://127.0.0.1:5432/{name}"
    finally:
        drop_database(name)


async def test_two_users_items_never_mix_and_each_sees_its_own_namespaces(location: str) -> None:
    async with open_store(location, {"ttl": TTL}) as store:
        alice, bob = OwnedStore(store, "alice"), OwnedStore(store, "bob.smith@example.com")
        await alice.aput(("memories", "default"), "m1", {"content": "likes tea"})
        await alice.aput(("profile", "default"), "visits", {"count": 1})
        await bob.aput(("memories", "default"), "m1", {"content": "likes coffee"})

        got = await alice.aget(("memories", "default"), "m1")
        assert got is not None
        assert got.namespace == ("memories", "default")
        assert got.value == {"content": "likes tea"}
        bobs = await bob.aget(("memories", "default"), "m1")
        assert bobs is not None and bobs.value == {"content": "likes coffee"}
        assert await bob.aget(("profile", "default"), "visits") is None

        found = await alice.asearch(("memories",))
        assert [(i.namespace, i.value["content"]) for i in found] == [
            (("memories", "default"), "likes tea")
        ]
        assert sorted(await alice.alist_namespaces()) == [
            ("memories", "default"),
            ("profile", "default"),
        ]
        assert await bob.alist_namespaces(prefix=("memories",)) == [("memories", "default")]
        assert sorted(await alice.alist_namespaces(max_depth=1)) == [("memories",), ("profile",)]
        # in the real store each user's items sit below their own prefix
        real = await store.alist_namespaces(prefix=("genesis_owner",), max_depth=2)
        assert sorted(real) == sorted(
            [owner_prefix("alice"), owner_prefix("bob.smith@example.com")]
        )

        await bob.adelete(("memories", "default"), "m1")
        assert await bob.aget(("memories", "default"), "m1") is None
        assert await alice.aget(("memories", "default"), "m1") is not None


async def test_the_store_keeps_items_across_reopening(location: str) -> None:
    async with open_store(location) as store:
        await OwnedStore(store, "alice").aput(("notes",), "n", {"text": "kept"})
    async with open_store(location) as store:
        item = await OwnedStore(store, "alice").aget(("notes",), "n")
    assert item is not None and item.value == {"text": "kept"}


async def test_the_default_ttl_of_langgraph_json_expires_items(location: str) -> None:
    short = {"default_ttl": 0.001, "refresh_on_read": False}  # minutes: 60 ms
    async with open_store(location, {"ttl": short}) as store:
        owned = OwnedStore(store, "alice")
        assert owned.ttl_config == short
        await owned.aput(("notes",), "n", {"text": "expires"})
        await asyncio.sleep(1.1)  # SQLite compares with CURRENT_TIMESTAMP, to the second
        assert await store.sweep_ttl() == 1  # type: ignore[attr-defined]
        assert await owned.aget(("notes",), "n") is None
    async with open_store(location) as store:  # no ttl: items stay
        await OwnedStore(store, "alice").aput(("notes",), "k", {"text": "stays"})
        await asyncio.sleep(0.05)
        assert await store.sweep_ttl() == 0  # type: ignore[attr-defined]


async def test_an_index_the_store_cannot_build_stops_the_start_with_the_reason(
    location: str,
) -> None:
    index = {"index": {"dims": 8, "embed": "openai:text-embedding-3-small"}}
    if location.startswith("postgresql"):
        can = False  # the shared test server has no pgvector (checked below)
        reason = "pgvector"
    else:
        can = hasattr(sqlite3.Connection, "enable_load_extension")
        reason = "cannot load extensions"
    if can:
        async with open_store(location, index) as store:
            assert store.index_config["dims"] == 8  # type: ignore[attr-defined]
        return
    with pytest.raises(StoreNotSupported, match=reason):
        async with open_store(location, index):
            pass


async def test_an_embeddings_provider_other_than_openai_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(StoreNotSupported, match='"openai:<model>"'):
        async with open_store(":memory:", {"index": {"dims": 8, "embed": "cohere:embed-v3"}}):
            pass


def test_a_store_key_langgraph_json_does_not_have_is_refused_with_what_it_takes(
    tmp_path: Path,
) -> None:
    config = tmp_path / "langgraph.json"
    config.write_text(json.dumps({"graphs": {}, "store": {"ttl": {"forever": True}}}))
    with pytest.raises(StoreNotSupported, match="default_ttl, refresh_on_read"):
        read_store_config(config)
    config.write_text(json.dumps({"graphs": {}, "store": {"ttl": TTL}}))
    assert read_store_config(config) == {"ttl": TTL}
    config.write_text(json.dumps({"graphs": {}}))
    assert read_store_config(config) == {}


async def test_a_graph_gets_its_owners_store_as_runtime_store(tmp_path: Path) -> None:
    from genesis_mesh.protocol import RunStatus
    from genesis_mesh.services import open_services
    from genesis_mesh.settings import Settings
    from tests.runner.test_run_context import PROJECT, wait_status

    settings = Settings(config=PROJECT, data_dir=tmp_path / "data")
    async with open_services(settings, recover=False) as services:
        runs: dict[str, Any] = {}
        for owner, thread, remember in [
            ("alice", None, "likes tea"),
            ("alice", None, "lives in Oslo"),
            ("bob", None, "likes coffee"),
        ]:
            run = await services.runner.create_run(
                "memory", {"remember": remember}, thread, owner=owner
            )
            runs.setdefault(owner, []).append(
                await wait_status(services, run.run_id, RunStatus.SUCCEEDED, RunStatus.FAILED)
            )
        second = runs["alice"][1]
        assert second.status == RunStatus.SUCCEEDED, second.error
        assert sorted(second.output["recalled"]) == ["likes tea", "lives in Oslo"]
        assert second.output["namespaces"] == [["memories", "default"]]
        assert runs["bob"][0].output["recalled"] == ["likes coffee"]
        assert runs["alice"][0].thread_id != second.thread_id
        mine = await services.store_for("alice").asearch(("memories", "default"))
        assert sorted(i.value["content"] for i in mine) == ["likes tea", "lives in Oslo"]
        assert isinstance(services.graph_store, BaseStore)


def test_embedded_host_loads_neither_numpy_nor_redis_yet_a_graph_can_import_numpy(
    tmp_path: Path,
) -> None:
    """The embedded host's memory (issue 17): opening its services and the SQLite store
    must not pull numpy (sqlite-vec's optional helper) or the Redis client, and a graph
    importing numpy afterwards still gets it."""
    import subprocess
    import sys

    script = f"""
import asyncio, sys
from genesis_mesh.services import open_services
from genesis_mesh.stores import open_store

async def main():
    async with open_store({str(tmp_path / "s.db")!r}, {{}}) as store:
        await store.aput(("n",), "k", {{"v": 1}})
        assert (await store.aget(("n",), "k")).value == {{"v": 1}}
    print(sorted(m for m in ("numpy", "redis") if m in sys.modules))
    import numpy
    print(numpy.arange(3).sum())

asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "3"]
