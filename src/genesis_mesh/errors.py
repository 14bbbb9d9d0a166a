"""The error tree of genesis-mesh: every error has a wire code and says what to do next.

GenesisMeshError
├── NotFound            (not_found)          404
│   ├── GraphNotFound   (graph_not_found)
│   ├── RunNotFound     (run_not_found)
│   ├── ThreadNotFound  (thread_not_found)
│   ├── UploadNotFound  (upload_not_found)
│   ├── AssistantNotFound (assistant_not_found)
│   └── StoreItemNotFound (store_item_not_found)
├── GraphUnavailable    (graph_unavailable)  503
├── ChatModelNotConfigured (chat_model_not_configured) 503
├── InvalidInput        (invalid_input)      422
│   ├── AnswerRequired  (answer_required)
│   ├── AnswersByIdRequired (answers_by_id_required)
│   ├── UnknownInterrupt (unknown_interrupt)
│   ├── UnsupportedOption (unsupported_option)
│   ├── InvalidContext  (invalid_context)    a run's context or config LangGraph refuses
│   └── ContextLocked   (context_locked)     a context key the operator or graph fixes
├── TokenInUrl          (token_in_url)       400
├── ArchiveTooLarge     (archive_too_large)  413
├── UnsupportedArchive  (unsupported_archive) 415  the content type is not an archive's
├── ArchiveRefused      (archive_refused)    422  detail.rule names the check
├── OriginNotAllowed    (origin_not_allowed) 403 (a refused /ws handshake)
├── Unauthorized        (unauthorized)       401
│   ├── AuthenticationRequired (authentication_required)
│   ├── InvalidToken    (invalid_token)
│   └── TokenExpired    (token_expired)
├── Conflict            (conflict)           409
│   ├── ThreadBusy      (thread_busy)
│   ├── StopTimedOut    (stop_timed_out)
│   ├── AlreadySubscribed (already_subscribed)
│   ├── InvalidRunState (invalid_run_state)
│   └── AlreadyExists   (already_exists)
└── LimitExceeded       (limit_exceeded)     429
    ├── RateLimited     (rate_limited)       with Retry-After
    ├── TooManyActiveRuns (too_many_active_runs)
    └── TooManyUploads  (too_many_uploads)
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


class UploadNotFound(NotFound):
    code = "upload_not_found"

    def __init__(self, upload_id: str) -> None:
        super().__init__(
            f"No upload with id {upload_id!r}; uploads expire "
            "(GENESIS_MESH_UPLOAD_TTL_SECONDS): send the archive again with "
            "POST /api/v1/uploads.",
            {"upload_id": upload_id},
        )


class AssistantNotFound(NotFound):
    code = "assistant_not_found"

    def __init__(self, assistant_id: str) -> None:
        super().__init__(
            f"No assistant with id {assistant_id!r}; POST /assistants/search lists them "
            "(every graph of langgraph.json has one, addressable by the graph's name).",
            {"assistant_id": assistant_id},
        )


class StoreItemNotFound(NotFound):
    code = "store_item_not_found"

    def __init__(self, namespace: list[str], key: str) -> None:
        super().__init__(
            f"No store item {key!r} in namespace {namespace!r} of yours; "
            "POST /store/items/search lists your items (PUT /store/items stores one).",
            {"namespace": namespace, "key": key},
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


class AnswerRequired(InvalidInput):
    """A resume without an answer to a run that asked a question (LangGraph 1.2 fails
    the run on `Command(resume=None)`); the run keeps waiting."""

    code = "answer_required"

    def __init__(self, run_id: str, pending: list[str], empty_map: bool = False) -> None:
        why = (
            "an empty object is a map of answers by interrupt id naming none"
            if empty_map
            else "a resume without a value"
        )
        super().__init__(
            f"Run {run_id!r} waits for an answer and {why} gives it none; resume with "
            '"value" set to the answer (one interrupt pending) or to a map '
            "{interrupt id: answer}. The run keeps waiting.",
            {"run_id": run_id, "pending_interrupt_ids": pending},
        )


class AnswersByIdRequired(InvalidInput):
    """One plain value for a run with several interrupts pending: LangGraph cannot tell
    which it answers; the run keeps waiting."""

    code = "answers_by_id_required"

    def __init__(self, run_id: str, pending: list[str]) -> None:
        super().__init__(
            f"Run {run_id!r} waits on {len(pending)} interrupts ({', '.join(pending)}); "
            'resume with "value" a map {interrupt id: answer} (RunInfo.interrupt.interrupts '
            "lists them). The run keeps waiting.",
            {"run_id": run_id, "pending_interrupt_ids": pending},
        )


class UnknownInterrupt(InvalidInput):
    code = "unknown_interrupt"

    def __init__(self, run_id: str, unknown: list[str], pending: list[str]) -> None:
        super().__init__(
            f"Run {run_id!r} has no pending interrupt {', '.join(unknown)}; answer only the "
            f"pending ones ({', '.join(pending) or 'none'}). The run keeps waiting.",
            {"run_id": run_id, "interrupt_ids": unknown, "pending_interrupt_ids": pending},
        )


class UnsupportedOption(InvalidInput):
    code = "unsupported_option"

    def __init__(self, option: str, why: str) -> None:
        super().__init__(
            f"{option!r} is not supported by this host: {why} Leave it out; "
            "docs/langgraph-api.md lists what is served.",
            {"option": option},
        )


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


class AlreadyExists(Conflict):
    code = "already_exists"

    def __init__(self, kind: str, record_id: str) -> None:
        super().__init__(
            f"A {kind} with id {record_id!r} already exists; choose another id, or send "
            "if_exists='do_nothing' to get the existing one.",
            {"kind": kind, "id": record_id},
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


class ArchiveTooLarge(GenesisMeshError):
    """The uploaded archive itself is over the size limit (counted while it arrives)."""

    code = "archive_too_large"
    http_status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The archive is over {limit} bytes; upload only the content folder, or raise "
            "GENESIS_MESH_UPLOAD_MAX_BYTES.",
            {"limit": limit, "setting": "GENESIS_MESH_UPLOAD_MAX_BYTES"},
        )


class UnsupportedArchive(GenesisMeshError):
    code = "unsupported_archive"
    http_status = 415

    def __init__(self) -> None:
        super().__init__(
            "The content type is not an archive type; send the .zip or .tar.gz itself as "
            "the body (not a form) with Content-Type application/zip or application/gzip.",
            {"accepted": ["application/zip", "application/gzip"]},
        )


class ArchiveRefused(GenesisMeshError):
    """An archive member breaks a rule a hostile archive would exploit; nothing of the
    archive is kept. `detail.rule` names the rule, `detail.member` the entry."""

    code = "archive_refused"
    http_status = 422

    def __init__(self, rule: str, message: str, member: str | None = None) -> None:
        shown = f" ({member[:200]!r})" if member else ""
        super().__init__(
            f"The archive was refused{shown}: {message}", {"rule": rule, "member": member}
        )
        self.rule = rule


class TooManyUploads(LimitExceeded):
    code = "too_many_uploads"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You already have {limit} uploads; they expire after "
            "GENESIS_MESH_UPLOAD_TTL_SECONDS (limit: GENESIS_MESH_UPLOAD_MAX_PER_USER).",
            {"limit": limit, "setting": "GENESIS_MESH_UPLOAD_MAX_PER_USER"},
        )
