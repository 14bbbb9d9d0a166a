"""The one serializer: state values as LangGraph Server shows them, as plain JSON data.

Every place that hands a graph's values to a client uses `serialize` (run output,
`node.completed` updates, `/state`, `/history`, interrupts, recovery) so a value looks the
same wherever it is read, and what a client reads back it can send back as input.

The rules are LangGraph Server's (`langgraph_api/serde.py`, an orjson `default`):
pydantic models, LangChain messages included, become their `model_dump()` (a message is
`{"type": "human", "content": ..., "id": ..., "additional_kwargs": ..., ...}`, which
LangChain's `convert_to_messages` accepts back); dataclasses and named tuples become
objects; sets, frozensets and deques lists; datetimes ISO 8601 text; UUIDs, paths and IP
addresses text; enums their value; bytes base64 text; timedeltas seconds; exceptions
`{"error", "message"}`; NaN and infinities `null`; keys text; anything else `null`. NUL
characters are dropped and lone surrogates become `?` (neither can travel as UTF-8 JSON
nor be stored by PostgreSQL).

Values orjson cannot take (integers past 64 bits, nesting past its 254 levels, cycles)
go through a slower walk with the same rules that keeps big integers and cuts nesting at
`MAX_DEPTH` levels (deeper values become `null`).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import decimal
import enum
import ipaddress
import json
import math
import re
import uuid
from collections import deque
from collections.abc import Mapping
from pathlib import PurePath
from re import Pattern
from typing import Any

import orjson

__all__ = ["MAX_DEPTH", "dumps", "serialize"]

MAX_DEPTH = 200
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_TEXT_TYPES = (
    uuid.UUID,
    PurePath,
    ipaddress.IPv4Address,
    ipaddress.IPv4Interface,
    ipaddress.IPv4Network,
    ipaddress.IPv6Address,
    ipaddress.IPv6Interface,
    ipaddress.IPv6Network,
)


def serialize(value: Any) -> Any:
    """A JSON-safe copy of `value` (dicts, lists, str, int, float, bool, None) as
    LangGraph Server would send it."""
    data = _fast(value)
    return _walk(value, 0) if data is None else orjson.loads(data)


def dumps(value: Any) -> bytes:
    """`value` as UTF-8 JSON bytes, by the rules of `serialize`."""
    data = _fast(value)
    if data is None:
        return json.dumps(_walk(value, 0), ensure_ascii=False, separators=(",", ":")).encode()
    return data


def _fast(value: Any) -> bytes | None:
    """orjson's encoding, or None when the slow walk must do it (an integer past 64 bits,
    nesting past 254 levels, a cycle, a lone surrogate, a NUL character)."""
    try:
        data = orjson.dumps(value, default=_default, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError
        return None
    return None if b"\\u0000" in data else data


def _default(obj: Any) -> Any:
    """What orjson cannot serialize by itself (it handles dataclasses, datetimes, UUIDs,
    enums and numpy arrays natively)."""
    if isinstance(obj, type):
        return None
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        return dump()
    as_dict = getattr(obj, "_asdict", None)
    if callable(as_dict):
        return as_dict()
    if isinstance(obj, set | frozenset | deque):
        return list(obj)
    return _scalar(obj)


def _scalar(obj: Any) -> Any:
    if isinstance(obj, BaseException):
        return {"error": type(obj).__name__, "message": str(obj)}
    if isinstance(obj, dt.timedelta):
        return obj.total_seconds()
    if isinstance(obj, decimal.Decimal):
        if not obj.is_finite():
            return None
        exponent = obj.as_tuple().exponent
        return float(obj) if isinstance(exponent, int) and exponent < 0 else int(obj)
    if isinstance(obj, _TEXT_TYPES):
        return str(obj)
    if isinstance(obj, dt.tzinfo):
        return obj.tzname(None)
    if isinstance(obj, Pattern):
        return obj.pattern
    if isinstance(obj, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(obj)).decode()
    legacy = getattr(obj, "dict", None)
    if callable(legacy) and not isinstance(obj, Mapping):
        try:
            return legacy()
        except TypeError:
            return None
    return None


def _walk(value: Any, depth: int) -> Any:
    """The slow path: the same rules in Python, for what orjson refused."""
    if depth > MAX_DEPTH:
        return None
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, enum.Enum):
        return _walk(value.value, depth + 1)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {_key(k): _walk(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple) and not hasattr(value, "_asdict"):
        return [_walk(v, depth + 1) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _walk(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value)}
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    try:
        converted = _default(value)
    except Exception:
        return None
    if converted is None:
        return None
    return _walk(converted, depth + 1)


def _text(value: str) -> str:
    if "\x00" in value:
        value = value.replace("\x00", "")
    return _SURROGATES.sub("?", value) if _SURROGATES.search(value) else value


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _text(key)
    if key is None or isinstance(key, bool):
        return "null" if key is None else str(key).lower()
    if isinstance(key, enum.Enum):
        return _key(key.value)
    if isinstance(key, dt.datetime | dt.date | dt.time):
        return key.isoformat()
    return _text(str(key))
