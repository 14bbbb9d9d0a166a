"""Every knob of genesis-mesh, read from the environment or a `.env` file.

Settings are built by whoever needs them (the host's constructor, the CLI) and
passed down; there is no module-level instance.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    """Configuration of one genesis-mesh process (prefix `GENESIS_MESH_`)."""

    model_config = SettingsConfigDict(
        env_prefix="GENESIS_MESH_", env_file=".env", extra="ignore", populate_by_name=True
    )

    config: Path = Field(
        default=Path("langgraph.json"), description="Path of the langgraph.json to load."
    )
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="Folder for embedded data.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the run store; default a SQLite file in data_dir.",
    )
    checkpoint_url: str = Field(
        default="",
        description="Where LangGraph checkpoints live; default derived from database_url.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)

    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed on the WebSocket and by CORS (comma-separated).",
    )
    allow_credentials: bool = False

    # ---- authentication (docs/security.md) ----
    auth: Literal["auto", "required", "off"] = Field(
        default="auto",
        description="auto: off on a loopback bind, required otherwise; off is refused on a "
        "non-loopback bind unless auth_force_off is set.",
    )
    auth_force_off: bool = Field(
        default=False, description="Allow auth=off on a non-loopback bind (anyone is 'local')."
    )
    ws_auth_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a /ws client has to send its auth message."
    )
    ws_auth_recheck_seconds: float = Field(
        default=60.0, gt=0, description="How often an open /ws checks that its key is live."
    )
    jwt_key: SecretStr = Field(
        default=SecretStr(""),
        description="JWT verification key: the shared secret (HS*) or a PEM public key; "
        "empty disables JWTs.",
    )
    jwt_algorithms: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["HS256"])
    jwt_issuer: str = ""
    jwt_audience: str = ""
    jwt_user_claim: str = "sub"
    jwt_roles_claim: str = "roles"
    jwt_admin_role: str = "admin"
    jwt_leeway_seconds: float = Field(default=0.0, ge=0, le=300)

    max_request_bytes: int = Field(default=1_000_000, ge=1024)
    max_header_bytes: int = Field(
        default=65_536, ge=4096, description="Largest request line plus headers."
    )
    ws_max_message_bytes: int = Field(default=256_000, ge=1024)
    ws_send_queue_size: int = Field(default=2_000, ge=10)
    ws_ping_interval: float = Field(default=20.0, gt=0)
    ws_ping_timeout: float = Field(default=20.0, gt=0)

    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`json`: one JSON object per line (for log shippers); `text`: for people.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    run_starts_per_minute: int = Field(default=60, ge=1, description="Per user.")
    max_active_runs_per_user: int = Field(
        default=20, ge=1, description="Runs pending or running at once, per user."
    )
    ws_max_sockets_per_user: int = Field(default=100, ge=1)
    ws_messages_per_second: float = Field(default=20.0, gt=0, description="Per socket.")
    ws_message_burst: int = Field(
        default=100,
        ge=1,
        description="Messages a socket may send at once; as many refused in a row close it.",
    )

    durability: Literal["sync", "async", "exit"] = "sync"
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="What a commit to the embedded SQLite files survives: FULL, a power loss "
        "or OS crash; NORMAL (faster), a killed process but maybe not a power loss "
        "(docs/durability.md).",
    )
    max_concurrent_runs: int = Field(default=1_000, ge=1)
    shutdown_grace_seconds: float = Field(default=5.0, ge=0)
    dev_reload: bool = Field(
        default=False,
        description="Reload graph modules and langgraph.json when they change, in-process "
        "(set by `genesis-mesh dev`).",
    )
    redis_url: str = Field(
        default="",
        description="Redis for event fan-out, signals and worker wake-ups; setting it (with a "
        "PostgreSQL database_url) turns on the scale-out mode.",
    )
    run_worker: bool = Field(
        default=True,
        description="Whether this process executes runs (scale-out: false makes an API-only "
        "process; `genesis-mesh worker` is a worker without HTTP).",
    )
    worker_id: str = Field(default="", description="Name of this worker; default host-pid.")
    lease_seconds: float = Field(default=30.0, gt=0, description="How long a claim holds a run.")
    heartbeat_seconds: float = Field(
        default=5.0, gt=0, description="How often a worker renews its leases."
    )
    max_recoveries: int = Field(
        default=3, ge=0, description="Claims after a lost worker before the run fails."
    )
    claim_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often an idle worker looks for runs without a wake-up."
    )
    run_timeout_seconds: float = Field(
        default=3600.0, gt=0, description="Wall time one attempt of a run may take."
    )
    interrupt_wait_seconds: float = Field(
        default=30.0, ge=0, description="How long pause/cancel wait for the run to stop."
    )
    upload_max_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1024,
        description="Largest archive POST /api/v1/uploads takes.",
    )
    upload_max_unpacked_bytes: int = Field(
        default=500 * 1024 * 1024, ge=1024, description="Bytes an upload may unpack to."
    )
    upload_max_files: int = Field(
        default=20_000, ge=1, description="Files and folders an uploaded archive may hold."
    )
    upload_max_ratio: int = Field(
        default=100,
        ge=2,
        description="Unpacked / packed size above which an archive (or a zip entry) is "
        "refused as a zip bomb (checked beyond the first MiB).",
    )
    upload_max_per_user: int = Field(default=20, ge=1, description="Uploads kept per user.")
    upload_ttl_seconds: float = Field(
        default=24 * 3600.0, gt=0, description="Uploads are deleted this long after arriving."
    )
    # ---- LangGraph API webhooks (docs/langgraph-api.md) ----
    webhook_allow_http: bool = Field(
        default=False, description="Allow plain http:// webhook URLs (https only otherwise)."
    )
    webhook_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts or addresses a webhook may reach although they are loopback or "
        "private (comma-separated, e.g. 127.0.0.1 for tests); public addresses need none.",
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    webhook_attempts: int = Field(default=3, ge=1, le=10, description="Tries, with backoff.")
    cron_poll_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="How often a host looks for due crons."
    )

    # ---- LLM response cache (docs/llm.md) ----
    llm_cache: Literal["off", "opt-in", "on"] = Field(
        default="off",
        description="Answer identical model calls from a cache: off; opt-in (graphs whose "
        'langgraph.json entry has "llm_cache": true); on (every graph but those with '
        '"llm_cache": false).',
    )
    llm_cache_url: str = Field(
        default="",
        description="SQLAlchemy URL of the cache's table; default the run store's PostgreSQL "
        "database, or a SQLite file beside the embedded one (scale-out: Redis instead).",
    )
    llm_cache_ttl_seconds: int = Field(
        default=0,
        ge=0,
        description="How long a cached answer is served, in seconds (SQL: older rows are "
        "missed and deleted; Redis: the keys' expiry); 0: until deleted or evicted.",
    )
    llm_cache_prefix: str = Field(
        default="genesis_mesh:llm_cache:", min_length=1, description="Redis key prefix."
    )

    graph_context: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='Per-graph runtime context values, e.g. {"topical_mesh": {...}} (JSON).',
    )

    @field_validator("webhook_allowed_hosts", mode="before")
    @classmethod
    def _split_webhook_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip().strip("[]").lower() for item in value.split(",") if item.strip()]
        return value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip().rstrip("/") for item in value.split(",") if item.strip()]
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _refuse_origin_patterns(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and "*" in origin:
                raise ValueError(
                    f"GENESIS_MESH_ALLOWED_ORIGINS has the pattern {origin!r}: origins are "
                    "compared exactly, so it would match nothing, and a wildcard over a "
                    "shared domain such as *.vercel.app would admit anyone's site there; "
                    "list each origin (docs/security.md)."
                )
        return value

    @field_validator("sqlite_synchronous", mode="before")
    @classmethod
    def _upper_synchronous(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("jwt_algorithms", mode="before")
    @classmethod
    def _split_algorithms(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_wildcard_with_credentials(self) -> Settings:
        if "*" in self.allowed_origins and self.allow_credentials:
            raise ValueError(
                "GENESIS_MESH_ALLOWED_ORIGINS='*' together with "
                "GENESIS_MESH_ALLOW_CREDENTIALS=true would let any web page act as the "
                "signed-in user; list the allowed origins explicitly instead."
            )
        return self

    @model_validator(mode="after")
    def _scale_out_needs_postgres(self) -> Settings:
        if self.redis_url and not self.resolved_database_url().startswith("postgresql"):
            raise ValueError(
                "GENESIS_MESH_REDIS_URL turns on the scale-out mode, which needs a shared "
                "PostgreSQL run store: set GENESIS_MESH_DATABASE_URL=postgresql+psycopg://... "
                "(or unset GENESIS_MESH_REDIS_URL for the embedded mode)."
            )
        if self.redis_url and not _same_database(
            self.resolved_checkpoint_url(), self.resolved_database_url()
        ):
            raise ValueError(
                "In the scale-out mode checkpoints live in the run store's database (a "
                "checkpoint write checks the run's claim in its own transaction): unset "
                "GENESIS_MESH_CHECKPOINT_URL or point it at GENESIS_MESH_DATABASE_URL's "
                "database."
            )
        if self.heartbeat_seconds * 2 > self.lease_seconds:
            raise ValueError(
                "GENESIS_MESH_HEARTBEAT_SECONDS must be at most half of "
                "GENESIS_MESH_LEASE_SECONDS, or a slow heartbeat loses a live worker's runs."
            )
        return self

    @property
    def scale_out(self) -> bool:
        """Runs are dispatched through the PostgreSQL queue and Redis, across processes."""
        return bool(self.redis_url)

    def resolved_worker_id(self) -> str:
        return self.worker_id or f"{socket.gethostname()}-{os.getpid()}"

    @model_validator(mode="after")
    def _refuse_auth_off_on_public_bind(self) -> Settings:
        if self.auth == "off" and not is_loopback(self.host) and not self.auth_force_off:
            raise ValueError(
                f"GENESIS_MESH_AUTH=off on the non-loopback address {self.host!r} would let "
                "anyone who reaches the port read and drive every run; use API keys or JWTs "
                "(docs/security.md), or set GENESIS_MESH_AUTH_FORCE_OFF=true if something in "
                "front of the host already authenticates."
            )
        return self

    def auth_enabled(self) -> bool:
        """Whether requests must authenticate (`auto`: unless bound to loopback only)."""
        if self.auth == "auto":
            return not is_loopback(self.host)
        return self.auth == "required"

    def upload_dir(self) -> Path:
        """Where uploaded sites are unpacked, one folder per upload (shared by API
        processes and workers in the scale-out mode)."""
        return self.data_dir / "uploads"

    def resolved_database_url(self) -> str:
        """The run store URL, defaulting to a SQLite file in `data_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'genesis-mesh.db').as_posix()}"

    def resolved_checkpoint_url(self) -> str:
        """The checkpointer location: a SQLite file path or a PostgreSQL conninfo."""
        if self.checkpoint_url:
            return self.checkpoint_url
        url = self.resolved_database_url()
        if url.startswith("postgresql"):
            rest = url.split("://", 1)[1]
            return "postgresql://" + rest
        if url.startswith("sqlite"):
            path = url.split(":///", 1)[1] if ":///" in url else ":memory:"
            if path in ("", ":memory:"):
                return ":memory:"
            return str(Path(path).with_suffix(".checkpoints.db"))
        raise ValueError(f"unsupported database URL {url!r}: use sqlite+aiosqlite or postgresql")

    def resolved_llm_cache_url(self) -> str:
        """The LLM cache's SQLAlchemy URL (a synchronous driver: LangChain's cache is
        called from worker threads): the run store's PostgreSQL database, or a SQLite
        file beside the embedded run store."""
        if self.llm_cache_url:
            return self.llm_cache_url
        url = self.resolved_database_url()
        if url.startswith("postgresql"):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path in ("", ":memory:"):
            return "sqlite://"
        return "sqlite:///" + Path(path).with_suffix(".llm-cache.db").as_posix()

    def resolved_store_location(self) -> str:
        """Where the LangGraph store (graphs' long-term memory) lives: the checkpointer's
        PostgreSQL database, or a SQLite file beside the checkpoints."""
        location = self.resolved_checkpoint_url()
        if location.startswith(("postgresql://", "postgres://")) or location == ":memory:":
            return location
        path = Path(location)
        if ".checkpoints" in path.name:
            return str(path.with_name(path.name.replace(".checkpoints", ".store")))
        return str(path.with_suffix(".store.db"))


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback IP addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _same_database(checkpoint_url: str, database_url: str) -> bool:
    """Whether a PostgreSQL conninfo (URL or `key=value`) and a SQLAlchemy URL name the
    same database (host, port and name; user and options may differ)."""
    from psycopg.conninfo import conninfo_to_dict

    def where(conninfo: str) -> tuple[object, ...]:
        try:
            parts = conninfo_to_dict(conninfo)
        except Exception:
            return (conninfo,)
        return (parts.get("host"), str(parts.get("port") or 5432), parts.get("dbname"))

    url = database_url.split("://", 1)
    return where(checkpoint_url) == where("postgresql://" + url[-1])
