"""What the embedded host leaves out of memory until a request needs it (issue 17).

Each module kept out of start-up is memory every host saves for its whole life; these are
imported only by requests few hosts serve. A fresh interpreter builds the app and runs
its start-up, as `genesis-mesh serve` does, lists what it loaded, then sends the requests
that need those modules. Alembic (with mako) is needed only by a start that has
migrations to apply: the first one on a database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "langgraph.json"
NOT_AT_START = ("markdown_it", "mdit_py_plugins", "nh3", "numpy", "redis", "ag_ui")
NOT_AT_START_AT_HEAD = (*NOT_AT_START, "alembic", "mako")

SCRIPT = f"""
import asyncio, json, sys
import httpx
from genesis_mesh.host import create_app

async def main():
    app = create_app()
    async with app.router.lifespan_context(app):
        loaded = sorted(m for m in {NOT_AT_START_AT_HEAD!r} if m in sys.modules)
        transport = httpx.ASGITransport(app=app)
        base = "http://127.0.0.1:8000"
        async with httpx.AsyncClient(transport=transport, base_url=base) as client:
            render = await client.post("/api/v1/render/markdown", json={{"markdown": "**hi**"}})
            bad_run = await client.post("/ag-ui/steps", json={{"threadId": "t1"}})
            health = await client.get("/ag-ui/steps/health")
    print(json.dumps({{
        "loaded": loaded,
        "render": [render.status_code, render.json().get("html")],
        "ag_ui_bad_run": [bad_run.status_code, bad_run.json()["code"]],
        "ag_ui_health": [health.status_code, health.json()],
    }}))

asyncio.run(main())
"""


def test_markdown_rendering_is_loaded_by_the_first_render_not_at_start(tmp_path: Path) -> None:
    started = _start(tmp_path)
    assert not set(started["loaded"]) & set(NOT_AT_START), f"imported: {started['loaded']}"
    assert started["render"] == [200, "<p><strong>hi</strong></p>\n"]


def test_ag_ui_is_loaded_by_its_first_request_and_answers_as_before(tmp_path: Path) -> None:
    started = _start(tmp_path)
    assert "ag_ui" not in started["loaded"]
    assert started["ag_ui_bad_run"] == [422, "invalid_request"]
    assert started["ag_ui_health"] == [200, {"status": "ok", "agent": {"name": "steps"}}]


def test_a_start_on_a_database_at_head_does_not_load_the_migrations(tmp_path: Path) -> None:
    first = _start(tmp_path)
    assert "alembic" in first["loaded"], "the first start migrates a fresh database"
    again = _start(tmp_path)
    assert again["loaded"] == [], f"imported at start-up: {again['loaded']}"
    assert again["render"] == [200, "<p><strong>hi</strong></p>\n"]


def _start(folder: Path) -> dict[str, Any]:
    """What a host on `folder` loaded at start-up, and its answers to the requests."""
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
    answers: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answers


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GENESIS_MESH_")}
