"""The LangGraph API on a host that requires authentication: `X-Api-Key` (what the
LangGraph clients send) and `Authorization: Bearer` name the same users, and another
user's assistant, thread or run is not found."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import AuthenticationError, NotFoundError

from tests.auth.conftest import SECURED_ENV, create_key
from tests.conftest import LiveHost


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    live = LiveHost(tmp_path_factory.mktemp("secured"), env=dict(SECURED_ENV))
    try:
        yield live.start(timeout=120)
    finally:
        live.stop()


@pytest.fixture(scope="module")
def keys(secured: LiveHost) -> dict[str, str]:
    return {name: create_key(secured, name) for name in ("alice", "bob")}


async def test_the_sdk_api_key_and_a_bearer_token_reach_the_same_threads(
    secured: LiveHost, keys: dict[str, str]
) -> None:
    async with (
        get_client(url=secured.base_url, api_key=keys["alice"]) as by_key,
        get_client(
            url=secured.base_url, api_key=None, headers={"Authorization": f"Bearer {keys['alice']}"}
        ) as by_bearer,
    ):
        thread = await by_key.threads.create(metadata={"owner": "alice"})
        assert (await by_bearer.threads.get(thread["thread_id"]))["metadata"] == {"owner": "alice"}


async def test_no_key_or_a_wrong_key_is_refused(secured: LiveHost) -> None:
    async with get_client(url=secured.base_url, api_key=None) as anonymous:
        with pytest.raises(AuthenticationError):
            await anonymous.threads.search()
        assert await anonymous.http.get("/ok") == {"ok": True}
    async with get_client(url=secured.base_url, api_key="gm_not_a_real_key") as wrong:
        with pytest.raises(AuthenticationError):
            await wrong.assistants.search()


async def test_another_users_assistant_thread_and_run_are_not_found(
    secured: LiveHost, keys: dict[str, str]
) -> None:
    async with (
        get_client(url=secured.base_url, api_key=keys["alice"]) as alice,
        get_client(url=secured.base_url, api_key=keys["bob"]) as bob,
    ):
        assistant = await alice.assistants.create("steps", name="alice's")
        thread = await alice.threads.create()
        run = await alice.runs.create(thread["thread_id"], "steps", input={})
        await alice.runs.join(thread["thread_id"], run["run_id"])
        with pytest.raises(NotFoundError):
            await bob.assistants.get(assistant["assistant_id"])
        with pytest.raises(NotFoundError):
            await bob.threads.get(thread["thread_id"])
        with pytest.raises(NotFoundError):
            await bob.threads.get_state(thread["thread_id"])
        with pytest.raises(NotFoundError):
            await bob.runs.get(thread["thread_id"], run["run_id"])
        with pytest.raises(NotFoundError):
            await bob.runs.create(thread["thread_id"], "steps", input={})
        with pytest.raises(NotFoundError):
            await bob.runs.create(thread["thread_id"], "steps", input={}, if_not_exists="create")
        assert thread["thread_id"] not in [t["thread_id"] for t in await bob.threads.search()]
        assert assistant["assistant_id"] not in [
            a["assistant_id"] for a in await bob.assistants.search(limit=100)
        ]
        assert (await bob.assistants.get("steps"))["graph_id"] == "steps"  # defaults: everyone's
