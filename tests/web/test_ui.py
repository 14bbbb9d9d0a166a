"""The chat UI in a real headless Chromium against a real host (docs/ui.md)."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURE_CONFIG, LiveHost
from tests.web.conftest import Canary, Ui

GRAPH_COUNT = len(json.loads(FIXTURE_CONFIG.read_text())["graphs"])

pytestmark = pytest.mark.browser

STEPS = ["one", "two", "three", "four", "five"]
TIMES = r"^\d\d:\d\d:\d\d\.\d{3} → \d\d:\d\d:\d\d\.\d{3} \(\d+ ms\)"
"""A step's start → end time and duration in the inspector."""


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def start(ui: Ui, graph: str, **fields: str) -> None:
    page = ui.page
    page.check(f"#cap-{graph}")
    for name, value in fields.items():
        page.fill(f"#field-{name}", value)
    page.click("#start-button")
    expect(page.locator("#run-view")).to_be_visible()


def status(ui: Ui) -> Any:
    return ui.page.locator("#run-status")


def assert_clean(ui: Ui) -> None:
    assert ui.errors == []
    assert ui.dialogs == []
    assert ui.violations() == []


def test_capabilities_are_listed_and_an_unavailable_one_is_disabled(ui: Ui) -> None:
    page = ui.open()
    expect(page.locator("[data-graph]")).to_have_count(GRAPH_COUNT)
    expect(page.locator("body")).to_have_attribute("data-connection", "open")
    expect(page.locator("#cap-steps")).to_be_enabled()
    expect(page.locator("#cap-broken")).to_be_disabled()
    expect(page.locator('[data-graph="broken"]')).to_contain_text("ModuleNotFoundError")
    assert_clean(ui)


def test_the_keyboard_reaches_every_control_with_a_visible_focus(ui: Ui) -> None:
    page = ui.open()
    expect(page.locator("[data-graph]")).to_have_count(GRAPH_COUNT)
    seen = []
    for _ in range(16):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
              const el = document.activeElement;
              const style = getComputedStyle(el);
              return [el.id || el.tagName, style.outlineStyle, style.outlineWidth];
            }"""
        )
        if focused[0] == "BODY":  # the document itself, before the first control
            continue
        seen.append(focused[0])
        assert focused[1] != "none" and focused[2] != "0px", focused
        if focused[0] == "cap-steps":
            break
    assert "new-run" in seen and "chat-input" in seen and "cap-steps" in seen
    page.keyboard.press("Space")  # the focused radio: a capability picked by keyboard
    expect(page.locator("#input-form")).to_be_visible()


def test_a_run_lights_every_node_and_its_json_downloads(ui: Ui) -> None:
    page = ui.open()
    start(ui, "steps", delay="0.05")
    for name in STEPS:
        expect(ui.node(name)).to_have_attribute("data-status", "done")
    expect(status(ui)).to_have_text("succeeded")
    expect(ui.node("five").locator("progress")).to_be_visible()
    expect(ui.node("five")).to_contain_text("five done")
    expect(ui.node("five").locator(".node-elapsed")).to_contain_text("ms")
    ui.shot("done")
    with page.expect_download() as download:
        page.click("#download-json")
    saved = Path(download.value.path()).read_text()
    assert json.loads(saved)["visited"] == STEPS
    mine = page.locator(f'#threads .thread-item[data-runs~="{page.url.rsplit("/", 1)[-1]}"]')
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("succeeded")
    assert_clean(ui)


def test_the_inspector_shows_a_nodes_update_custom_events_and_times(ui: Ui) -> None:
    page = ui.open()
    start(ui, "steps", delay="0.01")
    expect(status(ui)).to_have_text("succeeded")
    three = page.locator('#graph-drawing [data-graph-node="three"]')
    three.focus()
    page.keyboard.press("Enter")  # by keyboard, like a click
    inspector = page.locator("#inspector")
    expect(inspector).to_be_visible()
    expect(page.locator("#inspector-title")).to_have_text("Step: three")
    expect(inspector.locator(".step-update")).to_contain_text('"visited": [')
    update = json.loads(inspector.locator(".step-update").inner_text())
    assert update == {"visited": ["one", "two", "three"]}
    expect(inspector.locator(".step-custom li")).to_have_count(2)
    expect(inspector.locator(".step-custom")).to_contain_text("three done")
    # when it started and ended (UTC, to the millisecond) and how long it took
    expect(inspector.locator(".step-times")).to_have_text(re.compile(TIMES))
    # the state it started from (the checkpoint before it) and its update as a diff
    expect(inspector.locator(".step-input")).to_contain_text('"visited": [')
    before = json.loads(inspector.locator(".step-input").inner_text())
    assert before["visited"] == ["one", "two"]
    changed = inspector.locator('.step-diff li[data-key="visited"]')
    expect(changed).to_have_attribute("data-change", "changed")
    assert json.loads(changed.locator(".diff-old").inner_text()) == ["one", "two"]
    assert json.loads(changed.locator(".diff-new").inner_text()) == ["one", "two", "three"]
    ui.shot("inspector")
    page.click('#graph-drawing [data-graph-node="one"]')
    expect(page.locator("#inspector-title")).to_have_text("Step: one")
    assert json.loads(inspector.locator(".step-update").inner_text()) == {"visited": ["one"]}
    expect(inspector.locator(".step-input")).not_to_contain_text("visited")
    expect(inspector.locator('.step-diff li[data-key="visited"]')).to_have_attribute(
        "data-change", "added"
    )
    page.click("#inspector-close")
    expect(inspector).to_be_hidden()
    assert_clean(ui)


def test_a_failed_step_shows_its_error_in_the_inspector(ui: Ui) -> None:
    page = ui.open()
    start(ui, "failing")
    expect(status(ui)).to_have_text("failed")
    page.click('#graph-drawing [data-graph-node="boom"]')
    # the last line of the traceback, as Python prints it, and when the step ended
    expect(page.locator("#inspector .step-error")).to_have_text(
        "RuntimeError: the provider refused: quota exceeded"
    )
    expect(page.locator("#inspector .step-times")).to_have_text(re.compile(TIMES))
    assert_clean(ui)


def test_a_fork_from_a_checkpoint_runs_from_the_step_after_it(ui: Ui) -> None:
    page = ui.open()
    start(ui, "steps", delay="0.01")
    expect(status(ui)).to_have_text("succeeded")
    original = page.url
    page.locator("#timetravel-box summary").click()
    checkpoint = page.locator('#checkpoints .checkpoint[data-next="three"]')
    expect(checkpoint).to_have_count(1)
    checkpoint.click()
    editor = page.locator("#fork-state")
    state = json.loads(editor.input_value())
    assert state["visited"] == ["one", "two"]
    page.fill("#fork-state", "{not json")
    page.click("#fork-button")
    expect(page.locator("#fork-error")).to_contain_text("not valid JSON")
    page.fill("#fork-state", json.dumps({**state, "visitd": ["typo"]}))
    page.click("#fork-button")
    expect(page.locator("#fork-error")).to_contain_text("Unknown state key(s) 'visitd'")
    page.fill("#fork-state", json.dumps({**state, "visited": "edited"}))
    page.click("#fork-button")
    expect(page.locator("#fork-error")).to_contain_text("'visited' must be array")
    page.fill("#fork-state", json.dumps({**state, "visited": ["edited"]}))
    ui.shot("time-travel")
    page.click("#fork-button")
    expect(page).not_to_have_url(original)
    expect(status(ui)).to_have_text("succeeded")
    # The fork's first step is the one after the checkpoint: one and two never ran in it.
    expect(ui.node("three")).to_have_attribute("data-status", "done")
    expect(ui.node("one")).to_have_attribute("data-status", "pending")
    expect(ui.node("two")).to_have_attribute("data-status", "pending")
    expect(page.locator("#output-json")).to_contain_text('"edited"')
    visited = json.loads(page.locator("#output-json").inner_text())["visited"]
    assert visited == ["edited", "three", "four", "five"]
    fork_id = page.url.rsplit("/", 1)[-1]
    thread = page.locator(f'#threads .thread-item[data-runs~="{fork_id}"]')
    expect(thread.locator(".run-item")).to_have_count(2)  # beside the original run
    original_id = original.rsplit("/", 1)[-1]
    expect(thread.locator(f'.run-item[data-run="{original_id}"]')).to_have_count(1)
    expect(thread.locator(f'.run-item[data-run="{fork_id}"]')).to_have_attribute(
        "aria-current", "true"
    )
    assert_clean(ui)


def test_server_validation_errors_show_next_to_the_field(ui: Ui) -> None:
    page = ui.open()
    start_form = page.locator("#input-form")
    page.check("#cap-validated")  # a pydantic state: LangGraph itself refuses "x"
    page.fill("#field-delay", "x")
    page.click("#start-button")
    error = page.locator("#field-delay-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("valid number")
    expect(page.locator("#field-delay")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#field-delay")).to_be_focused()
    expect(start_form).to_be_visible()
    ui.shot("invalid")
    page.fill("#field-delay", "0")
    page.click("#start-button")
    expect(status(ui)).to_have_text("succeeded")


def test_pause_then_resume_finishes_the_run(ui: Ui) -> None:
    page = ui.open()
    start(ui, "steps", delay="0.5")
    expect(ui.node("one")).to_have_attribute("data-status", "done")
    page.click("#pause-button")
    expect(status(ui)).to_have_text("paused")
    expect(page.locator("#run-notice")).to_contain_text("Paused")
    expect(page.locator("#resume-button")).to_be_enabled()
    ui.shot("paused")
    assert ui.node("five").get_attribute("data-status") == "pending"
    page.click("#resume-button")
    expect(status(ui)).to_have_text("succeeded", timeout=20_000)
    for name in STEPS:
        expect(ui.node(name)).to_have_attribute("data-status", "done")
    assert_clean(ui)


def test_pause_is_acknowledged_at_once_during_a_long_node_then_paused(ui: Ui) -> None:
    page = ui.open()
    start(ui, "steps", delay="4")
    expect(ui.node("one")).to_have_attribute("data-status", "running")
    page.click("#pause-button")
    # The one timing promise of the UI: the click is acknowledged within 500 ms.
    expect(status(ui)).to_have_text("pausing after one", timeout=500)
    expect(page.locator("#pause-button")).to_be_disabled()
    expect(page.locator("body")).to_have_attribute("data-stop-requested", "pause")
    ui.shot("pausing")
    page.reload()  # the server's stop_requested shows it again
    expect(status(ui)).to_contain_text("pausing")
    expect(page.locator("#pause-button")).to_be_disabled()
    expect(status(ui)).to_have_text("paused", timeout=20_000)
    expect(ui.node("one")).to_have_attribute("data-status", "done")
    assert ui.node("two").get_attribute("data-status") == "pending"
    expect(page.locator("#resume-button")).to_be_enabled()
    assert_clean(ui)


def test_a_pause_clicked_just_before_a_reload_still_pauses_the_run(ui: Ui) -> None:
    page = ui.open()
    start(ui, "steps", delay="3")
    expect(ui.node("two")).to_have_attribute("data-status", "running", timeout=20_000)
    page.click("#pause-button")
    page.reload()  # at once: the request must outlive the page
    expect(status(ui)).to_have_text("paused", timeout=20_000)
    expect(ui.node("two")).to_have_attribute("data-status", "done")
    assert ui.node("three").get_attribute("data-status") == "pending"
    assert_clean(ui)


def test_pausing_names_the_node_running_now_also_after_a_reload(ui: Ui) -> None:
    page = ui.open()
    start(ui, "steps", delay="3")
    expect(ui.node("two")).to_have_attribute("data-status", "running", timeout=20_000)
    page.click("#pause-button")
    expect(status(ui)).to_have_text("pausing after two")
    # Reload only once the server has the request (a loaded machine may take a while).
    expect(page.locator("body")).to_have_attribute("data-stop-requested", "pause")
    page.reload()  # the replay starts with node one: the badge still names two
    expect(ui.node("two")).to_have_attribute("data-status", "running")
    expect(status(ui)).to_have_text("pausing after two")
    expect(status(ui)).to_have_text("paused", timeout=20_000)
    assert ui.node("three").get_attribute("data-status") == "pending"
    assert_clean(ui)


def test_a_question_is_answered_from_its_form(ui: Ui) -> None:
    page = ui.open()
    start(ui, "ask", topic="links")
    form = page.locator("#question-form")
    expect(form).to_contain_text("Which pages about links?")
    expect(ui.node("ask")).to_have_attribute("data-status", "interrupted")
    expect(status(ui)).to_have_text("interrupted (question)")
    expect(page.locator("#resume-button")).to_be_disabled()
    ui.shot("question")
    page.get_by_label("Page B").check()
    form.get_by_role("button", name="Answer and resume").click()
    expect(status(ui)).to_have_text("succeeded")
    expect(ui.node("summarize")).to_have_attribute("data-status", "done")
    expect(page.locator("#output-json")).to_contain_text('"answer": "b"')
    assert_clean(ui)


def test_cancel_stops_the_run(ui: Ui) -> None:
    page = ui.open()
    start(ui, "steps", delay="3")
    expect(ui.node("one")).to_have_attribute("data-status", "running")
    page.click("#cancel-button")
    expect(status(ui)).to_have_text("cancelled")
    expect(ui.node("one")).to_have_attribute("data-status", "cancelled")
    expect(page.locator("#cancel-button")).to_be_disabled()
    expect(page.locator("#pause-button")).to_be_disabled()
    assert_clean(ui)


def test_a_reload_mid_run_replays_and_continues_live(ui: Ui) -> None:
    page = ui.open()
    start(ui, "steps", delay="0.6")
    expect(ui.node("one")).to_have_attribute("data-status", "done")
    url = page.url
    ui.shot("before-reload")
    page.reload()
    assert page.url == url
    expect(ui.node("one")).to_have_attribute("data-status", "done")
    expect(status(ui)).to_have_text("running")
    expect(status(ui)).to_have_text("succeeded", timeout=20_000)
    for name in STEPS:
        expect(ui.node(name)).to_have_attribute("data-status", "done")
    expect(page.locator("#threads .history-item[aria-current=true]")).to_have_count(1)
    assert_clean(ui)


def test_tokens_stream_into_the_page(ui: Ui) -> None:
    page = ui.open()
    start(ui, "chat", question="how?")
    expect(page.locator("#message-list")).to_contain_text(
        "The pillar page should link to every cluster page, and back."
    )
    expect(status(ui)).to_have_text("succeeded")


def test_a_failed_node_is_marked_with_its_error(ui: Ui) -> None:
    page = ui.open()
    start(ui, "failing")
    expect(ui.node("boom")).to_have_attribute("data-status", "failed")
    expect(ui.node("fine")).to_have_attribute("data-status", "done")
    expect(page.locator("#run-error")).to_contain_text("quota exceeded")
    expect(status(ui)).to_have_text("failed")


def test_the_page_reconnects_after_a_server_restart(live_host: LiveHost, ui_factory: Any) -> None:
    live_host.start()
    ui = ui_factory(live_host.base_url)
    page = ui.open()
    start(ui, "steps", delay="0.6")
    expect(ui.node("one")).to_have_attribute("data-status", "done")
    live_host.stop()
    expect(page.locator("#connection")).to_contain_text("reconnecting")
    ui.shot("reconnecting")
    live_host.start()
    expect(page.locator("#connection")).to_be_hidden(timeout=20_000)
    expect(status(ui)).to_have_text("succeeded", timeout=20_000)
    for name in STEPS:
        expect(ui.node(name)).to_have_attribute("data-status", "done")


def test_a_server_shutdown_shows_pausing_then_the_run_goes_on_when_it_is_back(
    live_host: LiveHost, ui_factory: Any
) -> None:
    live_host.env["GENESIS_MESH_SHUTDOWN_GRACE_SECONDS"] = "10"
    live_host.start()
    ui = ui_factory(live_host.base_url)
    page = ui.open()
    start(ui, "steps", delay="1.5")
    expect(ui.node("one")).to_have_attribute("data-status", "running")
    assert live_host.process is not None
    live_host.process.send_signal(signal.SIGTERM)
    expect(status(ui)).to_have_text("pausing (server shutting down)")
    expect(page.locator("#pause-button")).to_be_disabled()
    ui.shot("pausing-for-shutdown")
    expect(page.locator("#connection")).to_contain_text("reconnecting")
    assert live_host.process.wait(30) in (0, -15)
    live_host.start()
    expect(page.locator("#connection")).to_be_hidden(timeout=20_000)
    expect(status(ui)).to_have_text("succeeded", timeout=30_000)
    for name in STEPS:
        expect(ui.node(name)).to_have_attribute("data-status", "done")
    assert ui.errors == []


def test_a_chat_message_with_a_url_fills_the_topical_mesh_form(
    ui_factory: Any, mesh_host: LiveHost
) -> None:
    ui = ui_factory(mesh_host.base_url)
    page = ui.open()
    page.fill("#chat-input", "analyze https://github.com/acme/site")
    page.keyboard.press("Enter")
    expect(page.locator("#cap-topical_mesh")).to_be_checked()
    expect(page.locator("#field-repo_url")).to_have_value("https://github.com/acme/site")
    expect(page.locator("#field-max_pages")).to_have_value("50")
    expect(page.locator("#field-mode")).to_have_value("0")
    expect(page.locator("#field-subdir")).to_have_value("")
    expect(page.locator("#start-button")).to_be_focused()
    page.fill("#field-max_pages", "0")
    page.keyboard.press("Enter")
    expect(page.locator("#field-max_pages-error")).to_contain_text("greater than or equal to 1")
    assert_clean(ui)


def chat(ui: Ui, text: str) -> None:
    page = ui.page
    replies = page.locator("#chat-log .bubble-app")
    before = replies.count()
    page.fill("#chat-input", text)
    page.keyboard.press("Enter")
    expect(replies).to_have_count(before + 1)


def test_the_chat_box_reads_a_url_or_a_path_and_never_keeps_a_stale_value(
    ui_factory: Any, mesh_host: LiveHost
) -> None:
    ui = ui_factory(mesh_host.base_url)
    page = ui.open()
    expect(page.locator("[data-graph]")).to_have_count(1)
    chat(ui, "analyze https://github.com/acme/docs")
    expect(page.locator("#field-repo_url")).to_have_value("https://github.com/acme/docs")
    page.fill("#field-subdir", "old")
    page.fill("#field-max_pages", "7")
    chat(ui, "audit ./site")
    expect(page.locator("#field-repo_url")).to_have_value("./site")
    expect(page.locator("#field-subdir")).to_have_value("")
    expect(page.locator("#field-max_pages")).to_have_value("50")
    chat(ui, "analyze /srv/www/site in docs.")
    expect(page.locator("#field-repo_url")).to_have_value("/srv/www/site")
    expect(page.locator("#field-subdir")).to_have_value("docs")
    chat(ui, "and what about the other one?")
    expect(page.locator("#field-repo_url")).to_have_value("")
    expect(page.locator("#field-subdir")).to_have_value("")
    expect(page.locator("#chat-log .bubble-app").last).to_contain_text("a path")
    ui.shot("chat")
    assert_clean(ui)


def test_hostile_report_and_names_execute_nothing_and_load_nothing(
    ui_factory: Any, mesh_host: LiveHost, canary: Canary
) -> None:
    ui = ui_factory(mesh_host.base_url)
    page = ui.open()
    page.check("#cap-topical_mesh")
    hostile_name = '<script>window.__pwned="name"</script><img src=x onerror=alert(1)>'
    page.fill("#field-repo_url", f"https://example.com/{hostile_name}")
    page.check("#field-review_recommendations")
    page.click("#start-button")
    form = page.locator("#question-form")
    expect(form).to_contain_text("<script>")
    ui.shot("hostile-question")
    form.get_by_role("button", name="Answer and resume").click()
    expect(status(ui)).to_have_text("succeeded")
    report = page.locator("#report")
    expect(report).to_have_attribute("data-rendered", "true")
    ui.shot("hostile-report")

    expect(page.locator("#run-title")).to_contain_text(hostile_name)
    expect(report).to_contain_text('<script>window.__pwned="report"</script>')
    expect(report).to_contain_text("[image: canary image]")
    expect(page.locator(".figure-grade dd")).to_have_text("B")
    expect(page.locator(".figure-orphans dd")).to_have_text("2")
    expect(page.locator(".figure-broken dd")).to_have_text("1")
    expect(page.locator(".finding .place")).to_have_text("docs/p1.md:3:7")
    expect(page.locator(".finding")).to_contain_text("Broken link to <")
    expect(page.locator(".mesh-nodes .mesh-pillar")).to_have_count(1)
    expect(page.locator(".mesh-nodes .mesh-orphan")).to_have_count(2)
    expect(page.locator(".mesh-edges .mesh-edge-missing")).to_have_count(1)
    expect(page.locator(".mesh-suggested .mesh-edge-suggested")).to_have_count(2)

    injected = page.evaluate(
        """() => ({
          scripts: [...document.scripts].map((s) => s.src),
          tags: document.querySelectorAll(
            "main img, main iframe, main object, main embed, main style, main link, main script"
          ).length,
          svgs: document.querySelectorAll("main svg:not(.mesh-svg):not(.graph-svg)").length,
          handlers: document.querySelectorAll(
            "[onerror], [onload], [onmouseover], [onclick], [style]:not([style=''])"
          ).length,
          jsLinks: [...document.querySelectorAll("a[href]")].filter(
            (a) => !/^(https?:|#|blob:|mailto:)/.test(a.getAttribute("href"))
          ).length,
          pwned: window.__pwned === undefined ? null : String(window.__pwned),
        })"""
    )
    assert injected == {
        "scripts": [f"{mesh_host.base_url}/static/app.js"],
        "tags": 0,
        "svgs": 0,
        "handlers": 0,
        "jsLinks": 0,
        "pwned": None,
    }
    for link in report.locator("a").all():
        assert link.get_attribute("rel") == "noopener noreferrer nofollow"

    with page.expect_download() as download:
        page.click("#download-markdown")
    assert "```mermaid" in Path(download.value.path()).read_text()

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.wait_for_timeout(200)
    assert canary.requests == []
    assert_clean(ui)


def test_two_parallel_questions_get_a_form_each_and_are_answered_one_by_one(ui: Ui) -> None:
    page = ui.open()
    start(ui, "parallel_ask")
    forms = page.locator("#question .question-form")
    expect(forms).to_have_count(2)
    expect(page.locator("#question")).to_contain_text("Approve the plan?")
    expect(page.locator("#question")).to_contain_text("What is it called?")
    expect(ui.node("approve")).to_have_attribute("data-status", "interrupted")
    expect(ui.node("name")).to_have_attribute("data-status", "interrupted")
    ui.shot("two questions")
    naming = forms.filter(has_text="What is it called?")
    naming.get_by_label("Your answer").fill("Atlas")
    naming.get_by_role("button", name="Answer and resume").click()
    expect(forms).to_have_count(1)  # asked again: only the unanswered question is left
    expect(forms).to_contain_text("Approve the plan?")
    forms.get_by_label("Your answer").fill("yes")
    forms.get_by_role("button", name="Answer and resume").click()
    expect(status(ui)).to_have_text("succeeded")
    expect(page.locator("#output-json")).to_contain_text("name:{'answer': 'Atlas'}")
    expect(page.locator("#output-json")).to_contain_text("approve:{'answer': 'yes'}")
    assert_clean(ui)


def test_a_question_from_inside_a_subgraph_marks_its_parent_node(ui: Ui) -> None:
    page = ui.open()
    start(ui, "sub_ask")
    expect(page.locator("#question-form")).to_contain_text("Publish the draft?")
    expect(ui.node("review")).to_have_attribute("data-status", "interrupted")
    expect(ui.node("review")).to_contain_text("confirm")  # the inner node that asked
    expect(ui.node("begin")).to_have_attribute("data-status", "done")
    assert page.locator('[data-node="draft"], [data-node="confirm"]').count() == 0
    page.get_by_label("Your answer").fill("ok")
    page.get_by_role("button", name="Answer and resume").click()
    expect(status(ui)).to_have_text("succeeded")
    expect(ui.node("review")).to_have_attribute("data-status", "done")
    expect(ui.node("finish")).to_have_attribute("data-status", "done")
    assert_clean(ui)


def test_a_send_fan_out_shows_its_three_parallel_branches(ui: Ui) -> None:
    page = ui.open()
    start(ui, "fanout")
    expect(status(ui)).to_have_text("succeeded")
    work = page.locator('#graph-drawing [data-graph-node="work"]')
    expect(work.locator(".node-branches")).to_have_text("×3")
    expect(work).to_have_attribute("aria-label", "work: done, visited once, 3 parallel branches")
    expect(work).to_have_attribute("data-visits", "1")  # one superstep, not a loop of three
    expect(work.locator(".node-visits")).to_have_text("")
    split = page.locator('#graph-drawing [data-graph-node="split"]')
    expect(split.locator(".node-branches")).to_have_text("")
    expect(split).to_have_attribute("aria-label", "split: done, visited once")
    fan = page.locator('#graph-drawing [data-edge="split->work"]')
    expect(fan).to_have_attribute("data-taken", "1")
    ui.shot("fan-out")
    assert_clean(ui)
