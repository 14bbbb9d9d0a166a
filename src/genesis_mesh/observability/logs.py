"""Log lines with the request and run they belong to: JSON lines or readable text.

The ids travel in context variables: the request-id middleware binds `request_id` for
everything a request does (tasks it starts inherit it), and code that works for one run
binds `run_id`. Records of uvicorn's own loggers lose their query strings here, because
a URL's query may carry a token (`/ws?token=...`).
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]

request_id_var: ContextVar[str | None] = ContextVar("genesis_mesh_request_id", default=None)
run_id_var: ContextVar[str | None] = ContextVar("genesis_mesh_run_id", default=None)

_QUERY_VALUE = re.compile(r"=[^&#\s]*")


def bind_run_id(run_id: str | None) -> Token[str | None]:
    """Name `run_id` in every log line of the current task and the tasks it starts (the
    runner binds it at the top of each run's task; LangGraph's node tasks inherit it)."""
    return run_id_var.set(run_id)


def redact_query(text: str) -> str:
    """`/ws?token=abc&x=1` -> `/ws?token=…&x=…`: keys stay, values go."""
    path, sep, query = text.partition("?")
    if not sep:
        return text
    return f"{path}?{_QUERY_VALUE.sub('=…', query)}"


class ContextFilter(logging.Filter):
    """Adds `request_id` and `run_id` to each record; strips values from query strings
    in the arguments of uvicorn's access and WebSocket lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.run_id = run_id_var.get()
        if record.name.startswith("uvicorn") and isinstance(record.args, tuple):
            record.args = tuple(
                redact_query(arg) if isinstance(arg, str) and "?" in arg else arg
                for arg in record.args
            )
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, run_id
    (+ exception, the formatted traceback, when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "run_id": getattr(record, "run_id", None),
        }
        if record.exc_info:
            line["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`LEVEL    logger [run=… req=…]: message`, for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(levelname)-8s %(name)s%(ids)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = []
        run_id = getattr(record, "run_id", None)
        request_id = getattr(record, "request_id", None)
        if run_id:
            ids.append(f"run={run_id}")
        if request_id:
            ids.append(f"req={request_id}")
        record.ids = f" [{' '.join(ids)}]" if ids else ""
        return super().format(record)


def log_config(log_format: LogFormat = "text", level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn's `log_config`: uvicorn's loggers and
    the `genesis_mesh` ones, all through one handler on stderr in `log_format`."""
    formatter = "json" if log_format == "json" else "text"
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": formatter,
        "filters": ["context"],
    }
    logger = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {
            "json": {"()": JsonFormatter},
            "text": {"()": TextFormatter},
        },
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": logger,
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": logger,
            "genesis_mesh": logger,
        },
        # Libraries (LangGraph, httpx, graphs' own loggers) speak up from warnings on.
        "root": {"handlers": ["default"], "level": "WARNING"},
    }
