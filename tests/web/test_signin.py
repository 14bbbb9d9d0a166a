"""The UI's sign-in against a host that requires authentication (docs/security.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.auth.conftest import keys_command
from tests.conftest import LiveHost
from tests.web.test_ui import STEPS, expect, start, status

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def locked_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    live = LiveHost(
        tmp_path_factory.mktemp("locked"),
        env={"GENESIS_MESH_AUTH": "required", "GENESIS_MESH_WS_AUTH_TIMEOUT": "2"},
    ).start()
    yield live
    live.stop()


def test_sign_in_keeps_the_key_for_the_tab_and_drives_a_run(
    locked_host: LiveHost, ui_factory: Any
) -> None:
    key = keys_command(locked_host.workdir, "create", "--user", "alice").stdout.strip()
    assert key.startswith("gm_")
    ui = ui_factory(locked_host.base_url)
    page = ui.open()
    expect(page.locator("#signin-view")).to_be_visible()
    expect(page.locator("#start-view")).to_be_hidden()
    ui.shot("sign-in")

    page.fill("#signin-key", "gm_0123456789ab_notakeynotakeynotakeynotakey")
    page.click("#signin-button")
    expect(page.locator("#signin-error")).to_contain_text("not accepted")
    expect(page.locator("#signin-view")).to_be_visible()

    page.fill("#signin-key", key)
    page.press("#signin-key", "Enter")
    expect(page.locator("#signin-view")).to_be_hidden()
    expect(page.locator("#account-user")).to_have_text("Signed in as alice")
    expect(page.locator('[data-graph="steps"]')).to_be_visible()
    start(ui, "steps", delay="0.01")  # events arrive over the socket's `auth` message
    for name in STEPS:
        expect(ui.node(name)).to_have_attribute("data-status", "done")
    expect(status(ui)).to_have_text("succeeded")
    ui.shot("run-done")

    assert page.evaluate("sessionStorage.getItem('genesis-mesh:token')") == key
    stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert key not in stored
    assert key not in page.url

    page.reload()  # the same tab keeps the key
    expect(page.locator("#signin-view")).to_be_hidden()
    expect(status(ui)).to_have_text("succeeded")

    other = ui_factory(locked_host.base_url).open()  # a new tab (context) must sign in
    expect(other.locator("#signin-view")).to_be_visible()

    page.click("#sign-out")
    expect(page.locator("#signin-view")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('genesis-mesh:token')") is None
    log = locked_host.log_path.read_text()
    assert key not in log


def test_without_auth_the_page_shows_no_sign_in(ui_factory: Any, host: LiveHost) -> None:
    ui = ui_factory(host.base_url)
    page = ui.open()
    expect(page.locator('[data-graph="steps"]')).to_be_visible()
    expect(page.locator("#signin-view")).to_be_hidden()
    expect(page.locator("#account")).to_be_hidden()
