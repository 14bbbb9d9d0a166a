"""Odd inputs for every corpus graph: huge numbers, deep nesting, non-JSON numbers, huge
strings, wrong types. Each is JSON data played on bare LangGraph for its verdict, or raw
body text that is not JSON at all (LangGraph never sees it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fidelity.scenarios import SCENARIOS


@dataclass(frozen=True)
class OddInput:
    name: str
    value: Any = None
    raw: str | None = None
    """The body's `input` as raw text, for what JSON cannot carry (NaN, Infinity)."""


def base_input(graph: str) -> Any:
    """The input of the graph's first scenario: the odd value goes in its first key."""
    return next(s.turns[0].input for s in SCENARIOS if s.graph == graph)


def with_first(base: Any, value: Any) -> Any:
    if isinstance(base, dict) and base:
        return {**base, next(iter(base)): value}
    if isinstance(base, dict):
        return {"odd": value}
    return value


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"inner": [value]}
    return value


def odd_inputs(graph: str) -> list[OddInput]:
    base = base_input(graph)
    return [
        OddInput("integer_past_64_bits", with_first(base, 2**70)),
        OddInput("negative_integer_past_64_bits", with_first(base, -(2**64) - 1)),
        OddInput("whole_input_a_huge_integer", 10**30),
        OddInput("nested_100_deep", with_first(base, nested(100))),
        OddInput("huge_string", with_first(base, "x" * 200_000)),
        OddInput("wrong_type_number", with_first(base, 12345)),
        OddInput("wrong_type_null", with_first(base, None)),
        OddInput("wrong_type_list", [1, "two", None]),
        OddInput("nan", raw='{"value": NaN}'),
        OddInput("infinity", raw='{"value": -Infinity}'),
        OddInput("number_1e999", raw='{"value": 1e999}'),
        OddInput("nested_100000_deep", raw="[" * 100_000 + "]" * 100_000),
        OddInput("body_over_the_limit", with_first(base, "y" * 2_000_000)),
    ]
