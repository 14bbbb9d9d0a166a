"""The write node: the markdown report, the Mermaid diagram and the final timings."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from langgraph.runtime import Runtime

from graphs.topical_mesh.context import Context
from graphs.topical_mesh.findings import all_findings
from graphs.topical_mesh.mermaid import mermaid_diagram, strongest_links
from graphs.topical_mesh.nodes.progress import Progress
from graphs.topical_mesh.report import render_report
from graphs.topical_mesh.state import State
from graphs.topical_mesh.summary import with_model


async def write(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Render the report; the output state is the full result as JSON."""
    progress = Progress()
    snapshot = dict(state)
    diagram = mermaid_diagram(snapshot) if state.get("include_visualization", True) else ""
    written = await with_model(getattr(runtime.context, "chat_model", None), snapshot, progress.say)
    report = render_report({**snapshot, **written}, diagram)
    if written.get("executive_summary"):
        summary = "\n## Executive summary\n\n" + written["executive_summary"] + "\n"
        report = report.replace("\n## Top issues", summary + "\n## Top issues", 1)
    started = state.get("started_at") or time.time()
    progress.say("report written")
    return {
        **written,
        "findings": all_findings(snapshot),
        "mermaid_diagram": diagram,
        "strongest_links": strongest_links(snapshot),
        "report_markdown": report,
        "analysis_timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "processing_time_seconds": round(time.time() - started, 3),
    }
