"""Event fan-out and signals between the runner and the clients that follow runs."""

from genesis_mesh.bus.base import Deliver, EventBus, Unsubscribe
from genesis_mesh.bus.memory import MemoryEventBus

__all__ = ["Deliver", "EventBus", "MemoryEventBus", "Unsubscribe"]
