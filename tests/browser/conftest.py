"""Browser fixtures: Debian's Chromium driven by Playwright, against a real server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (Playwright cannot download its own here)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed at {CHROMIUM} (make test installs it)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context_factory(browser):
    """Make fresh browser contexts (separate cookies and storage); closed after the test."""
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("locale", "en-GB")
        ctx = browser.new_context(**kwargs)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def phone(context_factory):
    """A phone-sized page (390×844, touch) that fails the test on any JS dialog or error."""
    ctx = context_factory(viewport={"width": 390, "height": 844}, is_mobile=True,
                          has_touch=True, device_scale_factor=2)
    page = ctx.new_page()
    watch_page(page)
    return page


def watch_page(page) -> None:
    """Record dialogs (an XSS would fire one) and uncaught page errors on the page."""
    page.dialogs = []
    page.errors = []

    def on_dialog(d):
        page.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: page.errors.append(str(e)))


@pytest.fixture
def server(live_server) -> Iterator:
    """The app served in its own process (eventlet) with its own Redis data."""
    yield live_server


def screenshot(page, name: str, docs: bool = False) -> Path:
    """Save a screenshot under tests/artifacts (and docs/screenshots when asked)."""
    folder = SCREENSHOTS if docs else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path
