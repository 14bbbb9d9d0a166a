"""Interrupts as LangGraph has them: every pending one, and the resumes it can take.

`pending_interrupts` reads a waiting thread and lists each pending interrupt with the
node that asked and that node's namespace (`["child:<task id>"]` inside a subgraph),
shaped like `langgraph.types.Interrupt` (`id`, `value`) plus `node` and `namespace`.

`resume_command` checks a resume against what the run waits for before anything reaches
LangGraph, which would otherwise fail the run half-way: `Command(resume=None)` raises
`UnboundLocalError` in LangGraph 1.2, and a single value with several interrupts pending
raises `RuntimeError`. What LangGraph takes (one value for one interrupt, a map by id,
`goto` and `update` beside either) becomes its `Command`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.pregel import Pregel
from langgraph.types import Command, Send, StateSnapshot

from genesis_mesh.errors import AnswerRequired, AnswersByIdRequired, UnknownInterrupt
from genesis_mesh.serialization import serialize

INTERRUPT_ID = re.compile(r"[0-9a-f]{32}")
"""LangGraph's interrupt ids (xxh3-128 hex digests); a dict whose keys all look like this
is a resume map to LangGraph (`pregel/_loop.py`), anything else is one value."""


async def pending_interrupts(
    graph: Pregel[Any, Any, Any, Any], config: RunnableConfig
) -> list[dict[str, Any]]:
    """Every interrupt the thread waits on, in LangGraph's order, with who asked."""
    state = await graph.aget_state(config, subgraphs=True)
    askers: dict[str, tuple[str | None, list[str]]] = {}
    for interrupt_id, asker in _askers(state, []):
        askers.setdefault(interrupt_id, asker)
    pending = []
    for item in state.interrupts:
        node, namespace = askers.get(item.id, (None, []))
        pending.append(
            {"id": item.id, "value": serialize(item.value), "node": node, "namespace": namespace}
        )
    return pending


def _askers(
    state: StateSnapshot, namespace: list[str]
) -> Iterator[tuple[str, tuple[str | None, list[str]]]]:
    """(interrupt id, (node, namespace)) for each interrupt, innermost asker first."""
    for task in state.tasks:
        if isinstance(task.state, StateSnapshot):
            inner_ns = task.state.config.get("configurable", {}).get("checkpoint_ns", "")
            yield from _askers(task.state, [part for part in str(inner_ns).split("|") if part])
        for item in task.interrupts:
            yield item.id, (task.name, namespace)


def question_interrupt(pending: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """`RunInfo.interrupt` of a run waiting on `pending` (the first is also given in the
    single-interrupt fields `question`, `interrupt_id`, `node` that 1.x clients read)."""
    first = pending[0]
    return {
        "reason": "question",
        "question": first["value"],
        "interrupt_id": first["id"],
        "node": first["node"],
        "namespace": first["namespace"],
        "interrupts": list(pending),
    }


def is_resume_map(value: Any) -> bool:
    """LangGraph's own rule: a dict keyed by interrupt ids only answers them by id."""
    return isinstance(value, dict) and all(
        isinstance(key, str) and INTERRUPT_ID.fullmatch(key) for key in value
    )


def resume_command(
    run_id: str,
    interrupt: dict[str, Any] | None,
    value: Any,
    goto: Any = None,
    update: Any = None,
) -> Command[Any] | None:
    """The LangGraph input that resumes a run waiting on `interrupt` (its `RunInfo.interrupt`),
    or None to continue a paused or failed run as it stands. Raises before the run is
    touched when LangGraph could not take the resume."""
    if (interrupt or {}).get("reason") == "question":
        assert interrupt is not None
        check_answer(run_id, _pending_ids(interrupt), value, goto is not None or update is not None)
        return build_command(value, goto, update)
    if goto is None and update is None:
        return None
    return build_command(None, goto, update)


def check_answer(run_id: str, pending: list[str], value: Any, steers: bool) -> None:
    """Refuse what LangGraph 1.2 cannot take: no answer, one answer for several
    questions, or answers to questions that are not pending."""
    if isinstance(value, dict) and value and is_resume_map(value):
        unknown = sorted(set(value) - set(pending))
        if unknown:
            raise UnknownInterrupt(run_id, unknown, pending)
        return
    if value == {}:
        raise AnswerRequired(run_id, pending, empty_map=True)
    if value is None:
        if not steers:
            raise AnswerRequired(run_id, pending)
        return
    if len(pending) > 1:
        raise AnswersByIdRequired(run_id, pending)


def build_command(value: Any, goto: Any = None, update: Any = None) -> Command[Any]:
    """A LangGraph `Command` from the JSON a client sent (a `goto` entry may be a
    `{"node", "arg"}` object: LangGraph's `Send`)."""
    kwargs: dict[str, Any] = {}
    if value is not None:
        kwargs["resume"] = value
    if update is not None:
        kwargs["update"] = [tuple(pair) for pair in update] if isinstance(update, list) else update
    if goto is not None:
        kwargs["goto"] = [_target(t) for t in goto] if isinstance(goto, list) else _target(goto)
    return Command(**kwargs)


def _target(target: Any) -> str | Send:
    if isinstance(target, dict):
        return Send(str(target["node"]), target.get("arg"))
    return str(target)


def _pending_ids(interrupt: dict[str, Any]) -> list[str]:
    listed = interrupt.get("interrupts")
    if isinstance(listed, list) and listed:
        return [str(item.get("id")) for item in listed if isinstance(item, dict)]
    single = interrupt.get("interrupt_id")
    return [str(single)] if single else []
