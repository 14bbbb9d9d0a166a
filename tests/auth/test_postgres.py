"""API keys and ownership on PostgreSQL (migration 0004 on the other backend)."""

from __future__ import annotations

from tests.auth.conftest import SECURED_ENV, User, create_key
from tests.conftest import LiveHost


def test_keys_and_ownership_work_on_postgres(
    live_host: LiveHost,
    postgres_database: str,
) -> None:
    live_host.env.update(SECURED_ENV)
    live_host.env["GENESIS_MESH_DATABASE_URL"] = (
        f"postgresql+psycopg://127.0.0.1:5432/{postgres_database}"
    )
    live_host.start()
    owner = User("olga", create_key(live_host, "olga"), live_host)
    other = User("pete", create_key(live_host, "pete"), live_host)
    root = User("root", create_key(live_host, "root", admin=True), live_host)
    with owner.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0}}).json()
        assert http.get("/api/v1/me").json()["user_id"] == "olga"
    with other.client() as http:
        assert http.get(f"/api/v1/runs/{run['run_id']}").status_code == 404
        assert http.get(f"/api/v1/threads/{run['thread_id']}").status_code == 404
        assert run["run_id"] not in {r["run_id"] for r in http.get("/api/v1/runs").json()}
    with root.client() as http:
        assert http.get(f"/api/v1/runs/{run['run_id']}").status_code == 200
        assert http.get("/api/v1/me").json()["admin"] is True
