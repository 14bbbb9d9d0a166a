"""The same host on PostgreSQL (run store and LangGraph's Postgres checkpointer)."""

from __future__ import annotations

from tests.conftest import LiveHost, wait_for_status


def test_host_on_postgres_runs_resumes_and_keeps_checkpoints(
    live_host: LiveHost, postgres_database: str
) -> None:
    live_host.env["GENESIS_MESH_DATABASE_URL"] = (
        f"postgresql+psycopg://127.0.0.1:5432/{postgres_database}"
    )
    live_host.start()
    with live_host.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "ask", "input": {"topic": "pg"}}).json()
        wait_for_status(http, run["run_id"], {"interrupted"})
        http.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": {"accepted": ["a"]}})
        done = wait_for_status(http, run["run_id"], {"succeeded"})
        history = http.get(f"/api/v1/threads/{run['thread_id']}/history").json()
        ready = http.get("/ready").json()
    assert done["output"]["summary"] == "pg: a"
    assert len(history) >= 4
    assert ready["checks"] == {"database": "ok", "checkpointer": "ok"}


def test_a_compiled_graph_gets_the_host_checkpointer(host: LiveHost) -> None:
    with host.client() as http:
        first = http.post("/api/v1/runs", json={"graph": "compiled", "input": {}}).json()
        wait_for_status(http, first["run_id"], {"succeeded"})
        second = http.post(
            "/api/v1/runs", json={"graph": "compiled", "input": {}, "thread_id": first["thread_id"]}
        ).json()
        done = wait_for_status(http, second["run_id"], {"succeeded"})
    # The second run on the thread continues from the first run's checkpointed state.
    assert done["output"] == {"count": 2}
