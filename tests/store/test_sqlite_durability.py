"""What the embedded SQLite files survive: a kill during the first start, and the
`synchronous` setting that decides what a commit survives."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from genesis_mesh.checkpointers import open_checkpointer
from genesis_mesh.settings import Settings
from genesis_mesh.store import RunStore
from tests.conftest import ROOT

HEAD_TABLES = {
    "alembic_version",
    "threads",
    "runs",
    "events",
    "api_keys",
    "assistants",
    "assistant_versions",
    "crons",
}
SYNCHRONOUS_VALUES = {1: "NORMAL", 2: "FULL"}


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        names = {name for (name,) in rows}
        versions = conn.execute("SELECT * FROM alembic_version").fetchall() if names else []
    assert not names or versions, f"{path.name}: tables {sorted(names)} but no version"
    return names


def _kill_first_start_at_every_statement(folder: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-m", "tests.store.migration_killer", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


async def test_a_first_start_killed_at_any_statement_leaves_all_or_nothing_and_the_next_start_works(
    tmp_path: Path,
) -> None:
    report = _kill_first_start_at_every_statement(tmp_path)
    kills = report["kills"]
    assert isinstance(kills, list) and len(kills) == report["statements"] and len(kills) > 10
    for n, path, code in kills:
        assert code == -9, f"the start meant to die at statement {n} ended with {code}"
        left = _tables(Path(path))
        assert left in (set(), HEAD_TABLES), f"killed at statement {n}, left {sorted(left)}"
        store = RunStore(f"sqlite+aiosqlite:///{path}")
        try:
            await store.open()
            run = await store.create_run("g", {"n": n}, f"thread-{n}")
        finally:
            await store.close()
        assert run.thread_id == f"thread-{n}"
        assert _tables(Path(path)) == HEAD_TABLES


@pytest.mark.parametrize("mode", ["FULL", "NORMAL"])
async def test_both_sqlite_files_use_the_synchronous_setting(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENESIS_MESH_SQLITE_SYNCHRONOUS", mode.lower())
    monkeypatch.setenv("GENESIS_MESH_DATA_DIR", str(tmp_path))
    settings = Settings()
    store = RunStore(
        settings.resolved_database_url(), sqlite_synchronous=settings.sqlite_synchronous
    )
    await store.open()
    try:
        async with store.engine.connect() as conn:
            store_mode = (await conn.exec_driver_sql("PRAGMA synchronous")).scalar()
            journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
    finally:
        await store.close()
    async with open_checkpointer(
        settings.resolved_checkpoint_url(), sqlite_synchronous=settings.sqlite_synchronous
    ) as saver:
        cursor = await saver.conn.execute("PRAGMA synchronous")  # type: ignore[attr-defined]
        (saver_mode,) = await cursor.fetchone()
    assert (SYNCHRONOUS_VALUES[store_mode], SYNCHRONOUS_VALUES[saver_mode]) == (mode, mode)
    assert journal == "wal"


def test_the_default_survives_power_loss(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GENESIS_MESH_SQLITE_SYNCHRONOUS", raising=False)
    assert Settings(_env_file=None).sqlite_synchronous == "FULL"  # type: ignore[call-arg]
