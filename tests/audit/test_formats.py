"""Each output format, checked by what reads it: the SARIF schema, a JUnit parser, the
GitHub workflow-command syntax, a markdown table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
from junitparser import Failure, JUnitXml

from genesis_mesh.audit.baseline import Accepted, Baseline
from genesis_mesh.audit.github import render_github
from genesis_mesh.audit.json_report import render_json
from genesis_mesh.audit.junit import render_junit
from genesis_mesh.audit.markdown import render_markdown
from genesis_mesh.audit.sarif import render_sarif
from tests.audit.contract import verdict
from tests.audit.site import BROKEN_SITE, audit, write_site

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
ANNOTATION = re.compile(r"^::(error|warning|notice) ((?:[a-z]+=[^,:]*)(?:,[a-z]+=[^,:]*)*)::(.*)$")


def _valid_sarif(text: str) -> dict:
    log = json.loads(text)
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    return log


def test_sarif_is_valid_against_the_sarif_2_1_0_schema_with_places() -> None:
    log = _valid_sarif(render_sarif(verdict()))
    run = log["runs"][0]
    results = {r["ruleId"]: r for r in run["results"]}
    location = results["broken_link"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "docs/index.md"
    assert location["region"] == {"startLine": 7, "startColumn": 12}
    assert results["broken_link"]["level"] == "error"
    assert results["orphan"]["level"] == "warning"
    odd = results["broken_asset"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert odd["uri"] == "docs/my%2C%20odd%3A%20file.md"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]][results["orphan"]["ruleIndex"]] == (
        "orphan"
    )


def test_sarif_of_a_real_run_is_valid_and_each_broken_link_has_a_result(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", BROKEN_SITE)
    result = audit(str(site), "--format", "sarif")
    log = _valid_sarif(result.stdout)
    broken = [r for r in log["runs"][0]["results"] if r["ruleId"] == "broken_link"]
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in broken)
    assert uris == ["guide/index.md", "index.md"]


def test_sarif_marks_baselined_findings_as_suppressed_with_the_reason() -> None:
    accepted = Baseline((Accepted("broken_link", "docs/index.md", "missing.md", "tracked in #9"),))
    log = _valid_sarif(render_sarif(verdict(baseline=accepted)))
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "broken_link")
    assert result["suppressions"] == [{"kind": "external", "justification": "tracked in #9"}]


def test_junit_has_a_failed_case_per_page_with_failing_findings() -> None:
    xml = JUnitXml.fromstring(render_junit(verdict()))
    cases = {case.name: case for suite in xml for case in suite}
    assert set(cases) == {
        "docs/index.md",
        "docs/guide.md",
        "docs/lonely.md",
        "docs/my, odd: file.md",
    }
    failed = {
        name for name, case in cases.items() if any(isinstance(r, Failure) for r in case.result)
    }
    assert failed == {"docs/index.md", "docs/guide.md", "docs/my, odd: file.md"}
    assert cases["docs/lonely.md"].is_passed
    assert "docs/index.md:7:12" in cases["docs/index.md"].result[0].text


def test_junit_stays_well_formed_with_control_characters_in_site_text() -> None:
    judged = verdict()
    judged.site = "site\x00\x1b[31m"
    xml = JUnitXml.fromstring(render_junit(judged))
    assert "\ufffd" in next(iter(xml)).name


def test_github_annotations_follow_the_workflow_command_syntax() -> None:
    lines = render_github(verdict()).splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert len(annotations) == 4 and all(ANNOTATION.match(a) for a in annotations)
    index = next(a for a in annotations if "file=docs/index.md" in a)
    assert index.startswith("::error file=docs/index.md,line=7,col=12,title=broken_link::Broken")
    assert any(a.startswith("::warning file=docs/lonely.md,line=1,col=1") for a in annotations)


def test_site_text_cannot_start_another_github_command() -> None:
    lines = render_github(verdict()).splitlines()
    odd = next(line for line in lines if "broken_asset" in line)
    assert "file=docs/my%2C odd%3A file.md," in odd
    assert odd.endswith("Missing file 'img/x%25.png'%0A::error::injected")
    assert not any(line.startswith("::error::injected") for line in lines)


def test_markdown_summary_counts_each_kind_and_lists_the_failures() -> None:
    text = render_markdown(verdict())
    assert text.startswith("## Link audit failed: docs site")
    assert "| `broken_link` (fails: yes) | 1 | 0 | 0 |" in text
    assert "| `orphan` (fails: no) | 0 | 1 | 0 |" in text
    assert "| docs/index.md:7:12 | `broken_link` |" in text
    assert (
        "| docs/my, odd: file.md:2:9 | `broken_asset` | Missing file 'img/x%.png' ::error::" in text
    )
    assert "### Warnings" in text


def test_json_lists_every_finding_with_its_level_and_place() -> None:
    document = json.loads(render_json(verdict()))
    assert document["passed"] is False
    assert document["counts"]["broken_link"] == {"error": 1}
    first = document["findings"][0]
    assert (first["file"], first["line"], first["column"], first["level"]) == (
        "docs/guide.md",
        3,
        5,
        "error",
    )


def test_markdown_summary_keeps_site_text_inert() -> None:
    from genesis_mesh.audit.findings import Finding, Kind
    from genesis_mesh.audit.verdict import judge

    hostile = Finding(
        Kind.BROKEN_LINK,
        "docs/a|b.md",
        1,
        1,
        "x",
        "Broken [click](javascript:alert(1)) <img src=x onerror=alert(1)> | cell",
    )
    text = render_markdown(judge("site", [hostile], frozenset({Kind.BROKEN_LINK})))
    row = next(line for line in text.splitlines() if line.startswith("| docs"))
    assert row.count(" | ") == 2  # three cells: the site's pipes are escaped
    assert "\\[click\\](javascript:alert(1))" in row and "\\<img" in row
