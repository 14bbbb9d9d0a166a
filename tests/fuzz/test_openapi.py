"""schemathesis against the live host's OpenAPI: no 5xx, every answer matches the schema."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from genesis_mesh.host import create_app
from genesis_mesh.settings import Settings
from tests.conftest import LiveHost

# The document is built from the app at collection time (no server needed yet); the live
# host serves the same one (checked below), and every case is sent to the live host.
OPENAPI = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]
# schemathesis' defaults, plus: a body over GENESIS_MESH_MAX_REQUEST_BYTES is refused with
# 413 whatever it holds, and a graph refuses input its own schema does not allow with 422
# (the API schema cannot say). No 5xx is expected anywhere.
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "413", "422", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {"expected-statuses": REJECTED},
            "positive_data_acceptance": {"expected-statuses": ACCEPTED},
        }
    }
)
schema = schemathesis.openapi.from_dict(OPENAPI, config=CONFIG)
EXAMPLES = int(os.environ.get("GENESIS_MESH_FUZZ_EXAMPLES", "25"))  # per operation


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


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(
    case: schemathesis.Case, backend_host: LiveHost
) -> None:
    case.call_and_validate(base_url=backend_host.base_url)
