"""Extraction of an uploaded `.zip` or `.tar.gz` into an empty folder, under limits.

Everything is checked before it is written, and sizes are counted on the bytes that
actually come out (headers can lie): the member count and the central directory size
before the zip is even opened, every name (names.py), member types (only regular files
and folders: symlinks, hard links, devices and FIFOs are refused), encrypted entries,
the declared and the real unpacked size, and the unpacked/packed ratio of each zip
entry and of the whole archive. Files are created with O_EXCL | O_NOFOLLOW below a
folder this module made, so nothing can land outside it. On any refusal the caller
removes the folder.
"""

from __future__ import annotations

import os
import stat
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import IO

from genesis_mesh.errors import ArchiveRefused
from genesis_mesh.uploads.limits import RATIO_FLOOR_BYTES, ArchiveLimits
from genesis_mesh.uploads.names import NameSet, safe_name

CHUNK = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
GZIP_MAGIC = b"\x1f\x8b"
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
CENTRAL_BYTES_PER_FILE = 1024


def archive_kind(path: Path) -> str:
    """`zip` or `tar.gz`, from the first bytes (the content type is only a hint)."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return "zip"
    if head.startswith(GZIP_MAGIC):
        return "tar.gz"
    raise ArchiveRefused(
        "not_an_archive", "the body is neither a zip nor a gzip file (by its first bytes)"
    )


def unpack(archive: Path, dest: Path, limits: ArchiveLimits) -> tuple[int, int]:
    """Unpack `archive` into the empty folder `dest`; returns (files, bytes written)."""
    kind = archive_kind(archive)
    packed = archive.stat().st_size
    writer = _Writer(dest, limits, packed)
    if kind == "zip":
        _unpack_zip(archive, writer)
    else:
        _unpack_tar_gz(archive, writer)
    return writer.files, writer.written


class _Writer:
    """Writes checked members below `dest`, counting files and bytes."""

    def __init__(self, dest: Path, limits: ArchiveLimits, packed: int) -> None:
        self.dest = dest
        self.limits = limits
        self.packed = max(packed, 1)
        self.names = NameSet()
        self.entries = 0
        self.files = 0
        self.written = 0

    def count(self, shown: str) -> None:
        self.entries += 1
        if self.entries > self.limits.max_files:
            raise ArchiveRefused(
                "too_many_files",
                f"it holds over {self.limits.max_files} entries (GENESIS_MESH_UPLOAD_MAX_FILES)",
                shown,
            )

    def folder(self, path: str, shown: str) -> None:
        self.names.add_folder(path, shown)
        os.makedirs(self.dest / path, mode=0o700, exist_ok=True)

    def file(self, path: str, shown: str, source: IO[bytes], entry_packed: int | None) -> None:
        self.names.add_file(path, shown)
        target = self.dest / path
        os.makedirs(target.parent, mode=0o700, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        fd = os.open(target, flags, 0o600)
        size = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                self._account(len(chunk), size, entry_packed, shown)
                out.write(chunk)
        self.files += 1

    def _account(self, more: int, entry_size: int, entry_packed: int | None, shown: str) -> None:
        self.written += more
        if self.written > self.limits.max_unpacked_bytes:
            raise ArchiveRefused(
                "unpacked_too_large",
                f"it unpacks to over {self.limits.max_unpacked_bytes} bytes "
                "(GENESIS_MESH_UPLOAD_MAX_UNPACKED_BYTES)",
                shown,
            )
        ratio = self.limits.max_ratio
        entry_bomb = (
            entry_packed is not None
            and entry_size > RATIO_FLOOR_BYTES
            and (entry_size > ratio * max(entry_packed, 1))
        )
        whole_bomb = self.written > RATIO_FLOOR_BYTES and self.written > ratio * self.packed
        if entry_bomb or whole_bomb:
            raise ArchiveRefused(
                "zip_bomb",
                f"it expands over {ratio} times its packed size, as a zip bomb does "
                "(GENESIS_MESH_UPLOAD_MAX_RATIO)",
                shown,
            )

    def declared(self, total: int) -> None:
        if total > self.limits.max_unpacked_bytes:
            raise ArchiveRefused(
                "unpacked_too_large",
                f"its entries declare {total} bytes, over "
                f"{self.limits.max_unpacked_bytes} (GENESIS_MESH_UPLOAD_MAX_UNPACKED_BYTES)",
            )


def _unpack_zip(archive: Path, writer: _Writer) -> None:
    _check_zip_directory(archive, writer.limits)
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            writer.declared(sum(i.file_size for i in infos))
            for info in infos:
                _zip_member(zf, info, writer)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ArchiveRefused("corrupt", f"the zip cannot be read ({exc})") from None
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encryption
        raise ArchiveRefused("unsupported_entry", str(exc)) from None


def _zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, writer: _Writer) -> None:
    shown = info.filename
    writer.count(shown)
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0: the tool wrote no Unix file type
    if kind == stat.S_IFLNK:
        raise ArchiveRefused("link", "a member is a symbolic link", shown)
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise ArchiveRefused("special_file", "a member is not a file or a folder", shown)
    if info.flag_bits & 0x1:
        raise ArchiveRefused("encrypted", "a member is encrypted", shown)
    path = safe_name(shown, writer.limits.max_depth)
    if path is None:
        return
    if info.is_dir():
        writer.folder(path, shown)
        return
    with zf.open(info) as source:
        writer.file(path, shown, source, info.compress_size)


def _check_zip_directory(archive: Path, limits: ArchiveLimits) -> None:
    """Entry count and central directory size from the end record, before `ZipFile`
    reads the whole directory into memory."""
    with archive.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - (65_535 + 22 + 20)))
        tail = handle.read()
        at = tail.rfind(_EOCD)
        if at < 0 or len(tail) < at + 22:
            raise ArchiveRefused("corrupt", "the zip has no end-of-directory record")
        count, directory_bytes = struct.unpack("<HI", tail[at + 10 : at + 16])
        locator = tail.rfind(_ZIP64_LOCATOR, 0, at)
        if locator >= 0 and len(tail) >= locator + 20:
            (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
            handle.seek(offset)
            record = handle.read(56)
            if len(record) == 56:
                count, directory_bytes = struct.unpack("<QQ", record[32:48])
    if count > limits.max_files or directory_bytes > limits.max_files * CENTRAL_BYTES_PER_FILE:
        raise ArchiveRefused(
            "too_many_files",
            f"it holds over {limits.max_files} entries (GENESIS_MESH_UPLOAD_MAX_FILES)",
        )


def _unpack_tar_gz(archive: Path, writer: _Writer) -> None:
    declared = 0
    try:
        with archive.open("rb") as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
            for member in tar:
                writer.count(member.name)
                declared += member.size if member.isreg() else 0
                writer.declared(declared)
                _tar_member(tar, member, writer)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise ArchiveRefused("corrupt", f"the tar.gz cannot be read ({exc})") from None


def _tar_member(tar: tarfile.TarFile, member: tarfile.TarInfo, writer: _Writer) -> None:
    shown = member.name
    if member.issym() or member.islnk():
        raise ArchiveRefused("link", "a member is a symbolic or hard link", shown)
    if not (member.isreg() or member.isdir()):
        raise ArchiveRefused("special_file", "a member is not a file or a folder", shown)
    path = safe_name(shown, writer.limits.max_depth)
    if path is None:
        return
    if member.isdir():
        writer.folder(path, shown)
        return
    source = tar.extractfile(member)
    if source is None:
        raise ArchiveRefused("corrupt", "a file member has no data", shown)
    with source:
        writer.file(path, shown, source, None)
