"""The clone node's hardening: refusals before git starts, pinning, limits, cleanup."""

from __future__ import annotations

import asyncio
import os
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from graphs.topical_mesh import url_guard
from graphs.topical_mesh.context import Context
from graphs.topical_mesh.errors import CloneFailed, CloneRefused
from graphs.topical_mesh.git_runner import SAFE_CONFIG, clone_command
from graphs.topical_mesh.nodes.clone import fetch_source
from graphs.topical_mesh.nodes.progress import Progress
from graphs.topical_mesh.url_guard import RemoteSource, check_source

from .conftest import Canary, FakeGit, GitServer, git_processes_mentioning, make_repo, serve

SITE = {"index.md": "# Home\n\n[Guide](guide.md)\n", "guide.md": "# Guide\n\n[Home](index.md)\n"}


async def fetch(url: str, ctx: Context, **state: object) -> dict[str, object]:
    return await fetch_source({"repo_url": url, **state}, ctx, "run-1", Progress())  # type: ignore[typeddict-item]


async def test_a_repository_is_cloned_over_http_into_a_per_run_folder(
    git_server: GitServer, tmp_path: Path, context: Context
) -> None:
    url = git_server.publish("site", make_repo(tmp_path / "src", SITE))
    result = await fetch(url, context)
    checkout = Path(str(result["checkout"]))
    assert (checkout / "index.md").read_text().startswith("# Home")
    assert checkout.parent.parent == Path(context.workdir) / "run-1"
    assert result["run_dir"] == str(Path(context.workdir) / "run-1")


async def test_a_branch_is_cloned_when_ref_is_given(
    git_server: GitServer, tmp_path: Path, context: Context
) -> None:
    url = git_server.publish("site", make_repo(tmp_path / "src", SITE, branch="docs"))
    result = await fetch(url, context, ref="docs")
    assert (Path(str(result["checkout"])) / "guide.md").exists()


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("ext::sh -c touch% /tmp/pwned", "control characters or whitespace"),
        ("ext::sh", "remote helper transport"),
        ("fd::17", "remote helper transport"),
        ("file:///etc", "local sources are off"),
        ("file://evil.example/etc", "must not name a host"),
        ("/etc", "local sources are off"),
        ("./relative/repo", "local sources are off"),
        ("--upload-pack=touch /tmp/pwned", "control characters or whitespace"),
        ("--upload-pack=touch", "starts with '-'"),
        ("ssh://-oProxyCommand=touch%20x/repo", "'ssh' scheme is not accepted"),
        ("git@github.com:owner/repo.git", "scp-style"),
        ("git://github.com/owner/repo.git", "'git' scheme is not accepted"),
        ("https://user:secret@github.com/owner/repo.git", "user information"),
        ("https://token@github.com/owner/repo.git", "user information"),
        ("https://github.com/owner/repo.git\n", "control characters"),
        ("https://github.com/owner/re\rpo.git", "control characters"),
        ("https://github.com/owner/re\x00po.git", "control characters"),
        ("https://gith ub.com/owner/repo.git", "whitespace"),
        ("http://github.com/owner/repo.git", "plain http is off"),
        ("https:///owner/repo.git", "no host name"),
        ("https://github.com:2222/owner/repo.git", "port 2222"),
    ],
)
async def test_hostile_urls_are_refused_before_any_git_process_starts(
    url: str, rule: str, fake_git: FakeGit, tmp_path: Path
) -> None:
    with pytest.raises(CloneRefused, match=rule):
        await fetch(url, Context(workdir=str(tmp_path / "work")))
    assert fake_git.invocations() == []
    assert not (tmp_path / "work").exists()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.1.1",
        "172.16.0.1",
        "::ffff:127.0.0.1",
        "::1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "fc00::1",
        "fe80::1",
    ],
)
async def test_hosts_resolving_to_non_public_addresses_are_refused(
    address: str,
    fake_git: FakeGit,
    canary: Canary,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(url_guard, "resolve_host", lambda host, port: [address])
    with pytest.raises(CloneRefused, match=r"not a public address.*allowed_private_hosts"):
        await fetch("https://docs.example.test/site.git", Context(workdir=str(tmp_path)))
    assert fake_git.invocations() == []
    assert canary.connections == 0


async def test_one_private_address_among_public_ones_is_enough_to_refuse(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(url_guard, "resolve_host", lambda host, port: ["93.184.216.34", "10.0.0.1"])
    with pytest.raises(CloneRefused, match=r"10\.0\.0\.1"):
        check_source("https://docs.example.test/site.git", Context(workdir=str(tmp_path)))


def test_decimal_and_mapped_ip_literals_are_refused(tmp_path: Path) -> None:
    for url in (
        "https://2130706433/site.git",
        "https://[::ffff:127.0.0.1]/site.git",
        "https://0x7f.0.0.1/site.git",
        "https://169.254.169.254/latest",
    ):
        with pytest.raises(CloneRefused):
            check_source(url, Context(workdir=str(tmp_path)))


def test_an_operator_can_allow_a_private_network_and_git_is_pinned_to_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(url_guard, "resolve_host", lambda host, port: ["10.20.30.40"])
    source = check_source(
        "https://gitlab.internal/docs.git", Context(allowed_private_hosts=["10.0.0.0/8"])
    )
    assert isinstance(source, RemoteSource)
    assert source.address == "10.20.30.40"
    args, protocols = clone_command("/usr/bin/git", source, Path("/tmp/x"), None)
    assert "http.curloptResolve=gitlab.internal:443:10.20.30.40" in args
    assert protocols == ["https"]
    assert args[-3:] == ["--", "https://gitlab.internal/docs.git", "/tmp/x"]
    for item in SAFE_CONFIG:
        assert item in args
    assert {"--depth", "--single-branch", "--no-tags", "--no-recurse-submodules"} <= set(args)


async def test_the_pinned_address_is_what_git_connects_to(
    git_server: GitServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = git_server.publish("site", make_repo(tmp_path / "src", SITE))
    port = url.split(":")[2].split("/")[0]
    monkeypatch.setattr(url_guard, "resolve_host", lambda host, port: ["127.0.0.1"])
    ctx = Context(
        allow_http=True, allowed_private_hosts=["repo.test"], workdir=str(tmp_path / "work")
    )
    # "repo.test" resolves nowhere for git itself: only the pin makes this clone work.
    result = await fetch(f"http://repo.test:{port}/site.git", ctx)
    assert (Path(str(result["checkout"])) / "guide.md").exists()


async def test_git_gets_a_replaced_environment_without_the_hosts_secrets(
    fake_git: FakeGit, context: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://admin:hunter2@db/prod")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    with pytest.raises(CloneFailed, match="without producing a checkout"):
        await fetch("http://127.0.0.1:9/site.git", context)
    env = dict(
        line.split("=", 1) for line in fake_git.env_dump.read_text().splitlines() if "=" in line
    )
    assert "hunter2" not in fake_git.env_dump.read_text()
    assert "sk-secret-value" not in fake_git.env_dump.read_text()
    assert env["GIT_CONFIG_NOSYSTEM"] == "1"
    assert env["GIT_CONFIG_GLOBAL"] == "/dev/null"
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    assert env["GIT_LFS_SKIP_SMUDGE"] == "1"
    assert env["GIT_ALLOW_PROTOCOL"] == "http"
    assert env["PATH"] == "/usr/bin:/bin"
    call = fake_git.invocations()[-1]
    assert "core.hooksPath=/dev/null" in call and "core.symlinks=false" in call
    assert " -- http://127.0.0.1:9/site.git " in call
    assert not (Path(context.workdir) / "run-1").exists()


class _Redirect(BaseHTTPRequestHandler):
    target = ""

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()


async def test_a_redirect_to_another_host_is_not_followed(canary: Canary, context: Context) -> None:
    handler = type("R", (_Redirect,), {"target": f"http://127.0.0.1:{canary.port}"})
    listener = serve(handler)
    try:
        with pytest.raises(CloneFailed):
            await fetch(f"http://127.0.0.1:{listener.port}/site.git", context)
    finally:
        listener.stop()
    assert canary.connections == 0


class _Trickle(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-git-upload-pack-advertisement")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                self.wfile.write(b"0")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            return


async def test_a_trickling_server_is_cut_off_at_the_time_limit_leaving_no_git(
    tmp_path: Path,
) -> None:
    listener = serve(_Trickle)
    workdir = tmp_path / "slow-work"
    ctx = Context(
        allow_http=True,
        allowed_private_hosts=["127.0.0.1"],
        workdir=str(workdir),
        clone_timeout_seconds=1.5,
    )
    started = time.monotonic()
    try:
        with pytest.raises(CloneFailed, match=r"clone_timeout_seconds=1\.5"):
            await fetch(f"http://127.0.0.1:{listener.port}/site.git", ctx)
    finally:
        listener.stop()
    assert time.monotonic() - started < 5
    assert git_processes_mentioning(str(workdir)) == []
    assert not (workdir / "run-1").exists()


async def test_cancelling_the_clone_kills_the_git_process_group_and_removes_the_folder(
    tmp_path: Path,
) -> None:
    listener = serve(_Trickle)
    workdir = tmp_path / "cancel-work"
    ctx = Context(allow_http=True, allowed_private_hosts=["127.0.0.1"], workdir=str(workdir))
    task = asyncio.ensure_future(fetch(f"http://127.0.0.1:{listener.port}/site.git", ctx))
    try:
        for _ in range(100):
            await asyncio.sleep(0.05)
            if git_processes_mentioning(str(workdir)):
                break
        assert git_processes_mentioning(str(workdir)), "git did not start"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        listener.stop()
    assert git_processes_mentioning(str(workdir)) == []
    assert not (workdir / "run-1").exists()


async def test_a_checkout_over_the_size_cap_is_stopped_and_removed(
    git_server: GitServer, tmp_path: Path
) -> None:
    blob = os.urandom(3 * 1024 * 1024)
    url = git_server.publish(
        "big", make_repo(tmp_path / "src", {"index.md": "# Hi\n", "data.bin": blob})
    )
    ctx = Context(
        allow_http=True,
        allowed_private_hosts=["127.0.0.1"],
        workdir=str(tmp_path / "work"),
        max_checkout_bytes=1024 * 1024,
    )
    with pytest.raises(CloneFailed, match="max_checkout_bytes=1048576"):
        await fetch(url, ctx)
    assert not (tmp_path / "work" / "run-1").exists()


async def test_a_local_folder_is_read_in_place_only_when_local_sources_are_allowed(
    tmp_path: Path, fake_git: FakeGit
) -> None:
    site = make_repo(tmp_path / "local", SITE)
    with pytest.raises(CloneRefused, match="allow_local_sources"):
        await fetch(str(site), Context(workdir=str(tmp_path / "w")))
    result = await fetch(
        f"file://{site}", Context(allow_local_sources=True, workdir=str(tmp_path / "w"))
    )
    assert result == {"run_dir": None, "checkout": str(site.resolve()), "clone_notes": []}
    assert fake_git.invocations() == []


async def test_bad_refs_and_subdirs_are_refused(tmp_path: Path, fake_git: FakeGit) -> None:
    ctx = Context(allow_local_sources=True, workdir=str(tmp_path / "w"))
    for ref in ("--upload-pack=x", "../../etc", "a b", "-b"):
        with pytest.raises(CloneRefused, match="ref"):
            await fetch(str(tmp_path), ctx, ref=ref)
    for subdir in ("../outside", "/etc", "docs/../../x"):
        with pytest.raises(CloneRefused, match="subdir"):
            await fetch(str(tmp_path), ctx, subdir=subdir)
    assert fake_git.invocations() == []
