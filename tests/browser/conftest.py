"""Browser fixtures: Debian's Chromium driven by Playwright, against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_kit import CHROMIUM, CHROMIUM_ARGS, watch_page


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




@pytest.fixture
def server(live_server) -> Iterator:
    """The app served in its own process (eventlet) with its own Redis data."""
    yield live_server

