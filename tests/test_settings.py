"""Settings come from the environment (prefix GENESIS_MESH_) and refuse unsafe mixes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from genesis_mesh.settings import Settings


def test_settings_read_the_environment_and_split_origins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GENESIS_MESH_ALLOWED_ORIGINS", "https://a.example/, https://b.example")
    monkeypatch.setenv("GENESIS_MESH_DATA_DIR", str(tmp_path / "d"))
    settings = Settings()
    assert settings.allowed_origins == ["https://a.example", "https://b.example"]
    assert settings.resolved_database_url() == f"sqlite+aiosqlite:///{tmp_path}/d/genesis-mesh.db"
    assert settings.resolved_checkpoint_url() == f"{tmp_path}/d/genesis-mesh.checkpoints.db"


def test_a_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("GENESIS_MESH_DATABASE_URL=postgresql+psycopg://u@h/db\n")
    settings = Settings()
    assert settings.resolved_database_url() == "postgresql+psycopg://u@h/db"
    assert settings.resolved_checkpoint_url() == "postgresql://u@h/db"


def test_wildcard_origins_with_credentials_refuse_to_start(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "genesis_mesh", "serve", "--port", "0"],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "GENESIS_MESH_ALLOWED_ORIGINS": "*",
            "GENESIS_MESH_ALLOW_CREDENTIALS": "true",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "list the allowed origins explicitly" in result.stderr.replace("\n", " ")


def test_serve_without_a_config_file_says_how_to_fix_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "genesis_mesh", "serve"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--config" in result.stderr


def test_scale_out_keeps_checkpoints_in_the_run_stores_database() -> None:
    redis = {"redis_url": "redis://127.0.0.1:6379/0"}
    db = "postgresql+psycopg://u@db.internal:5432/mesh"
    same = Settings(database_url=db, checkpoint_url="host=db.internal dbname=mesh", **redis)
    assert same.resolved_checkpoint_url() == "host=db.internal dbname=mesh"
    with pytest.raises(ValueError, match="checkpoint write checks the run's claim"):
        Settings(database_url=db, checkpoint_url="postgresql://u@db.internal/other", **redis)
