"""/ready answers 503, naming the failed check, when the database goes away."""

from __future__ import annotations

import re

from tests.conftest import LiveHost
from tests.postgres import PG_ADMIN


def test_ready_goes_red_when_the_database_is_dropped(
    live_host: LiveHost, postgres_database: str
) -> None:
    import psycopg

    live_host.env["GENESIS_MESH_DATABASE_URL"] = (
        f"postgresql+psycopg://127.0.0.1:5432/{postgres_database}"
    )
    live_host.start()
    with live_host.client() as http:
        green = http.get("/ready")
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{postgres_database}" WITH (FORCE)')
        red = http.get("/ready")
        health = http.get("/health")
        broken = http.get("/api/v1/runs/run-x", headers={"X-Request-ID": "req-db-gone"})
    assert green.status_code == 200
    assert green.json() == {"status": "ready", "checks": {"database": "ok", "checkpointer": "ok"}}
    assert red.status_code == 503
    body = red.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("error: ")
    assert body["checks"]["checkpointer"].startswith("error: ")
    assert postgres_database not in red.text  # the reason is in the log, not on the wire
    assert health.status_code == 200  # alive, just not ready
    live_host.stop()  # the server logs an error after it has answered: read the whole log
    log = live_host.log_path.read_text()
    assert "readiness: database is not available" in log
    # An unexpected server error is logged naming the request that met it.
    assert broken.status_code == 500
    assert re.search(r"ERROR +uvicorn\.error \[req=req-db-gone\]: Exception in ASGI", log)
