"""POST /api/v1/uploads against a real host: an uploaded site is audited by topical_mesh,
hostile archives get a clear 4xx, and another user's upload is a 404."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.auth.conftest import JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET, make_jwt
from tests.conftest import ROOT, LiveHost, wait_for_status
from tests.uploads.archives import site_tar_gz, site_zip, zip_of
from tests.wsclient import ProtocolClient

ENV = {
    "GENESIS_MESH_AUTH": "required",
    "GENESIS_MESH_JWT_KEY": JWT_SECRET,
    "GENESIS_MESH_JWT_ISSUER": JWT_ISSUER,
    "GENESIS_MESH_JWT_AUDIENCE": JWT_AUDIENCE,
    "GENESIS_MESH_MAX_REQUEST_BYTES": "2048",
    "GENESIS_MESH_UPLOAD_MAX_BYTES": "300000",
}
ZIP = {"content-type": "application/zip"}


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    live = LiveHost(
        tmp_path_factory.mktemp("uploads"), config=ROOT / "langgraph.json", env=dict(ENV)
    ).start(timeout=60)
    yield live
    live.stop()


def _client(host: LiveHost, user: str) -> httpx.Client:
    token = make_jwt(sub=user)
    return httpx.Client(
        base_url=host.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60.0
    )


def _leftovers(host: LiveHost) -> list[str]:
    uploads = host.workdir / "data" / "uploads"
    return sorted(p.name for p in uploads.iterdir()) if uploads.is_dir() else []


def test_an_uploaded_zip_is_audited_by_topical_mesh(host: LiveHost) -> None:
    with _client(host, "alice") as alice:
        created = alice.post(
            "/api/v1/uploads?name=site.zip", content=site_zip("site-main/"), headers=ZIP
        )
        assert created.status_code == 201, created.text
        upload = created.json()
        assert upload["files"] == 2 and upload["source"] == f"upload:{upload['upload_id']}"
        run = alice.post(
            "/api/v1/runs",
            json={"graph": "topical_mesh", "input": {"repo_url": upload["source"]}},
        )
        assert run.status_code == 202, run.text
        done = wait_for_status(alice, run.json()["run_id"], {"succeeded", "failed"}, timeout=120)
    assert done["status"] == "succeeded", done.get("error")
    assert done["output"]["total_pages"] == 2
    assert [b["target"] for b in done["output"]["broken_links"]] == ["missing.md"]


def test_a_tar_gz_upload_is_accepted(host: LiveHost) -> None:
    with _client(host, "alice") as alice:
        created = alice.post(
            "/api/v1/uploads", content=site_tar_gz(), headers={"content-type": "application/gzip"}
        )
    assert created.status_code == 201 and created.json()["files"] == 2


def test_another_users_upload_is_not_found_and_cannot_be_audited(host: LiveHost) -> None:
    with _client(host, "alice") as alice, _client(host, "bob") as bob:
        upload = alice.post("/api/v1/uploads", content=site_zip(), headers=ZIP).json()
        seen = bob.get(f"/api/v1/uploads/{upload['upload_id']}")
        deleted = bob.delete(f"/api/v1/uploads/{upload['upload_id']}")
        run = bob.post(
            "/api/v1/runs",
            json={"graph": "topical_mesh", "input": {"repo_url": upload["source"]}},
        )
        own = alice.get(f"/api/v1/uploads/{upload['upload_id']}")
    for answer in (seen, deleted, run):
        assert answer.status_code == 404 and answer.json()["code"] == "upload_not_found"
    assert own.status_code == 200 and own.json()["owner"] == "alice"


def test_a_hostile_archive_is_refused_with_its_rule_and_leaves_nothing(host: LiveHost) -> None:
    before = _leftovers(host)
    with _client(host, "alice") as alice:
        refused = alice.post(
            "/api/v1/uploads", content=zip_of([("../../evil.md", b"x")]), headers=ZIP
        )
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "archive_refused" and body["detail"]["rule"] == "path_traversal"
    assert "climbs out with '..'" in body["message"]
    assert _leftovers(host) == before
    assert not (host.workdir / "data" / "evil.md").exists()


def test_an_archive_over_the_upload_limit_is_a_413_naming_the_setting(host: LiveHost) -> None:
    big = bytes(range(256)) * 1500  # 384 kB, over the 300 kB limit

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 16_384):
            yield big[start : start + 16_384]

    before = _leftovers(host)
    with _client(host, "alice") as alice:
        announced = alice.post("/api/v1/uploads", content=big, headers=ZIP)
        streamed = alice.post("/api/v1/uploads", content=chunks(), headers=ZIP)
    for answer in (announced, streamed):
        assert answer.status_code == 413, answer.text
        assert "GENESIS_MESH_UPLOAD_MAX_BYTES" in answer.json()["message"]
    assert _leftovers(host) == before


def test_a_form_is_a_415_and_a_body_that_is_not_an_archive_a_422(host: LiveHost) -> None:
    with _client(host, "alice") as alice:
        form = alice.post("/api/v1/uploads", files={"file": ("site.zip", site_zip())})
        text = alice.post("/api/v1/uploads", content=b"# hi", headers=ZIP)
        empty = alice.post("/api/v1/uploads", content=b"", headers=ZIP)
    assert form.status_code == 415 and form.json()["code"] == "unsupported_archive"
    assert "not a form" in form.json()["message"]
    assert text.status_code == 422 and text.json()["detail"]["rule"] == "not_an_archive"
    assert empty.status_code == 422 and empty.json()["detail"]["rule"] == "empty"


def test_other_routes_keep_the_small_request_limit(host: LiveHost) -> None:
    with _client(host, "alice") as alice:
        answer = alice.post(
            "/api/v1/runs", json={"graph": "topical_mesh", "input": {"repo_url": "x" * 3000}}
        )
    assert answer.status_code == 413
    assert "GENESIS_MESH_MAX_REQUEST_BYTES" in answer.json()["message"]


async def test_a_websocket_start_on_another_users_upload_is_not_found(host: LiveHost) -> None:
    with _client(host, "alice") as alice:
        upload = alice.post("/api/v1/uploads", content=site_zip(), headers=ZIP).json()
    token = make_jwt(sub="bob")
    client = await ProtocolClient.open(
        host.ws_url, additional_headers={"Authorization": f"Bearer {token}"}
    )
    try:
        await client.send(
            {"type": "start", "graph": "topical_mesh", "input": {"repo_url": upload["source"]}}
        )
        got = await client.until(lambda m: m.get("type") in ("error", "run.started"))
    finally:
        await client.close()
    assert got[-1]["type"] == "error" and got[-1]["code"] == "upload_not_found"


def test_a_run_cannot_point_upload_root_elsewhere(host: LiveHost) -> None:
    with _client(host, "alice") as alice:
        upload = alice.post("/api/v1/uploads", content=site_zip(), headers=ZIP).json()
        run = alice.post(
            "/api/v1/runs",
            json={
                "graph": "topical_mesh",
                "input": {"repo_url": upload["source"]},
                "context": {"upload_root": "/"},
            },
        )
    assert run.status_code == 422 and run.json()["code"] == "context_locked"
    assert "upload_root" in run.json()["message"]
