"""The warm interpreter of `tests/hostfork.py`: imports the host's modules, then forks.

Protocol (one JSON object a line): stdin carries `{"args", "cwd", "env", "log"}` requests;
stdout answers `{"ready": bool}` once, `{"pid"}` for each request, and `{"exited", "code"}`
(the code as `subprocess.Popen.returncode` has it) when a child ends. The loop is single
threaded (a fork copies only the calling thread), and a child leaves it at once to run
`python -m genesis_mesh ARGS`, exiting through the interpreter's normal shutdown.
"""

import sys

sys.path.pop(0)  # this folder: a spawned host has its working directory there instead

import contextlib
import importlib
import json
import os
import runpy
import select
import signal
import threading
import traceback
from typing import Any

# What every embedded `serve` imports before it answers /ready (graphs excepted): the
# command, uvicorn, the app and the modules its start-up loads.
WARM_MODULES = (
    "genesis_mesh.cli",
    "genesis_mesh.host",
    "genesis_mesh.server",
    "genesis_mesh.observability.logs",
    "genesis_mesh.observability.readiness",
    "genesis_mesh.api.ag_ui.routes",
    "genesis_mesh.api.agent_protocol.routes",
    "genesis_mesh.api.langgraph.info",
    "genesis_mesh.api.langgraph.store",
    "genesis_mesh.api.langgraph.thread_stream",
    "genesis_mesh.api.graphs",
    "genesis_mesh.api.me",
    "genesis_mesh.api.render",
    "genesis_mesh.api.runs",
    "genesis_mesh.api.system",
    "genesis_mesh.api.threads",
    "genesis_mesh.api.uploads",
    "genesis_mesh.api.ws",
    "genesis_mesh.auth.websocket",
    "uvicorn.main",
    "uvicorn.supervisors",
    "uvicorn.lifespan.on",
    "uvicorn.loops.auto",
    "uvicorn.loops.asyncio",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.websockets.auto",
    "aiosqlite",
    "langchain_core.language_models.fake_chat_models",
    "langgraph.checkpoint.sqlite.aio",
    "langgraph.store.sqlite.aio",
    "sqlite_vec",
)


def warm() -> str | None:
    """Import `WARM_MODULES`; the reason forking would not be safe, or None."""
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue  # a module renamed since: the child imports what it needs itself
        except Exception:
            return traceback.format_exc()
    if threading.active_count() != 1:
        return f"importing the host started threads: {threading.enumerate()}"
    return None


def reply(fd: int, message: dict[str, Any]) -> None:
    os.write(fd, json.dumps(message).encode() + b"\n")


def become_host(request: dict[str, Any], inherited: list[int]) -> None:
    """In the child: take the request's place, then run `python -m genesis_mesh ARGS`."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in inherited:
        os.close(fd)
    log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.path.insert(0, os.getcwd())
    sys.argv = ["genesis_mesh", *request["args"]]
    runpy.run_module("genesis_mesh", run_name="__main__", alter_sys=True)
    sys.exit(0)


def reap(replies: int, children: set[int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        reply(replies, {"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def serve(requests: int, replies: int) -> None:
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_write)
    children: set[int] = set()
    pending = b""
    while True:
        readable, _, _ = select.select([requests, wake_read], [], [])
        if wake_read in readable:
            os.read(wake_read, 4096)
            reap(replies, children)
        if requests not in readable:
            continue
        chunk = os.read(requests, 1 << 20)
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                become_host(json.loads(line), [requests, replies, wake_read, wake_write])
            children.add(pid)
            reply(replies, {"pid": pid})
    for pid in children:  # the tests' process ended: no host of it outlives it
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def main() -> None:
    requests, replies = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    problem = warm()
    reply(replies, {"ready": problem is None, "problem": problem})
    if problem is None:
        serve(requests, replies)


if __name__ == "__main__":
    main()
