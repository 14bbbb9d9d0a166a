"""The host's own metadata keys (`genesis_*`) are not the LangGraph Server's.

The runner stamps them into every run's config metadata: the run that wrote a checkpoint
(recovery and rollback read it) and, on the scale-out mode, the worker and claim attempt
(fencing reads those). LangGraph forwards config metadata into checkpoint metadata, task
payloads, message metadata and stream events, so without this a LangGraph client saw
them, and saw different metadata on the embedded and the scale-out mode for one run.
"""

from __future__ import annotations

from typing import Any

from genesis_mesh.runner.config import HOST_METADATA_PREFIX

WITH_METADATA = frozenset({"checkpoints", "tasks", "events"})
"""LangGraph modes whose part has a `metadata` of its own (`debug` has it in `payload`)."""


def without_host_keys(metadata: Any) -> Any:
    if not isinstance(metadata, dict):
        return metadata
    if not any(isinstance(k, str) and k.startswith(HOST_METADATA_PREFIX) for k in metadata):
        return metadata
    return {k: v for k, v in metadata.items() if not k.startswith(HOST_METADATA_PREFIX)}


def _metadata_cleaned(data: dict[str, Any]) -> dict[str, Any]:
    if "metadata" not in data:
        return data
    return {**data, "metadata": without_host_keys(data["metadata"])}


def client_part(mode: str, data: Any) -> Any:
    """A recorded part of LangGraph stream mode `mode`, as a LangGraph client gets it."""
    if mode == "messages" and isinstance(data, list) and len(data) == 2:
        return [data[0], without_host_keys(data[1])]
    if not isinstance(data, dict):
        return data
    if mode in WITH_METADATA:
        return _metadata_cleaned(data)
    if mode == "debug" and isinstance(data.get("payload"), dict):
        return {**data, "payload": _metadata_cleaned(data["payload"])}
    return data
