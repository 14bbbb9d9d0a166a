"""Hosts forked from a pre-warmed interpreter instead of each importing LangGraph anew.

A `genesis-mesh serve` spends most of its start-up importing LangGraph, LangChain,
FastAPI and SQLAlchemy: seconds of CPU each time, and the suite starts hundreds of hosts
on two cores. `ForkServer` keeps one interpreter per test process that has imported the
host's modules and nothing else (no graph, no settings read, no thread started), and
forks it for each host: the child takes the host's working directory, environment, log
and arguments, then runs `python -m genesis_mesh ARGS` as the spawned process would.
`ForkedProcess` is the child's handle with the part of `subprocess.Popen` tests use.

Only hosts whose environment differs from the warm interpreter's in `GENESIS_MESH_*`,
`OPENAI_*` and `PYTEST_*` alone are forked (read when a host starts, never at import);
any other difference, or a warm interpreter that did not come up, spawns as before, and
so does every host with `TESTS_SPAWN_HOSTS=1` (to tell a fault of forking from the host's).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

SERVER = Path(__file__).resolve().parent / "hostfork_server.py"
FORKED_COMMANDS = ("serve", "dev", "worker")
STARTUP_VARIABLES = ("GENESIS_MESH_", "OPENAI_")
# Read when a host starts or later, never by an import: a child may differ in these.
RUNTIME_VARIABLES = (*STARTUP_VARIABLES, "PYTEST_")
SPAWN_ONLY = "TESTS_SPAWN_HOSTS"  # =1: every host spawned, as before the warm interpreter
WARM_TIMEOUT = 300.0  # seconds; a host spawned meanwhile would import as long


def base_environment() -> dict[str, str]:
    """The environment every host starts from: the test's, minus genesis-mesh's settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(STARTUP_VARIABLES)}


class ForkedProcess:
    """A host forked by the warm interpreter: `poll`, `wait`, `send_signal`, `kill`,
    `terminate`, `pid` and `returncode` behave as on `subprocess.Popen`."""

    def __init__(self, server: ForkServer, pid: int, args: Sequence[str]) -> None:
        self.server = server
        self.pid = pid
        self.args = list(args)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.server.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.server.wait_exit(self.pid, timeout) is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
        code = self.poll()
        assert code is not None
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkServer:
    """The warm interpreter of this test process and the exit codes of its children."""

    def __init__(self) -> None:
        self.environment = base_environment()
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self.environment,
            cwd=SERVER.parent,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.requests: IO[bytes] = self.process.stdin
        self.replies: IO[bytes] = self.process.stdout
        self.exits: dict[int, int] = {}
        self.pids: list[int] = []
        self.ready: bool | None = None  # until the interpreter has imported the host
        self.changed = threading.Condition()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read_replies, daemon=True, name="hostfork")
        self.reader.start()

    def can_fork(self, args: Sequence[str], env: Mapping[str, str]) -> bool:
        """Whether a host with these arguments and environment starts the same forked
        (waiting for the interpreter's imports, which take as long as a host's)."""
        if not args or args[0] not in FORKED_COMMANDS:
            return False
        for key in set(env) | set(self.environment):
            if env.get(key) != self.environment.get(key) and not key.startswith(RUNTIME_VARIABLES):
                return False
        with self.changed:
            self.changed.wait_for(lambda: self.ready is not None, WARM_TIMEOUT)
            return bool(self.ready) and self.process.poll() is None

    def fork(
        self, args: Sequence[str], cwd: Path, env: Mapping[str, str], log: Path
    ) -> ForkedProcess:
        """Start `python -m genesis_mesh ARGS` in `cwd` with `env`, its output to `log`."""
        request = {"args": list(args), "cwd": str(cwd), "env": dict(env), "log": str(log)}
        with self.lock, self.changed:
            self.requests.write(json.dumps(request).encode() + b"\n")
            self.requests.flush()
            while len(self.pids) == 0:
                if not self.changed.wait(60):
                    raise RuntimeError("the warm host interpreter did not answer in 60 s")
            pid = self.pids.pop()
        return ForkedProcess(self, pid, [sys.executable, "-m", "genesis_mesh", *args])

    def exit_code(self, pid: int) -> int | None:
        with self.changed:
            return self.exits.get(pid)

    def wait_exit(self, pid: int, timeout: float | None) -> int | None:
        with self.changed:
            self.changed.wait_for(lambda: pid in self.exits, timeout)
            return self.exits.get(pid)

    def _read_replies(self) -> None:
        for line in self.replies:
            reply: dict[str, Any] = json.loads(line)
            with self.changed:
                if "ready" in reply:
                    self.ready = bool(reply["ready"])
                elif "pid" in reply:
                    self.pids.append(int(reply["pid"]))
                else:
                    self.exits[int(reply["exited"])] = int(reply["code"])
                self.changed.notify_all()
        with self.changed:
            self.ready = False
            self.changed.notify_all()

    def close(self) -> None:
        if self.process.poll() is None:
            self.requests.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        with contextlib.suppress(OSError):  # BrokenPipe: it ended first
            self.requests.close()
        self.reader.join(10)  # it ends at the interpreter's end of output
        if not self.reader.is_alive():
            self.replies.close()


_server: ForkServer | None = None
_retired: list[ForkServer] = []  # earlier interpreters, kept for their children's exits
_server_lock = threading.Lock()


def _startup_environment(env: Mapping[str, str]) -> dict[str, str]:
    """What of an environment decides how an interpreter starts (`can_fork`'s test)."""
    return {k: v for k, v in env.items() if not k.startswith(RUNTIME_VARIABLES)}


def fork_server() -> ForkServer:
    """This test process's warm interpreter, started by the first host that needs it, and
    again when the process's environment changed since (a test left a variable set):
    the hosts started from that environment would otherwise all be spawned."""
    global _server
    with _server_lock:
        if _server is not None and _server.process.poll() is None:
            if _startup_environment(_server.environment) == _startup_environment(
                base_environment()
            ):
                return _server
            _retired.append(_server)
        _server = ForkServer()
        return _server


def start_genesis_mesh(
    args: Sequence[str], cwd: Path, env: Mapping[str, str], log: Path
) -> ForkedProcess | subprocess.Popen[bytes]:
    """`python -m genesis_mesh ARGS` in `cwd` with `env`, its output appended to `log`:
    forked from the warm interpreter when that starts it the same, else spawned."""
    server = None if os.environ.get(SPAWN_ONLY) == "1" else fork_server()
    if server is not None and server.can_fork(args, env):
        return server.fork(args, cwd, env, log)
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "genesis_mesh", *args],
            cwd=cwd,
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def close_fork_server() -> None:
    with _server_lock:
        for server in [*_retired, *([] if _server is None else [_server])]:
            server.close()
        _retired.clear()
