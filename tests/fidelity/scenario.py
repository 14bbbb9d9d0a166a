"""What a fidelity scenario is: runs on threads, with their input, context, config and answers.

A scenario is data, declared once in `scenarios.py` and played by every transport (bare
LangGraph, REST, WebSocket). `UNIQUE` in an input or a context becomes a token fresh for
each play (so plays on one host never share store items) and turns back into `UNIQUE` in
what the play observed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

UNIQUE = "<unique>"


@dataclass(frozen=True)
class Answer:
    """The answer to the pending interrupts: `value` when one is pending; `by_question`
    maps each pending interrupt's `question` text to its answer when several are (the
    transport turns it into LangGraph's `{interrupt_id: answer}` map)."""

    value: Any = None
    by_question: dict[str, Any] | None = None


@dataclass(frozen=True)
class Turn:
    """One run: started on `thread` (a label; the first run on a label makes the thread)
    with `input`, per-run `context` and `config`; each `answers` item resumes it once.
    `fails_with` names the exception LangGraph fails the run with, when it should."""

    input: Any
    thread: str = "main"
    context: dict[str, Any] | None = None
    config: dict[str, Any] | None = None
    answers: tuple[Answer, ...] = ()
    fails_with: str | None = None


@dataclass(frozen=True)
class Scenario:
    """A graph of the corpus and the turns that exercise it."""

    id: str
    graph: str
    turns: tuple[Turn, ...]
    uses_model: bool = False


@dataclass
class Observed:
    """What one play saw: per turn the interrupts at each pause (values, in the order
    LangGraph lists them) and how the run ended; per thread label its final state values;
    per turn, when the transport shows them, the nodes each run segment (a start or a
    resume) completed, in order, each named by its subgraph path (`child/grandchild_step`)."""

    turns: list[dict[str, Any]] = field(default_factory=list)
    states: dict[str, Any] = field(default_factory=dict)
    nodes: list[list[list[str]]] = field(default_factory=list)
    streamed_outputs: list[Any] = field(default_factory=list)
    """Per succeeded turn, the last state values its final run segment streamed."""


def substitute(value: Any, token: str) -> Any:
    """`value` with every `UNIQUE` inside a string replaced by `token`."""
    if isinstance(value, str):
        return value.replace(UNIQUE, token)
    if isinstance(value, dict):
        return {k: substitute(v, token) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [substitute(v, token) for v in value]
    return value
