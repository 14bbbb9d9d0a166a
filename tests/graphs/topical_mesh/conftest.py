"""Fixtures for the topical_mesh tests: local git repositories, a smart-HTTP git server
on loopback (git http-backend behind http.server), a fake git, and a canary listener."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graphs.topical_mesh.context import Context  # noqa: E402
from tests.conftest import require  # noqa: E402

HTTP_BACKEND = next(
    (
        p
        for p in ("/usr/lib/git-core/git-http-backend", "/usr/libexec/git-core/git-http-backend")
        if os.path.exists(p)
    ),
    None,
)
GIT_ENV = {
    "PATH": "/usr/bin:/bin",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.test",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.test",
    "LANG": "C",
    # No automatic `git gc` after a commit: for a repository of thousands of files it
    # repacks in the background, and a clone made meanwhile fails (exit 128) as loose
    # objects vanish under it.
    "GIT_CONFIG_COUNT": "1",
    "GIT_CONFIG_KEY_0": "gc.auto",
    "GIT_CONFIG_VALUE_0": "0",
}


def git(*args: str, cwd: Path) -> None:
    """Run the real git quietly with a clean config."""
    subprocess.run(
        ["/usr/bin/git", *args],
        cwd=cwd,
        env={**GIT_ENV, "HOME": str(cwd)},
        check=True,
        capture_output=True,
    )


def make_repo(
    path: Path,
    files: dict[str, str | bytes],
    symlinks: dict[str, str] | None = None,
    branch: str = "main",
) -> Path:
    """A git repository at `path` with one commit holding `files` and `symlinks`."""
    path.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "-b", branch, cwd=path)
    for rel, content in files.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    for rel, link in (symlinks or {}).items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(link, target)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "site", cwd=path)
    return path


def make_tree_repo(path: Path, writer: Callable[[Path], object]) -> Path:
    """A repository whose files are written by `writer(path)`."""
    path.mkdir(parents=True, exist_ok=True)
    writer(path)
    return make_repo(path, {})


class _GitHandler(BaseHTTPRequestHandler):
    """Smart HTTP through git http-backend, run as a CGI program per request."""

    protocol_version = "HTTP/1.0"
    project_root = ""

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        self._cgi()

    def do_POST(self) -> None:
        self._cgi()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _cgi(self) -> None:
        path, _, query = self.path.partition("?")
        body = self._body()
        env = {
            **GIT_ENV,
            "HOME": self.project_root,
            "GIT_PROJECT_ROOT": self.project_root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
        }
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        assert HTTP_BACKEND is not None
        out = subprocess.run([HTTP_BACKEND], input=body, env=env, capture_output=True).stdout
        sep = b"\r\n\r\n" if b"\r\n\r\n" in out else b"\n\n"
        head, _, payload = out.partition(sep)
        status = 200
        headers = []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@dataclass
class GitServer:
    """Bare repositories under `root`, served at `base_url` (http://127.0.0.1:PORT)."""

    root: Path
    base_url: str = ""
    requests: list[str] = field(default_factory=list)

    def publish(self, name: str, source: Path) -> str:
        """Serve a bare copy of repository `source` as `<base_url>/<name>.git`."""
        bare = self.root / f"{name}.git"
        subprocess.run(
            ["/usr/bin/git", "clone", "-q", "--bare", str(source), str(bare)],
            env={**GIT_ENV, "HOME": str(self.root)},
            check=True,
            capture_output=True,
        )
        git("config", "uploadpack.allowFilter", "true", cwd=bare)
        return f"{self.base_url}/{name}.git"


@dataclass
class Listener:
    """A thread serving one HTTP server; stopped at fixture teardown."""

    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def serve(handler: type[BaseHTTPRequestHandler]) -> Listener:
    """Start `handler` on an ephemeral loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return Listener(server, thread)


@pytest.fixture
def git_server(tmp_path: Path) -> Iterator[GitServer]:
    if HTTP_BACKEND is None or shutil.which("git") is None:
        require(False, "git and git-http-backend are needed (apt-get install git)")
    root = tmp_path / "served"
    root.mkdir()
    handler = type("Handler", (_GitHandler,), {"project_root": str(root)})
    listener = serve(handler)
    yield GitServer(root=root, base_url=f"http://127.0.0.1:{listener.port}")
    listener.stop()


@dataclass
class Canary:
    """A loopback TCP listener that counts the connections it receives."""

    sock: socket.socket
    connections: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def run(self) -> None:
        self.sock.settimeout(0.05)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    listener = Canary(sock)
    thread = threading.Thread(target=listener.run, daemon=True)
    thread.start()
    yield listener
    listener.stopped.set()
    thread.join(5)
    sock.close()


@dataclass
class FakeGit:
    """A `git` on PATH that records its arguments and environment, then exits 0."""

    calls: Path
    env_dump: Path

    def invocations(self) -> list[str]:
        return self.calls.read_text().splitlines() if self.calls.exists() else []


@pytest.fixture
def fake_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeGit:
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    fake = FakeGit(calls=tmp_path / "git-calls.txt", env_dump=tmp_path / "git-env.txt")
    script = bin_dir / "git"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{fake.calls}"\nenv > "{fake.env_dump}"\nexit 0\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return fake


@pytest.fixture
def context(tmp_path: Path) -> Context:
    """Settings for loopback tests: http allowed, 127.0.0.1 allowed, a private workdir."""
    return Context(
        allow_http=True,
        allowed_private_hosts=["127.0.0.1"],
        workdir=str(tmp_path / "work"),
        clone_timeout_seconds=30,
    )


def git_processes_mentioning(text: str) -> list[int]:
    """Pids of live processes whose command line contains `text`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().split()[2]
        except OSError:
            continue
        if text.encode() in cmdline and state != "Z":
            found.append(int(entry))
    return found
