"""The protocol's agent tree (`agent.getTree`, and `current_namespaces` of
`subscription.reconnect`): a run's root graph and the subgraphs it entered, each with
its status, built from the run's stored events through the same `RunMapper` the streams
use, so the tree says what the `lifecycle` events said."""

from __future__ import annotations

from typing import Any

from genesis_mesh.api.agent_protocol.mapping import RunMapper
from genesis_mesh.protocol import RunInfo, RunStatus
from genesis_mesh.services import Services

_ROOT_STATUS = {
    RunStatus.QUEUED: "started",
    RunStatus.PENDING: "started",
    RunStatus.RUNNING: "running",
    RunStatus.INTERRUPTED: "interrupted",
    RunStatus.SUCCEEDED: "completed",
    RunStatus.FAILED: "failed",
    RunStatus.CANCELLED: "failed",
}


async def run_tree(services: Services, run: RunInfo) -> dict[str, Any]:
    """An `AgentTreeNode` for `run`: the root at namespace `[]`, a child per subgraph
    namespace (`name:<task id>`) with the status of its latest `lifecycle` event; a
    subgraph still open in an interrupted run is `interrupted` when a question was asked
    at or below it, `running` otherwise."""
    mapper = RunMapper(run.graph, values_recorded="values" in run.stream_modes)
    status: dict[tuple[str, ...], str] = {}
    asking: set[tuple[str, ...]] = set()
    for event in await services.store.list_events(run.run_id, 0, None):
        for wire in mapper.map(event):
            ns = tuple(wire["params"]["namespace"])
            if wire["method"] == "input.requested":
                asking.add(ns)
            elif wire["method"] == "lifecycle" and ns:
                status[ns] = str(wire["params"]["data"]["event"])
    root = _ROOT_STATUS[run.status]
    for ns, state in status.items():
        if state == "started":
            waiting = root == "interrupted" and any(asked[: len(ns)] == ns for asked in asking)
            status[ns] = "interrupted" if waiting else ("running" if root == "running" else state)
    return _node((), root, run.graph, status)


def flatten(tree: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of `tree` as an `AgentStatusEntry` (`namespace`, `status`), root first."""
    entries = [{"namespace": tree["namespace"], "status": tree["status"]}]
    for child in tree.get("children", []):
        entries.extend(flatten(child))
    return entries


def _node(
    ns: tuple[str, ...], state: str, graph_name: str, status: dict[tuple[str, ...], str]
) -> dict[str, Any]:
    node: dict[str, Any] = {"namespace": list(ns), "status": state, "graph_name": graph_name}
    children = [
        _node(child, status[child], child[-1].partition(":")[0], status)
        for child in status
        if len(child) == len(ns) + 1 and child[: len(ns)] == ns
    ]
    if children:
        node["children"] = children
    return node
