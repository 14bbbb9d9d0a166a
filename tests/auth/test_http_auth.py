"""REST and SSE behind authentication: API keys, JWTs, public paths, tokens in URLs."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.auth.conftest import JWT_SECRET, User, keys_command, make_jwt
from tests.conftest import FIXTURE_CONFIG, LiveHost


def test_the_api_refuses_a_request_without_a_token(secured_host: LiveHost) -> None:
    with secured_host.client() as http:
        for path in ("/api/v1/runs", "/api/v1/graphs", "/api/v1/me", "/api/v1/nowhere"):
            response = http.get(path)
            assert response.status_code == 401, path
            assert response.json()["code"] == "authentication_required"
            assert response.headers["www-authenticate"].startswith("Bearer")


def test_probes_docs_and_the_ui_shell_need_no_token(secured_host: LiveHost) -> None:
    with secured_host.client() as http:
        for path in ("/health", "/ready", "/version", "/openapi.json", "/docs", "/"):
            assert http.get(path).status_code == 200, path
        assert http.get("/static/app.js").status_code == 200


def test_an_api_key_identifies_its_user(alice: User) -> None:
    with alice.client() as http:
        me = http.get("/api/v1/me").json()
        assert me == {"user_id": "alice", "admin": False, "method": "api_key", "expires_at": None}
        run = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0}}).json()
        assert run["status"] == "pending"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer gm_0123456789ab_notthesecretnotthesecretnotthesecret",
        "Bearer gm_garbage",
        "Bearer something-else",
        "Basic YWxpY2U6cGFzc3dvcmQ=",
        "Bearer",
    ],
)
def test_a_wrong_token_is_refused(secured_host: LiveHost, authorization: str) -> None:
    with secured_host.client() as http:
        response = http.get("/api/v1/runs", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json()["code"] in ("invalid_token", "authentication_required")


def test_a_key_whose_secret_is_altered_is_refused(alice: User) -> None:
    altered = alice.token[:-1] + ("A" if alice.token[-1] != "A" else "B")
    with alice.host.client() as http:
        response = http.get("/api/v1/me", headers={"Authorization": f"Bearer {altered}"})
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"


def test_keys_are_stored_hashed_and_listed_without_secret(secured_host: LiveHost) -> None:
    created = keys_command(secured_host.workdir, "create", "--user", "carol", "--note", "ci")
    key = created.stdout.strip()
    assert created.returncode == 0 and key.startswith("gm_")
    key_id, secret = key.split("_", 2)[1:]
    listed = keys_command(secured_host.workdir, "list")
    assert key_id in listed.stdout and "carol" in listed.stdout
    assert secret not in listed.stdout and secret not in created.stderr
    database = secured_host.workdir / "data" / "genesis-mesh.db"
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT * FROM api_keys WHERE id = ?", (key_id,)).fetchall()
    assert rows and secret not in repr(rows)
    assert database.read_bytes().find(secret.encode()) == -1


def test_a_revoked_key_stops_working_at_its_next_request(secured_host: LiveHost) -> None:
    key = keys_command(secured_host.workdir, "create", "--user", "dave").stdout.strip()
    headers = {"Authorization": f"Bearer {key}"}
    with secured_host.client() as http:
        assert http.get("/api/v1/me", headers=headers).status_code == 200
        key_id = key.split("_")[1]
        revoked = keys_command(secured_host.workdir, "revoke", key_id)
        assert revoked.returncode == 0, revoked.stderr
        assert http.get("/api/v1/me", headers=headers).status_code == 401
    again = keys_command(secured_host.workdir, "revoke", key_id)
    assert again.returncode == 1 and "No live key" in again.stderr
    assert "revoked" in keys_command(secured_host.workdir, "list").stdout


def test_the_keys_command_refuses_a_bad_user_id(secured_host: LiveHost) -> None:
    done = keys_command(secured_host.workdir, "create", "--user", "two words")
    assert done.returncode == 2 and "invalid user id" in done.stderr


def test_a_jwt_identifies_its_subject_and_role(secured_host: LiveHost) -> None:
    with secured_host.client() as http:
        token = make_jwt("erin", roles=["admin", "ops"])
        me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["user_id"] == "erin" and me["admin"] is True and me["method"] == "jwt"
    assert me["expires_at"] > 0


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"expires_in": -60}, "token_expired"),
        ({"secret": "another-secret-of-at-least-thirty-two-bytes"}, "invalid_token"),
        ({"iss": "https://someone-else.test"}, "invalid_token"),
        ({"aud": "another-service"}, "invalid_token"),
        ({"exp": None}, "invalid_token"),
        ({"sub": None}, "invalid_token"),
    ],
    ids=["expired", "wrong-secret", "wrong-issuer", "wrong-audience", "no-exp", "no-sub"],
)
def test_a_jwt_that_does_not_verify_is_refused(
    secured_host: LiveHost, claims: dict[str, Any], code: str
) -> None:
    token = make_jwt(**claims)  # made now: one made at collection expires on a slow run
    with secured_host.client() as http:
        response = http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_an_unsigned_jwt_is_refused(secured_host: LiveHost) -> None:
    import jwt

    unsigned = jwt.encode({"sub": "mallory", "exp": 2**31}, key=None, algorithm="none")
    with warnings.catch_warnings():  # the right secret, an algorithm the host does not allow
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        hs512 = jwt.encode({"sub": "mallory", "exp": 2**31}, JWT_SECRET, algorithm="HS512")
    with secured_host.client() as http:
        for token in (unsigned, hs512):
            response = http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401


def test_a_token_in_the_query_string_is_refused_and_not_logged(
    secured_host: LiveHost, alice: User
) -> None:
    with alice.client() as http:
        for name in ("token", "access_token", "api_key"):
            response = http.get(f"/api/v1/runs?{name}=SECRET-IN-URL-{name}")
            assert response.status_code == 400
            assert response.json()["code"] == "token_in_url"
        http.get(f"/health?token={alice.token}")
    log = secured_host.log_path.read_text()
    assert "SECRET-IN-URL" not in log and alice.token not in log
    # The access line is still there, with the value cut out.
    assert "/health?token=… " in log or "token=[redacted]" in log


def test_sse_uses_the_same_identity(alice: User, bob: User) -> None:
    with alice.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0}}).json()
        with http.stream("GET", f"/api/v1/runs/{run['run_id']}/stream") as stream:
            assert stream.status_code == 200
            text = "".join(stream.iter_text())
        assert "event: run.completed" in text
    with httpx.Client(base_url=alice.host.base_url, timeout=30) as anonymous:
        assert anonymous.get(f"/api/v1/runs/{run['run_id']}/stream").status_code == 401
    with bob.client() as http:
        assert http.get(f"/api/v1/runs/{run['run_id']}/stream").status_code == 404


def test_an_sse_stream_ends_when_its_jwt_expires(secured_host: LiveHost) -> None:
    headers = {"Authorization": f"Bearer {make_jwt('hana', expires_in=600)}"}
    with httpx.Client(base_url=secured_host.base_url, headers=headers, timeout=30) as http:
        run = http.post("/api/v1/runs", json={"graph": "ask", "input": {"topic": "t"}}).json()
        short = {"Authorization": f"Bearer {make_jwt('hana', expires_in=3)}"}
        with http.stream("GET", f"/api/v1/runs/{run['run_id']}/stream", headers=short) as stream:
            assert stream.status_code == 200
            text = "".join(stream.iter_text())  # the waiting run alone would never end it
    assert "event: run.interrupted" in text
    assert '"code": "token_expired"' in text
    assert text.index("event: error") > text.index("event: run.interrupted")


def test_serve_refuses_a_jwt_key_too_short_for_its_algorithm(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GENESIS_MESH_")}
    done = subprocess.run(
        [sys.executable, "-m", "genesis_mesh", "serve", "--config", str(FIXTURE_CONFIG)],
        cwd=tmp_path,
        env={**clean, "GENESIS_MESH_DATA_DIR": str(tmp_path), "GENESIS_MESH_JWT_KEY": "short"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "shorter than 32 bytes" in done.stderr
