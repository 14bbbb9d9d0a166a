"""Pauses Python's cyclic garbage collector while the audit builds its big, acyclic data.

A 10,000-page site is millions of small objects (page drafts, term counters, links); each
full collection walks all of them, and with the collector on, parse, unpickling and
scoring spent about a third of their time in it. Those structures hold no reference
cycles, so nothing is lost by not looking for cycles meanwhile; reference counting still
frees everything as usual. The pause is process-wide (the collector has no per-thread
switch), counted so that overlapping pauses from several runs end with the last one, and
the collector is switched back on only if it was on before.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")
_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextlib.contextmanager
def paused_collection() -> Iterator[None]:
    """Cyclic collection off inside the block (reference counting is unaffected)."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


def without_collection(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """`fn` run inside `paused_collection()` (for `asyncio.to_thread`)."""

    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with paused_collection():
            return fn(*args, **kwargs)

    return run
