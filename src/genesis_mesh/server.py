"""The uvicorn server `genesis-mesh serve` runs: it tells clients about a shutdown first.

uvicorn closes every WebSocket (code 1012) before it runs the app's lifespan shutdown,
where the runner pauses the runs in flight at their next node boundary. Without this
server a client would only see its socket close. `DrainingServer` announces the drain
(`Runner.begin_drain`: a stored, published `run.stopping` event per run) while the
sockets are still open, then shuts down as uvicorn does.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import uvicorn
from fastapi import FastAPI

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 0.2
"""How long the announcement has to leave the open sockets: the event is in each
socket's send queue once `begin_drain` returns, and its sender needs a few turns of the
loop to write it before uvicorn writes the close frame after it."""


class DrainingServer(uvicorn.Server):
    """A `uvicorn.Server` whose shutdown announces the drain of the runs in flight."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if not self.force_exit:
            await self._announce()
        await super().shutdown(sockets)

    async def _announce(self) -> None:
        app = _fastapi_app(self.config.loaded_app) if self.config.loaded else None
        services = getattr(app.state, "services", None) if app is not None else None
        if services is None:  # the lifespan never opened them: no runs to tell
            return
        try:
            told = await services.runner.begin_drain()
        except Exception:
            logger.exception("announcing the shutdown to the runs in flight failed")
            return
        if told:
            logger.info("shutting down: %d run(s) pause at their next node", len(told))
            await asyncio.sleep(SETTLE_SECONDS)


def _fastapi_app(app: Any) -> FastAPI | None:
    """The FastAPI app inside uvicorn's middleware (each keeps the next as `.app`)."""
    for _ in range(10):
        if isinstance(app, FastAPI):
            return app
        app = getattr(app, "app", None)
    return None
