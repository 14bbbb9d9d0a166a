"""The error tree of genesis-mesh: every error has a wire code and says what to do next.

GenesisMeshError
├── NotFound            (not_found)          404
│   ├── GraphNotFound   (graph_not_found)
│   ├── RunNotFound     (run_not_found)
│   └── ThreadNotFound  (thread_not_found)
├── GraphUnavailable    (graph_unavailable)  503
├── ChatModelNotConfigured (chat_model_not_configured) 503
├── InvalidInput        (invalid_input)      422
│   ├── InvalidContext  (invalid_context)    a run's context or config LangGraph refuses
│   └── ContextLocked   (context_locked)     a context key the operator or graph fixes
├── TokenInUrl          (token_in_url)       400
├── OriginNotAllowed    (origin_not_allowed) 403 (a refused /ws handshake)
├── Unauthorized        (unauthorized)       401
│   ├── AuthenticationRequired (authentication_required)
│   ├── InvalidToken    (invalid_token)
│   └── TokenExpired    (token_expired)
├── Conflict            (conflict)           409
│   ├── ThreadBusy      (thread_busy)
│   ├── StopTimedOut    (stop_timed_out)
│   ├── AlreadySubscribed (already_subscribed)
│   └── InvalidRunState (invalid_run_state)
└── LimitExceeded       (limit_exceeded)     429
    ├── RateLimited     (rate_limited)       with Retry-After
    └── TooManyActiveRuns (too_many_active_runs)
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


class InvalidContext(InvalidInput):
    """A run's `context` or `config` that the graph's `context_schema` (or LangGraph's
    config rules) refuses; the message is LangGraph's reason."""

    code = "invalid_context"


class ContextLocked(InvalidInput):
    """A run named context keys that the operator (`GENESIS_MESH_GRAPH_CONTEXT` `locked`)
    or the graph (`LOCKED_CONTEXT_KEYS`) fixes for every run."""

    code = "context_locked"

    def __init__(self, graph: str, keys: list[str]) -> None:
        super().__init__(
            f"Graph {graph!r} does not let a run set {', '.join(keys)}: the operator fixes "
            "these for every run; leave them out of the run's context (docs/security.md).",
            {"graph": graph, "locked": keys},
        )


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


class ThreadAwaitsAnswer(Conflict):
    code = "thread_awaits_answer"

    def __init__(self, thread_id: str, run_id: str, policy: str) -> None:
        super().__init__(
            f"Thread {thread_id!r} waits for an answer to run {run_id!r}'s question; "
            f"multitask {policy!r} would drop it. Answer it (resume the run), cancel it, "
            "or start with multitask 'enqueue' (after it) or 'rollback' (discard it).",
            {"thread_id": thread_id, "active_run_id": run_id, "policy": policy},
        )


class LeaseLost(GenesisMeshError):
    """Raised inside a stale worker: another worker has claimed the run since."""

    code = "lease_lost"
    http_status = 409

    def __init__(self, run_id: str, attempt: int) -> None:
        super().__init__(
            f"This worker's claim on run {run_id!r} (attempt {attempt}) expired and another "
            "worker took the run over; this worker writes nothing more for it.",
            {"run_id": run_id, "attempt": attempt},
        )


class RunTimedOut(GenesisMeshError):
    code = "run_timed_out"
    http_status = 408

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"The run took longer than {seconds:g}s (GENESIS_MESH_RUN_TIMEOUT_SECONDS) and "
            "was stopped; raise the setting if such runs are legitimate, or retry it with "
            "resume to continue from its last checkpoint.",
            {"limit_seconds": seconds},
        )


class StopTimedOut(Conflict):
    code = "stop_timed_out"

    def __init__(self, run_id: str, action: str, seconds: float) -> None:
        super().__init__(
            f"Run {run_id!r} did not {action} within {seconds:g}s (it is still in a node); "
            "the request stays recorded and is carried out at the next node boundary. "
            "Retry once it has stopped, or cancel it.",
            {"run_id": run_id, "action": action},
        )


class AlreadySubscribed(Conflict):
    """A socket subscribing again to a run it follows: it already gets every event once."""

    code = "already_subscribed"

    def __init__(self, run_id: str) -> None:
        super().__init__(
            f"This socket already follows run {run_id!r} and gets each of its events once; "
            "nothing is sent again. To replay from an earlier seq, unsubscribe first, then "
            "subscribe with after_seq.",
            {"run_id": run_id},
        )


class InvalidRunState(Conflict):
    code = "invalid_run_state"

    def __init__(self, run_id: str, status: str, action: str, expected: str) -> None:
        super().__init__(
            f"Cannot {action} run {run_id!r}: it is {status}; {action} needs a run that is "
            f"{expected}.",
            {"run_id": run_id, "status": status, "action": action},
        )


class LimitExceeded(GenesisMeshError):
    """A per-user limit of docs/security.md; `headers` go on the HTTP answer."""

    code = "limit_exceeded"
    http_status = 429
    headers: dict[str, str] | None = None


class RateLimited(LimitExceeded):
    """Too many run starts in the window; `retry_after` says when the next one fits."""

    code = "rate_limited"

    def __init__(self, what: str, retry_after: int, setting: str) -> None:
        super().__init__(
            f"Too many requests: {what}; retry in {retry_after} s (limit: {setting}).",
            {"retry_after": retry_after, "setting": setting},
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "retry_after": self.retry_after}


class TooManyActiveRuns(LimitExceeded):
    code = "too_many_active_runs"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You already have {limit} runs pending or running; wait for one to finish, "
            "pause or cancel one, then start again (limit: "
            "GENESIS_MESH_MAX_ACTIVE_RUNS_PER_USER).",
            {"limit": limit, "setting": "GENESIS_MESH_MAX_ACTIVE_RUNS_PER_USER"},
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


class OriginNotAllowed(GenesisMeshError):
    """A browser page of another site opening /ws (CORS does not cover WebSockets)."""

    code = "origin_not_allowed"
    http_status = 403

    def __init__(self, origin: str) -> None:
        super().__init__(
            f"Pages from {origin[:200]!r} may not open this host's WebSocket; its operator "
            "can list the origin in GENESIS_MESH_ALLOWED_ORIGINS (docs/security.md).",
            {"origin": origin[:200]},
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
