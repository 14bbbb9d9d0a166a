"""The run store knows the head revision without alembic (issue 17): a start on a database
at head skips alembic, so the constant must name the newest migration, and a database one
revision behind is still migrated."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from genesis_mesh.store import RunStore, schema


def test_the_head_constant_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(schema.MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == schema.HEAD_REVISION


async def test_a_database_one_revision_behind_is_upgraded_to_head(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    store = RunStore(f"sqlite+aiosqlite:///{path}")
    await store.open()
    await store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX ix_runs_webhook_owed")
        conn.execute("ALTER TABLE runs DROP COLUMN webhook_lease_until")
        conn.execute("UPDATE alembic_version SET version_num = '0011'")
    store = RunStore(f"sqlite+aiosqlite:///{path}")
    await store.open()
    await store.close()
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    assert version == [(schema.HEAD_REVISION,)]
    assert "webhook_lease_until" in columns


async def test_postgres_is_migrated_once_then_found_at_head(postgres_database: str) -> None:
    from sqlalchemy import create_engine, text

    from tests.postgres import host_url

    url = host_url(postgres_database)
    for _ in range(2):
        store = RunStore(url)
        await store.open()
        run = await store.create_run("g", {}, None)
        await store.close()
    engine = create_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        runs = conn.execute(text("SELECT count(*) FROM runs")).scalar_one()
    engine.dispose()
    assert [tuple(row) for row in version] == [(schema.HEAD_REVISION,)]
    assert runs == 2 and run.run_id
