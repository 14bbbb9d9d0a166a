"""Walks a checkout and reads its files without ever leaving it.

Symlinks are never followed (neither files nor folders); each file is opened with
O_NOFOLLOW, must be a regular file under the size cap and must resolve inside the root.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from graphs.topical_mesh.links import MARKDOWN_SUFFIXES

SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__"})
MAX_DEPTH = 64
LARGE_FILE_BYTES = 256 * 1024


@dataclass
class Scan:
    """Markdown files found under a root (relative POSIX paths) and what was skipped."""

    files: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # every other regular file (assets)
    symlinks: list[str] = field(default_factory=list)
    too_deep: int = 0
    truncated: bool = False
    large_files: int = 0


def scan_markdown(root: str, max_entries: int) -> Scan:
    """Every markdown file below `root`, shallow ones first, and every other file (in
    `others`); hidden folders are skipped."""
    scan = Scan()
    seen = 0
    stack: list[tuple[str, str, int]] = [(root, "", 0)]
    while stack:
        folder, prefix, depth = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            seen += 1
            if seen > max_entries:
                scan.truncated = True
                return _sorted(scan)
            rel = prefix + entry.name
            if entry.is_symlink():
                scan.symlinks.append(rel)
            elif entry.is_dir(follow_symlinks=False):
                if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS:
                    continue
                if depth + 1 >= MAX_DEPTH:
                    scan.too_deep += 1
                    continue
                stack.append((entry.path, rel + "/", depth + 1))
            elif entry.name.lower().endswith(MARKDOWN_SUFFIXES) and entry.is_file(
                follow_symlinks=False
            ):
                scan.files.append(rel)
                if entry.stat(follow_symlinks=False).st_size > LARGE_FILE_BYTES:
                    scan.large_files += 1
            elif entry.is_file(follow_symlinks=False):
                scan.others.append(rel)
    return _sorted(scan)


def _sorted(scan: Scan) -> Scan:
    scan.files.sort(key=lambda rel: (rel.count("/"), rel))
    scan.symlinks.sort()
    return scan


class FileTooLarge(Exception):
    """The file is over the per-file cap."""


def read_inside(root_real: str, rel: str, max_bytes: int) -> str:
    """The text of `root/rel`; raises OSError/FileTooLarge/PermissionError when unsafe."""
    path = os.path.join(root_real, rel)
    real = os.path.realpath(path)
    if not real.startswith(root_real + os.sep):
        raise PermissionError(f"{rel} resolves outside the checkout")
    fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PermissionError(f"{rel} is not a regular file")
        if info.st_size > max_bytes:
            raise FileTooLarge(f"{rel} is {info.st_size} bytes, over max_file_bytes={max_bytes}")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise FileTooLarge(f"{rel} grew over max_file_bytes={max_bytes}")
    return data.decode("utf-8", "replace")
