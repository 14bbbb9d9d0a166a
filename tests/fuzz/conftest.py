"""Hosts for the fuzz tests: the embedded SQLite default and PostgreSQL (which refuses
what SQLite lets through, such as NUL characters and NaN)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import LiveHost, require

PG_ADMIN = "postgresql://127.0.0.1:5432/test"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend_host(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHost]:
    """A host per backend, shared by the tests of a module."""
    live = LiveHost(tmp_path_factory.mktemp(f"fuzz-{request.param}"))
    if request.param == "sqlite":
        yield live.start()
        live.stop()
        return
    name = _create_database()
    live.env["GENESIS_MESH_DATABASE_URL"] = f"postgresql+psycopg://127.0.0.1:5432/{name}"
    try:
        yield live.start()
    finally:
        live.stop()
        _drop_database(name)


def _create_database() -> str:
    name = f"gm_fuzz_{uuid.uuid4().hex[:12]}"
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        require(False, f"PostgreSQL on 127.0.0.1:5432 is not reachable: {exc}")
        raise
    return name


def _drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
