"""Uploads on disk: `<data_dir>/uploads/<id>/` holds `meta.json` (owner, sizes, time)
and `site/`, the unpacked archive. A caller sees only their own uploads (admins see
all); anyone else's answers like a missing one. Uploads expire after a TTL."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from genesis_mesh.errors import (
    ArchiveRefused,
    ArchiveTooLarge,
    TooManyUploads,
    UploadNotFound,
)
from genesis_mesh.uploads.limits import ArchiveLimits
from genesis_mesh.uploads.unpack import unpack

UPLOAD_ID = re.compile(r"^up_[0-9a-f]{32}$")
SITE = "site"
META = "meta.json"
ARCHIVE = "archive.part"
PARTIAL = "site.partial"
ABANDONED_AFTER_SECONDS = 3600.0


class UploadInfo(BaseModel):
    """One unpacked upload; `source` is what a graph's input takes (`repo_url`)."""

    upload_id: str
    source: str
    owner: str
    name: str
    archive_bytes: int
    files: int
    unpacked_bytes: int
    created_at: float
    expires_at: float


class UploadStore:
    """The uploads under one folder."""

    def __init__(self, root: Path, limits: ArchiveLimits, ttl_seconds: float, per_user: int):
        self.root = root
        self.limits = limits
        self.ttl_seconds = ttl_seconds
        self.per_user = per_user

    async def create(self, owner: str, name: str, body: AsyncIterator[bytes]) -> UploadInfo:
        """Receive the archive (at most `max_bytes`), unpack it, record its owner.
        Any refusal removes everything this upload wrote."""
        await asyncio.to_thread(self.sweep)
        if await asyncio.to_thread(self._count_of, owner) >= self.per_user:
            raise TooManyUploads(self.per_user)
        upload_id = "up_" + secrets.token_hex(16)
        folder = self.root / upload_id
        await asyncio.to_thread(_make_folder, folder)
        try:
            received = await _receive(body, folder / ARCHIVE, self.limits.max_bytes)
            if received == 0:
                raise ArchiveRefused("empty", "the request body is empty: send the archive")
            info = await asyncio.to_thread(self._unpack, folder, upload_id, owner, name, received)
        except BaseException:
            await asyncio.to_thread(shutil.rmtree, folder, True)
            raise
        return info

    def get(self, upload_id: str, owner: str | None) -> UploadInfo:
        """The upload if `owner` may see it (None: an admin); UploadNotFound otherwise."""
        if not UPLOAD_ID.match(upload_id):
            raise UploadNotFound(upload_id)
        info = self._read_meta(self.root / upload_id)
        if info is None or (owner is not None and info.owner != owner):
            raise UploadNotFound(upload_id)
        if info.expires_at < time.time():
            raise UploadNotFound(upload_id)
        return info

    def delete(self, upload_id: str, owner: str | None) -> None:
        self.get(upload_id, owner)
        shutil.rmtree(self.root / upload_id, ignore_errors=True)

    def sweep(self) -> int:
        """Remove expired uploads and folders of uploads that never finished."""
        if not self.root.is_dir():
            return 0
        now, removed = time.time(), 0
        for folder in self.root.iterdir():
            if not UPLOAD_ID.match(folder.name) or folder.is_symlink():
                continue
            info = self._read_meta(folder)
            try:
                abandoned = info is None and folder.stat().st_mtime < now - ABANDONED_AFTER_SECONDS
            except OSError:
                continue
            if abandoned or (info is not None and info.expires_at < now):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def _unpack(
        self, folder: Path, upload_id: str, owner: str, name: str, received: int
    ) -> UploadInfo:
        partial = folder / PARTIAL
        partial.mkdir(mode=0o700)
        files, written = unpack(folder / ARCHIVE, partial, self.limits)
        (folder / ARCHIVE).unlink()
        if files == 0:
            raise ArchiveRefused("empty", "it holds no files")
        _promote(partial, folder / SITE)
        now = time.time()
        info = UploadInfo(
            upload_id=upload_id,
            source=f"upload:{upload_id}",
            owner=owner,
            name=name,
            archive_bytes=received,
            files=files,
            unpacked_bytes=written,
            created_at=now,
            expires_at=now + self.ttl_seconds,
        )
        (folder / META).write_text(info.model_dump_json(), encoding="utf-8")
        return info

    def _read_meta(self, folder: Path) -> UploadInfo | None:
        try:
            data: Any = json.loads((folder / META).read_text(encoding="utf-8"))
            return UploadInfo.model_validate(data)
        except (OSError, ValueError):
            return None

    def _count_of(self, owner: str) -> int:
        if not self.root.is_dir():
            return 0
        now = time.time()
        return sum(
            1
            for folder in self.root.iterdir()
            if (info := self._read_meta(folder)) is not None
            and info.owner == owner
            and info.expires_at >= now
        )


def _make_folder(folder: Path) -> None:
    folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.mkdir(mode=0o700)


async def _receive(body: AsyncIterator[bytes], path: Path, limit: int) -> int:
    received = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        async for chunk in body:
            received += len(chunk)
            if received > limit:
                raise ArchiveTooLarge(limit)
            out.write(chunk)
    return received


def _promote(partial: Path, site: Path) -> None:
    """`partial` becomes `site`; an archive of one top folder (GitHub's "Download ZIP")
    has that folder as the site."""
    entries = list(partial.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        entries[0].rename(site)
        partial.rmdir()
    else:
        partial.rename(site)
