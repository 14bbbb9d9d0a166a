"""The graph's output becomes findings with a file, a line and a column."""

from __future__ import annotations

from genesis_mesh.audit.adapter import findings_of
from genesis_mesh.audit.findings import Kind
from tests.audit.contract import OUTPUT


def test_contract_findings_keep_their_file_line_and_column() -> None:
    found = findings_of(OUTPUT)
    broken = next(f for f in found if f.kind is Kind.BROKEN_LINK)
    assert (broken.file, broken.line, broken.column) == ("docs/index.md", 7, 12)
    assert broken.place == "docs/index.md:7:12"


def test_a_kind_this_version_does_not_know_is_left_out() -> None:
    assert len(findings_of(OUTPUT)) == 4


def test_files_are_named_from_the_repository_root_when_given_a_prefix() -> None:
    found = findings_of(OUTPUT, prefix="site")
    assert {f.file for f in found} >= {"site/docs/index.md", "site/docs/lonely.md"}


def test_an_output_without_findings_is_read_from_its_broken_link_and_orphan_lists() -> None:
    legacy = {
        "pages": [{"id": "a.md", "path": "docs/a.md"}, {"id": "b.md", "path": "docs/b.md"}],
        "broken_links": [
            {"source": "a.md", "target": "x.md", "form": "inline", "reason": "no page at this path"}
        ],
        "escaped_links": [],
        "orphans": ["b.md"],
        "content_orphans": [],
    }
    found = findings_of(legacy)
    assert [(f.kind, f.file, f.target) for f in found] == [
        (Kind.BROKEN_LINK, "docs/a.md", "x.md"),
        (Kind.ORPHAN, "docs/b.md", ""),
    ]
    assert found[0].line is None and found[0].message == (
        "Broken link to 'x.md': no page at this path."
    )
