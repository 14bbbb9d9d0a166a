"""mesh_build in the chat UI: the model's tokens stream into the page, the review form
drops a cluster, approval resumes the run, the briefs arrive (real Chromium, real host,
the real langchain-openai client against the fake OpenAI-compatible server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import LiveHost
from tests.llm.conftest import LLM_CONFIG, llm_env
from tests.llm.fake_openai import FakeOpenAI
from tests.web.conftest import Ui

pytestmark = pytest.mark.browser


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture(scope="module")
def llm_ui_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveHost, FakeOpenAI]]:
    fake = FakeOpenAI(tokens=24, token_rate=40).start()  # ~0.6 s per brief: visible
    live = LiveHost(tmp_path_factory.mktemp("llm-ui"), config=LLM_CONFIG, env=llm_env(fake))
    live.start()
    yield live, fake
    live.stop()
    fake.stop()


def test_a_mesh_build_run_streams_tokens_asks_for_review_and_shows_the_briefs(
    llm_ui_host: tuple[LiveHost, FakeOpenAI], ui_factory: Any
) -> None:
    host, fake = llm_ui_host
    ui: Ui = ui_factory(host.base_url)
    page = ui.open()
    page.check("#cap-mesh_build")
    page.fill("#field-main_topic", "Home espresso")
    page.fill("#field-num_clusters", "3")
    page.click("#start-button")
    form = page.locator("#question-form")
    expect(form).to_contain_text("Review the plan for the pillar page 'Home espresso'")
    expect(page.locator("#run-status")).to_have_text("interrupted (question)")
    ui.shot("review")
    expect(form.locator(".choices input")).to_have_count(3)
    page.get_by_label("Espresso part 3").uncheck()
    page.fill("#answer-edits", "espresso-part-2: Milk steaming")  # rename a cluster
    form.get_by_role("button", name="Answer and resume").click()

    messages = page.locator("#message-list")
    expect(messages).to_contain_text("t2.0 t2.1")  # the first brief's first tokens ...
    expect(page.locator("#run-status")).to_have_text("running")  # ... while it runs
    ui.shot("streaming")
    expect(page.locator("#run-status")).to_have_text("succeeded", timeout=20_000)
    expect(messages).to_contain_text("t4.23")  # the last token of the third brief
    result = page.locator("#result")
    expect(result).to_contain_text("Milk steaming")
    expect(result).not_to_contain_text("Espresso part 2")
    expect(result).not_to_contain_text("Espresso part 3")
    ui.shot("briefs")
    assert len(fake.sent_texts) == 3
