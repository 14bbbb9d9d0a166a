"""`--changed-since REF` reports only findings in files a branch changed; the whole
site is still read, so a link from a changed page to an unchanged one resolves."""

from __future__ import annotations

from pathlib import Path

from tests.audit.site import audit, commit_all, git, write_site

BASE = {
    "docs/index.md": "# Home\n\n[guide](guide.md) [old](gone.md)\n",
    "docs/guide.md": "# Guide\n\n[home](index.md)\n",
    "docs/faq.md": "# FAQ\n\n[guide](guide.md)\n",
    "README.md": "# Repo\n",
}


def _repo(tmp_path: Path) -> Path:
    repo = write_site(tmp_path / "repo", BASE)
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "base")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def test_only_findings_in_changed_files_are_reported(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "docs/guide.md").write_text("# Guide\n\n[home](index.md) [faq](faq.md) [x](nope.md)\n")
    commit_all(repo, "guide links faq, and a typo")
    result = audit(str(repo), "--subdir", "docs", "--changed-since", "main")
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if ": error " in line]
    assert len(errors) == 1 and errors[0].startswith("docs/guide.md") and "nope.md" in errors[0]
    assert "in 1 changed file(s)" in result.stdout.splitlines()[-1]


def test_an_untouched_file_with_an_old_broken_link_does_not_fail_the_branch(
    tmp_path: Path,
) -> None:
    repo = _repo(tmp_path)
    (repo / "docs/faq.md").write_text("# FAQ\n\n[guide](guide.md) [home](index.md)\n")
    result = audit(str(repo), "--subdir", "docs", "--changed-since", "main")
    assert result.exit_code == 0, result.stdout
    assert "gone.md" not in result.stdout
    everything = audit(str(repo), "--subdir", "docs")
    assert everything.exit_code == 1 and "gone.md" in everything.stdout


def test_a_new_untracked_page_counts_as_changed(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "docs/new.md").write_text("# New\n\n[broken](missing.md)\n")
    result = audit(str(repo), "--subdir", "docs", "--changed-since", "main")
    assert result.exit_code == 1 and "docs/new.md" in result.stdout


def test_a_folder_inside_the_repository_names_files_from_the_repository_root(
    tmp_path: Path,
) -> None:
    repo = _repo(tmp_path)
    (repo / "docs/guide.md").write_text("# Guide\n\n[x](nope.md) [home](index.md)\n")
    result = audit(str(repo / "docs"), "--changed-since", "main", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=docs/guide.md")


def test_an_unknown_ref_is_bad_usage_with_the_fix(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    result = audit(str(repo), "--changed-since", "origin/main")
    assert result.exit_code == 2
    assert "fetch the ref first" in result.stderr
    option_like = audit(str(repo), "--changed-since=--output=/tmp/x")
    assert option_like.exit_code == 2 and "is not a git ref" in option_like.stderr
