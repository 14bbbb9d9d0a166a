"""The OpenAPI document, with the error answers the host really sends.

FastAPI documents only the success answer and its own 422 shape; the host answers every
error with `{"code", "message", "detail"}` (`ErrorBody`). This adds that body to every
operation as `4XX`, replaces the 422 shape, and lists the 429 and 503 answers of the
operations that give them, so clients (and schemathesis) can rely on the document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from genesis_mesh.protocol import ErrorBody

_REF = {"$ref": "#/components/schemas/ErrorBody"}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until a new run start fits the limit (rate_limited only).",
        "schema": {"type": "integer"},
    }
}
# Answers beyond 4XX, by (method, path); all with an `ErrorBody` except /ready's.
_EXTRA: dict[tuple[str, str], dict[str, str]] = {
    ("post", "/api/v1/runs"): {
        "429": "A per-user limit: `rate_limited` (with Retry-After) or `too_many_active_runs`.",
        "503": "The graph failed to load, or needs a chat model and none is configured.",
    },
    ("post", "/api/v1/runs/{run_id}/resume"): {
        "429": "A per-user limit: `too_many_active_runs`.",
        "503": "The graph failed to load.",
    },
    ("get", "/ready"): {"503": "The database or the checkpointer does not answer."},
}


def document_errors(app: FastAPI) -> None:
    """Make `app.openapi()` return the document with the host's error answers."""
    build: Callable[[], dict[str, Any]] = app.openapi
    done = False

    def openapi() -> dict[str, Any]:
        nonlocal done
        document = build()
        if not done:
            _add_error_answers(document)
            done = True
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _add_error_answers(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema()
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["4XX"] = _answer("An error: `code`, `message`, `detail` (docs/protocol.md).")
            for status, description in _EXTRA.get((method, path), {}).items():
                answer: dict[str, Any] = {"description": description}
                if path != "/ready":
                    answer = _answer(description)
                responses[status] = answer
                if status == "429":
                    answer["headers"] = _RETRY_AFTER
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def _answer(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _REF}}}
