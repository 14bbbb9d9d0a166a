"""What the embedded host leaves out of memory until a request needs it (issue 17).

Each module kept out of start-up is memory every host saves for its whole life; these are
imported only by requests few hosts serve. A fresh interpreter builds the app and runs
its start-up, as `genesis-mesh serve` does, then lists what it loaded. Alembic (with mako)
is needed only by a start that has migrations to apply: the first one on a database."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "langgraph.json"
NOT_AT_START = ("markdown_it", "mdit_py_plugins", "nh3", "numpy", "redis")
NOT_AT_START_AT_HEAD = (*NOT_AT_START, "alembic", "mako")

SCRIPT = f"""
import asyncio, sys
import httpx
from genesis_mesh.host import create_app

async def main():
    app = create_app()
    async with app.router.lifespan_context(app):
        print(sorted(m for m in {NOT_AT_START_AT_HEAD!r} if m in sys.modules))
        transport = httpx.ASGITransport(app=app)
        base = "http://127.0.0.1:8000"
        async with httpx.AsyncClient(transport=transport, base_url=base) as client:
            answer = await client.post("/api/v1/render/markdown", json={{"markdown": "**hi**"}})
        print(answer.status_code, answer.json().get("html", answer.text))

asyncio.run(main())
"""


def test_markdown_rendering_is_loaded_by_the_first_render_not_at_start(tmp_path: Path) -> None:
    loaded, rendered = _start(tmp_path)
    assert not set(loaded) & set(NOT_AT_START), f"imported at start-up: {loaded}"
    assert rendered == "200 <p><strong>hi</strong></p>"


def test_a_start_on_a_database_at_head_does_not_load_the_migrations(tmp_path: Path) -> None:
    first, _ = _start(tmp_path)
    assert "alembic" in first, "the first start migrates a fresh database with alembic"
    again, rendered = _start(tmp_path)
    assert again == [], f"imported at start-up: {again}"
    assert rendered == "200 <p><strong>hi</strong></p>"


def _start(folder: Path) -> tuple[list[str], str]:
    """(the watched modules a start loaded, the render's answer) of a host on `folder`."""
    env = {
        **_clean_env(),
        "GENESIS_MESH_CONFIG": str(FIXTURES),
        "GENESIS_MESH_DATA_DIR": str(folder / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
        cwd=folder,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded, rendered = done.stdout.strip().splitlines()[-2:]
    return ast.literal_eval(loaded), rendered


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GENESIS_MESH_")}
