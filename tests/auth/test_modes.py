"""Auth modes: off only on a loopback bind, required otherwise; unsafe settings refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import Request
from pydantic import ValidationError

from genesis_mesh.auth.authenticator import Authenticator
from genesis_mesh.host import GenesisMesh
from genesis_mesh.settings import Settings, is_loopback
from genesis_mesh.store import RunStore
from tests.auth.conftest import keys_command, serving
from tests.conftest import FIXTURE_CONFIG, LiveHost


def test_a_loopback_host_needs_no_token_and_everyone_is_local(host: LiveHost) -> None:
    with host.client() as http:
        me = http.get("/api/v1/me").json()
    assert me == {"user_id": "local", "admin": False, "method": "none", "expires_at": None}


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
    ],
)
def test_auto_is_off_only_on_a_loopback_bind(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback
    assert Settings(host=address).auth_enabled() is not loopback
    assert Settings(host=address, auth="required").auth_enabled() is True


def test_off_on_a_public_bind_is_refused_unless_forced() -> None:
    with pytest.raises(ValidationError, match="GENESIS_MESH_AUTH_FORCE_OFF"):
        Settings(host="0.0.0.0", auth="off")
    assert Settings(host="0.0.0.0", auth="off", auth_force_off=True).auth_enabled() is False


async def test_auto_still_asks_a_connection_that_did_not_arrive_on_loopback(
    tmp_path: Path,
) -> None:
    """`uvicorn --host 0.0.0.0` around an app whose settings say 127.0.0.1: only loopback
    connections go without a token."""
    store = RunStore(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        auth = Authenticator(Settings(), store.engine)
        assert auth.anonymous_allowed({"type": "http", "server": ("127.0.0.1", 8000)})
        assert not auth.anonymous_allowed({"type": "http", "server": ("10.1.2.3", 8000)})
        assert not auth.anonymous_allowed({"type": "http", "server": None})
        forced = Authenticator(Settings(auth="off"), store.engine)
        assert forced.anonymous_allowed({"type": "http", "server": ("10.1.2.3", 8000)})
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"GENESIS_MESH_AUTH": "off"}, ["--host", "0.0.0.0"], "GENESIS_MESH_AUTH_FORCE_OFF"),
        (
            {"GENESIS_MESH_ALLOWED_ORIGINS": "*", "GENESIS_MESH_ALLOW_CREDENTIALS": "true"},
            [],
            "list the allowed origins explicitly",
        ),
        ({"GENESIS_MESH_ALLOWED_ORIGINS": "https://*.vercel.app"}, [], "vercel.app"),
    ],
    ids=["auth-off-public", "wildcard-with-credentials", "origin-pattern"],
)
def test_serve_refuses_unsafe_settings_before_binding(
    tmp_path: Path, env: dict[str, str], args: list[str], message: str
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GENESIS_MESH_")}
    done = subprocess.run(
        [sys.executable, "-m", "genesis_mesh", "serve", "--config", str(FIXTURE_CONFIG), *args],
        cwd=tmp_path,
        env={**clean, "GENESIS_MESH_DATA_DIR": str(tmp_path / "data"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert message in " ".join(done.stderr.split())


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, {"user_id": "local", "is_admin": False, "authenticated": False}),
        ({"auth": "required"}, {"user_id": "kim", "is_admin": True, "authenticated": True}),
    ],
    ids=["auth-off", "auth-required"],
)
def test_the_request_state_contract(
    tmp_path: Path, settings: dict[str, str], expected: dict[str, object]
) -> None:
    """What other parts (rate limits, logs) read: `request.state.user_id`, `is_admin`,
    `authenticated`."""
    mesh = GenesisMesh(Settings(config=FIXTURE_CONFIG, data_dir=tmp_path / "data", **settings))
    mesh.setup()

    @mesh.app.get("/api/v1/state-probe")
    async def probe(request: Request) -> dict[str, object]:
        return {key: getattr(request.state, key) for key in expected}

    key = keys_command(tmp_path, "create", "--user", "kim", "--admin").stdout.strip()
    with serving(mesh) as base_url:
        answer = httpx.get(
            f"{base_url}/api/v1/state-probe", headers={"Authorization": f"Bearer {key}"}
        )
    assert answer.json() == expected
