"""Run execution: LangGraph stream parts become stored, published events."""

from genesis_mesh.runner.options import RunnerOptions
from genesis_mesh.runner.runner import Runner

__all__ = ["Runner", "RunnerOptions"]
