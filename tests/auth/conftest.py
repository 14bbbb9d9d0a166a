"""Hosts that require authentication, and the credentials to reach them."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import uvicorn

from genesis_mesh.host import GenesisMesh
from tests.conftest import LiveHost, free_port

JWT_SECRET = "test-secret-of-at-least-thirty-two-bytes!"
JWT_ISSUER = "https://issuer.test"
JWT_AUDIENCE = "genesis-mesh-tests"

SECURED_ENV = {
    "GENESIS_MESH_AUTH": "required",
    "GENESIS_MESH_JWT_KEY": JWT_SECRET,
    "GENESIS_MESH_JWT_ISSUER": JWT_ISSUER,
    "GENESIS_MESH_JWT_AUDIENCE": JWT_AUDIENCE,
    "GENESIS_MESH_WS_AUTH_TIMEOUT": "2",
    "GENESIS_MESH_WS_AUTH_RECHECK_SECONDS": "1",
    "GENESIS_MESH_ALLOWED_ORIGINS": "https://app.example.com",
    "GENESIS_MESH_MAX_REQUEST_BYTES": "2048",
}


def keys_command(workdir: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    """Run `genesis-mesh keys ...` on the data folder of a LiveHost in `workdir`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GENESIS_MESH_")}
    clean["GENESIS_MESH_DATA_DIR"] = str(workdir / "data")
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "genesis_mesh", "keys", *args],
        cwd=workdir,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def create_key(host: LiveHost, user: str, admin: bool = False) -> str:
    env = {k: v for k, v in host.env.items() if k == "GENESIS_MESH_DATABASE_URL"}
    args = ["create", "--user", user] + (["--admin"] if admin else [])
    done = keys_command(host.workdir, *args, env=env)
    assert done.returncode == 0, done.stderr
    return str(done.stdout.strip())


def make_jwt(
    sub: str = "jwt-user",
    expires_in: float = 300,
    secret: str = JWT_SECRET,
    **claims: Any,
) -> str:
    payload = {
        "sub": sub,
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "iat": int(time.time()),
        "exp": int(time.time() + expires_in),
        **claims,
    }
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, "HS256")


@dataclass
class User:
    """A credential on a secured host, with an HTTP client that sends it."""

    name: str
    token: str
    host: LiveHost

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.host.base_url, headers=self.headers, timeout=30.0)


@pytest.fixture(scope="module")
def secured_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    """A host with `GENESIS_MESH_AUTH=required`, API keys and JWTs."""
    live = LiveHost(tmp_path_factory.mktemp("secured"), env=dict(SECURED_ENV)).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def alice(secured_host: LiveHost) -> User:
    return User("alice", create_key(secured_host, "alice"), secured_host)


@pytest.fixture(scope="module")
def bob(secured_host: LiveHost) -> User:
    return User("bob", create_key(secured_host, "bob"), secured_host)


@pytest.fixture(scope="module")
def admin(secured_host: LiveHost) -> User:
    return User("root", create_key(secured_host, "root", admin=True), secured_host)


@contextmanager
def serving(mesh: GenesisMesh) -> Iterator[str]:
    """Serve an app built in the test (e.g. with an extra route) with uvicorn on loopback."""
    port = free_port()
    config = uvicorn.Config(mesh.app, host="127.0.0.1", port=port, log_level="critical")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
