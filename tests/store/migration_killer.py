"""Kills a run store's first start at each of its statements, one fresh file per kill.

    python -m tests.store.migration_killer FOLDER

Counts the statements (and the final commit) of a first `RunStore.open()` on a fresh
SQLite file, then, for each N, forks a child that starts a fresh file and SIGKILLs
itself just before its N-th statement is sent to SQLite. Prints one JSON line:
`{"statements": COUNT, "kills": [[N, "FOLDER/kill-N.db", signal or exit code], ...]}`.
The test then starts each file the way the host does, in a new process.
The parent imports everything once and never opens a database, so forking is safe.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from genesis_mesh.store import RunStore


class _Counter:
    def __init__(self, kill_at: int | None) -> None:
        self.seen = 0
        self.kill_at = kill_at

    def step(self, *_args: Any) -> None:
        self.seen += 1
        if self.seen == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def _first_start(path: Path, kill_at: int | None) -> int:
    counter = _Counter(kill_at)
    event.listen(Engine, "before_cursor_execute", counter.step)
    event.listen(Engine, "commit", counter.step)

    async def start() -> None:
        store = RunStore(f"sqlite+aiosqlite:///{path}")
        try:
            await store.open()
        finally:
            await store.close()

    asyncio.run(start())
    return counter.seen


def _in_child(path: Path, kill_at: int | None) -> tuple[int, int]:
    """(the child's exit code, or minus the signal that ended it; statements it counted)"""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        seen = _first_start(path, kill_at)
        os.write(write_end, str(seen).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        reported = pipe.read()
    _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return code, int(reported or 0)


def main(folder: Path) -> None:
    code, statements = _in_child(folder / "count.db", None)
    if code != 0 or statements == 0:
        raise SystemExit(f"the counting start failed (exit {code}, {statements} statements)")
    kills = []
    for n in range(1, statements + 1):
        path = folder / f"kill-{n}.db"
        code, _ = _in_child(path, n)
        kills.append([n, str(path), code])
    print(json.dumps({"statements": statements, "kills": kills}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
