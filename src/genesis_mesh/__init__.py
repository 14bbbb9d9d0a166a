"""genesis-mesh: a durable, streaming host for LangGraph graphs."""

from genesis_mesh._version import __version__
from genesis_mesh.host import GenesisMesh, create_app
from genesis_mesh.protocol import PROTOCOL_VERSION, Event, EventType, RunStatus
from genesis_mesh.settings import Settings

__all__ = [
    "PROTOCOL_VERSION",
    "Event",
    "EventType",
    "GenesisMesh",
    "RunStatus",
    "Settings",
    "__version__",
    "create_app",
]
