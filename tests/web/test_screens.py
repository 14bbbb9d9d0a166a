"""Every screen at 1440 and 390 px: axe-core finds no WCAG 2.1 AA violation (contrast
included), report tables scroll instead of breaking words, the drawings are labelled;
a screenshot of each lands in the screens folder (docs/ui.md, "Tests")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, LiveHost
from tests.graphs.topical_mesh.fixture_site import FILES
from tests.web.conftest import Ui
from tests.web.test_ui import expect, start, status

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The topical_mesh fixture site as a local folder."""
    root = tmp_path_factory.mktemp("site")
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture(scope="module")
def real_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    """The real graphs of langgraph.json; topical_mesh may read local folders."""
    context = {"topical_mesh": {"allow_local_sources": True}}
    live = LiveHost(
        tmp_path_factory.mktemp("real"),
        config=ROOT / "langgraph.json",
        env={"GENESIS_MESH_GRAPH_CONTEXT": json.dumps(context)},
    )
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def mesh_run(real_host: LiveHost, site: Path) -> str:
    """One finished topical_mesh run of the fixture site."""
    response = httpx.post(
        f"{real_host.base_url}/api/v1/runs",
        json={
            "graph": "topical_mesh",
            "input": {"repo_url": str(site), "review_recommendations": False},
        },
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return str(response.json()["run_id"])


def sized(ui_factory: Any, base_url: str, size: str) -> Ui:
    ui: Ui = ui_factory(base_url, viewport=SIZES[size])
    return ui


def assert_accessible(ui: Ui) -> None:
    problems = ui.axe()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_start_screen_passes_axe(ui_factory: Any, host: LiveHost, size: str) -> None:
    ui = sized(ui_factory, host.base_url, size)
    page = ui.open()
    expect(page.locator("#threads")).to_have_attribute("data-loaded", "true")
    page.check("#cap-steps")
    expect(page.locator("#input-form")).to_be_visible()
    ui.screen(f"start-{size}")
    assert_accessible(ui)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_run_with_its_drawing_inspector_and_time_travel_passes_axe(
    ui_factory: Any, host: LiveHost, size: str
) -> None:
    ui = sized(ui_factory, host.base_url, size)
    page = ui.open()
    start(ui, "steps", delay="0.01")
    expect(status(ui)).to_have_text("succeeded")
    page.click('#graph-drawing [data-graph-node="two"]')
    expect(page.locator("#inspector")).to_be_visible()
    page.locator("#timetravel-box summary").click()
    expect(page.locator("#checkpoints")).to_have_attribute("data-loaded", "true")
    page.locator("#checkpoints .checkpoint").first.click()
    drawing = page.locator("#graph-drawing svg")
    assert drawing.get_attribute("aria-label")
    box = drawing.bounding_box()
    assert box is not None and box["width"] <= SIZES[size]["width"]
    # drawn at its own size: a wide screen does not blow the boxes up, a phone keeps
    # them legible
    step = page.locator('#graph-drawing [data-graph-node="two"] rect').bounding_box()
    assert step is not None and 120 <= step["width"] <= 200, step
    ui.screen(f"run-{size}")
    assert_accessible(ui)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_report_reads_well_and_passes_axe(
    ui_factory: Any, real_host: LiveHost, mesh_run: str, size: str
) -> None:
    ui = sized(ui_factory, real_host.base_url, size)
    page = ui.open(f"/#/runs/{mesh_run}")
    expect(status(ui)).to_have_text("succeeded", timeout=60_000)
    report = page.locator("#report")
    expect(report).to_have_attribute("data-rendered", "true")
    mesh = page.locator("#result svg.mesh-svg")
    expect(mesh).to_have_attribute("role", "group")
    assert (mesh.get_attribute("aria-label") or "").strip()
    tables = report.locator("table")
    assert tables.count() >= 1
    # No word is broken across lines: each header cell is as wide as its longest word,
    # and a table wider than the column scrolls inside itself, never past the page.
    broken = page.evaluate(
        """() => [...document.querySelectorAll("#report th, #report td")].filter((cell) => {
             const range = document.createRange();
             // words as the line breaker sees them: hyphens and slashes may break
             const words = cell.textContent.split(/[\\s\\-\\/]+/).filter(Boolean);
             if (!words.length) return false;
             range.selectNodeContents(cell);
             const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
             return lines.size > words.length;
           }).map((cell) => cell.textContent.slice(0, 60))"""
    )
    assert broken == []
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= SIZES[size]["width"], "the page scrolls sideways"
    ui.screen(f"report-{size}")
    assert_accessible(ui)

    # The mesh zooms: fitted to the column first, then at its own size in a box that
    # scrolls, where its 12 px labels read on a phone too; the page never scrolls sideways.
    label = mesh.locator(".mesh-label").first
    fitted = label.bounding_box()
    assert fitted is not None
    expect(page.locator(".mesh-zoom-out")).to_be_disabled()
    page.click(".mesh-zoom-in")
    expect(page.locator(".mesh-scroll")).to_have_attribute("data-zoom", "100 %")
    expect(page.locator(".mesh-zoom-level")).to_have_text("Zoom: 100 %")
    zoomed = label.bounding_box()
    assert zoomed is not None and zoomed["height"] >= 11, zoomed
    if size == "phone":
        assert fitted["height"] < 8, fitted  # too small to read before zooming
        assert page.evaluate(
            "(() => { const box = document.querySelector('.mesh-scroll');"
            " return box.scrollWidth > box.clientWidth; })()"
        )
    page.click(".mesh-zoom-in")
    page.click(".mesh-zoom-in")
    expect(page.locator(".mesh-zoom-in")).to_be_disabled()
    expect(page.locator(".mesh-scroll")).to_have_attribute("data-zoom", "200 %")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    page.click(".mesh-zoom-out")
    page.click(".mesh-zoom-out")
    ui.screen(f"report-mesh-zoomed-{size}")
    assert_accessible(ui)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_question_and_a_failed_step_pass_axe(ui_factory: Any, host: LiveHost, size: str) -> None:
    ui = sized(ui_factory, host.base_url, size)
    page = ui.open()
    start(ui, "ask", topic="links")
    expect(page.locator("#question-form")).to_contain_text("Which pages about links?")
    ui.screen(f"question-{size}")
    assert_accessible(ui)

    page.click("#new-run")
    start(ui, "failing")
    expect(status(ui)).to_have_text("failed")
    page.click('#graph-drawing [data-graph-node="boom"]')
    expect(page.locator("#inspector .step-error")).to_contain_text("quota exceeded")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    ui.screen(f"failed-{size}")
    assert_accessible(ui)
