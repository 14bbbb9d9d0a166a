"""The store API through `langgraph-sdk`: items put, read, searched and deleted, and
namespaces listed, each user seeing only their own (what their graphs wrote included),
and bad input refused with a 422 the SDK raises, never a 500."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from langgraph_sdk import get_client, get_sync_client
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import (
    APIStatusError,
    BadRequestError,
    NotFoundError,
    UnprocessableEntityError,
)

from tests.api.langgraph.conftest import MODES, host_in_mode
from tests.auth.conftest import SECURED_ENV, create_key
from tests.conftest import ROOT, LiveHost

MEMORY_PROJECT = ROOT / "tests" / "runner" / "context_project" / "langgraph.json"


@pytest.fixture(scope="module", params=MODES)
def secured(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHost]:
    workdir = tmp_path_factory.mktemp("store")
    yield from host_in_mode(request.param, workdir, MEMORY_PROJECT, SECURED_ENV)


@pytest.fixture(scope="module")
def keys(secured: LiveHost) -> dict[str, str]:
    return {name: create_key(secured, name) for name in ("alice", "bob")}


@pytest.fixture
async def alice(secured: LiveHost, keys: dict[str, str]) -> AsyncIterator[LangGraphClient]:
    async with get_client(url=secured.base_url, api_key=keys["alice"]) as sdk:
        yield sdk


@pytest.fixture
async def bob(secured: LiveHost, keys: dict[str, str]) -> AsyncIterator[LangGraphClient]:
    async with get_client(url=secured.base_url, api_key=keys["bob"]) as sdk:
        yield sdk


def unique() -> str:
    return uuid.uuid4().hex


async def test_an_item_is_put_read_replaced_and_deleted(alice: LangGraphClient) -> None:
    namespace = ["notes", unique()]
    await alice.store.put_item(namespace, key="k1", value={"text": "first"})
    item = await alice.store.get_item(namespace, key="k1")
    assert (item["namespace"], item["key"], item["value"]) == (namespace, "k1", {"text": "first"})
    await alice.store.put_item(namespace, key="k1", value={"text": "second"})
    replaced = await alice.store.get_item(namespace, key="k1")
    assert replaced["value"] == {"text": "second"}
    # A put replaces the item: LangGraph's SQLite and in-memory stores (what `langgraph
    # dev` runs) stamp it anew (SQLite to the second), its PostgreSQL store keeps it.
    assert replaced["created_at"] >= item["created_at"]
    assert replaced["updated_at"] >= item["updated_at"]
    await alice.store.delete_item(namespace, key="k1")
    with pytest.raises(NotFoundError, match="k1"):
        await alice.store.get_item(namespace, key="k1")


async def test_another_users_item_is_not_found_not_listed_and_not_deleted(
    alice: LangGraphClient, bob: LangGraphClient
) -> None:
    namespace = ["shared-name", unique()]
    await alice.store.put_item(namespace, key="secret", value={"pin": 1234})
    with pytest.raises(NotFoundError):
        await bob.store.get_item(namespace, key="secret")
    assert (await bob.store.search_items(namespace))["items"] == []
    everything_of_bob = (await bob.store.search_items([], limit=1000))["items"]
    assert all(item["namespace"] != namespace for item in everything_of_bob)
    assert namespace not in (await bob.store.list_namespaces(limit=1000))["namespaces"]
    await bob.store.delete_item(namespace, key="secret")
    assert (await alice.store.get_item(namespace, key="secret"))["value"] == {"pin": 1234}
    assert namespace in (await alice.store.list_namespaces(prefix=namespace))["namespaces"]


async def test_search_filters_and_pages_within_a_namespace_prefix(alice: LangGraphClient) -> None:
    root = unique()
    for n in range(6):
        parity = "even" if n % 2 == 0 else "odd"
        await alice.store.put_item([root, parity], key=f"item{n}", value={"n": n, "kind": parity})
    everything = await alice.store.search_items([root], limit=100)
    assert sorted(i["key"] for i in everything["items"]) == [f"item{n}" for n in range(6)]
    even = await alice.store.search_items([root], filter={"kind": "even"})
    assert sorted(i["value"]["n"] for i in even["items"]) == [0, 2, 4]
    large = await alice.store.search_items([root], filter={"n": {"$gte": 4}})
    assert sorted(i["key"] for i in large["items"]) == ["item4", "item5"]
    only_odd = await alice.store.search_items([root, "odd"])
    assert {i["namespace"][1] for i in only_odd["items"]} == {"odd"}
    pages = [await alice.store.search_items([root], limit=4, offset=o) for o in (0, 4)]
    keys = [i["key"] for page in pages for i in page["items"]]
    assert [len(p["items"]) for p in pages] == [4, 2]
    assert sorted(keys) == [f"item{n}" for n in range(6)]
    queried = await alice.store.search_items([root], query="an even number", filter={"n": 2})
    assert [i["key"] for i in queried["items"]] == ["item2"]


async def test_namespaces_are_listed_by_prefix_suffix_and_depth(alice: LangGraphClient) -> None:
    root = unique()
    for path in (["a", "x"], ["a", "y"], ["b", "x"], ["b", "deep", "x"]):
        await alice.store.put_item([root, *path], key="k", value={})
    listed = (await alice.store.list_namespaces(prefix=[root]))["namespaces"]
    assert sorted(listed) == [
        [root, "a", "x"],
        [root, "a", "y"],
        [root, "b", "deep", "x"],
        [root, "b", "x"],
    ]
    by_suffix = (await alice.store.list_namespaces(prefix=[root], suffix=["x"]))["namespaces"]
    assert sorted(by_suffix) == [[root, "a", "x"], [root, "b", "deep", "x"], [root, "b", "x"]]
    shallow = (await alice.store.list_namespaces(prefix=[root], max_depth=2))["namespaces"]
    assert sorted(shallow) == [[root, "a"], [root, "b"]]
    paged = [
        (await alice.store.list_namespaces(prefix=[root], limit=3, offset=o))["namespaces"]
        for o in (0, 3)
    ]
    assert [len(p) for p in paged] == [3, 1]
    assert sorted(paged[0] + paged[1]) == sorted(listed)


def test_the_sync_client_puts_reads_searches_lists_and_deletes(
    secured: LiveHost, keys: dict[str, str]
) -> None:
    namespace = ["sync", unique()]
    with get_sync_client(url=secured.base_url, api_key=keys["alice"]) as sdk:
        sdk.store.put_item(namespace, key="k", value={"via": "sync"}, ttl=30)
        assert sdk.store.get_item(namespace, key="k", refresh_ttl=True)["value"] == {"via": "sync"}
        assert [i["key"] for i in sdk.store.search_items(namespace)["items"]] == ["k"]
        assert sdk.store.list_namespaces(prefix=namespace)["namespaces"] == [namespace]
        sdk.store.delete_item(namespace, key="k")
        with pytest.raises(NotFoundError):
            sdk.store.get_item(namespace, key="k")


async def test_what_a_graph_stores_is_read_by_its_user_and_not_by_another(
    alice: LangGraphClient, bob: LangGraphClient
) -> None:
    user_id = unique()
    thread = await alice.threads.create()
    result = await alice.runs.wait(
        thread["thread_id"],
        "memory",
        input={"remember": "likes tea"},
        context={"user_id": user_id},
    )
    assert result["recalled"] == ["likes tea"]
    [item] = (await alice.store.search_items(["memories", user_id]))["items"]
    assert (item["namespace"], item["value"]) == (["memories", user_id], {"content": "likes tea"})
    fetched = await alice.store.get_item(["memories", user_id], key=item["key"])
    assert fetched["value"] == {"content": "likes tea"}
    assert ["memories", user_id] in (await alice.store.list_namespaces(prefix=["memories"]))[
        "namespaces"
    ]
    with pytest.raises(NotFoundError):
        await bob.store.get_item(["memories", user_id], key=item["key"])
    assert (await bob.store.search_items(["memories", user_id]))["items"] == []


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/store/items", {"namespace": ["a.b"], "key": "k", "value": {}}, "cannot contain periods"),
        ("/store/items", {"namespace": ["a", ""], "key": "k", "value": {}}, "cannot be empty"),
        ("/store/items", {"namespace": ["langgraph"], "key": "k", "value": {}}, "langgraph"),
        ("/store/items", {"namespace": [], "key": "k", "value": {}}, "cannot be empty"),
        ("/store/items", {"namespace": ["a"], "key": "", "value": {}}, "key"),
        ("/store/items", {"namespace": ["a"], "key": "k" * 1001, "value": {}}, "key"),
        ("/store/items", {"namespace": ["a"] * 21, "key": "k", "value": {}}, "namespace"),
        ("/store/items", {"namespace": ["a"], "key": "k", "value": {"a\u0000": 1}}, "value"),
        ("/store/items", {"namespace": ["a" * 201], "key": "k", "value": {}}, "namespace"),
        ("/store/items", {"namespace": ["a"], "key": "k", "value": [1]}, "value"),
        ("/store/items", {"namespace": ["a"], "key": "k", "value": {}, "ttl": 0}, "ttl"),
        ("/store/items", {"namespace": [1], "key": "k", "value": {}}, "namespace"),
        ("/store/items/search", {"namespace_prefix": ["a.b"]}, "cannot contain periods"),
        ("/store/items/search", {"limit": 0}, "limit"),
        ("/store/items/search", {"limit": 1001}, "limit"),
        ("/store/items/search", {"offset": -1}, "offset"),
        ("/store/items/search", {"filter": {"a') OR 1=1 --": 1}}, "filter"),
        ("/store/namespaces", {"max_depth": 0}, "max_depth"),
        ("/store/namespaces", {"limit": 5000}, "limit"),
        ("/store/namespaces", {"prefix": ["a"] * 21}, "prefix"),
    ],
)
async def test_bad_store_input_is_refused_with_a_422_that_says_what_is_wrong(
    alice: LangGraphClient, path: str, body: dict[str, object], message: str
) -> None:
    send = alice.http.put if path == "/store/items" else alice.http.post
    with pytest.raises(UnprocessableEntityError) as refused:
        await send(path, json=body)
    assert message in refused.value.response.text


async def test_bad_reads_and_deletes_are_refused_with_a_422(alice: LangGraphClient) -> None:
    with pytest.raises(UnprocessableEntityError, match="periods"):
        await alice.store.delete_item(["a.b"], key="k")
    with pytest.raises(UnprocessableEntityError):
        await alice.http.get("/store/items", params={"namespace": ".".join(["a"] * 21), "key": "k"})
    with pytest.raises(UnprocessableEntityError):
        await alice.http.get("/store/items", params={"namespace": "a", "key": "k" * 1001})
    with pytest.raises(UnprocessableEntityError, match="cannot be empty"):
        await alice.http.get("/store/items", params={"namespace": "a..b", "key": "k"})


async def test_an_api_key_sent_as_a_store_key_in_the_url_is_still_refused(
    alice: LangGraphClient, keys: dict[str, str]
) -> None:
    with pytest.raises(BadRequestError, match="credential"):
        await alice.store.get_item(["a"], key=keys["bob"])
    with pytest.raises(BadRequestError, match="credential"):
        await alice.http.get("/store/items", params={"namespace": "a", "key": "k", "token": "t"})


async def test_a_value_over_the_request_body_limit_is_refused_and_nothing_is_stored(
    alice: LangGraphClient,
) -> None:
    namespace = ["big", unique()]
    with pytest.raises(APIStatusError) as refused:
        await alice.store.put_item(namespace, key="k", value={"blob": "x" * 4096})
    assert refused.value.response.status_code == 413
    with pytest.raises(NotFoundError):
        await alice.store.get_item(namespace, key="k")
