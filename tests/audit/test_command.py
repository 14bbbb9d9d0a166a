"""`genesis-mesh audit`: exit codes a CI job acts on, and what fails the build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.audit.site import BROKEN_SITE, CLEAN_SITE, CONFIG, audit, write_site
from tests.conftest import ROOT


def test_a_clean_site_exits_zero_and_says_it_passed(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", CLEAN_SITE)
    result = audit(str(site))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1].startswith("passed: no failing findings")


def test_broken_links_exit_one_and_name_each_file(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", BROKEN_SITE)
    result = subprocess.run(
        [sys.executable, "-m", "genesis_mesh", "audit", str(site), "--config", str(CONFIG)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("index.md") and "'missing.md'" in line for line in lines)
    assert any(line.startswith("guide/index.md") and "'old-page.md'" in line for line in lines)
    assert lines[-1].startswith("FAILED: 2 finding(s) fail (broken_link 2)")


def test_orphans_are_warnings_unless_fail_on_names_them(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {**CLEAN_SITE, "lonely.md": "# Lonely\n"})
    default = audit(str(site))
    strict = audit(str(site), "--fail-on", "orphans")
    assert default.exit_code == 0 and "warning orphan" in default.stdout
    assert strict.exit_code == 1 and "lonely.md:1:1: error orphan" in strict.stdout


def test_fail_on_none_reports_broken_links_without_failing(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", BROKEN_SITE)
    result = audit(str(site), "--fail-on", "none")
    assert result.exit_code == 0
    assert "warning broken_link" in result.stdout


def test_bad_usage_exits_two_with_what_to_change(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", CLEAN_SITE)
    cases = {
        ("--format", "pdf"): "--format 'pdf' is not one of",
        ("--fail-on", "typos"): "'typos' is not a kind of finding",
        ("--baseline", str(tmp_path / "none.json")): "create one with --write-baseline",
        ("--changed-since", "main"): "is not inside a git repository",
        ("--format", "json", "--format", "sarif"): "only one --format can go to standard",
    }
    for args, message in cases.items():
        result = audit(str(site), *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)


def test_a_missing_config_is_bad_usage(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from genesis_mesh.cli import app

    site = write_site(tmp_path / "site", CLEAN_SITE)
    result = CliRunner().invoke(app, ["audit", str(site), "--config", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert "pass --config PATH/langgraph.json" in result.stderr


def test_a_site_that_cannot_be_read_exits_three(tmp_path: Path) -> None:
    missing = audit(str(tmp_path / "no-such-folder"))
    refused = audit("ext::sh%20-c%20touch%20/tmp/pwned")
    not_a_folder = audit(str(write_site(tmp_path / "s", CLEAN_SITE)), "--subdir", "nope")
    assert missing.exit_code == 3 and "is not a folder" in missing.stderr
    assert refused.exit_code == 3 and "remote helper" in refused.stderr
    assert not_a_folder.exit_code == 3 and "not a folder of the repository" in not_a_folder.stderr


def test_several_formats_are_written_in_one_run(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", BROKEN_SITE)
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    result = audit(
        str(site), "--format", "github", "--format", f"sarif={sarif}", "--format", f"junit={junit}"
    )
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=")
    assert '"version": "2.1.0"' in sarif.read_text()
    assert junit.read_text().startswith("<?xml")


def test_a_file_url_is_audited_like_the_folder(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", BROKEN_SITE)
    result = audit(site.as_uri(), "--format", "json")
    assert result.exit_code == 1
    assert '"file": "index.md"' in result.stdout
