"""A host serving the template-shaped project of tests/registry/project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LiveHost

PROJECT = Path(__file__).resolve().parent / "project"
PROJECT_CONFIG = PROJECT / "langgraph.json"


@pytest.fixture(scope="module")
def project_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    live = LiveHost(tmp_path_factory.mktemp("project"), config=PROJECT_CONFIG).start(timeout=120)
    yield live
    live.stop()
