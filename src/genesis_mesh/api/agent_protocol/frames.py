"""A protocol message as JSON text, encoded once per frame (orjson: a few microseconds for
an event, where `json.dumps` took tens). The same document `json.dumps(message,
default=str)` gives (datetimes and dataclasses go through `str` as there), except that a
NaN or an infinity is `null`, as JSON has them; what orjson refuses (an integer past 64
bits, a lone surrogate) takes `json.dumps` itself."""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def frame_text(message: Any) -> str:
    try:
        return orjson.dumps(message, default=str, option=_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(message, default=str, ensure_ascii=False)
