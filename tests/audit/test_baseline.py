"""A baseline lets a team adopt the audit on a site with problems: only new ones fail."""

from __future__ import annotations

import json
from pathlib import Path

from tests.audit.site import BROKEN_SITE, audit, write_site


def test_a_written_baseline_accepts_todays_findings_and_a_new_one_fails(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", BROKEN_SITE)
    baseline = tmp_path / "mesh-baseline.json"
    written = audit(str(site), "--write-baseline", str(baseline))
    assert written.exit_code == 0 and "wrote 3 accepted finding(s)" in written.stderr
    accepted = audit(str(site), "--baseline", str(baseline))
    assert accepted.exit_code == 0, accepted.stdout
    assert (
        "accepted broken_link" in accepted.stdout and "(accepted: accepted when" in accepted.stdout
    )

    (site / "new.md").write_text("# New\n\n[home](index.md) [typo](guid/index.md)\n")
    after = audit(str(site), "--baseline", str(baseline), "--fail-on", "broken")
    assert after.exit_code == 1
    failing = [line for line in after.stdout.splitlines() if ": error " in line]
    assert len(failing) == 1 and failing[0].startswith("new.md") and "guid/index.md" in failing[0]


def test_a_fixed_finding_leaves_an_unused_baseline_entry_to_remove(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", BROKEN_SITE)
    baseline = tmp_path / "baseline.json"
    audit(str(site), "--write-baseline", str(baseline))
    (site / "index.md").write_text("# Home\n\nSee the [guide](guide/index.md).\n")
    result = audit(str(site), "--baseline", str(baseline))
    assert result.exit_code == 0
    assert "baseline: broken_link index.md -> 'missing.md' no longer occurs" in result.stdout


def test_a_baseline_entry_without_a_reason_is_refused(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", BROKEN_SITE)
    baseline = tmp_path / "baseline.json"
    entry = {"kind": "broken_link", "file": "index.md", "target": "missing.md", "reason": " "}
    baseline.write_text(json.dumps({"version": 1, "accepted": [entry]}))
    result = audit(str(site), "--baseline", str(baseline))
    assert result.exit_code == 2
    assert "accepted[0] has no reason: say why the finding is accepted" in result.stderr


def test_a_baseline_that_is_not_json_or_names_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", BROKEN_SITE)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    unknown = tmp_path / "unknown.json"
    entry = {"kind": "typo", "file": "index.md", "target": "x", "reason": "because"}
    unknown.write_text(json.dumps({"accepted": [entry]}))
    assert "is not readable JSON" in audit(str(site), "--baseline", str(broken)).stderr
    result = audit(str(site), "--baseline", str(unknown))
    assert result.exit_code == 2 and "kind 'typo' is not one of" in result.stderr
