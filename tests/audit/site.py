"""Small sites and git repositories for the audit tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

from typer.testing import CliRunner, Result

from genesis_mesh.cli import app
from tests.conftest import ROOT

CONFIG = ROOT / "langgraph.json"
GIT_ENV = {
    "PATH": "/usr/bin:/bin",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.test",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.test",
}

# index links to guide (fine) and to missing.md (broken); guide links home and to a page
# that does not exist; lonely.md has no inbound link (an orphan).
BROKEN_SITE = {
    "index.md": "# Home\n\nSee the [guide](guide/index.md).\n\nAnd [gone](missing.md).\n",
    "guide/index.md": "# Guide\n\n[home](../index.md) and [old](old-page.md)\n",
    "lonely.md": "# Lonely\n\nNo links.\n",
}
CLEAN_SITE = {
    "index.md": "# Home\n\nSee the [guide](guide/index.md).\n",
    "guide/index.md": "# Guide\n\n[home](../index.md)\n",
}


def write_site(folder: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["/usr/bin/git", *args],
        cwd=folder,
        env={**GIT_ENV, "HOME": str(folder)},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def commit_all(folder: Path, message: str) -> None:
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", message)


def audit(*args: str) -> Result:
    """`genesis-mesh audit ARGS` in this process, with the repository's langgraph.json."""
    return CliRunner().invoke(app, ["audit", *args, "--config", str(CONFIG)])
