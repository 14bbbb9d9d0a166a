"""AG-UI over the same core: `POST /ag-ui/{assistant_id}` takes AG-UI's `RunAgentInput`
and answers the AG-UI event stream, encoded with the `ag-ui-protocol` package's own types
and `EventEncoder`; clients such as CopilotKit and `@ag-ui/client`'s `HttpAgent` connect
unchanged (docs/ag-ui.md).

Modules: `routes` (the endpoints), `runs` (assistants, threads, and which run an AG-UI
run is: start, resume, rejoin), `translate` (the one place stored events become AG-UI
events), `messages` (message shapes both ways), `stream` (following a run as numbered
SSE, and rejoining after a number). Runs started here are ordinary runs: stored, owned,
limited, visible to every other adapter.
"""

from __future__ import annotations

from genesis_mesh.api.ag_ui.routes import router

__all__ = ["router"]
