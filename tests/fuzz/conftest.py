"""Hosts for the fuzz tests: the embedded SQLite default and PostgreSQL (which refuses
what SQLite lets through, such as NUL characters and NaN)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import LiveHost
from tests.postgres import create_database, drop_database, host_url


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
    name = create_database("gm_fuzz")
    live.env["GENESIS_MESH_DATABASE_URL"] = host_url(name)
    try:
        yield live.start()
    finally:
        live.stop()
        drop_database(name)
