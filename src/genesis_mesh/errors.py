"""The error tree of genesis-mesh: every error has a wire code and says what to do next.

GenesisMeshError
├── NotFound            (not_found)          404
│   ├── GraphNotFound   (graph_not_found)
│   ├── RunNotFound     (run_not_found)
│   └── ThreadNotFound  (thread_not_found)
├── GraphUnavailable    (graph_unavailable)  503
├── ChatModelNotConfigured (chat_model_not_configured) 503
├── InvalidInput        (invalid_input)      422
├── TokenInUrl          (token_in_url)       400
├── Unauthorized        (unauthorized)       401
│   ├── AuthenticationRequired (authentication_required)
│   ├── InvalidToken    (invalid_token)
│   └── TokenExpired    (token_expired)
└── Conflict            (conflict)           409
    ├── ThreadBusy      (thread_busy)
    └── InvalidRunState (invalid_run_state)
"""

from __future__ import annotations

from typing import Any, ClassVar


class GenesisMeshError(Exception):
    """Base of every error the host reports to a client."""

    code: ClassVar[str] = "internal_error"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class NotFound(GenesisMeshError):
    code = "not_found"
    http_status = 404


class GraphNotFound(NotFound):
    code = "graph_not_found"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"No graph named {name!r}; GET /api/v1/graphs lists the registered graphs.",
            {"graph": name},
        )


class RunNotFound(NotFound):
    code = "run_not_found"

    def __init__(self, run_id: str) -> None:
        super().__init__(
            f"No run with id {run_id!r}; GET /api/v1/runs lists your runs.", {"run_id": run_id}
        )


class ThreadNotFound(NotFound):
    code = "thread_not_found"

    def __init__(self, thread_id: str) -> None:
        super().__init__(
            f"No thread with id {thread_id!r}; start a run without thread_id to create one.",
            {"thread_id": thread_id},
        )


class GraphUnavailable(GenesisMeshError):
    code = "graph_unavailable"
    http_status = 503

    def __init__(self, name: str, error: str) -> None:
        super().__init__(
            f"Graph {name!r} failed to load: {error}. Fix the module and restart "
            "(or save it under `genesis-mesh dev`).",
            {"graph": name, "error": error},
        )


class ChatModelNotConfigured(GenesisMeshError):
    """A graph needs a chat model and this process has none: refused before the run starts."""

    code = "chat_model_not_configured"
    http_status = 503

    def __init__(self, name: str, hint: str) -> None:
        super().__init__(
            f"Graph {name!r} needs a chat model and none is configured: {hint}.",
            {
                "graph": name,
                "settings": [
                    "GENESIS_MESH_LLM_MODEL",
                    "GENESIS_MESH_LLM_BASE_URL",
                    "GENESIS_MESH_LLM_API_KEY",
                ],
            },
        )


class InvalidInput(GenesisMeshError):
    code = "invalid_input"
    http_status = 422


class Conflict(GenesisMeshError):
    code = "conflict"
    http_status = 409


class ThreadBusy(Conflict):
    code = "thread_busy"

    def __init__(self, thread_id: str, run_id: str) -> None:
        super().__init__(
            f"Thread {thread_id!r} already has an active run {run_id!r}; wait for it to "
            "finish, cancel it, or start the new run on another thread.",
            {"thread_id": thread_id, "active_run_id": run_id},
        )


class InvalidRunState(Conflict):
    code = "invalid_run_state"

    def __init__(self, run_id: str, status: str, action: str, expected: str) -> None:
        super().__init__(
            f"Cannot {action} run {run_id!r}: it is {status}; {action} needs a run that is "
            f"{expected}.",
            {"run_id": run_id, "status": status, "action": action},
        )


class TokenInUrl(GenesisMeshError):
    """A credential in the query string: URLs end up in logs, histories and Referer headers."""

    code = "token_in_url"
    http_status = 400

    def __init__(self, parameter: str) -> None:
        super().__init__(
            f"The query parameter {parameter!r} looks like a credential; URLs are logged, so "
            "send the token in the Authorization header (or, on /ws, in the first message).",
            {"parameter": parameter},
        )


class Unauthorized(GenesisMeshError):
    code = "unauthorized"
    http_status = 401


class AuthenticationRequired(Unauthorized):
    code = "authentication_required"

    def __init__(self) -> None:
        super().__init__(
            "This host requires authentication: send 'Authorization: Bearer <API key or "
            'JWT>\' (on /ws: the header or a first message {"type": "auth", "token": '
            "...}). An operator creates keys with `genesis-mesh keys create --user NAME`."
        )


class InvalidToken(Unauthorized):
    code = "invalid_token"

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The token was not accepted: {reason}. Check it, or ask for a new one.",
            {"reason": reason},
        )


class TokenExpired(Unauthorized):
    code = "token_expired"

    def __init__(self) -> None:
        super().__init__("The token has expired; get a new one and authenticate again.")
