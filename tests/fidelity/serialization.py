"""State as LangGraph Server shows it, and the normalisation of ids that are random.

LangGraph Server encodes values with pydantic's `model_dump()` (so a message is its dict:
`type`, `content`, `id`, `tool_calls`, ...) and dataclasses field by field; this module
does the same for the bare plays, so all transports are compared in one form.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from pydantic import BaseModel

RANDOM_ID = re.compile(
    r"^(?:(?:run-|lc_run--|lc_)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"(?:-\d+)?|chatcmpl-[0-9A-Za-z]+)$"
)


def server_json(value: Any) -> Any:
    """`value` encoded the way LangGraph Server encodes state, as plain JSON data."""
    return json.loads(json.dumps(_plain(value), allow_nan=False))


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _plain(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def normalise(value: Any, token: str | None = None) -> Any:
    """`value` with random ids (uuids, `run-…`, `chatcmpl-…`) renamed `<id 1>`, `<id 2>`, …
    in order of first appearance (so equal ids stay equal), and `token` written back as
    the scenario's `UNIQUE` marker."""
    names: dict[str, str] = {}

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            if RANDOM_ID.match(item):
                return names.setdefault(item, f"<id {len(names) + 1}>")
            return item.replace(token, "<unique>") if token else item
        if isinstance(item, dict):
            return {k: walk(item[k]) for k in sorted(item)}
        if isinstance(item, list):
            return [walk(v) for v in item]
        return item

    return walk(value)
