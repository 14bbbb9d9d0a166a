"""Reads pages off the event loop: in worker processes for big sites (so both cores of a
small machine parse markdown) and for sites with large files (so each file's parse time
can be bounded), in a worker thread otherwise.

Workers are plain child processes (`python -m graphs.topical_mesh.worker`), not a
multiprocessing pool, so the host's main module is never re-imported; each runs in its
own process group and is killed if the node is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from graphs.topical_mesh.collector import without_collection
from graphs.topical_mesh.site_parser import BatchResult, read_batch

logger = logging.getLogger(__name__)
PROCESS_THRESHOLD = 1500
MAX_WORKERS = 4
BATCHES_AHEAD = 1  # batches sent to a worker before it has finished one
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class WorkerFailed(RuntimeError):
    """A worker process exited without a result."""


def worker_count(items: int, large_files: int = 0) -> int:
    """Processes worth starting for `items` files (0 means: use a thread).

    Many files use every core; a few large files get one worker, where each file's parse
    time can be bounded (a timer signal cannot interrupt a thread).
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if items >= PROCESS_THRESHOLD and (cpus or 1) >= 2:
        return min(MAX_WORKERS, cpus or 1)
    return 1 if large_files else 0


async def read_pages(
    root: str,
    batches: list[list[str]],
    max_bytes: int,
    workers: int,
    on_done: Callable[[int], None],
    file_seconds: float | None = None,
) -> list[BatchResult]:
    """`read_batch` over every batch; `on_done(files)` is called as batches finish."""
    if workers > 0:
        try:
            job = (root, max_bytes, file_seconds)
            return await _in_workers(job, batches, workers, on_done)
        except (WorkerFailed, OSError, pickle.UnpicklingError, EOFError) as exc:
            # Fall back to a thread: the same result, only slower and without time budgets.
            logger.warning("page workers failed (%s); reading pages in a thread", exc)
    results = []
    for batch in batches:
        results.append(
            await asyncio.to_thread(without_collection(read_batch), batch, root, max_bytes)
        )
        on_done(len(batch))
    return results


async def _in_workers(
    job: tuple[str, int, float | None],
    batches: list[list[str]],
    workers: int,
    on_done: Callable[[int], None],
) -> list[BatchResult]:
    root, max_bytes, file_seconds = job
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [_PACKAGE_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    queue = _Batches(batches)
    with tempfile.TemporaryDirectory(prefix="mesh-pages-") as folder:
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "graphs.topical_mesh.worker",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                cwd=_PACKAGE_ROOT,
                start_new_session=True,
            )
            for _ in range(min(workers, len(batches)))
        ]
        try:
            outputs = await asyncio.gather(
                *(
                    _run_worker(
                        proc,
                        (root, max_bytes, file_seconds, os.path.join(folder, f"{w}.pickle")),
                        queue,
                        on_done,
                    )
                    for w, proc in enumerate(procs)
                )
            )
        finally:
            for proc in procs:
                if proc.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    await asyncio.shield(proc.wait())
    ordered: list[BatchResult] = [BatchResult()] * len(batches)
    for results in outputs:
        for at, result in results:
            ordered[at] = result
    return ordered


class _Batches:
    """The batches not yet handed to a worker, in order: each worker asks for the next one
    as it finishes one, so a worker slowed down (by its pages, or by the machine's other
    work) takes fewer, and none waits idle while another still has a queue."""

    def __init__(self, batches: list[list[str]]) -> None:
        self.batches = batches
        self.next = 0

    def take(self) -> tuple[int, list[str]] | None:
        if self.next >= len(self.batches):
            return None
        self.next += 1
        return self.next - 1, self.batches[self.next - 1]


async def _run_worker(
    proc: asyncio.subprocess.Process,
    job: tuple[str, int, float | None, str],
    queue: _Batches,
    on_done: Callable[[int], None],
) -> list[tuple[int, BatchResult]]:
    assert proc.stdin is not None and proc.stderr is not None
    stdin, stderr = proc.stdin, proc.stderr

    async def send_next() -> None:
        """One more batch for the worker, or the end of its input."""
        if stdin.is_closing():
            return
        batch = queue.take()
        if batch is None:
            stdin.close()
            return
        stdin.write(pickle.dumps(batch))
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            await stdin.drain()

    stdin.write(pickle.dumps(job))
    for _ in range(BATCHES_AHEAD):
        await send_next()
    tail = bytearray()
    while line := await stderr.readline():
        if line.strip().isdigit():
            on_done(int(line))
            await send_next()
        else:
            tail.extend(line)
            del tail[:-2000]
    out_path = job[3]
    if await proc.wait() != 0 or not os.path.isfile(out_path) or not os.path.getsize(out_path):
        raise WorkerFailed(f"page worker exited with {proc.returncode}: {tail.decode()[-300:]}")
    # off the event loop (10,000 pages are seconds of unpickling), read from the file as a
    # stream: the whole pickle is never in memory next to what is made from it
    results: list[tuple[int, BatchResult]] = await asyncio.to_thread(
        without_collection(_load), out_path
    )
    return results


def _load(path: str) -> list[tuple[int, BatchResult]]:
    with open(path, "rb") as handle:
        results: list[tuple[int, BatchResult]] = pickle.load(handle)  # our own worker's output
    return results
