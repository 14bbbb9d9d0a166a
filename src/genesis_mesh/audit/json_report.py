"""The `json` format: the verdict as one JSON document (stable keys, version 1)."""

from __future__ import annotations

import json
from typing import Any

from genesis_mesh.audit.verdict import Judged, Verdict

VERSION = 1


def render_json(verdict: Verdict) -> str:
    """`{"version", "site", "passed", "fail_on", "summary", "counts", "findings", ...}`."""
    document: dict[str, Any] = {
        "version": VERSION,
        "site": verdict.site,
        "passed": verdict.passed,
        "fail_on": sorted(k.value for k in verdict.fail_on),
        "summary": verdict.summary,
        "counts": {
            kind.value: {level.value: n for level, n in levels.items()}
            for kind, levels in verdict.counts().items()
        },
        "changed_files": None if verdict.changed is None else sorted(verdict.changed),
        "findings": [_finding(j) for j in verdict.findings],
        "unused_baseline": [e.__dict__ for e in verdict.unused_baseline],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _finding(judged: Judged) -> dict[str, Any]:
    f = judged.finding
    return {
        "kind": f.kind.value,
        "level": judged.level.value,
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "target": f.target,
        "form": f.form,
        "reason": f.reason,
        "message": f.message,
        "accepted_because": judged.accepted_because,
        "fingerprint": f.fingerprint,
    }
