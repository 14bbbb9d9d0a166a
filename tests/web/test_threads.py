"""Threads and runs come from the server, per signed-in user (docs/ui.md, "Threads")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.auth.conftest import keys_command
from tests.conftest import LiveHost
from tests.web.conftest import Ui
from tests.web.test_ui import STEPS, expect, start, status

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def locked_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    live = LiveHost(tmp_path_factory.mktemp("threads"), env={"GENESIS_MESH_AUTH": "required"})
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def keys(locked_host: LiveHost) -> dict[str, str]:
    made = {}
    for user in ("alice", "bob", "carol"):
        done = keys_command(locked_host.workdir, "create", "--user", user)
        assert done.returncode == 0, done.stderr
        made[user] = done.stdout.strip()
    return made


def signed_in(ui_factory: Any, host: LiveHost, key: str, user: str) -> Ui:
    ui: Ui = ui_factory(host.base_url)
    page = ui.open()
    page.fill("#signin-key", key)
    page.click("#signin-button")
    expect(page.locator("#account-user")).to_have_text(f"Signed in as {user}")
    expect(page.locator("#threads")).to_have_attribute("data-loaded", "true")
    return ui


def threads(ui: Ui) -> Any:
    return ui.page.locator("#threads .thread-item")


def test_a_second_browser_of_the_same_user_sees_the_runs_and_another_user_does_not(
    locked_host: LiveHost, keys: dict[str, str], ui_factory: Any
) -> None:
    first = signed_in(ui_factory, locked_host, keys["alice"], "alice")
    expect(first.page.locator("#threads")).to_contain_text("No runs yet.")
    start(first, "steps", delay="0.01")
    expect(status(first)).to_have_text("succeeded")
    run_id = first.page.url.rsplit("/", 1)[-1]
    expect(threads(first)).to_have_count(1)
    expect(threads(first).first).to_contain_text("succeeded")
    first.shot("threads-first")

    second = signed_in(ui_factory, locked_host, keys["alice"], "alice")  # a fresh browser
    page = second.page
    expect(threads(second)).to_have_count(1)
    expect(threads(second).first).to_contain_text("steps")
    threads(second).first.locator(".history-item").click()
    expect(page).to_have_url(f"{locked_host.base_url}/#/runs/{run_id}")
    for name in STEPS:  # reopened with its steps and output
        expect(second.node(name)).to_have_attribute("data-status", "done")
    expect(status(second)).to_have_text("succeeded")
    expect(page.locator("#output-json")).to_contain_text('"five"')
    expect(threads(second).first.locator(".history-item")).to_have_attribute("aria-current", "true")
    second.shot("threads-second")
    assert second.screens_at_both_sizes("threads") == []
    page.set_viewport_size({"width": 1280, "height": 720})

    page.fill("#thread-search", "no such thread anywhere")
    expect(page.locator("#threads")).to_contain_text("No thread matches.")
    page.fill("#thread-search", "")
    expect(threads(second)).to_have_count(1)
    page.select_option("#thread-status", "failed")
    expect(page.locator("#threads")).to_contain_text("No thread matches.")
    page.select_option("#thread-status", "succeeded")
    page.select_option("#thread-graph", "steps")
    expect(threads(second)).to_have_count(1)
    page.select_option("#thread-graph", "ask")
    expect(page.locator("#threads")).to_contain_text("No thread matches.")
    page.select_option("#thread-graph", "")
    page.select_option("#thread-status", "")
    # by date: the days are the browser's own (local midnight), the run was made today
    today, tomorrow = page.evaluate(
        """() => [0, 1].map((ahead) => {
             const d = new Date();
             d.setDate(d.getDate() + ahead);
             const two = (n) => String(n).padStart(2, "0");
             return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
           })"""
    )
    page.fill("#thread-since", tomorrow)
    expect(page.locator("#threads")).to_contain_text("No thread matches.")
    page.fill("#thread-since", today)
    expect(threads(second)).to_have_count(1)
    page.fill("#thread-since", "")
    expect(threads(second)).to_have_count(1)

    locked: Ui = ui_factory(locked_host.base_url)
    expect(locked.open().locator("#signin-view")).to_be_visible()
    assert locked.screens_at_both_sizes("sign-in") == []

    other = signed_in(ui_factory, locked_host, keys["bob"], "bob")
    expect(other.page.locator("#threads")).to_contain_text("No runs yet.")
    expect(threads(other)).to_have_count(0)
    other.page.goto(f"{locked_host.base_url}/#/runs/{run_id}")  # not even by its address
    expect(other.page.locator("#run-title")).to_have_text("Run not found")
    assert first.page.evaluate("Object.keys(localStorage)") == []


def test_a_failed_run_is_retried_and_a_run_rerun_edited_and_its_thread_deleted(
    locked_host: LiveHost, keys: dict[str, str], ui_factory: Any, tmp_path: Path
) -> None:
    ui = signed_in(ui_factory, locked_host, keys["carol"], "carol")
    page = ui.page
    start(ui, "flaky", record_to=str(tmp_path / "calls.txt"))
    expect(status(ui)).to_have_text("failed")
    retry = page.locator("#resume-button")
    expect(retry).to_have_text("Retry")
    expect(retry).to_be_enabled()
    retry.click()
    expect(status(ui)).to_have_text("succeeded")
    assert (tmp_path / "calls.txt").read_text().split() == ["prepare", "fetch", "fetch"]

    page.click("#new-run")
    start(ui, "steps", delay="0.01")
    expect(status(ui)).to_have_text("succeeded")
    original = page.url
    page.click("#rerun-button")  # the same input, a new run
    expect(page).not_to_have_url(original)
    expect(status(ui)).to_have_text("succeeded")
    expect(threads(ui)).to_have_count(3)

    page.click("#edit-button")  # the start form, filled with the run's input
    expect(page.locator("#cap-steps")).to_be_checked()
    expect(page.locator("#field-delay")).to_have_value("0.01")
    page.fill("#field-delay", "0.02")
    page.click("#start-button")
    expect(status(ui)).to_have_text("succeeded")
    expect(threads(ui)).to_have_count(4)
    expect(page.locator("#output-json")).to_contain_text('"delay": 0.02')

    page.click("#delete-thread-button")
    expect(page.locator("#delete-thread-button")).to_have_text("Press again to delete the thread")
    page.click("#delete-thread-button")
    expect(page.locator("#start-view")).to_be_visible()
    expect(threads(ui)).to_have_count(3)
    page.fill("#thread-search", "0.02")
    expect(page.locator("#threads")).to_contain_text("No thread matches.")
    page.fill("#thread-search", "flaky")
    expect(threads(ui)).to_have_count(1)
