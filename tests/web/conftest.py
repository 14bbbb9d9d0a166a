"""Browser fixtures: headless Debian Chromium driven by Playwright against a real host.

A missing Chromium or Playwright goes through `require()` (tests/browser.py), a failure
under GENESIS_MESH_REQUIRE_ALL=1 (CI). On a failed test the
screenshots of its main states and of the final page land in test-artifacts/.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser import chromium_browser
from tests.conftest import ROOT, LiveHost, require

ARTIFACTS = ROOT / "test-artifacts"
SCREENS = (
    Path(os.environ.get("GENESIS_MESH_ARTIFACTS") or ROOT / "tests" / ".artifacts") / "screens"
)
"""Screenshots of every screen at every size, kept by CI for a person to look at."""
AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core, a test-only dependency (tests/package.json: `cd tests && npm ci`)."""


def install_axe() -> None:
    """`npm ci` in tests/ the first time axe-core is needed (one worker at a time)."""
    if AXE.exists():
        return
    npm = shutil.which("npm")
    require(npm is not None, "npm is not installed: it installs axe-core (cd tests && npm ci)")
    assert npm is not None
    with open(ROOT / "tests" / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AXE.exists():
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT / "tests", check=True, timeout=600
            )
    require(AXE.exists(), f"{AXE} is missing after npm ci")


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
WEB_FIXTURES = Path(__file__).parent / "fixtures"

# Records what the page tried and what the CSP refused; added through the DevTools
# protocol, so the page's own CSP does not apply to this one script.
RECORDER = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module (see tests/browser.py for why not per session)."""
    yield from chromium_browser()


@dataclass
class Ui:
    """One browser tab on a host, with what it saw."""

    page: Any
    base_url: str
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shots: list[tuple[str, bytes]] = field(default_factory=list)

    def open(self, path: str = "/") -> Any:
        self.page.goto(self.base_url + path)
        self.page.wait_for_selector("body[data-ready=true]")
        return self.page

    def shot(self, name: str) -> None:
        """Keep a screenshot of a main state (written out only if the test fails)."""
        self.shots.append((name, self.page.screenshot(full_page=True)))

    def screen(self, name: str) -> Path:
        """Write a full-page screenshot to the screens folder (always, pass or fail)."""
        SCREENS.mkdir(parents=True, exist_ok=True)
        width = self.page.viewport_size["width"] if self.page.viewport_size else 0
        path = SCREENS / f"{name}-{width}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def screens_at_both_sizes(self, name: str) -> list[str]:
        """Screenshots at 1440 and 390 px wide, and axe-core's findings at each."""
        problems = []
        for width, height in ((1440, 900), (390, 844)):
            self.page.set_viewport_size({"width": width, "height": height})
            self.screen(name)
            problems += [f"{width}px {p}" for p in self.axe()]
        return problems

    def axe(self, disabled: tuple[str, ...] = ()) -> list[str]:
        """axe-core's WCAG 2.1 A/AA (and best-practice) violations of the page as it is."""
        install_axe()
        if not self.page.evaluate("typeof window.axe === 'object'"):
            self.page.evaluate(AXE.read_text())  # through DevTools: the page's CSP holds
        found = self.page.evaluate(
            """async ([tags, disabled]) => {
              const rules = Object.fromEntries(disabled.map((id) => [id, { enabled: false }]));
              const runOnly = { type: "tag", values: tags };
              const result = await axe.run(document, { runOnly, rules });
              return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
              }));
            }""",
            [AXE_TAGS, list(disabled)],
        )
        return [json.dumps(v, indent=1) for v in found]

    def violations(self) -> list[str]:
        return list(self.page.evaluate("window.__violations || []"))

    def node(self, name: str) -> Any:
        return self.page.locator(f'[data-node="{name}"]')


@pytest.fixture
def ui_factory(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Make a `Ui` on a host's base URL; fresh context (no localStorage) per test."""
    made: list[Ui] = []
    contexts: list[Any] = []

    def make(base_url: str, **context_options: Any) -> Ui:
        context = browser.new_context(accept_downloads=True, **context_options)
        context.set_default_timeout(15_000)
        context.add_init_script(RECORDER)
        contexts.append(context)
        page = context.new_page()
        ui = Ui(page, base_url)
        page.on("dialog", lambda dialog: (ui.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: ui.errors.append(str(error)))
        made.append(ui)
        return ui

    yield make
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        ARTIFACTS.mkdir(exist_ok=True)
        for i, ui in enumerate(made):
            for j, (state, png) in enumerate(ui.shots):
                (ARTIFACTS / f"{name}-{i}-{j:02d}-{state}.png").write_bytes(png)
            with contextlib.suppress(Exception):  # the page may be gone already
                ui.page.screenshot(path=str(ARTIFACTS / f"{name}-{i}-final.png"), full_page=True)
    problems = []
    if failed is not None and failed.passed:
        for ui in made:
            with contextlib.suppress(Exception):
                problems += [f"CSP violation: {v}" for v in ui.violations()]
            problems += [f"page error: {e}" for e in ui.errors]
            problems += [f"dialog: {d}" for d in ui.dialogs]
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("the page misbehaved:\n" + "\n".join(problems))


@pytest.fixture
def ui(ui_factory: Any, host: LiveHost) -> Ui:
    """A tab on the module's host of the fixture graphs (tests/fixtures/langgraph.json)."""
    made: Ui = ui_factory(host.base_url)
    return made


@dataclass
class Canary:
    """A loopback HTTP server that records every request it gets."""

    server: ThreadingHTTPServer
    requests: list[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Canary(server, requests)
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def mesh_host(tmp_path_factory: pytest.TempPathFactory, canary: Canary) -> Iterator[LiveHost]:
    """A host whose `topical_mesh` is the hostile stand-in of tests/web/fixtures."""
    live = LiveHost(
        tmp_path_factory.mktemp("mesh-host"),
        config=WEB_FIXTURES / "langgraph.json",
        env={"WEB_CANARY_URL": canary.url},
    ).start()
    yield live
    live.stop()
