"""`upload:<id>` sources: an archive the host unpacked, read in place under upload_root."""

from __future__ import annotations

from pathlib import Path

import pytest

from genesis_mesh.protocol import RunStatus
from genesis_mesh.testing import GraphHarness
from graphs.topical_mesh.context import Context
from graphs.topical_mesh.errors import CloneRefused
from graphs.topical_mesh.graph import build_graph
from graphs.topical_mesh.url_guard import LocalSource, check_source

UPLOAD_ID = "up_" + "0" * 32


def _upload(root: Path) -> Path:
    site = root / UPLOAD_ID / "site"
    site.mkdir(parents=True)
    (site / "index.md").write_text("# Home\n\n[guide](guide.md) [gone](gone.md)\n")
    (site / "guide.md").write_text("# Guide\n\n[home](index.md)\n")
    return site


def test_an_upload_is_read_in_place_under_upload_root(tmp_path: Path) -> None:
    site = _upload(tmp_path)
    source = check_source(f"upload:{UPLOAD_ID}", Context(upload_root=str(tmp_path)))
    assert source == LocalSource(path=str(site.resolve()))


def test_uploads_are_refused_where_no_upload_root_is_set(tmp_path: Path) -> None:
    _upload(tmp_path)
    with pytest.raises(CloneRefused, match="uploads are not available here"):
        check_source(f"upload:{UPLOAD_ID}", Context(allow_local_sources=True))


def test_a_missing_or_malformed_upload_id_is_refused(tmp_path: Path) -> None:
    ctx = Context(upload_root=str(tmp_path))
    with pytest.raises(CloneRefused, match="no upload 'up_1234567890'"):
        check_source("upload:up_1234567890", ctx)
    for bad in ("upload:../../etc", "upload:", "upload:a/b/c/d/e/f"):
        with pytest.raises(CloneRefused, match="is not an upload id"):
            check_source(bad, ctx)


async def test_the_graph_audits_an_uploaded_site(tmp_path: Path) -> None:
    _upload(tmp_path)
    harness = GraphHarness(build_graph(), context=Context(upload_root=str(tmp_path)))
    result = await harness.run({"repo_url": f"upload:{UPLOAD_ID}"})
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert result.output["total_pages"] == 2
    assert [b["target"] for b in result.output["broken_links"]] == ["gone.md"]
    assert (tmp_path / UPLOAD_ID / "site" / "index.md").is_file()  # never deleted by a run
