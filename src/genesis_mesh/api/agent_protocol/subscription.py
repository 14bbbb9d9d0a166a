"""What a subscription asks for (`SubscribeParams` / `EventStreamRequest`), checked on the
way in and applied on the server: channels, namespace prefixes and depth.

Namespace prefixes match as `langgraph-sdk` matches them: segment by segment, and a
prefix segment without `:` also matches a segment with its `:<task id>` suffix
(`["review"]` matches `["review:1f0e…"]`).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CHANNELS = frozenset(
    {
        "values",
        "updates",
        "messages",
        "tools",
        "lifecycle",
        "input",
        "checkpoints",
        "tasks",
        "custom",
    }
)
_SEGMENT = Annotated[str, Field(max_length=400)]


class Filter(BaseModel):
    """Channels, optional namespace prefixes and depth; `since`, where the stream resumes."""

    model_config = ConfigDict(extra="ignore")

    channels: list[str] = Field(min_length=1, max_length=64)
    namespaces: list[Annotated[list[_SEGMENT], Field(max_length=64)]] | None = Field(
        default=None, max_length=64
    )
    depth: int | None = Field(default=None, ge=0, le=1000)
    since: int | None = Field(default=None, ge=0, le=2**53)

    @field_validator("channels")
    @classmethod
    def _known(cls, channels: list[str]) -> list[str]:
        for channel in channels:
            if channel not in CHANNELS and not (
                channel.startswith("custom:") and len(channel) > len("custom:")
            ):
                raise ValueError(
                    f"unknown channel {channel!r}: use {sorted(CHANNELS)} or custom:<name>"
                )
        return channels

    def matches(self, event: dict[str, Any]) -> bool:
        params = event.get("params") or {}
        channel = channel_of(event)
        if channel not in self.channels and not (
            channel.startswith("custom:") and "custom" in self.channels
        ):
            return False
        return namespace_matches(params.get("namespace") or [], self.namespaces, self.depth)


def channel_of(event: dict[str, Any]) -> str:
    method = str(event.get("method"))
    if method == "input.requested":
        return "input"
    if method == "custom":
        data = (event.get("params") or {}).get("data")
        name = data.get("name") if isinstance(data, dict) else None
        return f"custom:{name}" if name else "custom"
    return method


def _prefix(namespace: list[str], prefix: list[str]) -> bool:
    if len(prefix) > len(namespace):
        return False
    for segment, candidate in zip(prefix, namespace, strict=False):
        if candidate == segment:
            continue
        if ":" in segment or candidate.partition(":")[0] != segment:
            return False
    return True


def namespace_matches(
    namespace: list[str], prefixes: list[list[str]] | None, depth: int | None
) -> bool:
    if not prefixes:
        return True  # as langgraph-sdk reads it: depth counts below a prefix
    return any(
        _prefix(namespace, prefix) and (depth is None or len(namespace) - len(prefix) <= depth)
        for prefix in prefixes
    )


def subscription_token(number: int, wanted: Filter) -> str:
    """A WebSocket subscription's id: `sub-<n>.` and its filter (without `since`), so that
    `subscription.reconnect` restores it on any socket of any process, after a restart."""
    body = wanted.model_dump(exclude={"since"}, exclude_none=True)
    packed = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return f"sub-{number}." + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def filter_of(subscription_id: str) -> Filter | None:
    """The filter a subscription id carries; None for one this host did not make."""
    head, dot, packed = subscription_id.partition(".")
    if not dot or not head.startswith("sub-"):
        return None
    try:
        raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        return Filter.model_validate(json.loads(raw))
    except (binascii.Error, ValueError, ValidationError, RecursionError):
        return None
