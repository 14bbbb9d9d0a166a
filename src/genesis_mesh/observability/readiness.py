"""Readiness: a short list of named probes, each with a time limit.

The host lists its probes (database, checkpointer; Redis when the bus uses it) and
`/ready` answers 200 only when every probe succeeds within `timeout` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

__all__ = ["ReadinessCheck", "run_checks"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadinessCheck:
    """`probe` returns when `name` (a dependency) answers and raises when it does not."""

    name: str
    probe: Callable[[], Awaitable[object]]


async def run_checks(checks: Sequence[ReadinessCheck], timeout: float = 3.0) -> dict[str, str]:
    """Every probe at once: `{"database": "ok", "redis": "error: TimeoutError", ...}`.

    The answer names only the error's type: its message may hold a host or a user name.
    The log has the message, at warning level."""
    results = await asyncio.gather(
        *(asyncio.wait_for(check.probe(), timeout) for check in checks), return_exceptions=True
    )
    answer: dict[str, str] = {}
    for check, result in zip(checks, results, strict=True):
        if isinstance(result, BaseException):
            if isinstance(result, asyncio.CancelledError):
                raise result
            logger.warning("readiness: %s is not available: %r", check.name, result)
            answer[check.name] = f"error: {type(result).__name__}"
        else:
            answer[check.name] = "ok"
    return answer
