"""schemathesis against the live host's OpenAPI on PostgreSQL: no 5xx, every answer
matches the schema (a file of its own, so a second worker takes it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis

from tests.conftest import LiveHost
from tests.fuzz.openapi import FUZZ_SETTINGS, answers_within_schema, schema, secured_host


@pytest.fixture(scope="module", params=["postgres"])
def secured_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveHost, str]]:
    yield from secured_host(request.param, tmp_path_factory)


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_answers_within_its_schema(
    case: schemathesis.Case, secured_backend: tuple[LiveHost, str]
) -> None:
    answers_within_schema(case, secured_backend)
