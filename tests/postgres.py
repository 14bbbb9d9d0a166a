"""A PostgreSQL database of its own for a test, on the machine's server (127.0.0.1:5432)."""

from __future__ import annotations

import uuid

from tests.conftest import require

PG_ADMIN = "postgresql://127.0.0.1:5432/test"


def create_database(prefix: str = "gm_test") -> str:
    """A new empty database named `prefix_<random>`; PostgreSQL missing fails or skips
    the test as `require` decides."""
    try:
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        require(False, f"PostgreSQL on 127.0.0.1:5432 is not reachable: {exc}")
        raise
    return name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def host_url(name: str) -> str:
    """The host's `GENESIS_MESH_DATABASE_URL` for the database `name`."""
    return f"postgresql+psycopg://127.0.0.1:5432/{name}"
