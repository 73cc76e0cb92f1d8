"""Browser fixtures: Debian's Chromium driven by Playwright, against a real server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_kit import watch_page


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

