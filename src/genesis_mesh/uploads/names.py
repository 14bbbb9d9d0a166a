"""Archive member names checked before anything is written: each one must be a plain
relative path that stays inside the upload's folder and names one thing only."""

from __future__ import annotations

import re
import unicodedata

from genesis_mesh.errors import ArchiveRefused

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME_CHARS = 4096
MAX_PART_BYTES = 255


def safe_name(name: str, max_depth: int) -> str | None:
    """The member's path (`/`-separated, no `.`/empty parts), None for the root itself;
    ArchiveRefused for an absolute path, `..`, a drive letter or control characters."""
    if _CONTROL.search(name):
        raise ArchiveRefused("control_character", "a name holds control characters", name)
    if len(name) > MAX_NAME_CHARS:
        raise ArchiveRefused("name_too_long", f"a name is over {MAX_NAME_CHARS} characters")
    flat = name.replace("\\", "/")
    if flat.startswith("/") or _DRIVE.match(flat):
        raise ArchiveRefused("absolute_path", "a member has an absolute path", name)
    parts = [p for p in flat.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveRefused("path_traversal", "a member climbs out with '..'", name)
    if len(parts) > max_depth:
        raise ArchiveRefused("too_deep", f"folders nest deeper than {max_depth}", name)
    if any(len(p.encode("utf-8", "surrogateescape")) > MAX_PART_BYTES for p in parts):
        raise ArchiveRefused("name_too_long", f"a name part is over {MAX_PART_BYTES} bytes", name)
    return "/".join(parts) or None


class NameSet:
    """The names seen so far; a second entry for the same path is refused, as is a file
    where a folder is (or the reverse). Names are compared after Unicode NFC, so two
    spellings of one name cannot both be written."""

    def __init__(self) -> None:
        self.files: set[str] = set()
        self.folders: set[str] = set()

    def add_file(self, path: str, shown: str) -> None:
        key = unicodedata.normalize("NFC", path)
        if key in self.files or key in self.folders:
            raise ArchiveRefused("duplicate_name", "two members have the same name", shown)
        self._add_parents(key, shown)
        self.files.add(key)

    def add_folder(self, path: str, shown: str) -> None:
        key = unicodedata.normalize("NFC", path)
        if key in self.files:
            raise ArchiveRefused("duplicate_name", "a folder has the name of a file", shown)
        self._add_parents(key, shown)
        self.folders.add(key)

    def _add_parents(self, key: str, shown: str) -> None:
        parts = key.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            if parent in self.files:
                raise ArchiveRefused("duplicate_name", "a file has the name of a folder", shown)
            self.folders.add(parent)
