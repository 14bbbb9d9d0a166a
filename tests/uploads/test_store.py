"""The upload store: one folder per upload, its owner, its expiry and its limits."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from genesis_mesh.errors import ArchiveRefused, ArchiveTooLarge, TooManyUploads, UploadNotFound
from genesis_mesh.uploads.limits import ArchiveLimits
from genesis_mesh.uploads.store import UploadStore
from tests.uploads.archives import site_zip, zip_of


async def _body(data: bytes, chunk: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]


def _store(root: Path) -> UploadStore:
    return UploadStore(root, ArchiveLimits(max_bytes=4096), ttl_seconds=60, per_user=2)


async def test_an_upload_of_one_top_folder_has_that_folder_as_its_site(tmp_path: Path) -> None:
    store = _store(tmp_path)
    info = await store.create("alice", "site.zip", _body(site_zip("site-main/")))
    site = tmp_path / info.upload_id / "site"
    assert sorted(p.name for p in site.iterdir()) == ["guide.md", "index.md"]
    assert store.get(info.upload_id, "alice") == info
    assert store.get(info.upload_id, None) == info  # an admin
    with pytest.raises(UploadNotFound):
        store.get(info.upload_id, "bob")
    assert sorted(p.name for p in (tmp_path / info.upload_id).iterdir()) == ["meta.json", "site"]


async def test_a_refused_archive_leaves_no_folder_behind(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with pytest.raises(ArchiveRefused):
        await store.create("alice", "", _body(zip_of([("ok.md", b"x"), ("../bad.md", b"x")])))
    with pytest.raises(ArchiveTooLarge):
        await store.create("alice", "", _body(b"PK\x03\x04" + b"x" * 5000))
    assert list(tmp_path.iterdir()) == []


async def test_a_user_has_a_limited_number_of_uploads(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for _ in range(2):
        await store.create("alice", "", _body(site_zip()))
    with pytest.raises(TooManyUploads) as caught:
        await store.create("alice", "", _body(site_zip()))
    assert caught.value.http_status == 429
    await store.create("bob", "", _body(site_zip()))  # another user's count is their own


async def test_expired_uploads_are_not_found_and_swept(tmp_path: Path) -> None:
    store = UploadStore(tmp_path, ArchiveLimits(), ttl_seconds=0.01, per_user=5)
    info = await store.create("alice", "", _body(site_zip()))
    time.sleep(0.05)
    with pytest.raises(UploadNotFound):
        store.get(info.upload_id, "alice")
    assert store.sweep() == 1 and list(tmp_path.iterdir()) == []


def test_ids_that_are_not_upload_ids_are_not_found(tmp_path: Path) -> None:
    store = _store(tmp_path)
    (tmp_path / "meta.json").write_text("{}")
    for bad in ("..", "../x", "up_zz", ""):
        with pytest.raises(UploadNotFound):
            store.get(bad, None)
