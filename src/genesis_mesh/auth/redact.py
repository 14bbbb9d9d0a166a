"""Keeps credentials out of logs: uvicorn logs every path with its query string."""

from __future__ import annotations

import logging
import re

_CREDENTIAL_IN_QUERY = re.compile(
    r"([?&](?:token|access_token|id_token|api_key|apikey|key|jwt|auth|bearer)=)[^&\s\"']*",
    re.IGNORECASE,
)
_API_KEY = re.compile(r"\bgm_[0-9a-f]{12}_[A-Za-z0-9_-]{20,100}")
_LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    """`text` with credential query values and API keys replaced by `[redacted]`."""
    text = _CREDENTIAL_IN_QUERY.sub(r"\1[redacted]", text)
    return _API_KEY.sub("gm_[redacted]", text)


class RedactCredentials(logging.Filter):
    """Rewrites a record's message arguments (and message) before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install_redaction() -> None:
    """Attach the filter to uvicorn's loggers (idempotent); logger filters apply whatever
    handlers and formats (plain or JSON) are configured."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactCredentials) for f in logger.filters):
            logger.addFilter(RedactCredentials())
