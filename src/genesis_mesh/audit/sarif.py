"""The `sarif` format: SARIF 2.1.0 as GitHub code scanning reads it.

One rule per kind; one result per finding with its file, line and column (columns are
counted in characters: `columnKind` is `unicodeCodePoints`). A finding the baseline
accepts carries an external suppression with the baseline's reason, so code scanning
shows it as dismissed rather than as a new alert.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from genesis_mesh._version import __version__
from genesis_mesh.audit.findings import DESCRIPTIONS, Kind
from genesis_mesh.audit.verdict import Judged, Level, Verdict

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "genesisMeshFinding/v1"


def render_sarif(verdict: Verdict) -> str:
    """The SARIF log of one audit (one run)."""
    kinds = list(Kind)
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "genesis-mesh topical_mesh",
                        "semanticVersion": __version__,
                        "rules": [_rule(kind, verdict) for kind in kinds],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "automationDetails": {"id": "genesis-mesh/topical_mesh/"},
                "invocations": [{"executionSuccessful": True}],
                "results": [
                    _result(j, kinds.index(j.finding.kind), verdict.fail_on)
                    for j in verdict.findings
                ],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(kind: Kind, verdict: Verdict) -> dict[str, Any]:
    return {
        "id": kind.value,
        "name": "".join(word.capitalize() for word in kind.value.split("_")),
        "shortDescription": {"text": DESCRIPTIONS[kind]},
        "help": {"text": DESCRIPTIONS[kind] + " See docs/topical-mesh.md of genesis-mesh."},
        "defaultConfiguration": {"level": "error" if kind in verdict.fail_on else "warning"},
        "properties": {"tags": ["documentation", "links"]},
    }


def _result(judged: Judged, rule_index: int, fail_on: frozenset[Kind]) -> dict[str, Any]:
    f = judged.finding
    region: dict[str, Any] = {"startLine": f.line or 1}
    if f.column is not None:
        region["startColumn"] = f.column
    result: dict[str, Any] = {
        "ruleId": f.kind.value,
        "ruleIndex": rule_index,
        "level": "error" if f.kind in fail_on else "warning",
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(f.file, safe="/"), "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"target": f.target, "form": f.form, "reason": f.reason},
    }
    if judged.level is Level.ACCEPTED:
        result["suppressions"] = [
            {"kind": "external", "justification": judged.accepted_because or "in the baseline"}
        ]
    return result
