"""Headless Debian Chromium under Playwright, the one way every browser test launches it.

The flags keep Chromium off the (closed) network: without them it floods it with refused
connections. A missing Chromium or Playwright goes through `require()`, which fails the
test under GENESIS_MESH_REQUIRE_ALL=1 (CI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.conftest import require

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


EXPECT_TIMEOUT_MS = 15_000


def chromium_browser() -> Iterator[Any]:
    """Yield a launched Playwright browser, closed after. Playwright's sync API keeps an
    event loop running in this thread while it lives, so use it from a module-scoped
    fixture: it must end before async tests of other modules run."""
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:  # pragma: no cover - dev extra not installed
        require(False, "the playwright package is missing (pip install -e '.[dev]')")
        raise
    # Assertions wait as long as actions (the contexts' default): on a loaded 2-core CI
    # machine a run's start can take longer than Playwright's 5 s.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
