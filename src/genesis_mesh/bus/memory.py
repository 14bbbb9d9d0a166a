"""In-process event fan-out for the embedded mode."""

from __future__ import annotations

import logging
from collections import defaultdict

from genesis_mesh.bus.base import Deliver, Unsubscribe
from genesis_mesh.protocol import Event

logger = logging.getLogger(__name__)


class MemoryEventBus:
    """Subscribers per run id; a failing subscriber is dropped, never the publisher."""

    def __init__(self) -> None:
        self._subscribers: dict[str, dict[int, Deliver]] = defaultdict(dict)
        self._next_token = 0

    def publish(self, event: Event) -> None:
        for token, deliver in list(self._subscribers.get(event.run_id, {}).items()):
            try:
                deliver(event)
            except Exception:
                logger.exception("event subscriber failed; dropping it")
                self._subscribers[event.run_id].pop(token, None)

    def has_subscribers(self, run_id: str) -> bool:
        return run_id in self._subscribers

    def subscribe(self, run_id: str, deliver: Deliver) -> Unsubscribe:
        self._next_token += 1
        token = self._next_token
        self._subscribers[run_id][token] = deliver

        def unsubscribe() -> None:
            subscribers = self._subscribers.get(run_id)
            if subscribers is not None:
                subscribers.pop(token, None)
                if not subscribers:
                    self._subscribers.pop(run_id, None)

        return unsubscribe
