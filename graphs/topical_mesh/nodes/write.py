"""The write node: the markdown report, the Mermaid diagram and the final timings."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from langgraph.runtime import Runtime

from graphs.topical_mesh.context import Context
from graphs.topical_mesh.mermaid import mermaid_diagram
from graphs.topical_mesh.nodes.progress import Progress
from graphs.topical_mesh.report import render_report
from graphs.topical_mesh.state import State


async def write(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Render the report; the output state is the full result as JSON."""
    progress = Progress()
    snapshot = dict(state)
    diagram = mermaid_diagram(snapshot) if state.get("include_visualization", True) else ""
    report = render_report(snapshot, diagram)
    started = state.get("started_at") or time.time()
    progress.say("report written")
    return {
        "mermaid_diagram": diagram,
        "report_markdown": report,
        "analysis_timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "processing_time_seconds": round(time.time() - started, 3),
    }
