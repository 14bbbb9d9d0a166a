"""schemathesis against the live host's OpenAPI on SQLite: no 5xx, every answer
matches the schema (PostgreSQL: test_openapi_postgres.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis

from tests.conftest import LiveHost
from tests.fuzz.openapi import FUZZ_SETTINGS, OPENAPI, answers_within_schema, schema, secured_host


def test_the_live_host_serves_the_schema_under_test(backend_host: LiveHost) -> None:
    with backend_host.client() as http:
        assert http.get("/openapi.json").json() == OPENAPI


def test_the_schema_documents_the_error_answers() -> None:
    create = OPENAPI["paths"]["/api/v1/runs"]["post"]["responses"]
    assert set(create) == {"202", "4XX", "429", "503"}
    assert "Retry-After" in create["429"]["headers"]
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    for path in OPENAPI["paths"].values():
        for operation in path.values():
            assert operation["responses"]["4XX"]["content"]["application/json"]["schema"] == (
                error_body
            )
    assert "HTTPValidationError" not in OPENAPI["components"]["schemas"]


@pytest.fixture(scope="module", params=["sqlite"])
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
