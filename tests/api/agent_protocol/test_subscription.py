"""Subscription filters as `langgraph-sdk` reads them, applied on the server."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from genesis_mesh.api.agent_protocol.subscription import Filter, filter_of, subscription_token


def _event(method: str, namespace: list[str], data: object = None) -> dict[str, object]:
    return {"type": "event", "method": method, "params": {"namespace": namespace, "data": data}}


def test_a_namespace_prefix_matches_its_subgraph_at_any_task_id_and_below() -> None:
    wanted = Filter(channels=["updates"], namespaces=[["review"]])
    assert wanted.matches(_event("updates", ["review:1f0e"]))
    assert wanted.matches(_event("updates", ["review:1f0e", "inner:9"]))
    assert not wanted.matches(_event("updates", []))
    assert not wanted.matches(_event("updates", ["reviewer:1"]))
    assert not wanted.matches(_event("values", ["review:1f0e"]))


def test_depth_counts_below_the_prefix() -> None:
    root_only = Filter(channels=["updates"], namespaces=[[]], depth=0)
    assert root_only.matches(_event("updates", []))
    assert not root_only.matches(_event("updates", ["review:1"]))
    one_down = Filter(channels=["updates"], namespaces=[["review"]], depth=1)
    assert one_down.matches(_event("updates", ["review:1", "inner:2"]))
    assert not one_down.matches(_event("updates", ["review:1", "inner:2", "deep:3"]))


def test_input_and_named_custom_channels() -> None:
    assert Filter(channels=["input"]).matches(_event("input.requested", []))
    named = _event("custom", [], {"name": "progress", "payload": 1})
    assert Filter(channels=["custom:progress"]).matches(named)
    assert Filter(channels=["custom"]).matches(named)
    assert not Filter(channels=["custom:other"]).matches(named)


def test_an_unknown_channel_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValidationError, match="custom:<name>"):
        Filter(channels=["everything"])


def test_a_subscription_id_carries_its_filter_and_a_foreign_id_none() -> None:
    wanted = Filter(channels=["updates", "custom:progress"], namespaces=[["review"]], depth=1)
    token = subscription_token(3, Filter(**{**wanted.model_dump(), "since": 40}))
    assert token.startswith("sub-3.")
    assert filter_of(token) == wanted
    assert filter_of("sub-1") is None
    assert filter_of("sub-1.!!!") is None
    assert filter_of("sub-1." + token.partition(".")[2][:-4]) is None
