"""Runs `git clone` hardened: replaced environment, safe options, own process group,
wall-clock limit, size cap, and the whole group killed on timeout or cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

from graphs.topical_mesh.errors import CloneFailed
from graphs.topical_mesh.url_guard import LocalSource, RemoteSource
from graphs.topical_mesh.workspace import tree_size

logger = logging.getLogger(__name__)

# The 2025 security releases (CVE-2025-48384/48385) first shipped in these versions.
FIXED_GIT_VERSIONS = (
    (2, 43, 7),
    (2, 44, 4),
    (2, 45, 4),
    (2, 46, 4),
    (2, 47, 3),
    (2, 48, 2),
    (2, 49, 1),
    (2, 50, 1),
)
SAFE_CONFIG = (
    "protocol.allow=never",
    "core.hooksPath=/dev/null",
    "core.symlinks=false",
    "core.fsmonitor=false",
    "safe.bareRepository=explicit",
    "transfer.fsckObjects=true",
    "fetch.fsckObjects=true",
    "http.followRedirects=false",
    "submodule.recurse=false",
    "fetch.recurseSubmodules=false",
    "transfer.bundleURI=false",
    "protocol.version=2",
)
LOW_SPEED_LIMIT_BYTES = 1000
LOW_SPEED_TIME_SECONDS = 30
_PROGRESS = re.compile(rb"(Receiving objects|Resolving deltas|Updating files):\s+(\d+)%")
_version_checked = False

ProgressCallback = Callable[[str, int], None]


def git_executable() -> str:
    """The git binary, found on the host's PATH (the child gets a fixed PATH)."""
    found = shutil.which("git")
    if not found:
        raise CloneFailed("git is not installed or not on PATH; install git to clone.")
    return found


def git_environment(home: Path, protocols: list[str]) -> dict[str, str]:
    """The complete environment of the git child: nothing is inherited from the host."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C",
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "/bin/false",
        "SSH_ASKPASS": "/bin/false",
        "GCM_INTERACTIVE": "never",
        "GIT_ALLOW_PROTOCOL": ":".join(protocols),
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_LFS_SKIP_SMUDGE": "1",
        "GIT_NO_LAZY_FETCH": "1",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_HTTP_LOW_SPEED_LIMIT": str(LOW_SPEED_LIMIT_BYTES),
        "GIT_HTTP_LOW_SPEED_TIME": str(LOW_SPEED_TIME_SECONDS),
    }


def clone_command(
    git: str, source: RemoteSource | LocalSource, dest: Path, ref: str | None
) -> tuple[list[str], list[str]]:
    """The argument list of the clone and the protocols it may use."""
    args = [git]
    for item in SAFE_CONFIG:
        args += ["-c", item]
    if isinstance(source, RemoteSource):
        protocols = [source.scheme]
        address = f"[{source.address}]" if ":" in source.address else source.address
        args += ["-c", f"protocol.{source.scheme}.allow=always"]
        args += ["-c", f"http.curloptResolve={source.host}:{source.port}:{address}"]
        url = source.url
    else:
        protocols = ["file"]
        args += ["-c", "protocol.file.allow=always"]
        url = Path(source.path).as_uri()
    args += [
        "clone",
        "--depth",
        "1",
        "--single-branch",
        "--no-tags",
        "--no-recurse-submodules",
        "--progress",
    ]
    if ref:
        args += ["--branch", ref]
    args += ["--", url, str(dest)]
    return args, protocols


async def warn_if_old_git(git: str) -> None:
    """Log once when git predates the 2025 fixes (distributions backport; we don't refuse)."""
    global _version_checked
    if _version_checked:
        return
    _version_checked = True
    proc = await asyncio.create_subprocess_exec(
        git,
        "--version",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin"},
    )
    out, _ = await proc.communicate()
    match = re.search(rb"(\d+)\.(\d+)\.(\d+)", out)
    if not match:
        return
    version = tuple(int(x) for x in match.groups())
    same_line = [v for v in FIXED_GIT_VERSIONS if v[:2] == version[:2]]
    if (same_line and version < same_line[0]) or (not same_line and version < (2, 50, 1)):
        logger.warning(
            "git %s predates the 2025 security releases; distributions may have backported "
            "the fixes. The clone options keep the clone safe either way.",
            ".".join(map(str, version)),
        )


async def run_clone(
    args: list[str],
    env: dict[str, str],
    attempt: Path,
    timeout: float,
    max_bytes: int,
    on_progress: ProgressCallback | None = None,
) -> None:
    """Run git; kill its process group on timeout, size cap or cancellation."""
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=str(attempt),
        start_new_session=True,
    )
    stderr_tail = bytearray()
    watchers = [
        asyncio.ensure_future(_read_stderr(proc, stderr_tail, on_progress)),
        asyncio.ensure_future(_watch_size(attempt, max_bytes)),
    ]
    waiter = asyncio.ensure_future(proc.wait())
    try:
        done, _ = await asyncio.wait(
            [waiter, watchers[1]], timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if not done:
            raise CloneFailed(
                f"The clone did not finish within clone_timeout_seconds={timeout:g}; git was "
                "stopped. Try a smaller repository or raise the setting."
            )
        if watchers[1] in done:
            watchers[1].result()
    finally:
        await _kill_group(proc)
        for task in [*watchers, waiter]:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
    if proc.returncode != 0:
        message = stderr_tail.decode("utf-8", "replace").strip().splitlines()
        raise CloneFailed(
            f"git clone failed (exit {proc.returncode}): {message[-1] if message else 'no message'}"
        )
    size = await asyncio.to_thread(tree_size, attempt)
    if size > max_bytes:
        raise CloneFailed(_size_message(size, max_bytes))


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    await asyncio.shield(proc.wait())


async def _read_stderr(
    proc: asyncio.subprocess.Process, tail: bytearray, on_progress: ProgressCallback | None
) -> None:
    assert proc.stderr is not None
    last: tuple[str, int] | None = None
    while chunk := await proc.stderr.read(4096):
        tail.extend(chunk)
        del tail[:-4096]
        found = _PROGRESS.findall(chunk)
        if found and on_progress is not None:
            phase, percent = found[-1][0].decode(), int(found[-1][1])
            if last is None or last[0] != phase or percent - last[1] >= 5 or percent == 100:
                last = (phase, percent)
                on_progress(phase, percent)


async def _watch_size(attempt: Path, max_bytes: int) -> None:
    delay = 0.2
    while True:
        await asyncio.sleep(delay)
        size = await asyncio.to_thread(tree_size, attempt)
        if size > max_bytes:
            raise CloneFailed(_size_message(size, max_bytes))
        delay = min(delay * 1.5, 2.0)


def _size_message(size: int, max_bytes: int) -> str:
    return (
        f"The checkout grew past max_checkout_bytes={max_bytes} ({size} bytes); git was "
        "stopped. Point subdir at the content, use a smaller repository, or raise the setting."
    )


async def remove_symlink_placeholders(git: str, dest: Path, env: dict[str, str]) -> list[str]:
    """Delete the plain files git wrote for symlinks (core.symlinks=false); returns paths.

    Their content is a link target such as `/etc/passwd`; they are not pages.
    """
    args = [
        git,
        "-c",
        "safe.bareRepository=explicit",
        "-c",
        "core.hooksPath=/dev/null",
        "-c",
        "core.fsmonitor=false",
        f"--git-dir={dest / '.git'}",
        f"--work-tree={dest}",
        "ls-files",
        "-s",
        "-z",
    ]
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=env,
        cwd=str(dest),
        start_new_session=True,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    finally:
        await _kill_group(proc)
    removed = []
    for record in out.split(b"\0"):
        meta, _, raw_path = record.partition(b"\t")
        if meta.startswith(b"120000 "):
            rel = raw_path.decode("utf-8", "replace")
            target = dest / rel
            if target.resolve().is_relative_to(dest.resolve()) and target.is_file():
                target.unlink()
            removed.append(rel)
    return removed
