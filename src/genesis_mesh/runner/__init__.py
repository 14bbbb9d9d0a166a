"""Run execution: LangGraph stream parts become stored, published events."""

from genesis_mesh.runner.runner import Runner, RunnerOptions

__all__ = ["Runner", "RunnerOptions"]
