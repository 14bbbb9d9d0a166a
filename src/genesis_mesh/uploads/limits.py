"""The limits an uploaded archive must stay within."""

from __future__ import annotations

from dataclasses import dataclass

from genesis_mesh.settings import Settings

RATIO_FLOOR_BYTES = 1024 * 1024  # below this much output the ratio is not checked


@dataclass(frozen=True)
class ArchiveLimits:
    """`max_bytes` of the archive, `max_unpacked_bytes` of what it unpacks to,
    `max_files` entries, `max_ratio` unpacked/packed, and how deep folders may nest."""

    max_bytes: int = 100 * 1024 * 1024
    max_unpacked_bytes: int = 500 * 1024 * 1024
    max_files: int = 20_000
    max_ratio: int = 100
    max_depth: int = 64

    @classmethod
    def from_settings(cls, settings: Settings) -> ArchiveLimits:
        return cls(
            max_bytes=settings.upload_max_bytes,
            max_unpacked_bytes=settings.upload_max_unpacked_bytes,
            max_files=settings.upload_max_files,
            max_ratio=settings.upload_max_ratio,
        )
