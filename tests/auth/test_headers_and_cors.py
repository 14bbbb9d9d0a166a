"""Security headers on every response (pages, API, errors) and CORS from an exact list."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from genesis_mesh.host import GenesisMesh
from genesis_mesh.settings import Settings
from tests.auth.conftest import User, serving
from tests.conftest import FIXTURE_CONFIG, LiveHost

ALLOWED = "https://app.example.com"


def assert_secure(response: httpx.Response, what: str) -> None:
    headers = response.headers
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy") == "no-referrer", what
    assert headers.get("x-frame-options") == "DENY", what
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), what
    if response.request.url.path.startswith("/api/"):
        assert headers.get("cache-control") == "no-store", what


def test_every_api_operation_and_error_carries_the_security_headers(
    secured_host: LiveHost, alice: User
) -> None:
    with alice.client() as http:
        openapi = http.get("/openapi.json").json()
        seen = []
        for path, methods in openapi["paths"].items():
            url = path.replace("{run_id}", f"run-{uuid.uuid4().hex}")
            url = url.replace("{thread_id}", f"thread-{uuid.uuid4().hex}")
            url = url.replace("{name}", "steps")
            for method in methods:
                body = {} if method == "post" else None
                response = http.request(method.upper(), url, json=body)
                assert_secure(response, f"{method} {path} -> {response.status_code}")
                seen.append(response.status_code)
        errors = {
            "401": httpx.get(f"{secured_host.base_url}/api/v1/runs"),
            "400": http.get("/api/v1/runs?token=x"),
            "404": http.get("/api/v1/no-such-thing"),
            "405": http.delete("/api/v1/runs"),
            "413": http.post("/api/v1/runs", content=b"{" + b" " * 4096 + b"}"),
            "422": http.post("/api/v1/runs", json={"graph": ""}),
        }
        for status, response in errors.items():
            assert response.status_code == int(status), status
            assert_secure(response, status)
        for path in ("/", "/static/app.js", "/health", "/docs", "/openapi.json"):
            assert_secure(http.get(path), path)
    assert 200 in seen and 404 in seen


async def test_a_refused_websocket_handshake_carries_them_too(secured_host: LiveHost) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(secured_host.ws_url, additional_headers={"Authorization": "Bearer x"})
    assert refused.value.response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors" in refused.value.response.headers["content-security-policy"]


async def test_a_handshake_refused_for_its_origin_carries_them_and_says_why(
    secured_host: LiveHost,
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(secured_host.ws_url, origin="https://evil.example")  # type: ignore[arg-type]
    response = refused.value.response
    assert response.status_code == 403
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors" in response.headers["content-security-policy"]
    assert json.loads(response.body)["code"] == "origin_not_allowed"


@pytest.fixture
def failing_server(tmp_path: Path) -> Iterator[str]:
    """The real app, served by uvicorn on loopback, with one route that has a bug."""
    mesh = GenesisMesh(Settings(config=FIXTURE_CONFIG, data_dir=tmp_path / "data")).setup()

    @mesh.app.get("/api/v1/bug")
    async def bug() -> None:
        raise RuntimeError("a bug")

    with serving(mesh) as base_url:
        yield base_url


def test_an_internal_error_answers_500_in_the_api_format_with_the_headers(
    failing_server: str,
) -> None:
    response = httpx.get(f"{failing_server}/api/v1/bug", timeout=30)
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "a bug" not in response.text
    assert_secure(response, "500")


def test_cors_admits_the_listed_origin_with_the_authorization_header(alice: User) -> None:
    with alice.client() as http:
        preflight = http.options(
            "/api/v1/runs",
            headers={
                "Origin": ALLOWED,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == ALLOWED
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        listed = http.get("/api/v1/runs", headers={"Origin": ALLOWED})
        assert listed.headers["access-control-allow-origin"] == ALLOWED
    refused = httpx.get(f"{alice.host.base_url}/api/v1/runs", headers={"Origin": ALLOWED})
    assert refused.status_code == 401  # readable by the listed app: it shows its sign-in
    assert refused.headers["access-control-allow-origin"] == ALLOWED


@pytest.mark.parametrize(
    ("path", "method"),
    [("/threads/t-1", "PATCH"), ("/threads/t-1", "DELETE"), ("/store/items", "PUT")],
)
def test_cors_admits_the_langgraph_apis_patch_put_and_delete_with_x_api_key(
    alice: User, path: str, method: str
) -> None:
    with alice.client() as http:
        preflight = http.options(
            path,
            headers={
                "Origin": ALLOWED,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "x-api-key, content-type",
            },
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    assert method in preflight.headers["access-control-allow-methods"]
    assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "https://app.example.com.evil.example", "null"]
)
def test_cors_refuses_any_other_origin(alice: User, origin: str) -> None:
    with alice.client() as http:
        preflight = http.options(
            "/api/v1/runs",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )
        simple = http.get("/api/v1/runs", headers={"Origin": origin})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers
