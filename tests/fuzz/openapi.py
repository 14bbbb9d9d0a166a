"""The schemathesis set-up shared by the OpenAPI fuzz files: the schema, its checks, the
secured hosts and how a case is sent (one file per backend, so two workers share them)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import allow_header_conformance

from genesis_mesh.host import create_app
from genesis_mesh.settings import Settings
from tests.auth.conftest import create_key
from tests.conftest import LiveHost
from tests.postgres import create_database, drop_database

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
# Uploads take an archive as the raw body: send what the fuzzer makes as bytes (the
# hostile archives themselves are tests/uploads').
schemathesis.serializer.alias(["application/zip", "application/gzip"], "application/octet-stream")
schema = schemathesis.openapi.from_dict(OPENAPI, config=CONFIG)
EXAMPLES = int(os.environ.get("GENESIS_MESH_FUZZ_EXAMPLES", "25"))  # per operation


def _shadowed_paths(paths: list[str]) -> set[str]:
    """Paths that a templated sibling also matches (the LangGraph Server API's own URL
    design: `/assistants/search` is also `/assistants/{assistant_id}`). A 405 on them
    rightly lists the sibling's methods in `Allow`, which the schema of the literal path
    cannot show; the Allow check does not apply to them."""
    templates = [
        (path, re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$"))
        for path in paths
        if "{" in path
    ]
    return {
        path
        for path in paths
        for template, pattern in templates
        if template != path and pattern.match(path)
    }


SHADOWED = _shadowed_paths(list(OPENAPI["paths"]))


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def secured_host(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveHost, str]]:
    """A host that requires authentication (as on a network), and a key for it: the
    fuzzer checks the API as deployed, including that it refuses requests without one."""
    live = LiveHost(tmp_path_factory.mktemp(f"fuzz-secured-{backend}"))
    live.env["GENESIS_MESH_AUTH"] = "required"
    name = create_database("gm_fuzz") if backend == "postgres" else None
    if name is not None:
        live.env["GENESIS_MESH_DATABASE_URL"] = f"postgresql+psycopg://127.0.0.1:5432/{name}"
    try:
        live.start()
        yield live, create_key(live, "fuzzer")
    finally:
        live.stop()
        if name is not None:
            drop_database(name)


def answers_within_schema(case: schemathesis.Case, secured: tuple[LiveHost, str]) -> None:
    """Send `case` to the secured host and run every check on the answer."""
    host, key = secured
    excluded = [allow_header_conformance] if case.operation.path in SHADOWED else []
    case.call_and_validate(
        base_url=host.base_url, headers=_credentials(case, key), excluded_checks=excluded
    )


def _credentials(case: schemathesis.Case, key: str) -> dict[str, str]:
    """The key, except for a case whose headers the fuzzer made invalid (the
    `Authorization` header left out or malformed, say): the key would make it a valid
    request, refused by nothing, which the negative check then reports as accepted. Sent
    as made, it must be refused (401 without a valid key)."""
    headers = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if headers is not None and headers.mode.is_negative:
        return {}
    return {"Authorization": f"Bearer {key}"}
