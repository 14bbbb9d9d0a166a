"""The event bus seam: fans a run's events out to every subscriber of that run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from genesis_mesh.protocol import Event

Deliver = Callable[[Event], None]
Unsubscribe = Callable[[], None]


class EventBus(Protocol):
    """Delivery must never block the publisher: `deliver` callbacks only enqueue."""

    def publish(self, event: Event) -> None: ...

    def subscribe(self, run_id: str, deliver: Deliver) -> Unsubscribe: ...
