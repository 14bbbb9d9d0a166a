"""Working folders and progress events: per-attempt folders, crash sweep, throttling."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from graphs.topical_mesh.context import Context
from graphs.topical_mesh.nodes import progress as progress_module
from graphs.topical_mesh.nodes.clone import fetch_source
from graphs.topical_mesh.nodes.progress import Progress
from graphs.topical_mesh.workspace import new_attempt, safe_name, sweep_stale

from .conftest import make_repo


def test_a_new_attempt_replaces_the_earlier_attempts_of_the_run(tmp_path: Path) -> None:
    first = new_attempt(str(tmp_path), "thread/1")
    (first / "repo").mkdir()
    second = new_attempt(str(tmp_path), "thread/1")
    assert not first.exists() and second.is_dir() and (second / "home").is_dir()
    assert second.parent.name == safe_name("thread/1") == "thread_1"
    assert safe_name("../..") == "_.._" or not safe_name("../..").startswith(".")


def test_the_sweep_removes_only_stale_run_folders(tmp_path: Path) -> None:
    old = new_attempt(str(tmp_path), "old").parent
    fresh = new_attempt(str(tmp_path), "fresh").parent
    past = time.time() - 7 * 3600
    os.utime(old, (past, past))
    assert sweep_stale(str(tmp_path)) == 1
    assert not old.exists() and fresh.exists()


async def test_a_local_repository_with_a_ref_is_cloned_with_the_file_protocol(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo", {"index.md": "# Home\n"}, branch="pages")
    ctx = Context(allow_local_sources=True, workdir=str(tmp_path / "work"))
    result = await fetch_source({"repo_url": str(repo), "ref": "pages"}, ctx, "r", Progress())
    checkout = Path(str(result["checkout"]))
    assert checkout.is_relative_to(tmp_path / "work") and (checkout / "index.md").exists()


def test_counted_progress_is_throttled_to_about_fifty_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(progress_module, "get_stream_writer", lambda: seen.append)
    progress = Progress()
    for done in range(1, 10_001):
        progress.say(f"parsed {done}", done, 10_000)
    progress.say("phase two")
    for done in range(101):
        progress.say(f"phase {done}", done, 100)
    counted = [e for e in seen if e.get("total") == 10_000]
    assert 40 <= len(counted) <= 51 and counted[-1]["done"] == 10_000
    assert {"message": "phase two"} in seen
    assert [e for e in seen if e.get("total") == 100][-1]["done"] == 100


@pytest.mark.parametrize(
    ("version", "warned"),
    [("2.39.2", True), ("2.43.7", False), ("2.50.1", False), ("2.49.0", True)],
)
async def test_an_old_git_is_logged_once_not_refused(
    version: str,
    warned: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from graphs.topical_mesh import git_runner

    script = tmp_path / "git"
    script.write_text(f"#!/bin/sh\necho 'git version {version}'\n")
    script.chmod(0o755)
    monkeypatch.setattr(git_runner, "_version_checked", False)
    with caplog.at_level("WARNING", logger=git_runner.__name__):
        await git_runner.warn_if_old_git(str(script))
        await git_runner.warn_if_old_git(str(script))
    messages = [r.getMessage() for r in caplog.records if "predates" in r.getMessage()]
    assert len(messages) == (1 if warned else 0)
