"""Upload a site from the UI: a good archive fills the form with its `upload:<id>`; a
hostile or broken one shows the server's refusal (docs/ui.md)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveHost
from tests.web.conftest import Ui
from tests.web.test_ui import assert_clean, expect

pytestmark = pytest.mark.browser


def archive(path: Path, members: dict[str, str]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    path.write_bytes(buffer.getvalue())
    return path


def upload(ui: Ui, file: Path) -> None:
    page = ui.page
    page.set_input_files("#upload-file", str(file))
    page.click("#upload-button")


def test_a_good_archive_fills_the_form_and_a_hostile_one_shows_the_refusal(
    ui_factory: Any, mesh_host: LiveHost, tmp_path: Path
) -> None:
    ui: Ui = ui_factory(mesh_host.base_url)
    page = ui.open()
    expect(page.locator("[data-graph]")).to_have_count(1)

    page.click("#upload-button")  # nothing chosen yet
    expect(page.locator("#upload-error")).to_contain_text("Choose a .zip")

    good = archive(
        tmp_path / "site.zip", {"site/index.md": "# Home\n\n[a](a.md)\n", "site/a.md": "# A\n"}
    )
    upload(ui, good)
    expect(page.locator("#upload-status")).to_contain_text("Uploaded site.zip: 2 files")
    source = page.locator("body").get_attribute("data-upload") or ""
    expect(page.locator("body")).to_have_attribute("data-upload", source)
    assert source.startswith("upload:")
    expect(page.locator("#cap-topical_mesh")).to_be_checked()
    expect(page.locator("#field-repo_url")).to_have_value(source)
    expect(page.locator("#upload-error")).to_have_text("")
    ui.shot("uploaded")

    hostile = archive(tmp_path / "evil.zip", {"site/index.md": "# Home\n", "../escape.md": "x"})
    upload(ui, hostile)
    error = page.locator("#upload-error")
    expect(error).to_contain_text("The server refused evil.zip (path_traversal)")
    expect(error).to_contain_text("'..'")
    expect(error).to_have_attribute("data-code", "archive_refused")

    not_archive = tmp_path / "notes.zip"
    not_archive.write_text("this is not a zip file at all")
    upload(ui, not_archive)
    expect(error).to_contain_text("(not_an_archive)")
    ui.shot("refused")
    assert ui.screens_at_both_sizes("upload-refused") == []
    assert not (tmp_path.parent / "escape.md").exists()
    assert_clean(ui)
