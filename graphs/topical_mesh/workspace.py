"""Per-run, per-attempt working folders for checkouts, and their removal.

Layout: `<workdir>/<run id>/<attempt id>/{home,repo}`. A new attempt removes the earlier
attempts of the same run (they are partial by definition); `sweep_stale` removes run
folders left behind by a crashed process.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
import uuid
from pathlib import Path

STALE_AFTER_SECONDS = 6 * 3600


def safe_name(run_id: str) -> str:
    """A folder name made from a run id (no separators, no leading dot)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", run_id)[:100].lstrip(".")
    return cleaned or "run"


def run_folder(workdir: str, run_id: str) -> Path:
    """The folder that holds every attempt of one run."""
    return Path(workdir) / safe_name(run_id)


def new_attempt(workdir: str, run_id: str) -> Path:
    """A fresh, empty attempt folder with an empty `home`; earlier attempts are removed."""
    run_dir = run_folder(workdir, run_id)
    if run_dir.is_dir():
        for child in run_dir.iterdir():
            remove_tree(child)
    attempt = run_dir / f"attempt-{uuid.uuid4().hex[:12]}"
    (attempt / "home").mkdir(mode=0o700, parents=True)
    return attempt


def remove_tree(path: str | os.PathLike[str]) -> None:
    """Remove a folder (never following symlinks); missing folders are fine."""
    target = Path(path)
    if target.is_symlink() or target.is_file():
        target.unlink(missing_ok=True)
        return
    shutil.rmtree(target, ignore_errors=True)


async def remove_in_background(path: str | os.PathLike[str] | None) -> None:
    """Remove a folder in a worker thread; a second cancellation does not stop the removal."""
    if not path:
        return
    removal = asyncio.ensure_future(asyncio.to_thread(remove_tree, path))
    try:
        await asyncio.shield(removal)
    except asyncio.CancelledError:
        await asyncio.shield(removal)  # finish the removal before giving up
        raise


def sweep_stale(workdir: str, max_age_seconds: float = STALE_AFTER_SECONDS) -> int:
    """Remove run folders untouched for `max_age_seconds` (crash recovery); returns count."""
    base = Path(workdir)
    if not base.is_dir():
        return 0
    cutoff = time.time() - max_age_seconds
    removed = 0
    for child in base.iterdir():
        try:
            if child.is_dir() and not child.is_symlink() and child.stat().st_mtime < cutoff:
                remove_tree(child)
                removed += 1
        except OSError:
            continue
    return removed


def tree_size(path: str | os.PathLike[str]) -> int:
    """Bytes used by the files below `path` (symlinks counted as themselves)."""
    total = 0
    stack = [os.fspath(path)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    else:
                        total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue
    return total
