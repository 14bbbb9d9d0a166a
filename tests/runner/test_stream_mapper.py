"""The last step's completions wait for the run's end (one commit with `run.completed`),
and are never lost when the run fails or is cancelled after its final checkpoint."""

from __future__ import annotations

from typing import Any

from genesis_mesh.protocol import EventType
from genesis_mesh.runner.events import StreamMapper


def _task(task_id: str, name: str, result: dict[str, Any] | None = None) -> tuple[Any, ...]:
    chunk: dict[str, Any] = {"id": task_id, "name": name}
    if result is not None:
        chunk.update(result=result, error=None, interrupts=[])
    return ((), "tasks", chunk)


def _checkpoint(step: int, next_nodes: list[str]) -> tuple[Any, ...]:
    return ((), "checkpoints", {"metadata": {"step": step}, "next": next_nodes, "values": {}})


def _types(drafts: list[Any]) -> list[str]:
    return [
        f"{d.type.value}:{d.node}" if d.type != EventType.STREAM_PART else f"part:{d.data['mode']}"
        for d in drafts
    ]


def test_a_middle_steps_completion_goes_out_with_its_checkpoint() -> None:
    mapper = StreamMapper()
    assert _types(mapper.map(_task("t1", "a"))) == ["node.started:a"]
    assert mapper.map(_task("t1", "a", {"x": 1})) == []
    assert _types(mapper.map(_checkpoint(1, ["b"]))) == ["node.completed:a"]


def test_the_last_steps_completion_waits_for_the_runs_end_in_order() -> None:
    mapper = StreamMapper(recorded=frozenset({"tasks", "checkpoints"}))
    mapper.map(_task("t1", "a"))
    mapper.map(_task("t1", "a", {"x": 1}))
    # final checkpoint: nothing next; the completion and the parts are held, in order
    assert mapper.map(_checkpoint(1, [])) == []
    assert _types(mapper.release()) == ["node.completed:a", "part:tasks", "part:checkpoints"]
    assert mapper.release() == []
    assert mapper.final_values() == {}


def test_a_run_that_fails_after_its_final_checkpoint_still_reports_the_committed_step() -> None:
    mapper = StreamMapper()
    mapper.map(_task("t1", "a"))
    mapper.map(_task("t1", "a", {"x": 1}))
    mapper.map(_checkpoint(1, []))
    assert _types(mapper.committed()) == ["node.completed:a"]
    assert mapper.committed() == []


def test_an_uncommitted_completion_is_not_reported_by_committed() -> None:
    mapper = StreamMapper()
    mapper.map(_task("t1", "a"))
    mapper.map(_task("t1", "a", {"x": 1}))  # its checkpoint never came
    assert mapper.committed() == []
