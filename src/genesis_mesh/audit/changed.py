"""The files changed since a git ref, for `--changed-since REF`, and where a folder sits
in its repository (so findings are named from the repository root, as CI wants)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

GIT_TIMEOUT_SECONDS = 60


class ChangedError(ValueError):
    """The changed files cannot be listed; the message says why and what to do."""


def _git(folder: Path, *args: str) -> str:
    git = shutil.which("git")
    if git is None:
        raise ChangedError("git is not installed; --changed-since needs it")
    try:
        done = subprocess.run(
            [git, "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except subprocess.TimeoutExpired:
        raise ChangedError(f"git {args[0]} took over {GIT_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        raise ChangedError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "")
    return done.stdout


def repository_root(folder: Path) -> Path | None:
    """The top of the git work tree holding `folder`, or None when it is not in one."""
    try:
        top = _git(folder, "rev-parse", "--show-toplevel").strip()
    except ChangedError:
        return None
    return Path(top).resolve() if top else None


def folder_prefix(folder: Path) -> str:
    """`folder` relative to its repository root (`""` at the root or outside a repo)."""
    root = repository_root(folder)
    if root is None:
        return ""
    relative = Path(os.path.relpath(folder.resolve(), root)).as_posix()
    return "" if relative == "." else relative


def changed_files(folder: Path, ref: str) -> set[str]:
    """Files (repository-relative, `/`-separated) that differ between the merge base of
    `ref` and HEAD and the working tree, plus untracked files: what a pull request
    changes, even before it is committed."""
    if ref.startswith("-") or not ref.strip():
        raise ChangedError(f"--changed-since {ref!r} is not a git ref")
    if repository_root(folder) is None:
        raise ChangedError(f"{folder} is not inside a git repository; --changed-since needs one")
    try:
        base = _git(folder, "merge-base", ref, "HEAD").strip()
    except ChangedError as exc:
        raise ChangedError(
            f"--changed-since {ref!r}: no common history with HEAD ({exc}); fetch the ref "
            "first (in CI: a checkout with fetch-depth: 0)"
        ) from None
    diff = _git(folder, "diff", "--name-only", "-z", "--no-renames", base, "--")
    untracked = _git(folder, "ls-files", "--others", "--exclude-standard", "-z", "--full-name")
    return {p for p in (diff + untracked).split("\0") if p}
