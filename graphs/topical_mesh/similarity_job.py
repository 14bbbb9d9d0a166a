"""Similar pages found on the other core while the links are checked.

On a big site the TF-IDF vectors and each page's candidates (`similarity.candidates`,
which do not depend on the links) take a third of `assemble_site`'s time, and one core
is idle while the links are checked in pure Python: a `similarity_worker` process finds
them meanwhile; the pairs are then picked in-process once the links are known
(`similarity.unlinked_pairs`), so the result is the same as in-process. Small sites, a
single core, or a worker that cannot start or fails: everything in-process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from graphs.topical_mesh.similarity import (
    Candidates,
    TermCounts,
    candidates,
    term_vectors,
    unlinked_pairs,
)

logger = logging.getLogger(__name__)
PROCESS_THRESHOLD = 1500
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class SimilarityJob:
    """Vectors and candidates of `counts`, in a worker process when it is worth one."""

    def __init__(self, counts: list[TermCounts], groups: list[Any] | None) -> None:
        self._job = pickle.dumps((counts, groups), protocol=pickle.HIGHEST_PROTOCOL)
        self._proc: subprocess.Popen[bytes] | None = None
        self._writer: threading.Thread | None = None
        if len(counts) >= PROCESS_THRESHOLD and _cores() >= 2:
            self._start()

    def _start(self) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [_PACKAGE_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "graphs.topical_mesh.similarity_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                cwd=_PACKAGE_ROOT,
                start_new_session=True,
            )
        except OSError as exc:
            logger.warning("similarity worker did not start (%s); comparing in-process", exc)
            return
        self._writer = threading.Thread(target=self._send, daemon=True)
        self._writer.start()

    def _send(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        with contextlib.suppress(OSError):  # a dead worker: `result` falls back
            proc.stdin.write(self._job)
            proc.stdin.close()

    def result(self) -> tuple[list[dict[str, float]], Candidates]:
        """The worker's answer, or the same computed here if it has none."""
        found = self._from_worker()
        if found is not None:
            return found
        counts, groups = pickle.loads(self._job)  # our own bytes
        vectors = term_vectors(counts, release=True)
        return vectors, candidates(vectors, groups)

    def _from_worker(self) -> tuple[list[dict[str, float]], Candidates] | None:
        proc = self._proc
        if proc is None or proc.stdout is None:
            return None
        try:
            out = proc.stdout.read()
            code = proc.wait()
            if self._writer is not None:
                self._writer.join()
            if code != 0 or not out:
                raise RuntimeError(f"exited with {code}")
            found: tuple[list[dict[str, float]], Candidates] = pickle.loads(out)  # our worker's
            return found
        except Exception as exc:  # any failure: the in-process path gives the same result
            logger.warning("similarity worker failed (%s); comparing in-process", exc)
            return None
        finally:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            for pipe in (proc.stdout, proc.stdin):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()

    def pairs(self, linked: set[tuple[int, int]]) -> list[tuple[int, int, float, list[str]]]:
        """`similarity.similar_unlinked_pairs` of the counts and groups given."""
        vectors, found = self.result()
        self._job = b""
        return unlinked_pairs(vectors, found, linked)
