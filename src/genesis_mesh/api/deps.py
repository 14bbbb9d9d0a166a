"""FastAPI dependencies: the services opened by the host's lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from starlette.requests import HTTPConnection

from genesis_mesh.protocol import ID_PATTERN
from genesis_mesh.services import Services


def get_services(connection: HTTPConnection) -> Services:
    services: Services = connection.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

RunIdPath = Annotated[str, Path(min_length=1, max_length=200, pattern=ID_PATTERN)]
ThreadIdPath = Annotated[str, Path(min_length=1, max_length=200, pattern=ID_PATTERN)]
ThreadIdQuery = Annotated[str | None, Query(max_length=200, pattern=ID_PATTERN)]
